//! `ccwb status`: what is deployed, as `GET /status` reports it: the stacks and their outputs,
//! the functions, the tables. `--detailed` shows all of it as it is (every output, exact
//! table sizes), the profile it was asked with, and whether that profile and the deployment
//! agree (API endpoint, issuer, client id, role or identity pool, version).

mod agreement;

use ccwb_api::StatusResponse;
use serde::Serialize;

use self::agreement::agreement;
use crate::commands::context::profile_rows;
use crate::commands::test::{Check, print_checks};
use crate::error::CliError;
use crate::output::{Format, Out};
use crate::profile::Profile;
use crate::session::Session;

/// The quota stack's outputs name each function as `<Id>FunctionName` (the functions table
/// shows them, so the summary does not repeat them).
const FUNCTION_OUTPUT_SUFFIX: &str = "FunctionName";

/// Arguments of `ccwb status`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct StatusArgs {
    /// JSON on stdout (the same as `-o json status`).
    #[arg(long)]
    pub json: bool,
    /// Everything, exactly: every stack output (function names and Version included), exact
    /// table item counts and bytes, read errors, the profile's settings, and checks that the
    /// profile and the deployment agree (API endpoint, issuer, client id, the developers' role
    /// or identity pool, ccwb version). In JSON: `profile` and `checks` beside the API's
    /// fields.
    #[arg(long)]
    pub detailed: bool,
}

/// `--detailed` as JSON: the API's answer, and what this computer adds to it.
#[derive(Debug, Serialize)]
struct Detailed<'a> {
    #[serde(flatten)]
    status: &'a StatusResponse,
    /// The profile asked with (masked), if any.
    profile: Option<NamedProfile>,
    /// Whether the profile and the deployment agree.
    checks: Vec<Check>,
}

/// A profile with its name.
#[derive(Debug, Serialize)]
struct NamedProfile {
    name: String,
    #[serde(flatten)]
    profile: Profile,
}

impl StatusArgs {
    /// Prints the deployment (with `--detailed`, everything, the profile and the checks).
    pub async fn run(self, session: &Session, out: &mut Out<'_>) -> Result<(), CliError> {
        if self.json {
            out.format = Format::Json;
        }
        let status = session.client(out).await?.status().await?;
        if !self.detailed {
            return render(&status, out);
        }
        let profile = session.profile()?.map(|(name, profile)| NamedProfile {
            name,
            profile: profile.masked(),
        });
        let endpoint = session
            .endpoint
            .clone()
            .or_else(|| profile.as_ref().map(|p| p.profile.endpoint.clone()));
        let checks = agreement(&status, profile.as_ref().map(|p| &p.profile), endpoint);
        if out.is_json() {
            return out.json(&Detailed {
                status: &status,
                profile,
                checks,
            });
        }
        render_detailed(&status, profile.as_ref(), &checks, out)
    }
}

/// The deployment for people: stacks, their outputs (less those the functions table shows),
/// functions, tables.
fn render(status: &StatusResponse, out: &mut Out<'_>) -> Result<(), CliError> {
    if out.is_json() {
        return out.json(status);
    }
    header(status, out)?;
    let shown_as_functions = |key: &str| {
        !status.functions.is_empty()
            && (key == "Version"
                || key
                    .strip_suffix(FUNCTION_OUTPUT_SUFFIX)
                    .is_some_and(|id| !id.is_empty()))
    };
    outputs(status, |key| !shown_as_functions(key), out)?;
    functions(status, out)?;
    out.line("")?;
    let tables = status.tables.iter().map(|t| table_row(t, false));
    out.table(&["Table", "Status", "Items", "Size"], tables.collect())
}

/// A table's row: name, status, items, then its size in MB (or the error reading it), or with
/// `exact` the size in bytes and the error in columns of their own.
fn table_row(t: &ccwb_api::TableStatus, exact: bool) -> Vec<String> {
    let mut row = vec![
        t.name.clone(),
        t.status.clone(),
        t.item_count.map(|n| n.to_string()).unwrap_or_default(),
    ];
    if exact {
        row.push(t.size_bytes.map(|b| b.to_string()).unwrap_or_default());
        row.push(t.error.clone().unwrap_or_default());
    } else {
        row.push(
            t.size_bytes
                .map(|b| format!("{:.1} MB", b as f64 / 1e6))
                .or_else(|| t.error.clone())
                .unwrap_or_default(),
        );
    }
    row
}

/// `--detailed` for people: the profile, every output, exact table figures, the checks.
fn render_detailed(
    status: &StatusResponse,
    profile: Option<&NamedProfile>,
    checks: &[Check],
    out: &mut Out<'_>,
) -> Result<(), CliError> {
    match profile {
        Some(p) => out.fields(&profile_rows(&p.name, &p.profile))?,
        None => out.line("No profile: the endpoint and token came from flags or environment.")?,
    }
    out.line("")?;
    header(status, out)?;
    outputs(status, |_| true, out)?;
    functions(status, out)?;
    out.line("")?;
    let tables = status.tables.iter().map(|t| table_row(t, true));
    out.table(
        &["Table", "Status", "Items", "Bytes", "Error"],
        tables.collect(),
    )?;
    out.line("")?;
    print_checks(checks, out)
}

/// The deployment's name and the stacks.
fn header(status: &StatusResponse, out: &mut Out<'_>) -> Result<(), CliError> {
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
    out.table(&["Stack", "Status", "Updated", "Reason"], stacks.collect())
}

/// The stacks' outputs whose key `keep` accepts, if any.
fn outputs(
    status: &StatusResponse,
    keep: impl Fn(&str) -> bool,
    out: &mut Out<'_>,
) -> Result<(), CliError> {
    let outputs: Vec<Vec<String>> = status
        .stacks
        .iter()
        .flat_map(|s| {
            s.outputs
                .iter()
                .filter(|(k, _)| keep(k))
                .map(|(k, v)| vec![s.name.clone(), k.clone(), v.clone()])
        })
        .collect();
    if outputs.is_empty() {
        return Ok(());
    }
    out.line("")?;
    out.table(&["Stack", "Output", "Value"], outputs)
}

/// The functions, if any.
fn functions(status: &StatusResponse, out: &mut Out<'_>) -> Result<(), CliError> {
    if status.functions.is_empty() {
        return Ok(());
    }
    out.line("")?;
    let functions = status.functions.iter().map(|f| {
        vec![
            f.id.clone(),
            f.function_name.clone(),
            f.version.clone().unwrap_or_default(),
        ]
    });
    out.table(&["Function", "Name", "Version"], functions.collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::Captured;

    fn status() -> StatusResponse {
        serde_json::from_value(serde_json::json!({
            "deployment": "ccwb", "version": "0.1.0",
            "functions": [{"id": "Check", "function_name": "ccwb-check-fn", "version": "0.1.0"}],
            "stacks": [{"name": "ccwb-quota", "status": "CREATE_COMPLETE",
                        "outputs": {"ApiEndpoint": "https://api.example.com",
                                    "Audience": "cli,claude-code", "Version": "0.0.9",
                                    "CheckFunctionName": "ccwb-check-fn"}}],
            "tables": [
                {"name": "ccwb-usage", "status": "ACTIVE", "item_count": 12, "size_bytes": 2500000},
                {"name": "ccwb-audit", "status": "UNKNOWN", "error": "AccessDenied"}],
        }))
        .unwrap()
    }

    #[test]
    fn a_table_that_cannot_be_read_shows_why_in_place_of_its_size() {
        let mut captured = Captured::default();
        render(&status(), &mut captured.out(Format::Table)).unwrap();
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
        assert!(
            !text.contains("CheckFunctionName"),
            "the functions table shows it: {text}"
        );
    }

    #[test]
    fn a_profile_whose_role_is_not_the_auth_stacks_is_named() {
        let mut deployment = crate::deployment::Deployment::defaults("eu-west-1");
        deployment.federated_role_arn = Some("arn:aws:iam::1:role/old".into());
        let profile = Profile {
            deployment: Some(deployment),
            ..Profile::default()
        };
        let mut status = status();
        status.stacks[0]
            .outputs
            .insert("FederatedRoleArn".into(), "arn:aws:iam::1:role/new".into());
        let checks = agreement(&status, Some(&profile), None);
        let role = checks
            .iter()
            .find(|c| c.name == "developers' role")
            .unwrap();
        assert_eq!(role.outcome, crate::commands::test::Outcome::Fail);
        assert!(
            role.detail.contains("role/old") && role.detail.contains("--outputs-only"),
            "{}",
            role.detail
        );
    }

    #[test]
    fn detailed_shows_every_output_exact_sizes_and_what_disagrees() {
        let profile = Profile {
            endpoint: "https://api.example.com/".into(),
            issuer: Some("https://idp.example.com".into()),
            client_id: Some("cli".into()),
            ..Profile::default()
        };
        let status = status();
        let checks = agreement(&status, Some(&profile), Some(profile.endpoint.clone()));
        let named = NamedProfile {
            name: "prod".into(),
            profile,
        };
        let mut captured = Captured::default();
        render_detailed(
            &status,
            Some(&named),
            &checks,
            &mut captured.out(Format::Table),
        )
        .unwrap();
        let text = captured.stdout();
        for needle in [
            "Profile",
            "CheckFunctionName",
            "2500000",
            "AccessDenied",
            "ok    API endpoint",
            "skip  issuer",
            "ok    client id",
            "FAIL  version       the functions are 0.0.9",
            "FAIL  health        ccwb-audit UNKNOWN",
        ] {
            assert!(text.contains(needle), "{needle} in {text}");
        }
        let mut captured = Captured::default();
        let json = Detailed {
            status: &status,
            profile: Some(named),
            checks,
        };
        captured.out(Format::Json).json(&json).unwrap();
        let value: serde_json::Value = serde_json::from_str(&captured.stdout()).unwrap();
        assert_eq!(value["deployment"], "ccwb");
        assert_eq!(value["profile"]["name"], "prod");
        assert_eq!(value["checks"][0]["outcome"], "pass");
    }
}
