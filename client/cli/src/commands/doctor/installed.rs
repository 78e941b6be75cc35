//! This computer's installation, found where the installers put it (the same environment
//! variables as `ccwb cleanup`): the package's config.json, the program, the AWS profile, its
//! identity provider and API, and Claude Code's settings — Bedrock, telemetry to the API (or
//! nothing is metered) and the helpers.

use std::path::Path;

use ccwb_install::config::{ProfileConfig, profile_names, read_profile};
use ccwb_install::{ClaudeSettings, Input, command_word};

use super::{Check, reach};
use crate::commands::cleanup::aws_config::{Removal, remove_profile};
use crate::commands::cleanup::places::Places;
use crate::profile::Profile;

/// Whether a package is installed here.
pub fn present() -> bool {
    Places::from_env().is_ok_and(|p| p.install_dir.join("config.json").is_file())
}

/// Every check of the installation.
pub async fn checks(checks: &mut Vec<Check>) {
    let places = match Places::from_env() {
        Ok(places) => places,
        Err(err) => {
            checks.push(Check::fail("installation", err.to_string(), "set HOME"));
            return;
        }
    };
    let config_file = places.install_dir.join("config.json");
    let Some((name, config)) = package_config(&config_file, checks) else {
        return;
    };
    let program = places.install_dir.join("credential-process");
    let program_text = program.display().to_string();
    if program.is_file() || places.install_dir.join("credential-process.exe").is_file() {
        checks.push(Check::ok("program", program_text.clone()));
    } else {
        checks.push(Check::fail(
            "program",
            format!("{program_text} is missing"),
            "run the package's installer again",
        ));
    }
    aws_profile(&places.aws_config, &name, &program_text, checks);
    let as_profile = Profile {
        endpoint: config.quota_api_endpoint.clone().unwrap_or_default(),
        issuer: config.issuer.clone(),
        client_id: config.client_id.clone(),
        region: config.aws_region.clone(),
        ..Profile::default()
    };
    reach::identity_provider(&as_profile, checks).await;
    if !as_profile.endpoint.is_empty() {
        reach::api_answers(&as_profile.endpoint, checks).await;
    }
    claude_settings(
        &places.claude_settings,
        &name,
        &program_text,
        &config,
        checks,
    );
}

/// The package's config.json and its (first) profile, read as credential-process reads it.
fn package_config(file: &Path, checks: &mut Vec<Check>) -> Option<(String, ProfileConfig)> {
    let source = file.display().to_string();
    let text = match std::fs::read_to_string(file) {
        Ok(text) => text,
        Err(err) => {
            checks.push(Check::fail(
                "package config",
                format!("cannot read {source}: {err}"),
                "install the package your administrator sent (install.sh / install.ps1)",
            ));
            return None;
        }
    };
    let read = profile_names(&text, &source).and_then(|names| {
        let name = names
            .first()
            .cloned()
            .ok_or_else(|| ccwb_install::Error::Config(format!("{source} holds no profile")))?;
        read_profile(&text, &name, &source).map(|parsed| (name, parsed))
    });
    match read {
        Ok((name, parsed)) => {
            checks.push(Check::ok(
                "package config",
                format!("{source}: profile {name}"),
            ));
            for warning in parsed.warnings {
                checks.push(Check::warn(
                    "package config",
                    warning,
                    "ask your administrator for a current package",
                ));
            }
            Some((name, parsed.config))
        }
        Err(err) => {
            checks.push(Check::fail(
                "package config",
                err.to_string(),
                "install a current package (ccwb package builds one)",
            ));
            None
        }
    }
}

/// The AWS profile Claude Code uses runs this installation's program.
fn aws_profile(file: &Path, name: &str, program: &str, checks: &mut Vec<Check>) {
    let text = std::fs::read_to_string(file).unwrap_or_default();
    match remove_profile(&text, name, program) {
        Removal::Removed(_) => checks.push(Check::ok(
            "AWS profile",
            format!("{name} in {} runs {program}", file.display()),
        )),
        Removal::NotOurs(other) => checks.push(Check::fail(
            "AWS profile",
            format!(
                "{name} in {} runs {other}, not this installation",
                file.display()
            ),
            "run the package's installer again (it rewrites the profile)",
        )),
        Removal::Absent => checks.push(Check::fail(
            "AWS profile",
            format!("no profile {name} in {}", file.display()),
            "run the package's installer again",
        )),
    }
}

/// The value at `key` (`["env", "AWS_PROFILE"]`) of a settings document.
fn setting<'a>(settings: &'a serde_json::Value, key: &[String]) -> Option<&'a str> {
    key.iter()
        .try_fold(settings, |value, part| value.get(part))
        .and_then(serde_json::Value::as_str)
}

/// Claude Code's settings hold what this package's installer writes: every difference is named,
/// and a missing telemetry setting fails (usage would go unmetered).
fn claude_settings(
    file: &Path,
    name: &str,
    program: &str,
    config: &ProfileConfig,
    checks: &mut Vec<Check>,
) {
    let managed = ccwb_install::managed_settings_file(std::env::consts::OS);
    let (file, text) = match std::fs::read_to_string(&managed) {
        Ok(text) => (managed, text),
        Err(_) => match std::fs::read_to_string(file) {
            Ok(text) => (file.to_path_buf(), text),
            Err(err) => {
                checks.push(Check::fail(
                    "Claude Code settings",
                    format!("cannot read {}: {err}", file.display()),
                    format!("run: {program} --install-claude-settings --profile {name}"),
                ));
                return;
            }
        },
    };
    let settings: serde_json::Value = match serde_json::from_str(&text) {
        Ok(settings) => settings,
        Err(err) => {
            checks.push(Check::fail(
                "Claude Code settings",
                format!("{} is not JSON: {err}", file.display()),
                "fix the file (Claude Code ignores it as it is)",
            ));
            return;
        }
    };
    let word = command_word(program, cfg!(windows));
    let expected = ClaudeSettings::new(&Input {
        program: &word,
        profile: name,
        region: config.aws_region.as_deref().unwrap_or_default(),
        model: config.claude_model.as_deref(),
        small_fast_model: config.claude_small_fast_model.as_deref(),
        api_endpoint: config.quota_api_endpoint.as_deref(),
        aws_config_file: None,
    });
    let mut telemetry = Vec::new();
    let mut other = Vec::new();
    for wanted in &expected.settings {
        let found = setting(&settings, &wanted.key);
        if found == Some(wanted.value.as_str()) {
            continue;
        }
        let line = match found {
            Some(value) => format!("{} is {value:?}, not {:?}", wanted.dotted(), wanted.value),
            None => format!("{} is not set", wanted.dotted()),
        };
        let is_telemetry =
            wanted.dotted().contains("OTEL") || wanted.dotted().contains("TELEMETRY");
        if is_telemetry {
            telemetry.push(line)
        } else {
            other.push(line)
        }
    }
    let fix = format!("run: {program} --install-claude-settings --profile {name}");
    if !telemetry.is_empty() {
        checks.push(Check::fail(
            "Claude Code telemetry",
            format!(
                "{}: {} (usage is not metered)",
                file.display(),
                telemetry.join("; ")
            ),
            fix.clone(),
        ));
    } else if config.quota_api_endpoint.is_some() {
        checks.push(Check::ok(
            "Claude Code telemetry",
            format!(
                "metrics go to the API over OTLP (http/protobuf), from {}",
                file.display()
            ),
        ));
    }
    if other.is_empty() {
        checks.push(Check::ok(
            "Claude Code settings",
            format!(
                "Bedrock, profile {name} and the helpers are set in {}",
                file.display()
            ),
        ));
    } else {
        checks.push(Check::fail(
            "Claude Code settings",
            format!("{}: {}", file.display(), other.join("; ")),
            fix,
        ));
    }
}
