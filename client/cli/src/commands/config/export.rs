//! `ccwb config export`: profiles as JSON, the client secrets left out unless asked for, on
//! stdout or into a file (`--file`, which the original ccwb spelled `--output FILE`: see
//! [`original_spelling`]).

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::PathBuf;

use crate::error::CliError;
use crate::output::Out;
use crate::profile::Config;

/// Arguments of `ccwb config export`.
#[derive(Debug, Clone, clap::Args)]
pub struct ExportArgs {
    /// One profile; all by default.
    pub name: Option<String>,
    /// Include client secrets.
    #[arg(long)]
    pub include_secrets: bool,
    /// Write the export to this file instead of stdout (`--output FILE` also works, as in
    /// the original ccwb). With --include-secrets the file is private to you (0600).
    #[arg(long, value_name = "FILE")]
    pub file: Option<PathBuf>,
}

impl ExportArgs {
    /// Prints the export, or writes it to `--file` (always JSON: it is read back by `ccwb
    /// config import`).
    pub fn run(self, out: &mut Out<'_>) -> Result<(), CliError> {
        let export = self.export(Config::load()?)?;
        let Some(path) = &self.file else {
            return out.json(&export);
        };
        let text = serde_json::to_string_pretty(&export)
            .map_err(|e| CliError::Output(e.to_string()))?
            + "\n";
        let failed = |e: std::io::Error| CliError::Output(format!("{}: {e}", path.display()));
        ccwb_install::files::write_atomic(path, &text).map_err(failed)?;
        #[cfg(unix)]
        if self.include_secrets {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
                .map_err(failed)?;
        }
        out.note(format!(
            "Exported {} profile(s) to {}{}",
            export.profiles.len(),
            path.display(),
            if self.include_secrets {
                " (with client secrets)"
            } else {
                ""
            }
        ))
    }

    /// What `config` exports under these arguments.
    fn export(&self, config: Config) -> Result<Config, CliError> {
        let mut export = match &self.name {
            Some(name) => {
                let (name, profile) = config.resolve(Some(name))?;
                Config {
                    current: None,
                    profiles: BTreeMap::from([(name, profile)]),
                }
            }
            None => config,
        };
        if !self.include_secrets {
            for profile in export.profiles.values_mut() {
                profile.client_secret = None;
            }
        }
        Ok(export)
    }
}

/// The command line with the original ccwb's `config export … --output FILE` read as
/// `--file FILE`, or `None` when it has no such thing. Our `--output` is the global output
/// format (`table`/`json`), so such a line fails to parse as it is; `crate::cli` then tries it
/// again rewritten.
pub fn original_spelling(args: &[OsString]) -> Option<Vec<OsString>> {
    let words: Vec<Option<&str>> = args.iter().map(|a| a.to_str()).collect();
    let export = words
        .windows(2)
        .position(|w| w == [Some("config"), Some("export")])?;
    let is_format = |value: &str| matches!(value, "table" | "json");
    let mut fixed = args.to_vec();
    let mut changed = false;
    for (i, word) in words.iter().enumerate().skip(export + 2) {
        match *word {
            Some("--output") | Some("-o")
                if words
                    .get(i + 1)
                    .copied()
                    .flatten()
                    .is_some_and(|v| !is_format(v)) =>
            {
                fixed[i] = "--file".into();
                changed = true;
            }
            Some(word) => {
                if let Some(value) = word.strip_prefix("--output=")
                    && !is_format(value)
                {
                    fixed[i] = format!("--file={value}").into();
                    changed = true;
                }
            }
            None => {}
        }
    }
    changed.then_some(fixed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::Profile;

    #[test]
    fn secrets_stay_behind_unless_asked_for() {
        let config = Config {
            current: Some("prod".into()),
            profiles: BTreeMap::from([
                ("dev".to_owned(), Profile::default()),
                (
                    "prod".to_owned(),
                    Profile {
                        client_secret: Some("s3cret".into()),
                        ..Profile::default()
                    },
                ),
            ]),
        };
        let args = |name: Option<&str>, include_secrets| ExportArgs {
            name: name.map(str::to_owned),
            include_secrets,
            file: None,
        };
        let all = args(None, false).export(config.clone()).unwrap();
        assert_eq!(all.profiles.len(), 2);
        assert_eq!(all.profiles["prod"].client_secret, None);
        let one = args(Some("prod"), true).export(config).unwrap();
        assert_eq!(one.current, None);
        assert_eq!(one.profiles.keys().collect::<Vec<_>>(), ["prod"]);
        assert_eq!(
            one.profiles["prod"].client_secret.as_deref(),
            Some("s3cret")
        );
    }

    #[test]
    fn the_original_output_file_flag_becomes_file() {
        let line = |words: &[&str]| words.iter().map(OsString::from).collect::<Vec<_>>();
        assert_eq!(
            original_spelling(&line(&[
                "ccwb", "config", "export", "prod", "--output", "p.json"
            ])),
            Some(line(&[
                "ccwb", "config", "export", "prod", "--file", "p.json"
            ]))
        );
        assert_eq!(
            original_spelling(&line(&["ccwb", "config", "export", "--output=p.json"])),
            Some(line(&["ccwb", "config", "export", "--file=p.json"]))
        );
        assert_eq!(
            original_spelling(&line(&["ccwb", "config", "export", "-o", "json"])),
            None
        );
        assert_eq!(
            original_spelling(&line(&["ccwb", "status", "--output", "x"])),
            None
        );
    }
}
