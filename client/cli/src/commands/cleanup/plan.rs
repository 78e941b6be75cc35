//! What cleanup would do: the steps that take out exactly what the installer put in, and what
//! it leaves alone with the reason (a profile that runs another program, settings changed
//! since, files it did not install).

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::aws_config::{Removal, remove_profile, section_name};
use super::places::{INSTALLED_FILES, Places};
use super::settings::remove_settings;
use super::steps::Step;
use crate::error::CliError;

/// What cleanup would do, and what it leaves alone with why.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Plan {
    /// What will be done, in order.
    pub steps: Vec<Step>,
    /// What is left alone, and why.
    pub left: Vec<String>,
}

/// The installed program in `dir`, if there is one.
fn installed_program(dir: &Path) -> Option<PathBuf> {
    ["credential-process", "credential-process.exe"]
        .iter()
        .map(|name| dir.join(name))
        .find(|p| p.is_file())
}

/// What `--credentials-only` does: the installed program clears its cache of `profile`;
/// everything else is left, and said so.
pub fn credentials_only(places: &Places, profile: &str) -> Plan {
    let mut plan = Plan::default();
    match installed_program(&places.install_dir) {
        Some(program) => {
            plan.steps.push(Step::ClearCache { program });
            plan.left.push(format!(
                "the program and config.json in {}, the {} section of {} and the Claude Code settings (--credentials-only)",
                places.install_dir.display(),
                section_name(profile),
                places.aws_config.display()
            ));
        }
        None => plan.left.push(format!(
            "no program installed in {} to clear its cache with (where it is installed, run it with --clear-cache)",
            places.install_dir.display()
        )),
    }
    plan
}

/// What cleaning up `profile` installed at `places` would do.
pub fn plan(places: &Places, profile: &str) -> Result<Plan, CliError> {
    let mut plan = Plan::default();
    let program = installed_program(&places.install_dir);
    // The path the installer wrote into the AWS profile and Claude Code settings.
    let program_text = places
        .install_dir
        .join("credential-process")
        .display()
        .to_string();

    if let Some(program) = &program {
        plan.steps.push(Step::ClearCache {
            program: program.clone(),
        });
    }
    if places.install_dir.is_dir() {
        let files: Vec<PathBuf> = INSTALLED_FILES
            .iter()
            .map(|name| places.install_dir.join(name))
            .filter(|p| p.is_file())
            .collect();
        let others: Vec<String> = read_dir_names(&places.install_dir)?
            .into_iter()
            .filter(|name| !INSTALLED_FILES.contains(&name.as_str()))
            .collect();
        if !others.is_empty() {
            plan.left.push(format!(
                "{} keeps {} (not the installer's)",
                places.install_dir.display(),
                others.join(", ")
            ));
        }
        if !files.is_empty() {
            plan.steps.push(Step::RemoveFiles {
                dir: places.install_dir.clone(),
                files,
                dir_too: others.is_empty(),
            });
        }
    }

    match read_optional(&places.aws_config)? {
        None => {}
        Some(text) => match remove_profile(&text, profile, &program_text) {
            Removal::Absent => {}
            Removal::NotOurs(command) => plan.left.push(format!(
                "the {} section of {} runs {command}, not this installation's program: left as it is",
                section_name(profile),
                places.aws_config.display()
            )),
            Removal::Removed(rest) => plan.steps.push(Step::AwsConfig {
                path: places.aws_config.clone(),
                content: (!rest.trim().is_empty()).then_some(rest),
            }),
        },
    }

    let record_path = places.install_dir.join(ccwb_install::RECORD_FILE);
    match read_optional(&record_path)? {
        Some(record) => plan_settings_from_record(&mut plan, &record_path, &record)?,
        None => plan_settings_by_guess(&mut plan, places, profile, &program_text)?,
    }
    Ok(plan)
}

/// Undoes exactly what the installer recorded it merged into Claude Code's settings.
fn plan_settings_from_record(
    plan: &mut Plan,
    record_path: &Path,
    text: &str,
) -> Result<(), CliError> {
    let record: ccwb_install::Record = serde_json::from_str(text)
        .map_err(|e| CliError::Config(format!("{} is damaged: {e}", record_path.display())))?;
    let path = record.settings_file.clone();
    let Some(current) = read_optional(&path)? else {
        return Ok(());
    };
    match ccwb_install::undo(&current, &record) {
        Err(e) => plan
            .left
            .push(format!("{}: {e}; left as it is", path.display())),
        Ok(undone) => {
            plan.left.extend(
                undone
                    .left
                    .iter()
                    .map(|why| format!("{}: {why}", path.display())),
            );
            if undone.text.as_deref() != Some(current.as_str()) {
                plan.steps.push(Step::ClaudeSettings {
                    path,
                    content: undone.text,
                });
            }
        }
    }
    Ok(())
}

/// Installs from packages that kept no record: the installer's keys, found by what they say.
fn plan_settings_by_guess(
    plan: &mut Plan,
    places: &Places,
    profile: &str,
    program_text: &str,
) -> Result<(), CliError> {
    let Some(text) = read_optional(&places.claude_settings)? else {
        return Ok(());
    };
    match serde_json::from_str::<Value>(&text) {
        Err(e) => plan.left.push(format!(
            "{} is not JSON ({e}): left as it is",
            places.claude_settings.display()
        )),
        Ok(settings) => {
            if let Some(rest) = remove_settings(settings, profile, program_text) {
                let content = match rest.as_object() {
                    Some(map) if map.is_empty() => None,
                    _ => Some(
                        serde_json::to_string_pretty(&rest)
                            .map_err(|e| CliError::Output(e.to_string()))?
                            + "\n",
                    ),
                };
                plan.steps.push(Step::ClaudeSettings {
                    path: places.claude_settings.clone(),
                    content,
                });
            }
        }
    }
    Ok(())
}

fn read_dir_names(dir: &Path) -> Result<Vec<String>, CliError> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| CliError::Config(format!("cannot read {}: {e}", dir.display())))?;
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    Ok(names)
}

fn read_optional(path: &Path) -> Result<Option<String>, CliError> {
    ccwb_install::files::read_optional(path)
        .map_err(|e| CliError::Config(format!("cannot read {}: {e}", path.display())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_only_clears_the_cache_and_keeps_everything_else() {
        let root = std::env::temp_dir().join(format!("ccwb-cleanup-{}", std::process::id()));
        let places = Places {
            install_dir: root.join("install"),
            aws_config: root.join("aws-config"),
            claude_settings: root.join("settings.json"),
        };
        std::fs::create_dir_all(&places.install_dir).unwrap();
        assert!(credentials_only(&places, "ClaudeCode").steps.is_empty());
        let program = places.install_dir.join("credential-process");
        std::fs::write(&program, "").unwrap();
        std::fs::write(places.install_dir.join("config.json"), "{}").unwrap();
        let plan = credentials_only(&places, "ClaudeCode");
        assert_eq!(plan.steps, vec![Step::ClearCache { program }]);
        assert!(
            plan.left[0].contains("--credentials-only"),
            "{:?}",
            plan.left
        );
        std::fs::remove_dir_all(root).unwrap();
    }
}
