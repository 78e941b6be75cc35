//! `ccwb cleanup`: removes what a package's installer put on this computer (the program and
//! config.json, the AWS profile, the Claude Code settings it wrote, the cached sign-in), and only
//! that: a profile or setting that points elsewhere is left with a note, never removed.
//!
//! [`places`] finds where the installer put things, [`plan`] decides what to change
//! ([`aws_config`] and [`settings`] for the two shared files), [`steps`] describes and makes the
//! changes. `--credentials-only` only clears the cached credentials and sign-in (what the
//! installed program's `--clear-cache` removes) and keeps the rest.

pub(crate) mod aws_config;
pub(crate) mod places;
mod plan;
mod settings;
mod steps;

use crate::error::CliError;
use crate::output::Out;

/// The AWS profile packages install unless `ccwb package --profile-name` said otherwise.
const DEFAULT_AWS_PROFILE: &str = "ClaudeCode";

/// Arguments of `ccwb cleanup`.
#[derive(Debug, Clone, clap::Args)]
pub struct CleanupArgs {
    /// The AWS profile the package installed [default: ClaudeCode]. Here `--profile NAME`
    /// means the same (as in the original ccwb), since cleanup uses no ccwb profile.
    #[arg(long, value_name = "NAME")]
    pub aws_profile: Option<String>,
    /// Only clear the cached AWS credentials and sign-in (the installed program's
    /// --clear-cache): the program, config.json, the AWS profile and the Claude Code settings
    /// stay, so the next use signs in afresh.
    #[arg(long)]
    pub credentials_only: bool,
    /// Show what would be removed, and change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Do not ask (required when stdin is not a terminal).
    #[arg(long)]
    pub force: bool,
}

impl CleanupArgs {
    /// Shows what would be removed, asks (unless `--force`), then removes it. Each step is
    /// tried even if an earlier one failed; failures are listed and the exit is non-zero.
    /// `profile` is the command line's `--profile`, taken for `--aws-profile` when that is not
    /// given.
    pub fn run(self, profile: Option<&str>, out: &mut Out<'_>) -> Result<(), CliError> {
        let profile = self
            .aws_profile
            .as_deref()
            .or(profile)
            .unwrap_or(DEFAULT_AWS_PROFILE);
        let places = places::Places::from_env()?;
        let plan = if self.credentials_only {
            plan::credentials_only(&places, profile)
        } else {
            plan::plan(&places, profile)?
        };
        let described: Vec<String> = plan.steps.iter().map(|s| s.describe(profile)).collect();
        // The plan is shown when nothing will be done without another word: a dry run, or a
        // question; with --force the "Done:" lines say the same.
        let asking = !self.force && out.interactive;
        if !out.is_json() {
            if plan.steps.is_empty() {
                out.note(format!(
                    "Nothing of profile {profile} to clean up on this computer."
                ))?;
            } else if self.dry_run || asking {
                out.note(format!(
                    "Cleanup {}:",
                    if self.dry_run { "would" } else { "will" }
                ))?;
                for line in &described {
                    out.note(format!("  - {line}"))?;
                }
            }
            for line in &plan.left {
                out.note(format!("Left alone: {line}"))?;
            }
        }
        if self.dry_run || plan.steps.is_empty() {
            if out.is_json() {
                out.json(&serde_json::json!({
                    "dry_run": self.dry_run, "would_do": described, "left": plan.left,
                }))?;
            }
            return Ok(());
        }
        if !self.force {
            if !asking {
                return Err(CliError::Usage(
                    "refusing to clean up without confirmation: pass --force (stdin is not a terminal), or --dry-run to see what would go".into(),
                ));
            }
            if !out.confirm("Go on?")? {
                return Err(CliError::Cancelled);
            }
        }
        let mut done = Vec::new();
        let mut failed = Vec::new();
        for step in &plan.steps {
            match steps::apply(step, profile) {
                Ok(()) => done.push(step.describe(profile)),
                Err(problem) => failed.push(problem),
            }
        }
        if out.is_json() {
            out.json(&serde_json::json!({
                "done": done, "failed": failed, "left": plan.left,
            }))?;
        } else {
            for line in &done {
                out.note(format!("Done: {line}"))?;
            }
        }
        if failed.is_empty() {
            Ok(())
        } else {
            Err(CliError::Partial(format!(
                "cleanup could not finish: {}",
                failed.join("; ")
            )))
        }
    }
}
