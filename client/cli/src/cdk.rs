//! Running the CDK app in `cdk/` for `ccwb deploy` and `ccwb destroy`: with the active
//! profile's issuer, client id, region and deployment settings (from `ccwb init`), its progress
//! shown as it happens (the CDK writes to the terminal itself).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::error::CliError;
use crate::output::Out;
use crate::session::Session;

/// Which stacks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stack {
    /// Developers' way to Bedrock: the IAM OIDC provider and role, or the Cognito identity
    /// pool, allowed Bedrock inference only in the chosen regions.
    Auth,
    /// Firehose to S3, Glue tables and the Athena workgroup.
    Analytics,
    /// Tables, the HTTP API and its functions, alarms, the alert topic.
    Quota,
}

/// The stack a name on the command line means: ours, the original's `dashboard` and
/// `monitoring` (both live in the quota stack here), or a clear word on the original's stacks
/// that have no counterpart.
pub fn parse_stack(name: &str) -> Result<Stack, String> {
    match name.to_ascii_lowercase().as_str() {
        "auth" => Ok(Stack::Auth),
        "analytics" => Ok(Stack::Analytics),
        "quota" | "dashboard" | "monitoring" => Ok(Stack::Quota),
        "networking" => Err(
            "ccwb has no networking stack: Claude Code sends its telemetry straight to the API (no collector, no VPC); the stacks are auth, analytics and quota".into(),
        ),
        "codebuild" => Err(
            "ccwb has no codebuild stack: `ccwb package` cross-builds every platform on this computer (see `ccwb builds`); the stacks are auth, analytics and quota".into(),
        ),
        other => Err(format!(
            "{other:?} is not a stack: auth, analytics or quota (dashboard and monitoring mean quota)"
        )),
    }
}

impl Stack {
    /// Every stack in deployment order (destroyed in reverse): the quota functions write to
    /// the analytics streams, and nothing depends on auth.
    pub const ALL: [Self; 3] = [Self::Auth, Self::Analytics, Self::Quota];

    /// The stack's construct id in the CDK app.
    pub fn construct_id(self) -> &'static str {
        match self {
            Self::Auth => "Auth",
            Self::Analytics => "Analytics",
            Self::Quota => "Quota",
        }
    }

    /// The CloudFormation stack's name in deployment `name`.
    pub fn stack_name(self, name: &str) -> String {
        format!("{name}-{}", self.construct_id().to_ascii_lowercase())
    }
}

/// Options of `deploy` and `destroy`: where the CDK app is, and what else it is told.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct TargetArgs {
    /// The deployment name: prefix of stacks, tables and buckets [default: the profile's, from
    /// `ccwb init`, else `ccwb`].
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// The CDK app (default: `cdk/` here or in a parent directory).
    #[arg(long, env = "CCWB_CDK_DIR", value_name = "DIR")]
    pub cdk_dir: Option<PathBuf>,
    /// Extra CDK context, e.g. `-c deletionProtection=false` (repeatable).
    #[arg(long = "context", short = 'c', value_name = "KEY=VALUE")]
    pub context: Vec<String>,
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
    /// The deployment name (the stacks' prefix).
    pub name: String,
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
    session: &Session,
    target: &TargetArgs,
    verb: &[&str],
    stack: Option<Stack>,
) -> Result<Plan, CliError> {
    let cdk_dir = find_cdk_dir(target.cdk_dir.as_deref())?;
    let (profile_name, profile) = session.require_profile(
        "no profile selected: create one with `ccwb context create NAME --endpoint … --issuer … --client-id … --region …`",
    )?;
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
        // `cdk synth` synthesises every stack by itself and knows no --all.
        None if verb.first() != Some(&"synth") => args.push("--all".to_owned()),
        None => {}
    }
    args.extend(["--no-notices".to_owned()]);
    args.extend(["-c".to_owned(), format!("issuer={issuer}")]);
    args.extend(["-c".to_owned(), format!("audience={client_id}")]);
    // The settings `ccwb init` chose; `--name` and `--context` given here override them.
    let mut name = profile
        .deployment
        .as_ref()
        .map_or(crate::deployment::DEFAULT_NAME, |d| d.name.as_str())
        .to_owned();
    let overridden = |key: &str| {
        target
            .context
            .iter()
            .any(|c| c.split_once('=').is_some_and(|(k, _)| k == key))
    };
    if let Some(deployment) = &profile.deployment {
        for (key, value) in deployment.cdk_context() {
            if key != "stackName" && !overridden(key) {
                args.extend(["-c".to_owned(), format!("{key}={value}")]);
            }
        }
    }
    if let Some(given) = &target.name {
        name.clone_from(given);
    }
    args.extend(["-c".to_owned(), format!("stackName={name}")]);
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
    Ok(Plan {
        cdk_dir,
        args,
        env,
        name,
    })
}

/// Runs the plan with the CDK's output shown as it comes (its progress), installing the CDK's
/// packages first if they are missing.
pub fn execute(plan: &Plan, out: &mut Out<'_>) -> Result<(), CliError> {
    let cdk = plan.cdk_dir.join("node_modules").join(".bin").join("cdk");
    if !cdk.exists() {
        out.note("Installing the CDK app's packages (npm ci)…")?;
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
    out.note(format!("Running {}", plan.describe()))?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_originals_stack_names_mean_ours_or_say_why_not() {
        assert_eq!(parse_stack("auth"), Ok(Stack::Auth));
        assert_eq!(parse_stack("Quota"), Ok(Stack::Quota));
        assert_eq!(parse_stack("dashboard"), Ok(Stack::Quota));
        assert_eq!(parse_stack("monitoring"), Ok(Stack::Quota));
        assert!(
            parse_stack("networking")
                .unwrap_err()
                .contains("no collector, no VPC")
        );
        assert!(
            parse_stack("codebuild")
                .unwrap_err()
                .contains("ccwb builds")
        );
        assert!(
            parse_stack("db")
                .unwrap_err()
                .contains("auth, analytics or quota")
        );
        assert_eq!(
            Stack::ALL.map(|s| s.stack_name("acme")),
            ["acme-auth", "acme-analytics", "acme-quota"]
        );
    }
}
