//! The JSON layout of the original ccwb: `{"version": "1.0", "exported_at": …, "policies":
//! [...]}` (an array of policies alone is read too); entries are numbered from 1 in errors.

use ccwb_core::Policy;
use serde_json::{Map, Value, json};

use super::{CSV_COLUMNS, METADATA, Parsed, SourceRow, row_from_cells};
use crate::error::CliError;

/// The document for `policies`, pretty-printed with a final newline.
pub fn render(policies: &[Policy]) -> Result<String, CliError> {
    let entries: Vec<Value> = policies.iter().map(json_entry).collect();
    let exported_at = time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    let document = json!({"version": "1.0", "exported_at": exported_at, "policies": entries});
    serde_json::to_string_pretty(&document)
        .map(|text| text + "\n")
        .map_err(|e| CliError::Output(e.to_string()))
}

/// One policy as the original layout has it: settings, then the stored policy's metadata.
fn json_entry(p: &Policy) -> Value {
    let mut entry = Map::new();
    entry.insert("type".into(), json!(p.policy_type));
    entry.insert("identifier".into(), json!(p.identifier));
    if let Some(t) = p.monthly_token_limit {
        entry.insert("monthly_token_limit".into(), json!(t.to_string()));
    }
    if let Some(t) = p.daily_token_limit {
        entry.insert("daily_token_limit".into(), json!(t.to_string()));
    }
    if let Some(u) = p.monthly_cost_limit {
        entry.insert("monthly_cost_limit".into(), json!(u));
    }
    if let Some(u) = p.daily_cost_limit {
        entry.insert("daily_cost_limit".into(), json!(u));
    }
    entry.insert("enforcement_mode".into(), json!(p.enforcement_mode));
    entry.insert(
        "daily_enforcement_mode".into(),
        json!(p.daily_enforcement_mode),
    );
    entry.insert("enabled".into(), json!(p.enabled));
    if let Ok(Value::Object(meta)) = serde_json::to_value(p) {
        for key in METADATA {
            if let Some(value) = meta.get(key) {
                entry.insert(key.into(), value.clone());
            }
        }
    }
    Value::Object(entry)
}

/// The entries of a document; rows are numbered `entry N`.
pub fn parse(text: &str) -> Result<Parsed, CliError> {
    let document: Value =
        serde_json::from_str(text).map_err(|e| CliError::Input(format!("not valid JSON: {e}")))?;
    let entries = match &document {
        Value::Array(entries) => entries,
        Value::Object(object) => object
            .get("policies")
            .and_then(Value::as_array)
            .ok_or_else(|| {
                CliError::Input("expected {\"policies\": [...]} or an array of policies".into())
            })?,
        _ => {
            return Err(CliError::Input(
                "expected {\"policies\": [...]} or an array of policies".into(),
            ));
        }
    };
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    for (index, entry) in entries.iter().enumerate() {
        let location = format!("entry {}", index + 1);
        let result = entry
            .as_object()
            .ok_or_else(|| "not an object".to_owned())
            .and_then(|object| {
                let cell = |name: &str| -> Result<Option<String>, String> {
                    match object.get(name) {
                        None | Some(Value::Null) => Ok(None),
                        Some(Value::String(s)) => Ok(Some(s.clone())),
                        Some(Value::Number(n)) => Ok(Some(n.to_string())),
                        Some(Value::Bool(b)) => Ok(Some(b.to_string())),
                        Some(_) => Err(format!("{name}: expected a string, number or boolean")),
                    }
                };
                for key in object.keys() {
                    if !CSV_COLUMNS.contains(&key.as_str()) && !METADATA.contains(&key.as_str()) {
                        return Err(format!("{key}: unknown field"));
                    }
                }
                let cells: Vec<Option<String>> = CSV_COLUMNS
                    .iter()
                    .map(|name| cell(name))
                    .collect::<Result<_, _>>()?;
                row_from_cells(&cells)
            });
        match result {
            Ok(row) => rows.push(SourceRow { location, row }),
            Err(message) => errors.push((location, message)),
        }
    }
    Ok((rows, errors))
}
