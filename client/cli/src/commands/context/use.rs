//! `ccwb context use`: makes a profile the current one.

use crate::error::CliError;
use crate::output::Out;
use crate::profile::Config;

/// Arguments of `ccwb context use`.
#[derive(Debug, Clone, clap::Args)]
pub struct UseArgs {
    /// The profile.
    pub name: String,
}

impl UseArgs {
    /// Makes the profile current.
    pub fn run(self, out: &mut Out<'_>) -> Result<(), CliError> {
        let name = self.name;
        let mut config = Config::load()?;
        if !config.profiles.contains_key(&name) {
            return Err(CliError::Config(format!(
                "no profile named {name:?} (see `ccwb context list`)"
            )));
        }
        config.current = Some(name.clone());
        out.tightened(config.save()?)?;
        out.note(format!("Now using profile {name}."))
    }
}
