//! `ccwb deploy` and `ccwb destroy`: the CDK app in `cdk/`, run with the active profile's issuer,
//! client id and region, its progress shown as it happens.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::error::CliError;
use crate::session::Context;

/// Which stacks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Stack {
    /// Tables, the HTTP API and its functions, alarms, the alert topic.
    Quota,
    /// Firehose to S3, Glue tables and the Athena workgroup.
    Analytics,
}

impl Stack {
    fn construct_id(self) -> &'static str {
        match self {
            Self::Quota => "Quota",
            Self::Analytics => "Analytics",
        }
    }
}

/// What to run the CDK with.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The CDK app's directory.
    pub cdk_dir: PathBuf,
    /// `cdk` arguments.
    pub args: Vec<String>,
    /// Extra environment (region).
    pub env: Vec<(String, String)>,
}

impl Plan {
    /// The command line, for people.
    pub fn describe(&self) -> String {
        let env: Vec<String> = self.env.iter().map(|(k, v)| format!("{k}={v}")).collect();
        format!(
            "(cd {} && {}{}cdk {})",
            self.cdk_dir.display(),
            env.join(" "),
            if env.is_empty() { "" } else { " " },
            self.args.join(" ")
        )
    }
}

/// The deployment settings taken from the profile and flags.
#[derive(Debug, Clone, Default)]
pub struct Target {
    /// `--cdk-dir`, else `cdk/` here or in a parent directory.
    pub cdk_dir: Option<PathBuf>,
    /// The deployment name (`-c stackName`).
    pub name: Option<String>,
    /// Extra `-c key=value` context.
    pub context: Vec<String>,
}

/// Finds the CDK app: the given directory, else `cdk/` in this directory or a parent.
fn find_cdk_dir(given: Option<&Path>) -> Result<PathBuf, CliError> {
    if let Some(dir) = given {
        if dir.join("cdk.json").is_file() {
            return Ok(dir.to_path_buf());
        }
        return Err(CliError::Config(format!(
            "{} has no cdk.json: point --cdk-dir at the cdk/ directory of the ccwb source",
            dir.display()
        )));
    }
    let here = std::env::current_dir().map_err(|e| CliError::Config(e.to_string()))?;
    here.ancestors()
        .map(|dir| dir.join("cdk"))
        .find(|dir| dir.join("cdk.json").is_file())
        .ok_or_else(|| {
            CliError::Config(
                "no cdk/cdk.json here or in a parent directory: run from the ccwb source, or pass --cdk-dir"
                    .into(),
            )
        })
}

/// The `cdk` invocation for `verb` on `stack` (all when `None`) with the profile's settings.
pub fn plan(
    ctx: &Context,
    target: &Target,
    verb: &[&str],
    stack: Option<Stack>,
) -> Result<Plan, CliError> {
    let cdk_dir = find_cdk_dir(target.cdk_dir.as_deref())?;
    let (profile_name, profile) = ctx.profile()?.ok_or_else(|| {
        CliError::Config(
            "no profile selected: create one with `ccwb context create NAME --endpoint … --issuer … --client-id … --region …`"
                .into(),
        )
    })?;
    let issuer = profile.issuer.clone().ok_or_else(|| {
        CliError::Config(format!(
            "profile {profile_name:?} has no issuer: the API's JWT authorizer needs it"
        ))
    })?;
    let client_id = profile.client_id.clone().ok_or_else(|| {
        CliError::Config(format!(
            "profile {profile_name:?} has no client_id: the API's JWT authorizer needs it as audience"
        ))
    })?;
    let mut args: Vec<String> = verb.iter().map(|s| (*s).to_owned()).collect();
    match stack {
        Some(stack) => args.push(stack.construct_id().to_owned()),
        None => args.push("--all".to_owned()),
    }
    args.extend(["--no-notices".to_owned()]);
    args.extend(["-c".to_owned(), format!("issuer={issuer}")]);
    args.extend(["-c".to_owned(), format!("audience={client_id}")]);
    if let Some(name) = &target.name {
        args.extend(["-c".to_owned(), format!("stackName={name}")]);
    }
    for extra in &target.context {
        if !extra.contains('=') {
            return Err(CliError::Usage(format!(
                "--context {extra:?}: expected KEY=VALUE"
            )));
        }
        args.extend(["-c".to_owned(), extra.clone()]);
    }
    let mut env = vec![
        ("CDK_DISABLE_VERSION_CHECK".to_owned(), "1".to_owned()),
        ("CDK_DISABLE_CLI_TELEMETRY".to_owned(), "true".to_owned()),
    ];
    if let Some(region) = &profile.region {
        env.push(("AWS_REGION".to_owned(), region.clone()));
        env.push(("CDK_DEFAULT_REGION".to_owned(), region.clone()));
    }
    Ok(Plan { cdk_dir, args, env })
}

/// Runs the plan with the CDK's output shown as it comes (its progress), installing the CDK's
/// packages first if they are missing.
pub fn execute(plan: &Plan) -> Result<(), CliError> {
    let cdk = plan.cdk_dir.join("node_modules").join(".bin").join("cdk");
    if !cdk.exists() {
        eprintln!("Installing the CDK app's packages (npm ci)…");
        let status = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
            .current_dir(&plan.cdk_dir)
            .status()
            .map_err(|e| {
                CliError::Config(format!("cannot run npm (is Node.js installed?): {e}"))
            })?;
        if !status.success() {
            return Err(CliError::Config(format!(
                "npm ci failed in {}",
                plan.cdk_dir.display()
            )));
        }
    }
    eprintln!("Running {}", plan.describe());
    let status = Command::new(&cdk)
        .args(&plan.args)
        .envs(plan.env.iter().map(|(k, v)| (k, v)))
        .current_dir(&plan.cdk_dir)
        .status()
        .map_err(|e| CliError::Config(format!("cannot run {}: {e}", cdk.display())))?;
    if status.success() {
        Ok(())
    } else {
        Err(CliError::Partial(format!(
            "cdk {} failed (exit {}); its output above says why",
            plan.args.first().map(String::as_str).unwrap_or_default(),
            status.code().unwrap_or(-1)
        )))
    }
}

/// `ccwb deploy [stack] [--dry-run]`.
pub fn deploy(
    ctx: &Context,
    target: &Target,
    stack: Option<Stack>,
    dry_run: bool,
) -> Result<(), CliError> {
    if dry_run {
        // What would be deployed, checked by a synth (cdk-nag included); nothing is changed.
        let plan = plan(ctx, target, &["synth", "--quiet", "--strict"], stack)?;
        execute(&plan)?;
        let deploy = self::plan(ctx, target, &DEPLOY, stack)?;
        eprintln!(
            "Dry run: the templates synthesise cleanly into {}. To deploy, run `ccwb deploy` (runs {}).",
            plan.cdk_dir.join("cdk.out").display(),
            deploy.describe()
        );
        return Ok(());
    }
    let plan = plan(ctx, target, &DEPLOY, stack)?;
    execute(&plan)?;
    point_profile_at_api(ctx, &plan.cdk_dir.join(OUTPUTS_FILE))
}

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

/// After a deploy: the profile's endpoint becomes the deployed API's, so the next command talks
/// to it.
fn point_profile_at_api(ctx: &Context, outputs: &Path) -> Result<(), CliError> {
    let Ok(text) = std::fs::read_to_string(outputs) else {
        return Ok(());
    };
    let Some(endpoint) = api_endpoint(&text) else {
        return Ok(());
    };
    let mut config = crate::profile::Config::load()?;
    let (name, _) = config.resolve(ctx.profile.as_deref())?;
    if let Some(profile) = config.profiles.get_mut(&name)
        && profile.endpoint != endpoint
    {
        profile.endpoint = endpoint.clone();
        config.save()?;
        eprintln!("Profile {name:?} now points at the deployed API: {endpoint}");
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

/// `ccwb destroy [stack] [--force]`: refuses without confirmation.
pub fn destroy(
    ctx: &Context,
    target: &Target,
    stack: Option<Stack>,
    force: bool,
) -> Result<(), CliError> {
    let plan = plan(ctx, target, &["destroy", "--force"], stack)?;
    let what = stack.map_or("every ccwb stack", |s| s.construct_id());
    if !force {
        if !std::io::stdin().is_terminal() {
            return Err(CliError::Usage(format!(
                "refusing to destroy {what} without confirmation: pass --force (stdin is not a terminal)"
            )));
        }
        eprint!(
            "This deletes {what} of the deployment (protected tables and buckets are kept). Type 'destroy' to go on: "
        );
        let mut answer = String::new();
        std::io::stdin()
            .read_line(&mut answer)
            .map_err(|e| CliError::Input(e.to_string()))?;
        if answer.trim() != "destroy" {
            return Err(CliError::Cancelled);
        }
    }
    execute(&plan)
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
