//! One module per command (a folder for a command with subcommands), as gh lays out its verbs:
//! each holds its clap arguments (`LoginArgs`, `quota::set::SetUserArgs`, …), its `run`, the
//! rendering of its result, and that rendering's unit tests. A command reads the session
//! (endpoint, profile, token) it is given and writes only to the [`Out`](crate::output::Out)
//! it is given; it never parses the whole command line, which is [`crate::cli`]'s.
//!
//! To add a command: a module here with an `Args` struct and `run`, and one variant in
//! [`crate::cli::Command`] with its help text.

pub mod audit;
pub mod builds;
pub mod cleanup;
pub mod completions;
pub mod config;
pub mod context;
pub mod deploy;
pub mod destroy;
pub mod distribute;
pub mod doctor;
pub mod init;
pub mod login;
pub mod logout;
pub mod package;
pub mod quota;
pub mod status;
pub mod test;
pub mod whoami;
