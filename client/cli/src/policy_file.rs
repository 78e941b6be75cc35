//! Policy files for export and import: JSON (`{"version": "1.0", "policies": [...]}`, the
//! original ccwb layout) and CSV, with errors that cite the file's row numbers.
//!
//! CSV files are opened in spreadsheets, which run a cell that starts with `=`, `+`, `-`, `@`,
//! tab or carriage return as a formula (OWASP's "CSV Injection"): a group named
//! `=HYPERLINK(…)` must not become a link in an administrator's spreadsheet. So every CSV cell is
//! written in double quotes (a `;` inside a cell then cannot start a new cell where `;` is the
//! list separator), and a cell whose value starts with one of those characters, or with `'`, gets
//! one `'` in front ([`escape_cell`]): spreadsheets show such a cell as the text after the `'`.
//! Import removes exactly one leading `'` from every cell ([`unescape_cell`]), so an exported
//! file reads back as the original values, including values that themselves start with `'`.
//! The rule is the same for every column; numeric cells never start with those characters
//! (amounts cannot be negative), so it only ever changes text. A hand-written cell starting with
//! `'` loses that `'` on import, as the file format says.

use std::borrow::Cow;
use std::path::Path;

use ccwb_api::ImportRow;
use ccwb_core::{Mode, Policy, PolicyType, TokenAmount, Usd};
use serde_json::{Map, Value, json};

use crate::cli::FileFormat;
use crate::error::CliError;

/// CSV columns, in order.
pub const CSV_COLUMNS: [&str; 9] = [
    "type",
    "identifier",
    "monthly_token_limit",
    "daily_token_limit",
    "monthly_cost_limit",
    "daily_cost_limit",
    "enforcement_mode",
    "daily_enforcement_mode",
    "enabled",
];

/// Fields of a JSON entry that describe the stored policy, not its settings: exported for
/// information, ignored on import.
const METADATA: [&str; 4] = ["version", "created_at", "updated_at", "updated_by"];

/// The characters that make a spreadsheet read a cell as a formula when it starts with one.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// What spreadsheets read as "the rest of this cell is text"; the CSV escape mark.
const TEXT_MARK: char = '\'';

/// A value as a CSV cell a spreadsheet reads as text: a value starting with a formula character
/// (`=`, `+`, `-`, `@`, tab, carriage return) or with `'` gets one more `'` in front; any other
/// value is unchanged. [`unescape_cell`] undoes it.
pub fn escape_cell(value: &str) -> Cow<'_, str> {
    if value.starts_with(FORMULA_STARTS) || value.starts_with(TEXT_MARK) {
        Cow::Owned(format!("{TEXT_MARK}{value}"))
    } else {
        Cow::Borrowed(value)
    }
}

/// The value of a CSV cell: one leading `'` removed, if there is one (see [`escape_cell`]).
pub fn unescape_cell(cell: &str) -> &str {
    cell.strip_prefix(TEXT_MARK).unwrap_or(cell)
}

/// A row read from a file, with where it came from.
#[derive(Debug, Clone)]
pub struct SourceRow {
    /// `row 7` (CSV line) or `entry 3` (JSON position).
    pub location: String,
    /// The row.
    pub row: ImportRow,
}

/// The good rows of a file, and `(location, message)` for each bad one.
pub type Parsed = (Vec<SourceRow>, Vec<(String, String)>);

/// The format a path's extension names.
pub fn format_of(path: &Path) -> Result<FileFormat, CliError> {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("json") => Ok(FileFormat::Json),
        Some("csv") => Ok(FileFormat::Csv),
        _ => Err(CliError::Usage(format!(
            "{}: use a .json or .csv file name",
            path.display()
        ))),
    }
}

/// Renders policies in `format`.
pub fn render(policies: &[Policy], format: FileFormat) -> Result<String, CliError> {
    match format {
        FileFormat::Json => {
            let entries: Vec<Value> = policies.iter().map(json_entry).collect();
            let exported_at = time::OffsetDateTime::now_utc()
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default();
            let document =
                json!({"version": "1.0", "exported_at": exported_at, "policies": entries});
            serde_json::to_string_pretty(&document)
                .map(|text| text + "\n")
                .map_err(|e| CliError::Output(e.to_string()))
        }
        FileFormat::Csv => {
            let mut writer = csv::WriterBuilder::new()
                .quote_style(csv::QuoteStyle::Always)
                .from_writer(Vec::new());
            let error = |e: csv::Error| CliError::Output(e.to_string());
            writer.write_record(CSV_COLUMNS).map_err(error)?;
            for p in policies {
                let cells = [
                    p.policy_type.as_str().to_owned(),
                    p.identifier.clone(),
                    p.monthly_token_limit
                        .map(|t| t.to_string())
                        .unwrap_or_default(),
                    p.daily_token_limit
                        .map(|t| t.to_string())
                        .unwrap_or_default(),
                    p.monthly_cost_limit.map(decimal).unwrap_or_default(),
                    p.daily_cost_limit.map(decimal).unwrap_or_default(),
                    p.enforcement_mode.as_str().to_owned(),
                    p.daily_enforcement_mode.as_str().to_owned(),
                    p.enabled.to_string(),
                ];
                writer
                    .write_record(cells.iter().map(|cell| escape_cell(cell).into_owned()))
                    .map_err(error)?;
            }
            let bytes = writer
                .into_inner()
                .map_err(|e| CliError::Output(e.to_string()))?;
            String::from_utf8(bytes).map_err(|e| CliError::Output(e.to_string()))
        }
    }
}

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

/// `12.50` for a dollar amount, exact to the micro-dollar.
fn decimal(usd: Usd) -> String {
    let (whole, micros) = (usd.0 / 1_000_000, usd.0 % 1_000_000);
    let fraction = format!("{micros:06}");
    let trimmed = fraction.trim_end_matches('0');
    if trimmed.len() <= 2 {
        format!("{whole}.{:0<2}", trimmed)
    } else {
        format!("{whole}.{trimmed}")
    }
}

/// Reads rows from `text` in `format`; returns the good rows and one error per bad row.
pub fn parse(text: &str, format: FileFormat) -> Result<Parsed, CliError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    match format {
        FileFormat::Json => parse_json(text),
        FileFormat::Csv => parse_csv(text),
    }
}

fn parse_json(text: &str) -> Result<Parsed, CliError> {
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

fn parse_csv(text: &str) -> Result<Parsed, CliError> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| CliError::Input(format!("row 1: {e}")))?
        .clone();
    let mut positions = Vec::with_capacity(CSV_COLUMNS.len());
    for (i, header) in headers.iter().enumerate() {
        if !CSV_COLUMNS.contains(&header) {
            return Err(CliError::Input(format!(
                "row 1: unknown column {header:?} (columns: {})",
                CSV_COLUMNS.join(",")
            )));
        }
        positions.push((header.to_owned(), i));
    }
    for required in ["type", "identifier"] {
        if !positions.iter().any(|(h, _)| h == required) {
            return Err(CliError::Input(format!(
                "row 1: the {required:?} column is required"
            )));
        }
    }
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    for record in reader.records() {
        let record = match record {
            Ok(record) => record,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                errors.push((format!("row {line}"), e.to_string()));
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line());
        let location = format!("row {line}");
        if record.iter().all(str::is_empty) {
            continue;
        }
        if record.len() > headers.len() {
            errors.push((
                location,
                format!("{} cells, but {} columns", record.len(), headers.len()),
            ));
            continue;
        }
        let cells: Vec<Option<String>> = CSV_COLUMNS
            .iter()
            .map(|name| {
                positions
                    .iter()
                    .find(|(h, _)| h == name)
                    .and_then(|(_, i)| record.get(*i))
                    .map(unescape_cell)
                    .filter(|v| !v.is_empty())
                    .map(str::to_owned)
            })
            .collect();
        match row_from_cells(&cells) {
            Ok(row) => rows.push(SourceRow { location, row }),
            Err(message) => errors.push((location, message)),
        }
    }
    Ok((rows, errors))
}

/// A row from cells in [`CSV_COLUMNS`] order; blank cells take defaults.
fn row_from_cells(cells: &[Option<String>]) -> Result<ImportRow, String> {
    let get = |i: usize| cells.get(i).cloned().flatten();
    let policy_type: PolicyType = get(0)
        .ok_or("type: required (user, group or default)")?
        .to_ascii_lowercase()
        .parse()
        .map_err(|e: String| format!("type: {e}"))?;
    let identifier = match (get(1), policy_type) {
        (Some(id), _) => id,
        (None, PolicyType::Default) => "default".to_owned(),
        (None, _) => return Err("identifier: required".into()),
    };
    let tokens = |i: usize, name: &str| -> Result<Option<TokenAmount>, String> {
        get(i)
            .map(|v| v.parse().map_err(|e| format!("{name}: {e}")))
            .transpose()
    };
    let usd = |i: usize, name: &str| -> Result<Option<Usd>, String> {
        get(i)
            .map(|v| v.parse().map_err(|e| format!("{name}: {e}")))
            .transpose()
    };
    let mode = |i: usize, name: &str| -> Result<Option<Mode>, String> {
        get(i)
            .map(|v| {
                v.to_ascii_lowercase()
                    .parse()
                    .map_err(|e: String| format!("{name}: {e}"))
            })
            .transpose()
    };
    let enabled = match get(8).map(|v| v.to_ascii_lowercase()) {
        None => None,
        Some(v) if matches!(v.as_str(), "true" | "yes" | "1") => Some(true),
        Some(v) if matches!(v.as_str(), "false" | "no" | "0") => Some(false),
        Some(v) => return Err(format!("enabled: {v:?} is not true or false")),
    };
    Ok(ImportRow {
        policy_type,
        identifier,
        monthly_token_limit: tokens(2, "monthly_token_limit")?,
        daily_token_limit: tokens(3, "daily_token_limit")?,
        monthly_cost_limit: usd(4, "monthly_cost_limit")?,
        daily_cost_limit: usd(5, "daily_cost_limit")?,
        enforcement_mode: mode(6, "enforcement_mode")?,
        daily_enforcement_mode: mode(7, "daily_enforcement_mode")?,
        enabled,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<Policy> {
        let mut a = Policy::new(PolicyType::User, "a@x.io");
        a.monthly_token_limit = Some(TokenAmount(1_234_567));
        a.daily_token_limit = Some(TokenAmount(0));
        a.monthly_cost_limit = Some(Usd(12_340_000));
        a.enforcement_mode = Mode::Block;
        a.enabled = false;
        let b = Policy::new(PolicyType::Group, "eng, \"core\"");
        vec![a, b]
    }

    #[test]
    fn both_formats_round_trip_every_setting() {
        for format in [FileFormat::Json, FileFormat::Csv] {
            let text = render(&sample(), format).unwrap();
            let (rows, errors) = parse(&text, format).unwrap();
            assert!(errors.is_empty(), "{errors:?}");
            let expected: Vec<ImportRow> = sample().iter().map(ImportRow::from_policy).collect();
            let got: Vec<ImportRow> = rows.into_iter().map(|r| r.row).collect();
            assert_eq!(got, expected, "{format:?}");
        }
    }

    #[test]
    fn csv_with_bom_blank_cells_and_bad_rows_cites_row_numbers() {
        let text = "\u{feff}type,identifier,monthly_token_limit,enforcement_mode\n\
                    user,a@x.io,300M,\n\
                    group,eng,12X,block\n\
                    default,,1B,alert\n\
                    robot,r2,1M,block\n";
        let (rows, errors) = parse(text, FileFormat::Csv).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(
            rows[0].row.monthly_token_limit,
            Some(TokenAmount(300_000_000))
        );
        assert_eq!(rows[0].row.enforcement_mode, None);
        assert_eq!(rows[1].row.identifier, "default");
        assert_eq!(errors[0].0, "row 3");
        assert!(errors[0].1.contains("monthly_token_limit"), "{errors:?}");
        assert_eq!(errors[1].0, "row 5");
    }

    #[test]
    fn csv_cells_starting_a_formula_or_the_mark_get_one_mark_more() {
        let cases = [
            ("=1+2", "'=1+2"),
            ("+1", "'+1"),
            ("-1", "'-1"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("\rx", "'\rx"),
            ("'a", "''a"),
            ("'", "''"),
            ("''=x", "'''=x"),
            ("", ""),
            ("a=b", "a=b"),
            (" =x", " =x"),
            ("\"=x\"", "\"=x\""),
            ("12.50", "12.50"),
            ("é=", "é="),
        ];
        for (value, cell) in cases {
            assert_eq!(escape_cell(value), cell, "{value:?}");
            assert_eq!(unescape_cell(&escape_cell(value)), value, "{value:?}");
        }
        assert_eq!(unescape_cell("plain"), "plain");
    }

    #[test]
    fn csv_export_quotes_every_cell_neutralises_formulas_and_reads_them_back() {
        let ids = [
            "=HYPERLINK(\"x\")",
            "@a",
            "+1",
            "-1",
            "'quoted",
            "a;=1",
            "plain",
        ];
        let policies: Vec<Policy> = ids
            .iter()
            .map(|id| Policy::new(PolicyType::Group, *id))
            .collect();
        let text = render(&policies, FileFormat::Csv).unwrap();
        for line in [
            "\"group\",\"'=HYPERLINK(\"\"x\"\")\",",
            "\"group\",\"'@a\",",
            "\"group\",\"'+1\",",
            "\"group\",\"'-1\",",
            "\"group\",\"''quoted\",",
            "\"group\",\"a;=1\",",
            "\"group\",\"plain\",\"\",",
        ] {
            assert!(text.contains(line), "{line} in\n{text}");
        }
        let (rows, errors) = parse(&text, FileFormat::Csv).unwrap();
        assert!(errors.is_empty(), "{errors:?}");
        let got: Vec<&str> = rows.iter().map(|r| r.row.identifier.as_str()).collect();
        assert_eq!(got, ids);
    }

    #[test]
    fn unknown_columns_are_refused() {
        let err = parse("type,identifier,monthly\nuser,a,1\n", FileFormat::Csv).unwrap_err();
        assert!(err.to_string().contains("monthly"), "{err}");
    }
}

/// Properties over arbitrary input: stored policies survive export and import in both formats,
/// and no text makes the parser panic.
#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    /// Limits take at most 2 decimals and at most 10^15 cents (`Usd::from_dollars`).
    const MAX_CENTS: u64 = 1_000_000_000_000_000;

    /// JSON carries a limit as a number of dollars (an `f64`), exact while the micro-dollars fit
    /// in its 53-bit mantissa: up to about $9 billion. CSV writes decimals and is exact to
    /// `MAX_CENTS`.
    const MAX_JSON_CENTS: u64 = (1 << 53) / 10_000;

    fn mode() -> impl Strategy<Value = Mode> {
        prop_oneof![Just(Mode::Alert), Just(Mode::Block)]
    }

    fn usd(max_cents: u64) -> impl Strategy<Value = Option<Usd>> {
        proptest::option::of((0..=max_cents).prop_map(|cents| Usd(cents * 10_000)))
    }

    /// Text that often starts like a formula, an escape mark or CSV syntax.
    fn tricky_text() -> impl Strategy<Value = String> {
        const STARTS: [&str; 14] = [
            "", "=", "+", "-", "@", "'", "''", "\t", "\r", "\"", ",", ";", " ", "\u{feff}",
        ];
        (proptest::sample::select(&STARTS[..]), "\\PC{0,24}")
            .prop_map(|(start, rest)| format!("{start}{rest}"))
    }

    /// A policy as the API stores it (its identifier normalised by the API's own rule), with
    /// cost limits up to `max_cents`.
    fn stored_policy(max_cents: u64) -> impl Strategy<Value = Policy> {
        let kind = prop_oneof![
            Just(PolicyType::User),
            Just(PolicyType::Group),
            Just(PolicyType::Default)
        ];
        let tokens = || proptest::option::of(any::<u64>().prop_map(TokenAmount));
        (
            (kind, tricky_text()),
            (tokens(), tokens(), usd(max_cents), usd(max_cents)),
            (mode(), mode(), any::<bool>()),
        )
            .prop_filter_map(
                "an identifier the API accepts",
                |((kind, raw), (monthly, daily, budget, daily_budget), (mode, daily_mode, on))| {
                    let raw = if kind == PolicyType::Default {
                        "default".to_owned()
                    } else {
                        raw
                    };
                    let identifier = ccwb_core::validate::identifier(kind, &raw).ok()?;
                    let mut policy = Policy::new(kind, identifier);
                    policy.monthly_token_limit = monthly;
                    policy.daily_token_limit = daily;
                    policy.monthly_cost_limit = budget;
                    policy.daily_cost_limit = daily_budget;
                    policy.enforcement_mode = mode;
                    policy.daily_enforcement_mode = daily_mode;
                    policy.enabled = on;
                    Some(policy)
                },
            )
    }

    /// Renders `policies` in `format`, parses the text and expects exactly their rows back.
    fn round_trip(policies: &[Policy], format: FileFormat) -> Result<(), TestCaseError> {
        let expected: Vec<ImportRow> = policies.iter().map(ImportRow::from_policy).collect();
        let text = render(policies, format).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let (rows, errors) =
            parse(&text, format).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert!(errors.is_empty(), "{:?}\n{}", errors, text);
        let got: Vec<ImportRow> = rows.into_iter().map(|r| r.row).collect();
        prop_assert_eq!(&got, &expected, "{}", text);
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn csv_export_then_import_is_the_identity(
            policies in proptest::collection::vec(stored_policy(MAX_CENTS), 0..8)
        ) {
            round_trip(&policies, FileFormat::Csv)?;
        }

        #[test]
        fn json_export_then_import_is_the_identity(
            policies in proptest::collection::vec(stored_policy(MAX_JSON_CENTS), 0..8)
        ) {
            round_trip(&policies, FileFormat::Json)?;
        }

        #[test]
        fn no_csv_cell_of_an_export_starts_a_formula(policy in stored_policy(MAX_CENTS)) {
            let text = render(&[policy], FileFormat::Csv).unwrap();
            let mut reader = csv::ReaderBuilder::new()
                .has_headers(false)
                .from_reader(text.as_bytes());
            for record in reader.records() {
                for cell in record.unwrap().iter() {
                    prop_assert!(!cell.starts_with(FORMULA_STARTS), "{:?}", cell);
                }
            }
        }

        #[test]
        fn cells_unescape_to_what_was_escaped(value in tricky_text()) {
            let cell = escape_cell(&value);
            prop_assert_eq!(unescape_cell(&cell), value.as_str());
        }

        #[test]
        fn the_parser_never_panics(
            text in prop_oneof![any::<String>(), tricky_text()],
            lines in proptest::collection::vec(prop_oneof![any::<String>(), tricky_text()], 0..6),
        ) {
            let csv = format!(
                "type,identifier,monthly_token_limit,monthly_cost_limit,enabled\n{}",
                lines.join("\n")
            );
            for format in [FileFormat::Csv, FileFormat::Json] {
                let _ = parse(&text, format);
                let _ = parse(&csv, format);
            }
        }
    }
}
