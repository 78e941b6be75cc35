//! `ccwb quota …`: policies through the admin API, one module per verb; [`policy_view`] and
//! [`decision`] are how a policy and a quota decision read for people, [`policy_file`] the
//! import/export file formats.

mod decision;
mod delete;
mod export;
mod import;
mod list;
mod policy_file;
mod policy_view;
mod set;
mod show;
mod status;
mod unblock;
mod unblocks;
mod usage;

use ccwb_core::PolicyType;
use clap::{Subcommand, ValueEnum};

use crate::error::CliError;
use crate::output::Out;
use crate::session::Session;

/// `ccwb quota …`.
#[derive(Debug, Subcommand)]
pub enum QuotaCommand {
    /// Create a user's policy, or change only the given settings of an existing one.
    SetUser(set::SetUserArgs),
    /// Create a group's policy, or change only the given settings of an existing one.
    SetGroup(set::SetGroupArgs),
    /// Create the default policy, or change only the given settings.
    SetDefault(set::SetDefaultArgs),
    /// List policies.
    List(list::ListArgs),
    /// Show a user's effective policy, every applicable policy, and why.
    Show(show::ShowArgs),
    /// Show a user's usage this month and today against the effective limits.
    Usage(usage::UsageArgs),
    /// Delete a policy (asks first on a terminal unless --force).
    Delete(delete::DeleteArgs),
    /// Your own quota decision and usage (what credential-process sees).
    Status,
    /// Let a blocked user through for a while, or revoke that with --revoke.
    Unblock(unblock::UnblockArgs),
    /// A user's unblock in force and every unblock ever granted.
    Unblocks(unblocks::UnblocksArgs),
    /// Export policies to a .json or .csv file, or to standard output.
    ///
    /// CSV: every cell is in double quotes, and a cell that starts with =, +, -, @, a tab or a
    /// carriage return (which a spreadsheet would run as a formula), or with ', gets one ' in
    /// front, so spreadsheets show it as text. `ccwb quota import` removes that ', so the file
    /// reads back exactly as exported.
    Export(export::ExportArgs),
    /// Import policies from a .json or .csv file.
    ///
    /// CSV: one leading ' is removed from every cell, the mark `ccwb quota export` puts before a
    /// value starting with =, +, -, @, a tab, a carriage return or ' so that spreadsheets do not
    /// run it as a formula. In a file written by hand, write '' for a value that starts with '.
    Import(import::ImportArgs),
}

impl QuotaCommand {
    /// Runs the command with a client of the session's API.
    pub async fn run(self, session: &Session, out: &mut Out<'_>) -> Result<(), CliError> {
        let client = session.client(out).await?;
        match self {
            Self::SetUser(args) => args.run(&client, out).await,
            Self::SetGroup(args) => args.run(&client, out).await,
            Self::SetDefault(args) => args.run(&client, out).await,
            Self::List(args) => args.run(&client, out).await,
            Self::Show(args) => args.run(&client, out).await,
            Self::Usage(args) => args.run(&client, out).await,
            Self::Delete(args) => args.run(&client, out).await,
            Self::Status => status::run(&client, out).await,
            Self::Unblock(args) => args.run(&client, out).await,
            Self::Unblocks(args) => args.run(&client, out).await,
            Self::Export(args) => args.run(&client, out).await,
            Self::Import(args) => args.run(&client, out).await,
        }
    }
}

/// Policy types on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TypeArg {
    /// A user's policy.
    User,
    /// A group's policy.
    Group,
    /// The default policy.
    Default,
}

impl From<TypeArg> for PolicyType {
    fn from(arg: TypeArg) -> Self {
        match arg {
            TypeArg::User => Self::User,
            TypeArg::Group => Self::Group,
            TypeArg::Default => Self::Default,
        }
    }
}
