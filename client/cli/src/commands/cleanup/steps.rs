//! The changes cleanup makes, described before and applied after the person agrees.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::aws_config::section_name;

/// One change cleanup makes.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// Runs the installed program with `--clear-cache` (cached credentials, sign-in, keyring).
    ClearCache { program: PathBuf },
    /// Removes installed files, then the folder if nothing else is in it.
    RemoveFiles {
        dir: PathBuf,
        files: Vec<PathBuf>,
        dir_too: bool,
    },
    /// Writes the AWS config without the profile's section (`None`: the file held nothing else).
    AwsConfig {
        path: PathBuf,
        content: Option<String>,
    },
    /// Writes Claude Code settings without the installer's entries (`None`: nothing else).
    ClaudeSettings {
        path: PathBuf,
        content: Option<String>,
    },
}

impl Step {
    /// The step for people (`remove config.json from …`).
    pub fn describe(&self, profile: &str) -> String {
        match self {
            Self::ClearCache { program } => format!(
                "clear the cached credentials and sign-in of profile {profile} ({} --clear-cache)",
                program.display()
            ),
            Self::RemoveFiles {
                dir,
                files,
                dir_too,
            } => {
                let names: Vec<String> = files
                    .iter()
                    .filter_map(|f| f.file_name().map(|n| n.to_string_lossy().into_owned()))
                    .collect();
                format!(
                    "remove {} from {}{}",
                    names.join(", "),
                    dir.display(),
                    if *dir_too { ", then the folder" } else { "" }
                )
            }
            Self::AwsConfig { path, content } => match content {
                Some(_) => format!(
                    "remove the {} section from {} (other profiles are kept)",
                    section_name(profile),
                    path.display()
                ),
                None => format!(
                    "remove {} (it holds only the {} section)",
                    path.display(),
                    section_name(profile)
                ),
            },
            Self::ClaudeSettings { path, content } => match content {
                Some(_) => format!(
                    "remove the installer's entries from {} (other settings are kept)",
                    path.display()
                ),
                None => format!(
                    "remove {} (it holds only the installer's settings)",
                    path.display()
                ),
            },
        }
    }
}

/// An I/O error naming its file.
fn io(path: &Path) -> impl Fn(std::io::Error) -> String + '_ {
    move |e| format!("{}: {e}", path.display())
}

/// Makes the change; why not, naming the file, when it fails.
pub fn apply(step: &Step, profile: &str) -> Result<(), String> {
    match step {
        Step::ClearCache { program } => {
            let output = Command::new(program)
                .args(["--clear-cache", "--profile", profile])
                .output()
                .map_err(io(program))?;
            if !output.status.success() {
                return Err(format!(
                    "{} --clear-cache failed: {}",
                    program.display(),
                    String::from_utf8_lossy(&output.stderr).trim()
                ));
            }
            Ok(())
        }
        Step::RemoveFiles {
            dir,
            files,
            dir_too,
        } => {
            for file in files {
                std::fs::remove_file(file).map_err(io(file))?;
            }
            if *dir_too {
                std::fs::remove_dir(dir).map_err(io(dir))?;
            }
            Ok(())
        }
        Step::AwsConfig { path, content } | Step::ClaudeSettings { path, content } => match content
        {
            Some(text) => ccwb_install::files::write_atomic(path, text).map_err(io(path)),
            None => std::fs::remove_file(path).map_err(io(path)),
        },
    }
}
