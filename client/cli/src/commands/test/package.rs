//! The package checks of `ccwb test`: files against `SHA256SUMS`, `config.json` read as
//! credential-process reads it, the installers filled in, and the program for this computer
//! reading its config (no sign-in, no network).

use std::path::{Path, PathBuf};
use std::process::Command;

use ccwb_install::config as install_config;

use super::{Check, Outcome, check};
use crate::bundle::{binary_name, sha256_hex};

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
pub fn checksums(dir: &Path) -> Check {
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
pub fn config(dir: &Path, endpoint: Option<&str>) -> (Check, Vec<String>) {
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

/// The install scripts are there, with the profile and region filled in.
pub fn installers(dir: &Path) -> Check {
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

/// The package's program for this computer, or why there is none to run here.
pub fn this_computers_program(dir: &Path) -> Result<PathBuf, String> {
    let platform = host_platform().ok_or("no package platform matches this computer".to_owned())?;
    let path = dir.join(binary_name(platform));
    if path.is_file() {
        Ok(path)
    } else {
        Err(format!("the package has no {platform} build to run here"))
    }
}

/// Runs the package's program for this computer: `--version`, then `--explain` per profile
/// (reads config.json beside it as a developer's copy would; no sign-in, no network).
pub fn program(dir: &Path, profiles: &[String]) -> Vec<Check> {
    let path = match this_computers_program(dir) {
        Ok(path) => path,
        Err(why) => return vec![check("program", Outcome::Skip, why)],
    };
    let platform = host_platform().unwrap_or_default();
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
