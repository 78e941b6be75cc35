//! `ccwb completions`: a shell completion script, generated from the command line's own
//! definition (handed in by `cli`, which owns it).

use clap_complete::Shell;

use crate::error::CliError;
use crate::output::Out;

/// Arguments of `ccwb completions`.
#[derive(Debug, Clone, clap::Args)]
pub struct CompletionsArgs {
    /// The shell.
    pub shell: Shell,
}

impl CompletionsArgs {
    /// Prints the script for `command` (the whole `ccwb` command line).
    pub fn run(self, command: &mut clap::Command, out: &mut Out<'_>) -> Result<(), CliError> {
        clap_complete::generate(self.shell, command, "ccwb", out.stdout());
        Ok(())
    }
}
