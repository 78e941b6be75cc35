//! `ccwb doctor`: what is wrong, a line a check, each failure with its fix. For an
//! administrator: tools, the profile, the identity provider's discovery, the API and its
//! stacks, the developers' role (or identity pool) against the provider and client id, and
//! Bedrock's models in every allowed region. For a developer (`--installed`, or whenever an
//! installation is on this computer): the package's config and Claude Code's settings
//! (Bedrock, telemetry to the API, the helpers). Exit 1 when anything fails.

mod access;
mod installed;
mod reach;

use serde::Serialize;

use crate::error::CliError;
use crate::output::Out;
use crate::session::Session;

/// Arguments of `ccwb doctor`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct DoctorArgs {
    /// Check only this computer's installation (what a developer runs): the package's
    /// config.json, its identity provider and API, and the Claude Code settings.
    #[arg(long)]
    pub installed: bool,
    /// The results as JSON (the same as `-o json`).
    #[arg(long)]
    pub json: bool,
}

/// How a check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// As it should be.
    Ok,
    /// Works, but worth a look.
    Warn,
    /// Broken: the command exits 1.
    Fail,
    /// Not checked (what it needs is missing), with the reason.
    Skip,
}

/// One line of the report.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    /// What was checked, e.g. `identity provider`.
    pub name: String,
    /// How it came out.
    pub outcome: Outcome,
    /// What was found.
    pub detail: String,
    /// What to do about it (failures and warnings).
    pub fix: Option<String>,
}

impl Check {
    fn new(
        name: impl Into<String>,
        outcome: Outcome,
        detail: impl Into<String>,
        fix: Option<String>,
    ) -> Self {
        Self {
            name: name.into(),
            outcome,
            detail: detail.into(),
            fix,
        }
    }

    /// A passed check.
    pub fn ok(name: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::new(name, Outcome::Ok, detail, None)
    }

    /// A failed check with its fix.
    pub fn fail(
        name: impl Into<String>,
        detail: impl Into<String>,
        fix: impl Into<String>,
    ) -> Self {
        Self::new(name, Outcome::Fail, detail, Some(fix.into()))
    }

    /// A warning with what to do.
    pub fn warn(
        name: impl Into<String>,
        detail: impl Into<String>,
        fix: impl Into<String>,
    ) -> Self {
        Self {
            outcome: Outcome::Warn,
            ..Self::fail(name, detail, fix)
        }
    }

    /// A check that could not run, and why.
    pub fn skip(name: impl Into<String>, why: impl Into<String>) -> Self {
        Self::new(name, Outcome::Skip, why, None)
    }

    fn mark(&self) -> &'static str {
        match self.outcome {
            Outcome::Ok => "✓",
            Outcome::Warn => "!",
            Outcome::Fail => "✗",
            Outcome::Skip => "-",
        }
    }
}

impl DoctorArgs {
    /// Runs every check that applies and reports them; exit 1 if any failed.
    pub async fn run(self, session: &Session, out: &mut Out<'_>) -> Result<(), CliError> {
        let mut checks = Vec::new();
        if self.installed {
            installed::checks(&mut checks).await;
        } else {
            reach::tools(&mut checks);
            match reach::profile(session, &mut checks) {
                Some((name, profile)) => {
                    reach::identity_provider(&profile, &mut checks).await;
                    reach::api(session, &name, &profile, out, &mut checks).await;
                    access::checks(&profile, &mut checks).await;
                }
                None => checks.push(Check::skip(
                    "the rest",
                    "no profile: nothing to check against",
                )),
            }
            if installed::present() {
                installed::checks(&mut checks).await;
            }
        }
        report(&checks, self.json || out.is_json(), out)?;
        let failed = checks.iter().filter(|c| c.outcome == Outcome::Fail).count();
        if failed > 0 {
            return Err(CliError::Partial(format!(
                "{failed} check{} failed",
                if failed == 1 { "" } else { "s" }
            )));
        }
        Ok(())
    }
}

fn report(checks: &[Check], json: bool, out: &mut Out<'_>) -> Result<(), CliError> {
    if json {
        let ok = !checks.iter().any(|c| c.outcome == Outcome::Fail);
        return out.json(&serde_json::json!({ "ok": ok, "checks": checks }));
    }
    for check in checks {
        out.line(format!("{} {}: {}", check.mark(), check.name, check.detail))?;
        if let Some(fix) = &check.fix {
            out.line(format!("    fix: {fix}"))?;
        }
    }
    Ok(())
}
