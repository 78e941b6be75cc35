//! The package's `config.json`, from the ccwb profile and the flags: the keys are
//! [`ProfileConfig`]'s, the type credential-process reads them with, so what is written is what
//! will be read.

use std::str::FromStr;

use ccwb_install::config::{CheckMinutes, FederationType, ProfileConfig, SessionSeconds};

use super::PackageArgs;
use crate::error::CliError;
use crate::models;
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
    // What `ccwb init` chose and `ccwb deploy` created, unless a flag says otherwise.
    let deployment = profile.deployment.as_ref();
    let flags_target = options.federated_role_arn.is_some() || options.identity_pool_id.is_some();
    let (role, pool) = if flags_target {
        (&options.federated_role_arn, &options.identity_pool_id)
    } else {
        (
            &deployment.and_then(|d| d.federated_role_arn.clone()),
            &deployment.and_then(|d| d.identity_pool_id.clone()),
        )
    };
    match (role, pool) {
        (Some(role), None) => {
            entry.federation_type = Some(FederationType::Direct);
            entry.federated_role_arn = Some(role.clone());
        }
        (None, Some(pool)) => {
            entry.federation_type = Some(FederationType::Cognito);
            entry.identity_pool_id = Some(pool.clone());
        }
        (Some(_), Some(_)) => {
            return Err(CliError::Usage(
                "give only one of --federated-role-arn (STS) and --identity-pool-id (Cognito)"
                    .into(),
            ));
        }
        (None, None) => {
            return Err(CliError::Usage(if deployment.is_some() {
                format!(
                    "profile {profile_name:?} has no developer role yet: run `ccwb deploy` (it stores the auth stack's role or identity pool), or pass --federated-role-arn / --identity-pool-id"
                )
            } else {
                "give one of --federated-role-arn (STS) and --identity-pool-id (Cognito): how developers' tokens become AWS credentials (or set the deployment up with `ccwb init` and `ccwb deploy`)".into()
            }));
        }
    }
    if let Some(d) = deployment {
        // The auth stack's role pins the session name to this claim (cognito names sessions
        // itself).
        if entry.federation_type == Some(FederationType::Direct) && !flags_target {
            entry.role_session_name_claim = Some(d.session_name_claim);
        }
        entry.provider_type = Some(d.provider_type);
        entry.quota_fail_mode = Some(d.quota.fail_mode);
        entry.quota_check_interval = CheckMinutes::new(d.quota.check_interval_minutes.into()).ok();
        entry.max_session_duration = SessionSeconds::new(d.max_session_seconds.into()).ok();
    }
    // Checked here as credential-process will read them, so a bad value fails the build of
    // the package, not every developer's sign-in.
    if let Some(given) = flag("provider-type", options.provider_type.as_deref())? {
        entry.provider_type = Some(given);
    }
    if let Some(given) = flag("quota-fail-mode", options.quota_fail_mode.as_deref())? {
        entry.quota_fail_mode = Some(given);
    }
    if let Some(minutes) = options.quota_check_interval {
        entry.quota_check_interval = Some(
            CheckMinutes::new(minutes.into())
                .map_err(|why| CliError::Usage(format!("--quota-check-interval: {why}")))?,
        );
    }
    let geography = models::geography(&region).ok_or_else(|| {
        CliError::Config(format!(
            "profile {profile_name:?} has region {region:?}, which has no Bedrock cross-region inference profiles for Claude"
        ))
    })?;
    entry.claude_model = Some(models::pick(
        "--model",
        options
            .model
            .as_deref()
            .or(deployment.map(|d| d.model.as_str())),
        geography,
        models::DEFAULT_MODEL,
    )?);
    entry.claude_small_fast_model = Some(models::pick(
        "--small-fast-model",
        options
            .small_fast_model
            .as_deref()
            .or(deployment.map(|d| d.small_fast_model.as_str())),
        geography,
        models::DEFAULT_SMALL_FAST_MODEL,
    )?);
    ccwb_install::config::render(&options.profile_name, &entry)
        .map_err(|e| CliError::Output(e.to_string()))
}

/// The value of `--<name>` as config.json's type for it reads it, or a usage error that names
/// the flag.
fn flag<T: FromStr<Err = String>>(name: &str, value: Option<&str>) -> Result<Option<T>, CliError> {
    value
        .map(str::parse)
        .transpose()
        .map_err(|why| CliError::Usage(format!("--{name}: {why}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ccwb_install::config::{FailMode, ProviderType, read_profile};

    fn profile() -> Profile {
        Profile {
            endpoint: "https://api.example.com".into(),
            issuer: Some("https://idp.example.com".into()),
            client_id: Some("claude-code".into()),
            region: Some("eu-west-1".into()),
            ..Profile::default()
        }
    }

    fn args() -> PackageArgs {
        PackageArgs {
            profile_name: "ClaudeCode".into(),
            federated_role_arn: Some("arn:aws:iam::123456789012:role/ClaudeCode".into()),
            provider_type: Some("Okta".into()),
            quota_fail_mode: Some("closed".into()),
            ..PackageArgs::default()
        }
    }

    #[test]
    fn what_is_written_reads_back_as_credential_process_reads_it() {
        let text = config_json("admin", &profile(), &args()).unwrap();
        let read = read_profile(&text, "ClaudeCode", "config.json").unwrap();
        assert!(read.warnings.is_empty(), "{:?}", read.warnings);
        let config = read.config;
        assert_eq!(config.provider_type, Some(ProviderType::Okta));
        assert_eq!(config.quota_fail_mode, Some(FailMode::Closed));
        assert_eq!(config.federation_type, Some(FederationType::Direct));
        assert_eq!(
            config.claude_model.as_deref(),
            Some("eu.anthropic.claude-opus-5-5")
        );
        assert_eq!(config.client_secret, None);
    }

    #[test]
    fn the_deployment_fills_what_no_flag_gives() {
        let mut deployment = crate::deployment::Deployment::defaults("eu-west-1");
        deployment.provider_type = ProviderType::Azure;
        deployment.federated_role_arn = Some("arn:aws:iam::1:role/ccwb-bedrock-developers".into());
        deployment.quota.fail_mode = FailMode::Closed;
        deployment.quota.check_interval_minutes = 5;
        deployment.max_session_seconds = 7200;
        deployment.model = "global.anthropic.claude-sonnet-5-5".into();
        let profile = Profile {
            deployment: Some(deployment),
            ..profile()
        };
        let bare = PackageArgs {
            profile_name: "ClaudeCode".into(),
            ..PackageArgs::default()
        };
        let text = config_json("admin", &profile, &bare).unwrap();
        let config = read_profile(&text, "ClaudeCode", "config.json")
            .unwrap()
            .config;
        assert_eq!(
            config.federated_role_arn.as_deref(),
            Some("arn:aws:iam::1:role/ccwb-bedrock-developers")
        );
        assert_eq!(config.provider_type, Some(ProviderType::Azure));
        assert_eq!(config.quota_fail_mode, Some(FailMode::Closed));
        assert_eq!(config.quota_check_interval.map(|m| m.get()), Some(5));
        assert_eq!(config.max_session_duration.map(|s| s.get()), Some(7200));
        assert_eq!(
            config.role_session_name_claim,
            Some(ccwb_install::config::SessionNameClaim::Sub)
        );
        assert_eq!(
            config.claude_model.as_deref(),
            Some("global.anthropic.claude-sonnet-5-5")
        );
        // A flag still wins.
        let text = config_json("admin", &profile, &args()).unwrap();
        let config = read_profile(&text, "ClaudeCode", "config.json")
            .unwrap()
            .config;
        assert_eq!(config.provider_type, Some(ProviderType::Okta));
        assert_eq!(
            config.federated_role_arn.as_deref(),
            Some("arn:aws:iam::123456789012:role/ClaudeCode")
        );
        // A deployment without its role yet says what to do.
        let mut undeployed = profile.clone();
        if let Some(d) = undeployed.deployment.as_mut() {
            d.federated_role_arn = None;
        }
        let err = config_json("admin", &undeployed, &bare)
            .unwrap_err()
            .to_string();
        assert!(err.contains("ccwb deploy"), "{err}");
    }

    #[test]
    fn a_value_credential_process_would_refuse_fails_the_package() {
        // Each: a change to good arguments, and what the error must say.
        type Case = (fn(&mut PackageArgs), &'static str);
        let bad: [Case; 3] = [
            (|a| a.provider_type = Some("ldap".into()), "--provider-type"),
            (
                |a| a.quota_check_interval = Some(99_999),
                "--quota-check-interval: must be a whole number from 0 to 10080",
            ),
            (|a| a.identity_pool_id = Some("p".into()), "only one of"),
        ];
        for (change, needle) in bad {
            let mut args = args();
            change(&mut args);
            let err = config_json("admin", &profile(), &args)
                .unwrap_err()
                .to_string();
            assert!(err.contains(needle), "{needle}: {err}");
        }
    }
}
