//! `ccwb config import`: adds the profiles of a `ccwb config export` file, each checked, none
//! replaced without `--force`.

use std::path::PathBuf;

use crate::error::CliError;
use crate::output::Out;
use crate::profile::{Config, check_name};

/// Arguments of `ccwb config import`.
#[derive(Debug, Clone, clap::Args)]
pub struct ImportArgs {
    /// The file.
    pub file: PathBuf,
    /// Replace profiles that exist with the same name.
    #[arg(long)]
    pub force: bool,
}

impl ImportArgs {
    /// Adds the file's profiles; nothing is written unless every one of them is fine.
    pub fn run(self, out: &mut Out<'_>) -> Result<(), CliError> {
        let file = &self.file;
        let mut config = Config::load()?;
        let text = std::fs::read_to_string(file)
            .map_err(|e| CliError::Input(format!("cannot read {}: {e}", file.display())))?;
        let incoming: Config = serde_json::from_str(&text).map_err(|e| {
            CliError::Input(format!("{}: not a ccwb config export: {e}", file.display()))
        })?;
        for (name, profile) in &incoming.profiles {
            check_name(name)?;
            let problems = profile.problems();
            if !problems.is_empty() {
                return Err(CliError::Input(format!(
                    "profile {name:?}: {}",
                    problems.join("; ")
                )));
            }
            if !self.force && config.profiles.contains_key(name) {
                return Err(CliError::Usage(format!(
                    "profile {name:?} exists; pass --force to replace it"
                )));
            }
        }
        let count = incoming.profiles.len();
        config.profiles.extend(incoming.profiles);
        if config.current.is_none() {
            config.current = config.profiles.keys().next().cloned();
        }
        out.tightened(config.save()?)?;
        out.note(format!("Imported {count} profile(s)."))
    }
}
