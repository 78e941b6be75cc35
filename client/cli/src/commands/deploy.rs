//! `ccwb deploy`: deploys the CDK app's stacks (auth, analytics, quota) with the profile's
//! settings (or, with `--dry-run`, only synthesises and checks them; with `--show-commands`,
//! prints the commands), then reads the stacks' outputs back into the profile: the API's
//! endpoint and the developers' role or identity pool, which `ccwb package` then uses. The
//! default policy `ccwb init` chose is created at the first deploy.

use ccwb_core::{PolicyFields, PolicyType};
use ccwb_install::config::FederationType;

use crate::cdk::{self, Stack, TargetArgs};
use crate::error::CliError;
use crate::output::Out;
use crate::profile::Config;
use crate::session::Session;

/// Where `cdk deploy` writes the stacks' outputs (relative to the CDK app).
const OUTPUTS_FILE: &str = "cdk.out/ccwb-outputs.json";

/// `cdk deploy` with CloudFormation's events as progress, a prompt only when permissions or
/// security groups widen, and the outputs written beside the templates.
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
    /// Only this stack, with what it depends on: auth, analytics or quota (the original's
    /// dashboard and monitoring are in quota); default: all.
    #[arg(value_parser = crate::cdk::parse_stack, value_name = "STACK")]
    pub stack: Option<Stack>,
    /// Synthesise and check (cdk-nag included), deploy nothing.
    #[arg(long, conflicts_with_all = ["show_commands", "outputs_only"])]
    pub dry_run: bool,
    /// Print the commands that would deploy, one stack at a time in order, and run nothing.
    #[arg(long, conflicts_with = "outputs_only")]
    pub show_commands: bool,
    /// Deploy nothing: read the deployed stacks' outputs into the profile (after running the
    /// commands of --show-commands yourself), and create the default policy if it is missing.
    #[arg(long)]
    pub outputs_only: bool,
    /// Where the CDK app, its location, and extra context are.
    #[command(flatten)]
    pub target: TargetArgs,
}

impl DeployArgs {
    /// `ccwb deploy [stack] [--dry-run | --show-commands | --outputs-only]`.
    pub async fn run(self, session: &Session, out: &mut Out<'_>) -> Result<(), CliError> {
        let (target, stack) = (&self.target, self.stack);
        if self.outputs_only {
            return read_back(session, target, out).await;
        }
        if self.show_commands {
            return show_commands(session, target, stack, out);
        }
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
        read_back(session, target, out).await
    }
}

/// The deploy commands, a stack at a time in dependency order (`--exclusively`, so each
/// command deploys only its stack), then how to store the outputs.
fn show_commands(
    session: &Session,
    target: &TargetArgs,
    only: Option<Stack>,
    out: &mut Out<'_>,
) -> Result<(), CliError> {
    let mut verb = DEPLOY.to_vec();
    verb.push("--exclusively");
    let stacks: Vec<Stack> = match only {
        Some(stack) => vec![stack],
        None => Stack::ALL.to_vec(),
    };
    for stack in stacks {
        let plan = cdk::plan(session, target, &verb, Some(stack))?;
        out.line(plan.describe())?;
    }
    out.note(
        "Run these with AWS credentials of the target account (the Lambda binaries first: make build-lambdas); then `ccwb deploy --outputs-only` stores the API endpoint and the developers' role in the profile.",
    )
}

/// After a deploy: the profile gets the deployed API's endpoint and the auth stack's role or
/// identity pool (each checked to exist), and the default policy is created if missing.
async fn read_back(
    session: &Session,
    target: &TargetArgs,
    out: &mut Out<'_>,
) -> Result<(), CliError> {
    let mut config = Config::load()?;
    let (name, profile) = config.resolve(session.profile.as_deref())?;
    let deployment_name = target
        .name
        .clone()
        .or_else(|| profile.deployment.as_ref().map(|d| d.name.clone()))
        .unwrap_or_else(|| crate::deployment::DEFAULT_NAME.to_owned());
    let sdk = crate::aws::config(profile.region.as_deref()).await;
    let mut updated = profile.clone();

    let quota_stack = Stack::Quota.stack_name(&deployment_name);
    match crate::aws::stack_outputs(&sdk, &quota_stack).await? {
        Some(outputs) => match outputs.get("ApiEndpoint") {
            Some(endpoint) => updated.endpoint.clone_from(endpoint),
            None => out.note(format!(
                "Warning: stack {quota_stack} has no ApiEndpoint output"
            ))?,
        },
        None => out.note(format!("Stack {quota_stack} is not deployed (yet)."))?,
    }

    let auth_stack = Stack::Auth.stack_name(&deployment_name);
    match crate::aws::stack_outputs(&sdk, &auth_stack).await? {
        Some(outputs) => {
            let role = outputs.get("FederatedRoleArn").cloned();
            let pool = outputs.get("IdentityPoolId").cloned();
            if let Some(role) = &role {
                crate::aws::role_trust(&sdk, role).await?;
            }
            if let Some(pool) = &pool {
                crate::aws::identity_pool(&sdk, pool).await?;
            }
            match updated.deployment.as_mut() {
                Some(deployment) => {
                    let cognito = deployment.federation == FederationType::Cognito;
                    deployment.federated_role_arn = if cognito { None } else { role.clone() };
                    deployment.identity_pool_id = if cognito { pool.clone() } else { None };
                }
                None => out.note(format!(
                    "Profile {name:?} has no `ccwb init` settings; pass the role to ccwb package yourself: {}",
                    role.as_deref().or(pool.as_deref()).unwrap_or("(none)")
                ))?,
            }
        }
        None => out.note(format!("Stack {auth_stack} is not deployed (yet)."))?,
    }

    if updated != profile {
        config.profiles.insert(name.clone(), updated.clone());
        out.tightened(config.save()?)?;
        let d = updated.deployment.as_ref();
        out.note(format!(
            "Profile {name:?} now has the deployment's outputs: API {}; {}",
            if updated.endpoint.is_empty() {
                "(none)"
            } else {
                &updated.endpoint
            },
            d.and_then(|d| d.federated_role_arn.as_deref())
                .map(|r| format!("role {r}"))
                .or_else(|| d
                    .and_then(|d| d.identity_pool_id.as_deref())
                    .map(|p| format!("identity pool {p}")))
                .unwrap_or_else(|| "no developer role yet".into())
        ))?;
    }
    create_default_policy(session, &updated, out).await
}

/// The default policy `ccwb init` chose, created when the deployment has none (an existing
/// one is never changed here: `ccwb quota set-default` does that).
async fn create_default_policy(
    session: &Session,
    profile: &crate::profile::Profile,
    out: &mut Out<'_>,
) -> Result<(), CliError> {
    let Some(quota) = profile.deployment.as_ref().map(|d| &d.quota) else {
        return Ok(());
    };
    let Some(monthly) = quota.monthly_token_limit else {
        return Ok(());
    };
    if profile.endpoint.is_empty() && session.endpoint.is_none() {
        return Ok(());
    }
    let fields = PolicyFields {
        monthly_token_limit: Some(monthly),
        daily_token_limit: quota.daily(),
        enforcement_mode: Some(quota.enforcement_mode),
        daily_enforcement_mode: Some(quota.daily_enforcement_mode),
        ..PolicyFields::default()
    };
    let by_hand = format!(
        "ccwb quota set-default --monthly-limit {monthly}{} --enforcement {} --daily-enforcement {}",
        fields
            .daily_token_limit
            .map(|d| format!(" --daily-limit {d}"))
            .unwrap_or_default(),
        quota.enforcement_mode.as_str(),
        quota.daily_enforcement_mode.as_str()
    );
    let client = match session.client(out).await {
        Ok(client) => client,
        Err(CliError::NotSignedIn(_)) => {
            return out.note(format!(
                "The default policy is not created yet: sign in (ccwb login) and run: {by_hand}"
            ));
        }
        Err(err) => return Err(err),
    };
    match client
        .create_policy(PolicyType::Default, "default", &fields)
        .await
    {
        Ok(policy) => out.note(format!(
            "Created the default policy: {} tokens a month, {} a day (version {}).",
            monthly,
            fields
                .daily_token_limit
                .map_or("no limit".to_owned(), |d| d.to_string()),
            policy.version
        )),
        Err(ccwb_api_client::ApiError::Api { status: 409, .. }) => out
            .note("The default policy exists; left as it is (ccwb quota set-default changes it)."),
        Err(err) => Err(err.into()),
    }
}
