//! `ccwb destroy`: deletes the deployment's stacks, after a typed confirmation (or `--force`).

use crate::cdk::{self, Stack, TargetArgs};
use crate::error::CliError;
use crate::output::Out;
use crate::session::Session;

/// Arguments of `ccwb destroy`.
#[derive(Debug, Clone, clap::Args)]
pub struct DestroyArgs {
    /// Only this stack: auth, analytics or quota (the original's dashboard and monitoring are
    /// in quota); default: all.
    #[arg(value_parser = crate::cdk::parse_stack, value_name = "STACK")]
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
        cdk::execute(&plan, out)?;
        let protected = !self
            .target
            .context
            .iter()
            .any(|c| c.replace(' ', "") == "deletionProtection=false");
        let analytics = session
            .profile()?
            .and_then(|(_, p)| p.deployment)
            .is_none_or(|d| d.analytics);
        let kept = kept(&plan.name, self.stack, protected, analytics);
        if kept.is_empty() {
            return Ok(());
        }
        out.note(format!(
            "Kept (deletion protection; delete them yourself when the data may go, or destroy with -c deletionProtection=false after deploying with it):\n  {}",
            kept.join("\n  ")
        ))
    }
}

/// What a destroy of `stack` (all when `None`) leaves in deployment `name`.
fn kept(name: &str, stack: Option<Stack>, protected: bool, analytics: bool) -> Vec<String> {
    if !protected {
        return Vec::new();
    }
    let mut kept = Vec::new();
    if matches!(stack, None | Some(Stack::Quota)) {
        for table in ["policies", "usage", "audit"] {
            kept.push(format!("DynamoDB table {name}-{table}"));
        }
        kept.push(format!("S3 bucket {name}-packages-<account>-<region>"));
    }
    if matches!(stack, None | Some(Stack::Analytics)) {
        // The Athena results bucket exists only with reports on.
        let buckets: &[&str] = if analytics {
            &["data", "athena", "logs"]
        } else {
            &["data", "logs"]
        };
        for bucket in buckets {
            kept.push(format!("S3 bucket {name}-{bucket}-<account>-<region>"));
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protected_data_is_listed_as_kept() {
        let all = kept("ccwb", None, true, true).join("\n");
        assert!(all.contains("DynamoDB table ccwb-audit"), "{all}");
        assert!(
            all.contains("S3 bucket ccwb-data-<account>-<region>"),
            "{all}"
        );
        assert!(all.contains("ccwb-athena-"), "{all}");
        let archive_only = kept("ccwb", None, true, false).join("\n");
        assert!(!archive_only.contains("ccwb-athena-"), "{archive_only}");
        assert!(kept("ccwb", Some(Stack::Auth), true, true).is_empty());
        assert!(kept("ccwb", None, false, true).is_empty());
    }
}
