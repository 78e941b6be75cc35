//! `ccwb status`: what is deployed, as `GET /status` reports it.

use ccwb_api::StatusResponse;

use crate::error::CliError;
use crate::output::Out;
use crate::session::Session;

/// Prints the deployment's stacks, functions and tables.
pub async fn run(session: &Session, out: &mut Out<'_>) -> Result<(), CliError> {
    let status = session.client(out).await?.status().await?;
    render(&status, out)
}

/// The deployment for people: stacks, their outputs, functions, tables.
fn render(status: &StatusResponse, out: &mut Out<'_>) -> Result<(), CliError> {
    if out.is_json() {
        return out.json(status);
    }
    out.line(format!(
        "Deployment {} (status function {})",
        status.deployment, status.version
    ))?;
    out.line("")?;
    let stacks = status.stacks.iter().map(|s| {
        vec![
            s.name.clone(),
            s.status.clone(),
            s.updated_at.map(crate::output::time).unwrap_or_default(),
            s.reason.clone().unwrap_or_default(),
        ]
    });
    out.table(&["Stack", "Status", "Updated", "Reason"], stacks.collect())?;
    let outputs: Vec<Vec<String>> = status
        .stacks
        .iter()
        .flat_map(|s| {
            s.outputs
                .iter()
                .map(|(k, v)| vec![s.name.clone(), k.clone(), v.clone()])
        })
        .collect();
    if !outputs.is_empty() {
        out.line("")?;
        out.table(&["Stack", "Output", "Value"], outputs)?;
    }
    if !status.functions.is_empty() {
        out.line("")?;
        let functions = status.functions.iter().map(|f| {
            vec![
                f.id.clone(),
                f.function_name.clone(),
                f.version.clone().unwrap_or_default(),
            ]
        });
        out.table(&["Function", "Name", "Version"], functions.collect())?;
    }
    out.line("")?;
    let tables = status.tables.iter().map(|t| {
        vec![
            t.name.clone(),
            t.status.clone(),
            t.item_count.map(|n| n.to_string()).unwrap_or_default(),
            t.size_bytes
                .map(|b| format!("{:.1} MB", b as f64 / 1e6))
                .or_else(|| t.error.clone())
                .unwrap_or_default(),
        ]
    });
    out.table(&["Table", "Status", "Items", "Size"], tables.collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::{Captured, Format};

    #[test]
    fn a_table_that_cannot_be_read_shows_why_in_place_of_its_size() {
        let status: StatusResponse = serde_json::from_value(serde_json::json!({
            "deployment": "ccwb", "version": "0.1.0", "functions": [],
            "stacks": [{"name": "ccwb-quota", "status": "CREATE_COMPLETE",
                        "outputs": {"ApiEndpoint": "https://api.example.com"}}],
            "tables": [
                {"name": "ccwb-usage", "status": "ACTIVE", "item_count": 12, "size_bytes": 2500000},
                {"name": "ccwb-audit", "status": "UNKNOWN", "error": "AccessDenied"}],
        }))
        .unwrap();
        let mut captured = Captured::default();
        render(&status, &mut captured.out(Format::Table)).unwrap();
        let text = captured.stdout();
        assert!(
            text.starts_with("Deployment ccwb (status function 0.1.0)\n"),
            "{text}"
        );
        for needle in [
            "ApiEndpoint",
            "https://api.example.com",
            "2.5 MB",
            "AccessDenied",
        ] {
            assert!(text.contains(needle), "{needle} in {text}");
        }
        assert!(!text.contains("Function"), "no functions, no table: {text}");
    }
}
