//! `ccwb context …`: the profiles (which deployment the commands talk to), one module per
//! verb. Profiles themselves are [`crate::profile`]'s.

mod create;
mod current;
mod delete;
mod list;
mod show;
mod r#use;

pub use show::profile_rows;

use clap::Subcommand;

use crate::error::CliError;
use crate::output::Out;

/// `ccwb context …`.
#[derive(Debug, Subcommand)]
pub enum ContextCommand {
    /// List profiles; the current one is marked.
    List,
    /// Print the current profile's name.
    Current,
    /// Make a profile the current one.
    Use(r#use::UseArgs),
    /// Show a profile (the current one by default); secrets are masked.
    Show(show::ShowArgs),
    /// Create or replace a profile.
    Create(create::CreateArgs),
    /// Delete a profile and its stored sign-in.
    Delete(delete::DeleteArgs),
}

impl ContextCommand {
    /// Runs the command.
    pub fn run(self, out: &mut Out<'_>) -> Result<(), CliError> {
        match self {
            Self::List => list::run(out),
            Self::Current => current::run(out),
            Self::Use(args) => args.run(out),
            Self::Show(args) => args.run(out),
            Self::Create(args) => args.run(out),
            Self::Delete(args) => args.run(out),
        }
    }
}
