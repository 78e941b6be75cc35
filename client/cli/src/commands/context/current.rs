//! `ccwb context current`: the current profile's name.

use crate::error::CliError;
use crate::output::Out;
use crate::profile::Config;

/// Prints the current profile's name.
pub fn run(out: &mut Out<'_>) -> Result<(), CliError> {
    let name = Config::load()?
        .current
        .ok_or_else(|| CliError::Config("no current profile (see `ccwb context use`)".into()))?;
    out.line(name)
}
