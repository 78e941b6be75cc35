//! `ccwb context delete`: deletes a profile and forgets its stored sign-in.

use crate::error::CliError;
use crate::output::Out;
use crate::profile::Config;
use crate::tokens;

/// Arguments of `ccwb context delete`.
#[derive(Debug, Clone, clap::Args)]
pub struct DeleteArgs {
    /// The profile.
    pub name: String,
}

impl DeleteArgs {
    /// Deletes the profile (no longer current if it was) and its sign-in.
    pub fn run(self, out: &mut Out<'_>) -> Result<(), CliError> {
        let name = self.name;
        let mut config = Config::load()?;
        if config.profiles.remove(&name).is_none() {
            return Err(CliError::Config(format!("no profile named {name:?}")));
        }
        if config.current.as_deref() == Some(&name) {
            config.current = None;
        }
        out.tightened(config.save()?)?;
        tokens::delete(&name)?;
        out.note(format!("Deleted profile {name}."))
    }
}
