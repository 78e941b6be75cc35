//! `ccwb config …`: checking profiles, and moving them between computers.

mod export;
mod import;
mod validate;

pub use export::original_spelling;

use clap::Subcommand;

use crate::error::CliError;
use crate::output::Out;

/// `ccwb config …`.
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Check a profile (or `all`): fields, and that its identity provider answers.
    Validate(validate::ValidateArgs),
    /// Print profiles as JSON, or write them to a file (secrets left out unless
    /// --include-secrets).
    Export(export::ExportArgs),
    /// Add profiles from a file written by `ccwb config export`.
    Import(import::ImportArgs),
}

impl ConfigCommand {
    /// Runs the command.
    pub async fn run(self, out: &mut Out<'_>) -> Result<(), CliError> {
        match self {
            Self::Validate(args) => args.run(out).await,
            Self::Export(args) => args.run(out),
            Self::Import(args) => args.run(out),
        }
    }
}
