//! What an administrator's machine reaches: tools, the profile, the identity provider's
//! discovery document and keys, the API (unauthenticated, then as the signed-in user) and the
//! deployment's stacks through `GET /status`.

use std::process::{Command, Stdio};
use std::time::Duration;

use ccwb_api_client::ApiError;

use super::Check;
use crate::output::Out;
use crate::profile::Profile;
use crate::session::Session;

/// How long one probe may take: a doctor that hangs on a dead host tells nothing.
const PROBE_TIMEOUT: Duration = Duration::from_secs(10);

/// The tools deploying needs: Node.js with npm (the CDK app), and the AWS CLI (optional).
pub fn tools(checks: &mut Vec<Check>) {
    let version = |program: &str| {
        Command::new(program)
            .arg("--version")
            .stdin(Stdio::null())
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
    };
    match (version("node"), version("npm")) {
        (Some(node), Some(npm)) => checks.push(Check::ok(
            "tools",
            format!("node {node}, npm {npm} (ccwb deploy runs the CDK app with them)"),
        )),
        _ => checks.push(Check::fail(
            "tools",
            "node or npm is missing: ccwb deploy cannot run the CDK app",
            "install Node.js 20 or later (with npm)",
        )),
    }
    if version("aws").is_none() {
        checks.push(Check::warn(
            "AWS CLI",
            "not found (ccwb does not need it; the deploy commands of --show-commands do not either)",
            "install it only to inspect the account by hand",
        ));
    }
}

/// The selected profile, checked; `None` when there is none to check against.
pub fn profile(session: &Session, checks: &mut Vec<Check>) -> Option<(String, Profile)> {
    let found = match session.profile() {
        Ok(Some(found)) => found,
        Ok(None) => {
            checks.push(Check::fail(
                "profile",
                "no profile selected",
                "run `ccwb init` (or `ccwb context use NAME`)",
            ));
            return None;
        }
        Err(err) => {
            checks.push(Check::fail(
                "profile",
                err.to_string(),
                "fix the config file or run `ccwb init`",
            ));
            return None;
        }
    };
    let (name, profile) = &found;
    let problems = profile.problems();
    if !problems.is_empty() {
        checks.push(Check::fail(
            "profile",
            format!("{name}: {}", problems.join("; ")),
            format!("run `ccwb --profile {name} init` to correct it"),
        ));
    } else if profile.deployment.is_none() {
        checks.push(Check::warn(
            "profile",
            format!("{name}: no deployment settings (made with `ccwb context create`)"),
            format!("run `ccwb --profile {name} init` to set up the deployment"),
        ));
    } else {
        checks.push(Check::ok("profile", format!("{name}: valid")));
    }
    Some(found)
}

/// The identity provider: its discovery document names the issuer, and its keys can be read.
pub async fn identity_provider(profile: &Profile, checks: &mut Vec<Check>) {
    let (Some(issuer), Some(_)) = (&profile.issuer, &profile.client_id) else {
        checks.push(Check::skip(
            "identity provider",
            "the profile names no issuer and client id",
        ));
        return;
    };
    let discovery = match tokio::time::timeout(
        PROBE_TIMEOUT,
        ccwb_api_client::signin::discover(issuer),
    )
    .await
    {
        Ok(Ok(discovery)) => discovery,
        Ok(Err(err)) => {
            checks.push(Check::fail(
                "identity provider",
                err.to_string(),
                "check the issuer (`ccwb init`), your network or VPN, and that the provider is up",
            ));
            return;
        }
        Err(_) => {
            checks.push(Check::fail(
                "identity provider",
                format!("{issuer} did not answer within {PROBE_TIMEOUT:?}"),
                "check your network or VPN, and that the provider is up",
            ));
            return;
        }
    };
    let Some(jwks) = discovery.jwks_uri.clone() else {
        checks.push(Check::fail(
            "identity provider",
            format!("{issuer}'s discovery document has no jwks_uri"),
            "API Gateway verifies tokens with those keys: use the provider's OpenID Connect issuer",
        ));
        return;
    };
    let keys = async {
        let answer = reqwest::Client::new()
            .get(&jwks)
            .timeout(PROBE_TIMEOUT)
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(|e| e.to_string())?;
        let body: serde_json::Value = answer.json().await.map_err(|e| e.to_string())?;
        Ok::<usize, String>(body["keys"].as_array().map_or(0, Vec::len))
    };
    match keys.await {
        Ok(0) => checks.push(Check::fail(
            "identity provider",
            format!("{jwks} lists no signing keys"),
            "the provider has no active signing key; check its configuration",
        )),
        Ok(n) => {
            checks.push(Check::ok(
                "identity provider",
                format!("{issuer}: discovery and {n} signing key(s) read"),
            ));
            for warning in super::super::init::metadata_warnings(&discovery) {
                checks.push(Check::warn(
                    "identity provider",
                    warning,
                    "see the provider's documentation for OpenID Connect settings",
                ));
            }
        }
        Err(err) => checks.push(Check::fail(
            "identity provider",
            format!("cannot read {jwks}: {err}"),
            "check your network and the provider",
        )),
    }
}

/// Whether the API at `endpoint` answers with its authorizer on: an unauthenticated `/check`
/// is refused with 401.
pub async fn api_answers(endpoint: &str, checks: &mut Vec<Check>) -> bool {
    let url = format!("{}/check", endpoint.trim_end_matches('/'));
    let probe = reqwest::Client::new()
        .get(&url)
        .timeout(PROBE_TIMEOUT)
        .send()
        .await;
    match probe {
        Ok(answer) if answer.status() == reqwest::StatusCode::UNAUTHORIZED => {
            checks.push(Check::ok(
                "API",
                format!("{endpoint} answers, and refuses requests without a token"),
            ));
            true
        }
        Ok(answer) => {
            checks.push(Check::fail(
                "API",
                format!(
                    "{url} answered {} to a request without a token (expected 401 from the JWT authorizer)",
                    answer.status()
                ),
                "check that the endpoint is the ccwb API (`ccwb context show`)",
            ));
            false
        }
        Err(err) => {
            checks.push(Check::fail(
                "API",
                format!("cannot reach {endpoint}: {err}"),
                "check the endpoint (`ccwb context show`); for the local stack run `make run`",
            ));
            false
        }
    }
}

/// The API: reachable with its authorizer on (an unauthenticated `/check` is refused with 401),
/// then as the signed-in user (`/me`) and, for an administrator, the deployment (`/status`).
pub async fn api(
    session: &Session,
    name: &str,
    profile: &Profile,
    out: &mut Out<'_>,
    checks: &mut Vec<Check>,
) {
    let endpoint = session
        .endpoint
        .clone()
        .unwrap_or_else(|| profile.endpoint.clone());
    if endpoint.is_empty() {
        checks.push(Check::fail(
            "API",
            "the profile has no API endpoint yet",
            "run `ccwb deploy` (it stores the deployed API in the profile)",
        ));
        return;
    }
    if !api_answers(&endpoint, checks).await {
        return;
    }
    let client = match session.client(out).await {
        Ok(client) => client,
        Err(err) => {
            checks.push(Check::skip(
                "signed in",
                format!("{err}: sign in with `ccwb --profile {name} login` to check more"),
            ));
            return;
        }
    };
    match client.me().await {
        Ok(me) => {
            let who = me.identity.clone().unwrap_or_else(|| "nobody".into());
            if me.identity.is_none() {
                checks.push(Check::fail(
                    "signed in",
                    "the API names nobody from your token",
                    "`credential-process --show-claims` shows which claim is missing",
                ));
            } else if me.admin {
                checks.push(Check::ok("signed in", format!("{who}, an administrator")));
            } else {
                checks.push(Check::warn(
                    "signed in",
                    format!(
                        "{who}, not an administrator (groups: {})",
                        me.groups.join(", ")
                    ),
                    "admin commands need membership of an admin group",
                ));
                return;
            }
        }
        Err(err) => {
            checks.push(Check::fail(
                "signed in",
                err.to_string(),
                "sign in again with `ccwb login`",
            ));
            return;
        }
    }
    match client.status().await {
        Ok(status) => {
            checks.push(Check::ok(
                "deployment",
                format!("{} version {}", status.deployment, status.version),
            ));
            for stack in &status.stacks {
                let done = stack.status.ends_with("_COMPLETE")
                    && !stack.status.contains("ROLLBACK")
                    && !stack.status.starts_with("DELETE");
                if done {
                    checks.push(Check::ok(
                        format!("stack {}", stack.name),
                        stack.status.clone(),
                    ));
                } else {
                    checks.push(Check::fail(
                        format!("stack {}", stack.name),
                        format!(
                            "{}{}",
                            stack.status,
                            stack
                                .reason
                                .as_deref()
                                .map(|r| format!(": {r}"))
                                .unwrap_or_default()
                        ),
                        "see the stack's events in CloudFormation, then `ccwb deploy`",
                    ));
                }
            }
        }
        Err(err) => checks.push(Check::fail(
            "deployment",
            format!("GET /status: {err}"),
            match err {
                ApiError::Unreachable { .. } => "check the endpoint",
                _ => "see the status function's logs",
            },
        )),
    }
}
