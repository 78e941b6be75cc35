//! `ccwb destroy`: deletes the deployment's stacks, after a typed confirmation (or `--force`).

use crate::cdk::{self, Stack, TargetArgs};
use crate::error::CliError;
use crate::output::Out;
use crate::session::Session;

/// Arguments of `ccwb destroy`.
#[derive(Debug, Clone, clap::Args)]
pub struct DestroyArgs {
    /// Only this stack; default: all.
    #[arg(value_enum)]
    pub stack: Option<Stack>,
    /// Do not ask (required when stdin is not a terminal).
    #[arg(long)]
    pub force: bool,
    /// Where the CDK app, its location, and extra context are.
    #[command(flatten)]
    pub target: TargetArgs,
}

impl DestroyArgs {
    /// `ccwb destroy [stack] [--force]`: refuses without confirmation.
    pub fn run(self, session: &Session, out: &mut Out<'_>) -> Result<(), CliError> {
        let plan = cdk::plan(session, &self.target, &["destroy", "--force"], self.stack)?;
        let what = self.stack.map_or("every ccwb stack", |s| s.construct_id());
        if !self.force {
            if !out.interactive {
                return Err(CliError::Usage(format!(
                    "refusing to destroy {what} without confirmation: pass --force (stdin is not a terminal)"
                )));
            }
            let answer = out.ask(&format!(
                "This deletes {what} of the deployment (protected tables and buckets are kept). Type 'destroy' to go on: "
            ))?;
            if answer != "destroy" {
                return Err(CliError::Cancelled);
            }
        }
        cdk::execute(&plan, out)
    }
}
