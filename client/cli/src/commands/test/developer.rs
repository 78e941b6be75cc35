//! The developer's way in, for `ccwb test --full`: the package's program for this computer run
//! for each of its profiles as Claude Code runs it (its `credential_process`): the sign-in (in
//! the browser when nothing is cached), the quota check, AWS credentials from STS or Cognito;
//! then the model called with those credentials in every allowed region ([`super::bedrock`]).

use std::path::Path;
use std::process::{Command, Stdio};

use ccwb_install::config as install_config;
pub use ccwb_install::credentials::Credentials;

use super::{Check, Outcome, bedrock, check, package};

/// For each of the package's `profiles`: the program's sign-in and credentials, then Bedrock
/// in each of `regions` (the profile's own region when there are none).
pub async fn checks(dir: &Path, profiles: &[String], regions: &[String]) -> Vec<Check> {
    let program = match package::this_computers_program(dir) {
        Ok(program) => program,
        Err(why) => return vec![check("developer sign-in", Outcome::Skip, why)],
    };
    let config = std::fs::read_to_string(dir.join("config.json")).unwrap_or_default();
    let mut checks = Vec::new();
    for profile in profiles {
        let name = format!("developer sign-in {profile}");
        let credentials = match sign_in(&program, profile) {
            Ok(credentials) => credentials,
            Err(e) => {
                checks.push(check(&name, Outcome::Fail, e));
                continue;
            }
        };
        checks.push(check(
            &name,
            Outcome::Pass,
            format!(
                "AWS credentials {} until {}",
                masked(&credentials.access_key_id),
                credentials.expiration
            ),
        ));
        let entry = install_config::read_profile(&config, profile, "config.json")
            .map(|parsed| parsed.config)
            .ok();
        let model = entry.as_ref().and_then(|e| e.claude_model.clone());
        let own_region: Vec<String> = entry.and_then(|e| e.aws_region).into_iter().collect();
        let regions = if regions.is_empty() {
            &own_region
        } else {
            regions
        };
        match model {
            Some(model) => checks.extend(bedrock::checks(&credentials, &model, regions).await),
            None => checks.push(check(
                &format!("Bedrock {profile}"),
                Outcome::Skip,
                "config.json names no claude_model to call",
            )),
        }
    }
    checks
}

/// `ASIA…WXYZ`: enough to recognise a key, not to use it.
fn masked(key: &str) -> String {
    match (
        key.get(..4),
        key.len().checked_sub(4).and_then(|i| key.get(i..)),
    ) {
        (Some(head), Some(tail)) if key.len() > 8 => format!("{head}…{tail}"),
        _ => "…".to_owned(),
    }
}

/// Runs `program --profile profile` as Claude Code would (what it says goes to stderr, where
/// the person sees it); the credentials it prints.
fn sign_in(program: &Path, profile: &str) -> Result<Credentials, String> {
    let output = Command::new(program)
        .args(["--profile", profile])
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run {}: {e}", program.display()))?;
    if !output.status.success() {
        return Err(format!(
            "{} failed ({}; its message is above)",
            program.display(),
            output.status
        ));
    }
    serde_json::from_slice(&output.stdout)
        .map_err(|e| format!("{} printed no AWS credentials: {e}", program.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_read_as_credential_process_prints_them_and_never_show_the_secret() {
        let printed = r#"{"Version":1,"AccessKeyId":"ASIAEXAMPLE1234","SecretAccessKey":"s3cret","SessionToken":"t","Expiration":"2026-01-01T08:00:00Z"}"#;
        let credentials: Credentials = serde_json::from_str(printed).unwrap();
        assert_eq!(credentials.session_token, "t");
        assert!(!format!("{credentials:?}").contains("s3cret"));
        assert_eq!(masked(&credentials.access_key_id), "ASIA…1234");
        assert_eq!(masked("short"), "…");
    }
}
