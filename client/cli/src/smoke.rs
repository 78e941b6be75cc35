//! `ccwb test`: checks a package built by `ccwb package` as a developer would meet it (files
//! against SHA256SUMS, config.json, installers, the program for this computer reading its
//! config), then the quota API as credential-process and administrators use it (`/check`, and
//! a throw-away policy created, read, resolved and deleted).

use std::path::Path;
use std::process::Command;

use ccwb_api_client::ApiClient;
use ccwb_core::{PolicyFields, PolicyType, TokenAmount};
use ccwb_install::config as install_config;

use crate::distribute::{BuildSelection, choose_build};
use crate::error::CliError;
use crate::output::Output;
use crate::package::{binary_name, sha256_hex};
use crate::session::Context;

/// How one check ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// It worked.
    Pass,
    /// It did not: the detail says why.
    Fail,
    /// Not applicable here (the detail says why).
    Skip,
}

/// One check and what it found.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Check {
    /// What was checked.
    pub name: String,
    /// How it ended.
    pub outcome: Outcome,
    /// What was found.
    pub detail: String,
}

fn check(name: &str, outcome: Outcome, detail: impl Into<String>) -> Check {
    Check {
        name: name.to_owned(),
        outcome,
        detail: detail.into(),
    }
}

/// This computer's platform, as packages name their programs.
fn host_platform() -> Option<&'static str> {
    match (std::env::consts::OS, std::env::consts::ARCH) {
        ("linux", "x86_64") => Some("linux-x64"),
        ("linux", "aarch64") => Some("linux-arm64"),
        ("macos", "aarch64") => Some("macos-arm64"),
        ("macos", "x86_64") => Some("macos-x64"),
        ("windows", "x86_64") => Some("windows-x64"),
        _ => None,
    }
}

/// The package's files against its SHA256SUMS: every file listed, every listed file intact.
fn checksums(dir: &Path) -> Check {
    let name = "checksums";
    let Ok(sums) = std::fs::read_to_string(dir.join("SHA256SUMS")) else {
        return check(name, Outcome::Fail, "SHA256SUMS is missing");
    };
    let mut listed = Vec::new();
    let mut problems = Vec::new();
    for line in sums.lines().filter(|l| !l.trim().is_empty()) {
        let Some((hex, file)) = line.split_once(' ') else {
            problems.push(format!("unreadable line {line:?}"));
            continue;
        };
        let file = file.trim_start_matches([' ', '*']);
        listed.push(file.to_owned());
        match std::fs::read(dir.join(file)) {
            Ok(bytes) if sha256_hex(&bytes).eq_ignore_ascii_case(hex) => {}
            Ok(_) => problems.push(format!("{file} does not match")),
            Err(_) => problems.push(format!("{file} is missing")),
        }
    }
    let unlisted: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .filter(|e| e.path().is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n != "SHA256SUMS" && !listed.contains(n))
        .collect();
    problems.extend(unlisted.iter().map(|n| format!("{n} is not listed")));
    if problems.is_empty() {
        check(
            name,
            Outcome::Pass,
            format!("{} files match SHA256SUMS", listed.len()),
        )
    } else {
        check(name, Outcome::Fail, problems.join("; "))
    }
}

/// config.json: profiles with what credential-process needs, pointing at `endpoint`, read with
/// the type credential-process reads them with.
fn config(dir: &Path, endpoint: Option<&str>) -> (Check, Vec<String>) {
    let name = "config.json";
    let read = std::fs::read_to_string(dir.join("config.json"))
        .map_err(|e| e.to_string())
        .and_then(|text| {
            let names = install_config::profile_names(&text, name).map_err(|e| e.to_string())?;
            Ok((text, names))
        });
    let (text, profiles) = match read {
        Ok((_, names)) if names.is_empty() => {
            return (check(name, Outcome::Fail, "holds no profile"), Vec::new());
        }
        Ok(read) => read,
        Err(e) => return (check(name, Outcome::Fail, e), Vec::new()),
    };
    let mut problems = Vec::new();
    for profile in &profiles {
        let entry = match install_config::read_profile(&text, profile, name) {
            Ok(parsed) => parsed.config,
            Err(e) => {
                problems.push(e.to_string());
                continue;
            }
        };
        for (key, value) in [
            ("issuer", &entry.issuer),
            ("client_id", &entry.client_id),
            ("aws_region", &entry.aws_region),
        ] {
            if value.is_none() {
                problems.push(format!("{profile}: no {key}"));
            }
        }
        match (entry.quota_api_endpoint.as_deref(), endpoint) {
            (Some(theirs), Some(ours))
                if theirs.trim_end_matches('/') != ours.trim_end_matches('/') =>
            {
                problems.push(format!(
                    "{profile}: quota_api_endpoint is {theirs}, but this ccwb profile uses {ours}"
                ));
            }
            (None, _) => problems.push(format!("{profile}: no quota_api_endpoint")),
            _ => {}
        }
    }
    let outcome = if problems.is_empty() {
        check(
            name,
            Outcome::Pass,
            format!("profile {}", profiles.join(", ")),
        )
    } else {
        check(name, Outcome::Fail, problems.join("; "))
    };
    (outcome, profiles)
}

fn installers(dir: &Path) -> Check {
    let mut problems = Vec::new();
    for file in ["install.sh", "install.ps1"] {
        match std::fs::read_to_string(dir.join(file)) {
            Ok(text) if text.contains("@PROFILE@") || text.contains("@REGION@") => {
                problems.push(format!("{file} still has placeholders"));
            }
            Ok(_) => {}
            Err(_) => problems.push(format!("{file} is missing")),
        }
    }
    if problems.is_empty() {
        check(
            "installers",
            Outcome::Pass,
            "install.sh and install.ps1 are filled in",
        )
    } else {
        check("installers", Outcome::Fail, problems.join("; "))
    }
}

/// Runs the package's program for this computer: `--version`, then `--explain` per profile
/// (reads config.json beside it as a developer's copy would; no sign-in, no network).
fn program(dir: &Path, profiles: &[String]) -> Vec<Check> {
    let Some(platform) = host_platform() else {
        return vec![check(
            "program",
            Outcome::Skip,
            "no package platform matches this computer",
        )];
    };
    let path = dir.join(binary_name(platform));
    if !path.is_file() {
        return vec![check(
            "program",
            Outcome::Skip,
            format!("the package has no {platform} build to run here"),
        )];
    }
    let run = |args: &[&str]| {
        Command::new(&path)
            .args(args)
            .output()
            .map_err(|e| e.to_string())
            .and_then(|out| {
                if out.status.success() {
                    Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
                } else {
                    Err(String::from_utf8_lossy(&out.stderr).trim().to_owned())
                }
            })
    };
    let mut checks = vec![match run(&["--version"]) {
        Ok(version) => check("program", Outcome::Pass, format!("{platform}: {version}")),
        Err(e) => check("program", Outcome::Fail, format!("{platform}: {e}")),
    }];
    for profile in profiles {
        let name = format!("program reads profile {profile}");
        checks.push(match run(&["--explain", "--profile", profile]) {
            Ok(text) => {
                let federation = text
                    .lines()
                    .find(|l| l.starts_with("Federation:"))
                    .map(|l| l.trim_start_matches("Federation:").trim().to_owned())
                    .unwrap_or_default();
                check(&name, Outcome::Pass, federation)
            }
            Err(e) => check(&name, Outcome::Fail, e),
        });
    }
    checks
}

/// The quota API as credential-process (`/check`) and administrators (a throw-away user
/// policy: created, read, resolved, deleted) use it.
async fn quota(client: &ApiClient) -> Vec<Check> {
    let mut checks = vec![match client.check().await {
        Ok(answer) => check(
            "quota /check",
            Outcome::Pass,
            format!(
                "{} ({})",
                if answer.allowed { "allowed" } else { "blocked" },
                serde_json::to_value(answer.reason)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default()
            ),
        ),
        Err(e) => check("quota /check", Outcome::Fail, e.to_string()),
    }];
    if checks[0].outcome == Outcome::Fail {
        checks.push(check(
            "quota policy round trip",
            Outcome::Skip,
            "the API did not answer /check",
        ));
        return checks;
    }
    let nanos = time::OffsetDateTime::now_utc().unix_timestamp_nanos();
    let email = format!("ccwb-test-{nanos}@ccwb-test.invalid");
    let fields = PolicyFields {
        monthly_token_limit: Some(TokenAmount(1_000)),
        ..PolicyFields::default()
    };
    let name = "quota policy round trip";
    let round_trip = async {
        client
            .create_policy(PolicyType::User, &email, &fields)
            .await
            .map_err(|e| format!("create: {e}"))?;
        match client.get_policy(PolicyType::User, &email).await {
            Ok(Some(p)) if p.monthly_token_limit == Some(TokenAmount(1_000)) => {}
            Ok(other) => return Err(format!("read back {other:?}")),
            Err(e) => return Err(format!("read: {e}")),
        }
        let resolved = client
            .resolve(&email, &[])
            .await
            .map_err(|e| format!("resolve: {e}"))?;
        match resolved.effective {
            Some(p) if p.identifier == email => Ok(()),
            other => Err(format!("resolve chose {:?}", other.map(|p| p.identifier))),
        }
    };
    let result = round_trip.await;
    // Deleted whatever happened above (a 404 means it was never created).
    let deleted = match client.delete_policy(PolicyType::User, &email).await {
        Ok(()) => Ok(()),
        Err(ccwb_api_client::ApiError::Api { status: 404, .. }) if result.is_err() => Ok(()),
        Err(e) => Err(format!("delete {email}: {e}")),
    };
    checks.push(match (result, deleted) {
        (Ok(()), Ok(())) => check(
            name,
            Outcome::Pass,
            format!("created, read, resolved and deleted user policy {email} (in the audit trail)"),
        ),
        (Err(e), Ok(())) | (Ok(()), Err(e)) => check(name, Outcome::Fail, e),
        (Err(a), Err(b)) => check(name, Outcome::Fail, format!("{a}; {b}")),
    });
    checks
}

/// `ccwb test`.
pub async fn run(
    ctx: &Context,
    output: Output,
    build: &BuildSelection,
    quota_only: bool,
    skip_quota: bool,
) -> Result<(), CliError> {
    let mut checks = Vec::new();
    let endpoint = ctx.endpoint.clone().or_else(|| {
        ctx.profile()
            .ok()
            .flatten()
            .map(|(_, profile)| profile.endpoint)
    });
    if !quota_only {
        let dir = choose_build(build)?;
        checks.push(check("package", Outcome::Pass, dir.display().to_string()));
        checks.push(checksums(&dir));
        let (config_check, profiles) = config(&dir, endpoint.as_deref());
        checks.push(config_check);
        checks.push(installers(&dir));
        checks.extend(program(&dir, &profiles));
    }
    if !skip_quota {
        match ctx.client().await {
            Ok(client) => checks.extend(quota(&client).await),
            Err(e) => checks.push(check("quota API", Outcome::Fail, e.to_string())),
        }
    }
    match output {
        Output::Json => crate::output::print_json(&checks)?,
        Output::Table => {
            let width = checks.iter().map(|c| c.name.len()).max().unwrap_or(0);
            for c in &checks {
                let mark = match c.outcome {
                    Outcome::Pass => "ok  ",
                    Outcome::Fail => "FAIL",
                    Outcome::Skip => "skip",
                };
                println!("{mark}  {:<width$}  {}", c.name, c.detail);
            }
        }
    }
    let failed = checks.iter().filter(|c| c.outcome == Outcome::Fail).count();
    if failed == 0 {
        Ok(())
    } else {
        Err(CliError::Partial(format!(
            "{failed} of {} checks failed",
            checks.len()
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn package(files: &[(&str, &str)]) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "ccwb-smoke-{}-{}",
            std::process::id(),
            time::OffsetDateTime::now_utc().unix_timestamp_nanos()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let mut sums = String::new();
        for (name, text) in files {
            std::fs::write(dir.join(name), text).unwrap();
            sums.push_str(&format!("{}  {name}\n", sha256_hex(text.as_bytes())));
        }
        std::fs::write(dir.join("SHA256SUMS"), sums).unwrap();
        dir
    }

    #[test]
    fn checksums_catch_changed_missing_and_unlisted_files() {
        let dir = package(&[("a", "1"), ("b", "2")]);
        assert_eq!(checksums(&dir).outcome, Outcome::Pass);
        std::fs::write(dir.join("a"), "changed").unwrap();
        std::fs::remove_file(dir.join("b")).unwrap();
        std::fs::write(dir.join("c"), "extra").unwrap();
        let found = checksums(&dir);
        assert_eq!(found.outcome, Outcome::Fail);
        for needle in ["a does not match", "b is missing", "c is not listed"] {
            assert!(found.detail.contains(needle), "{}", found.detail);
        }
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn config_must_point_at_this_profiles_api() {
        let good = r#"{"ClaudeCode": {"issuer": "https://idp", "client_id": "c", "aws_region": "eu-west-1", "quota_api_endpoint": "https://api.example.com/"}}"#;
        let dir = package(&[("config.json", good)]);
        let (found, profiles) = config(&dir, Some("https://api.example.com"));
        assert_eq!(
            (found.outcome, profiles),
            (Outcome::Pass, vec!["ClaudeCode".to_owned()])
        );
        let (other, _) = config(&dir, Some("https://elsewhere.example.com"));
        assert_eq!(other.outcome, Outcome::Fail);
        assert!(other.detail.contains("elsewhere"), "{}", other.detail);
        std::fs::write(dir.join("config.json"), r#"{"ClaudeCode": {"issuer": ""}}"#).unwrap();
        let (bad, _) = config(&dir, None);
        assert!(bad.detail.contains("no issuer") && bad.detail.contains("no quota_api_endpoint"));
        std::fs::remove_dir_all(dir).unwrap();
    }
}
