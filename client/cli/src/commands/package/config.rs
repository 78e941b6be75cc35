//! The package's `config.json`, from the ccwb profile and the flags: the keys are
//! [`ProfileConfig`]'s, the type credential-process reads them with, so what is written is what
//! will be read.

use ccwb_install::config::{CheckMinutes, FederationType, ProfileConfig};

use super::{PackageArgs, models};
use crate::error::CliError;
use crate::profile::Profile;

/// `config.json` in the installer's layout (profile name as the top-level key), from the
/// ccwb profile; never a client secret. The keys are [`ProfileConfig`]'s, the type
/// credential-process reads them with.
pub fn config_json(
    profile_name: &str,
    profile: &Profile,
    options: &PackageArgs,
) -> Result<String, CliError> {
    let missing = |what: &str| {
        CliError::Config(format!(
            "profile {profile_name:?} has no {what}, which developers' config.json needs (`ccwb context create … --{what}`)"
        ))
    };
    let issuer = profile.issuer.clone().ok_or_else(|| missing("issuer"))?;
    let client_id = profile
        .client_id
        .clone()
        .ok_or_else(|| missing("client-id"))?;
    let region = profile.region.clone().ok_or_else(|| missing("region"))?;
    let mut entry = ProfileConfig {
        issuer: Some(issuer),
        client_id: Some(client_id),
        aws_region: Some(region.clone()),
        quota_api_endpoint: Some(profile.endpoint.clone()),
        ..ProfileConfig::default()
    };
    match (&options.federated_role_arn, &options.identity_pool_id) {
        (Some(role), None) => {
            entry.federation_type = Some(FederationType::Direct);
            entry.federated_role_arn = Some(role.clone());
        }
        (None, Some(pool)) => {
            entry.federation_type = Some(FederationType::Cognito);
            entry.identity_pool_id = Some(pool.clone());
        }
        _ => {
            return Err(CliError::Usage(
                "give exactly one of --federated-role-arn (STS) and --identity-pool-id (Cognito): how developers' tokens become AWS credentials".into(),
            ));
        }
    }
    // Checked here as credential-process will read them, so a bad value fails the build of
    // the package, not every developer's sign-in.
    let flag = |name: &'static str| move |why: String| CliError::Usage(format!("--{name}: {why}"));
    entry.provider_type = options
        .provider_type
        .as_deref()
        .map(str::parse)
        .transpose()
        .map_err(flag("provider-type"))?;
    entry.quota_fail_mode = options
        .quota_fail_mode
        .as_deref()
        .map(str::parse)
        .transpose()
        .map_err(flag("quota-fail-mode"))?;
    entry.quota_check_interval = options
        .quota_check_interval
        .map(|minutes| CheckMinutes::new(minutes.into()))
        .transpose()
        .map_err(flag("quota-check-interval"))?;
    let geography = models::geography(&region).ok_or_else(|| {
        CliError::Config(format!(
            "profile {profile_name:?} has region {region:?}, which has no Bedrock cross-region inference profiles for Claude"
        ))
    })?;
    entry.claude_model = Some(models::pick(
        "--model",
        options.model.as_deref(),
        geography,
        models::DEFAULT_MODEL,
    )?);
    entry.claude_small_fast_model = Some(models::pick(
        "--small-fast-model",
        options.small_fast_model.as_deref(),
        geography,
        models::DEFAULT_SMALL_FAST_MODEL,
    )?);
    ccwb_install::config::render(&options.profile_name, &entry)
        .map_err(|e| CliError::Output(e.to_string()))
}
