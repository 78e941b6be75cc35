//! `ccwb deploy`: deploys the CDK app (or, with `--dry-run`, only synthesises and checks it),
//! then points the profile at the deployed API.

use std::path::Path;

use crate::cdk::{self, Stack, TargetArgs};
use crate::error::CliError;
use crate::output::Out;
use crate::profile::Config;
use crate::session::Session;

/// Where `cdk deploy` writes the stacks' outputs (relative to the CDK app).
const OUTPUTS_FILE: &str = "cdk.out/ccwb-outputs.json";

/// `cdk deploy` with CloudFormation's events as progress, a prompt only when permissions or
/// security groups widen, and the outputs written for [`point_profile_at_api`].
const DEPLOY: [&str; 7] = [
    "deploy",
    "--progress",
    "events",
    "--require-approval",
    "broadening",
    "--outputs-file",
    OUTPUTS_FILE,
];

/// Arguments of `ccwb deploy`.
#[derive(Debug, Clone, clap::Args)]
pub struct DeployArgs {
    /// Only this stack (its dependencies too); default: all.
    #[arg(value_enum)]
    pub stack: Option<Stack>,
    /// Synthesise and check, deploy nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Where the CDK app, its location, and extra context are.
    #[command(flatten)]
    pub target: TargetArgs,
}

impl DeployArgs {
    /// `ccwb deploy [stack] [--dry-run]`.
    pub fn run(self, session: &Session, out: &mut Out<'_>) -> Result<(), CliError> {
        let (target, stack) = (&self.target, self.stack);
        if self.dry_run {
            // What would be deployed, checked by a synth (cdk-nag included); nothing is changed.
            let plan = cdk::plan(session, target, &["synth", "--quiet", "--strict"], stack)?;
            cdk::execute(&plan, out)?;
            let deploy = cdk::plan(session, target, &DEPLOY, stack)?;
            return out.note(format!(
                "Dry run: the templates synthesise cleanly into {}. To deploy, run `ccwb deploy` (runs {}).",
                plan.cdk_dir.join("cdk.out").display(),
                deploy.describe()
            ));
        }
        let plan = cdk::plan(session, target, &DEPLOY, stack)?;
        cdk::execute(&plan, out)?;
        point_profile_at_api(session, &plan.cdk_dir.join(OUTPUTS_FILE), out)
    }
}

/// After a deploy: the profile's endpoint becomes the deployed API's, so the next command talks
/// to it.
fn point_profile_at_api(
    session: &Session,
    outputs: &Path,
    out: &mut Out<'_>,
) -> Result<(), CliError> {
    let Ok(text) = std::fs::read_to_string(outputs) else {
        return Ok(());
    };
    let Some(endpoint) = api_endpoint(&text) else {
        return Ok(());
    };
    let mut config = Config::load()?;
    let (name, _) = config.resolve(session.profile.as_deref())?;
    if let Some(profile) = config.profiles.get_mut(&name)
        && profile.endpoint != endpoint
    {
        profile.endpoint = endpoint.clone();
        out.tightened(config.save()?)?;
        out.note(format!(
            "Profile {name:?} now points at the deployed API: {endpoint}"
        ))?;
    }
    Ok(())
}

/// The `ApiEndpoint` output of the quota stack in `cdk deploy --outputs-file` JSON.
fn api_endpoint(outputs: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(outputs).ok()?;
    value
        .as_object()?
        .iter()
        .filter(|(stack, _)| stack.ends_with("-quota"))
        .find_map(|(_, o)| o["ApiEndpoint"].as_str().map(str::to_owned))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_endpoint_comes_from_the_quota_stack_outputs() {
        let outputs = r#"{"ccwb-analytics": {"Bucket": "b"},
            "ccwb-quota": {"ApiEndpoint": "https://abc.execute-api.eu-west-1.amazonaws.com", "Version": "0.1.0"}}"#;
        assert_eq!(
            api_endpoint(outputs).as_deref(),
            Some("https://abc.execute-api.eu-west-1.amazonaws.com")
        );
        assert_eq!(api_endpoint(r#"{"ccwb-analytics": {}}"#), None);
        assert_eq!(api_endpoint("not json"), None);
    }
}
