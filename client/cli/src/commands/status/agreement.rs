//! Whether the profile `ccwb status --detailed` was asked with and the deployment agree (API
//! endpoint, issuer, client id, the developers' role or identity pool that packages carry, ccwb
//! version), and whether every stack and table is healthy.

use ccwb_api::StatusResponse;
use ccwb_install::config::FederationType;

use crate::commands::test::{Check, Outcome, check};
use crate::profile::Profile;

/// The first stack output named `key`.
fn output<'a>(status: &'a StatusResponse, key: &str) -> Option<&'a str> {
    status
        .stacks
        .iter()
        .find_map(|s| s.outputs.get(key))
        .map(String::as_str)
}

/// Whether the profile (and the endpoint asked) and the deployment agree, and whether every
/// stack and table is healthy.
pub fn agreement(
    status: &StatusResponse,
    profile: Option<&Profile>,
    endpoint: Option<String>,
) -> Vec<Check> {
    let trim = |s: &str| s.trim().trim_end_matches('/').to_owned();
    let compare =
        |name: &str, ours: Option<String>, key: &str, what: &str| match (ours, output(status, key))
        {
            (_, None) => check(name, Outcome::Skip, format!("no stack outputs {key}")),
            (None, Some(theirs)) => check(
                name,
                Outcome::Skip,
                format!("{what} is not set; {key} is {theirs}"),
            ),
            (Some(ours), Some(theirs)) if trim(&ours) == trim(theirs) => {
                check(name, Outcome::Pass, format!("{ours} ({key})"))
            }
            (Some(ours), Some(theirs)) => check(
                name,
                Outcome::Fail,
                format!("{what} is {ours}, but {key} is {theirs}"),
            ),
        };
    let mut checks = vec![
        compare("API endpoint", endpoint, "ApiEndpoint", "the endpoint used"),
        compare(
            "issuer",
            profile.and_then(|p| p.issuer.clone()),
            "Issuer",
            "the profile's issuer",
        ),
    ];
    // Packages take the role or pool from the profile: a stale one would reach developers.
    if let Some(d) = profile.and_then(|p| p.deployment.as_ref()) {
        let (name, ours, key, what) = match d.federation {
            FederationType::Direct => (
                "developers' role",
                d.federated_role_arn.clone(),
                "FederatedRoleArn",
                "the profile's role",
            ),
            FederationType::Cognito => (
                "identity pool",
                d.identity_pool_id.clone(),
                "IdentityPoolId",
                "the profile's identity pool",
            ),
        };
        let mut found = compare(name, ours, key, what);
        if found.outcome == Outcome::Fail {
            found
                .detail
                .push_str(": `ccwb deploy --outputs-only` stores the stack's");
        }
        checks.push(found);
    }
    let client_id = profile.and_then(|p| p.client_id.clone());
    checks.push(match (client_id, output(status, "Audience")) {
        (_, None) => check("client id", Outcome::Skip, "no stack outputs Audience"),
        (None, Some(_)) => check("client id", Outcome::Skip, "the profile has no client id"),
        (Some(id), Some(audiences)) if audiences.split(',').any(|a| a.trim() == id) => {
            check("client id", Outcome::Pass, format!("{id} is an audience"))
        }
        (Some(id), Some(audiences)) => check(
            "client id",
            Outcome::Fail,
            format!("the API accepts tokens for {audiences}, not {id}: `ccwb login` tokens would be refused"),
        ),
    });
    let ours = env!("CARGO_PKG_VERSION");
    checks.push(match output(status, "Version") {
        None => check("version", Outcome::Skip, "no stack outputs Version"),
        Some(v) if v == ours => check("version", Outcome::Pass, format!("{v}, as this ccwb")),
        Some(v) => check(
            "version",
            Outcome::Fail,
            format!("the functions are {v}, this ccwb is {ours}: `ccwb deploy` with this ccwb"),
        ),
    });
    // A stack not deployed is a choice (analytics off), not a fault; any other state but
    // complete is worth knowing.
    let absent: Vec<&str> = status
        .stacks
        .iter()
        .filter(|s| s.status == "NOT_FOUND")
        .map(|s| s.name.as_str())
        .collect();
    let unhealthy: Vec<String> = status
        .stacks
        .iter()
        .filter(|s| s.status != "NOT_FOUND")
        .filter(|s| !s.status.ends_with("_COMPLETE") || s.status.contains("ROLLBACK"))
        .map(|s| format!("{} {}", s.name, s.status))
        .chain(
            status
                .tables
                .iter()
                .filter(|t| t.status != "ACTIVE")
                .map(|t| format!("{} {}", t.name, t.status)),
        )
        .collect();
    let not_deployed = if absent.is_empty() {
        String::new()
    } else {
        format!(" ({} not deployed)", absent.join(", "))
    };
    checks.push(if unhealthy.is_empty() {
        let detail = format!("every stack complete, every table active{not_deployed}");
        check("health", Outcome::Pass, detail)
    } else {
        check(
            "health",
            Outcome::Fail,
            unhealthy.join(", ") + &not_deployed,
        )
    });
    checks
}
