//! `ccwb test`: checks a package built by `ccwb package` as a developer would meet it
//! ([`package`]), then the quota API as credential-process and administrators use it
//! ([`quota`]); with `--full` also the developer's real way in, sign-in to Bedrock
//! ([`developer`], [`bedrock`]). Every check is reported; the exit is 1 if any failed.

mod bedrock;
mod developer;
mod package;
mod quota;

pub use package::checksums;

use std::path::PathBuf;

use crate::bundle::BuildSelection;
use crate::error::CliError;
use crate::output::Out;
use crate::session::Session;

/// Arguments of `ccwb test`: which build, and which half of the checks.
#[derive(Debug, Clone, clap::Args)]
pub struct TestArgs {
    /// The newest build (the default; a list to choose from only on a terminal without it).
    #[arg(long, conflicts_with = "build_profile")]
    pub latest: bool,
    /// The build's profile folder under dist/ (with --timestamp).
    #[arg(long, requires = "timestamp", value_name = "NAME")]
    pub build_profile: Option<String>,
    /// The build's timestamp folder (with --build-profile).
    #[arg(long, requires = "build_profile", value_name = "TIMESTAMP")]
    pub timestamp: Option<String>,
    /// Where `ccwb package` wrote builds.
    #[arg(long, default_value = "dist", value_name = "DIR")]
    pub dist: PathBuf,
    /// Only the quota API checks (no package).
    #[arg(long, conflicts_with = "skip_quota")]
    pub quota_only: bool,
    /// Only the package checks (no API calls).
    #[arg(long)]
    pub skip_quota: bool,
    /// Test this quota API instead of the profile's (a staging deployment, say): the quota
    /// checks call it, and the package's config.json must point at it.
    #[arg(long, value_name = "URL")]
    pub quota_api: Option<String>,
    /// Everything, and the developer's real way in: besides the package and the quota API,
    /// the package's program for this computer runs for each of its profiles as Claude Code
    /// runs it (sign-in, in the browser unless one is cached; the quota check; AWS
    /// credentials from STS or Cognito), then the model is called with those credentials (one
    /// output token: a fraction of a cent) in every Bedrock region the profile's deployment
    /// allows (the package's own region when the profile has no deployment).
    /// Uses this computer's credential cache for those profiles, as an installed copy does
    /// (`ccwb cleanup --credentials-only` clears it).
    #[arg(long, conflicts_with_all = ["quota_only", "skip_quota"])]
    pub full: bool,
}

/// How one check ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// It worked.
    Pass,
    /// It did not: the detail says why.
    Fail,
    /// Not applicable here (the detail says why).
    Skip,
}

/// One check and what it found.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Check {
    /// What was checked.
    pub name: String,
    /// How it ended.
    pub outcome: Outcome,
    /// What was found.
    pub detail: String,
}

/// A check named `name`.
pub fn check(name: &str, outcome: Outcome, detail: impl Into<String>) -> Check {
    Check {
        name: name.to_owned(),
        outcome,
        detail: detail.into(),
    }
}

impl TestArgs {
    fn selection(&self) -> BuildSelection {
        let (profile, timestamp) = (self.build_profile.as_deref(), self.timestamp.as_deref());
        BuildSelection::new(&self.dist, self.latest, profile, timestamp)
    }

    /// Runs the checks and reports each.
    pub async fn run(self, session: &Session, out: &mut Out<'_>) -> Result<(), CliError> {
        let session = Session {
            endpoint: self.quota_api.clone().or(session.endpoint.clone()),
            ..session.clone()
        };
        let mut checks = Vec::new();
        let profile = session.profile().ok().flatten().map(|(_, profile)| profile);
        let endpoint = session
            .endpoint
            .clone()
            .or_else(|| profile.as_ref().map(|p| p.endpoint.clone()));
        let mut package = None;
        if !self.quota_only {
            let dir = self.selection().choose(out.interactive)?;
            checks.push(check("package", Outcome::Pass, dir.display().to_string()));
            checks.push(package::checksums(&dir));
            let (config_check, profiles) = package::config(&dir, endpoint.as_deref());
            checks.push(config_check);
            checks.push(package::installers(&dir));
            checks.extend(package::program(&dir, &profiles));
            package = Some((dir, profiles));
        }
        if !self.skip_quota {
            match session.client(out).await {
                Ok(client) => checks.extend(quota::checks(&client).await),
                Err(e) => checks.push(check("quota API", Outcome::Fail, e.to_string())),
            }
        }
        if let Some((dir, profiles)) = package.filter(|_| self.full) {
            let regions = profile
                .and_then(|p| p.deployment)
                .map(|d| d.bedrock_regions)
                .unwrap_or_default();
            out.note("Signing in as a developer would (a browser may open)…")?;
            checks.extend(developer::checks(&dir, &profiles, &regions).await);
        }
        report(&checks, out)
    }
}

/// Each check on a line: `ok`, `FAIL` or `skip`, its name and detail, aligned.
pub fn print_checks(checks: &[Check], out: &mut Out<'_>) -> Result<(), CliError> {
    let width = checks.iter().map(|c| c.name.len()).max().unwrap_or(0);
    for c in checks {
        let mark = match c.outcome {
            Outcome::Pass => "ok  ",
            Outcome::Fail => "FAIL",
            Outcome::Skip => "skip",
        };
        out.line(format!("{mark}  {:<width$}  {}", c.name, c.detail))?;
    }
    Ok(())
}

/// Each check on a line ([`print_checks`]), or JSON; an error when any failed.
fn report(checks: &[Check], out: &mut Out<'_>) -> Result<(), CliError> {
    if out.is_json() {
        out.json(&checks)?;
    } else {
        print_checks(checks, out)?;
    }
    let failed = checks.iter().filter(|c| c.outcome == Outcome::Fail).count();
    if failed == 0 {
        Ok(())
    } else {
        Err(CliError::Partial(format!(
            "{failed} of {} checks failed",
            checks.len()
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::{Captured, Format};

    #[test]
    fn every_check_is_reported_aligned_and_a_failure_fails_the_run() {
        let checks = [
            check("package", Outcome::Pass, "dist/p/1"),
            check("quota /check", Outcome::Fail, "unreachable"),
            check("program", Outcome::Skip, "no build here"),
        ];
        let mut captured = Captured::default();
        let err = report(&checks, &mut captured.out(Format::Table)).unwrap_err();
        assert_eq!(err.to_string(), "1 of 3 checks failed");
        assert_eq!(
            captured.stdout(),
            "ok    package       dist/p/1\nFAIL  quota /check  unreachable\nskip  program       no build here\n"
        );
        let mut captured = Captured::default();
        report(&checks[..1], &mut captured.out(Format::Json)).unwrap();
        assert_eq!(
            captured.stdout().matches("\"outcome\": \"pass\"").count(),
            1
        );
    }
}
