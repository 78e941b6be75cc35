//! The wizard's questions in order, each answered by [`Asker`] from its flag, the person, the
//! profile being updated, or the default, and checked as the stack and credential-process will
//! read it.

use ccwb_core::TokenAmount;
use ccwb_core::distribution::Cidr;
use ccwb_install::config::{FailMode, FederationType, ProviderType, SessionNameClaim};

use super::ask::{Asker, Question};
use super::{InitArgs, inferred_provider, provider};
use crate::deployment::{Deployment, QuotaDefaults};
use crate::error::CliError;
use crate::models;
use crate::output::Out;
use crate::profile::{Config, Profile, valid_region};
use crate::session::Session;

const fn q<'a>(flag: &'a str, prompt: &'a str) -> Question<'a> {
    Question { flag, prompt }
}

/// The profile's name: `--profile`, else asked (the current one offered), else `default`.
pub fn profile_name(asker: &Asker, session: &Session, config: &Config) -> Result<String, CliError> {
    if let Some(name) = &session.profile {
        return Ok(name.clone());
    }
    let prefill = config.current.clone().unwrap_or_else(|| "default".into());
    asker.text(
        q("--profile", "Profile name"),
        None,
        Some(prefill),
        |name| {
            crate::profile::check_name(name)
                .map(|()| name.to_owned())
                .map_err(|e| e.to_string())
        },
    )
}

/// Every question after the name, in the wizard's order; the profile to save.
pub async fn ask_all(
    args: &InitArgs,
    asker: &Asker,
    session: &Session,
    existing: Option<&Profile>,
    out: &mut Out<'_>,
) -> Result<Profile, CliError> {
    let region_prefill = existing
        .and_then(|p| p.region.clone())
        .or_else(|| std::env::var("AWS_REGION").ok().filter(|r| valid_region(r)))
        .unwrap_or_else(|| "us-east-1".into());
    let prev = existing.and_then(|p| p.deployment.clone());
    let base = prev
        .clone()
        .unwrap_or_else(|| Deployment::defaults(&region_prefill));

    heading(asker, out, "— Identity provider —")?;
    let provider_prefill = prev.as_ref().map(|d| d.provider_type).or_else(|| {
        existing
            .and_then(|p| p.issuer.as_deref())
            .map(inferred_provider)
    });
    let provider_options: Vec<(ProviderType, String)> = provider::TYPES
        .iter()
        .map(|(t, label)| (*t, (*label).to_owned()))
        .collect();
    let provider_type = asker.choose(
        q("--provider-type", "Identity provider"),
        args.provider_type,
        provider_prefill,
        &provider_options,
    )?;
    let issuer = asker.text(
        q("--issuer", provider::issuer_hint(provider_type)),
        args.issuer.as_deref(),
        existing.and_then(|p| p.issuer.clone()).or_else(|| {
            (provider_type == ProviderType::Google).then(|| "https://accounts.google.com".into())
        }),
        |typed| provider::issuer(provider_type, typed),
    )?;
    let client_id = asker.text(
        q(
            "--client-id",
            "OAuth client id (public client, authorization code + PKCE)",
        ),
        args.client_id.as_deref(),
        existing.and_then(|p| p.client_id.clone()),
        |id| {
            let id = id.trim();
            if id.is_empty() || id.chars().any(char::is_whitespace) {
                Err("a client id is one word, not empty".to_owned())
            } else {
                Ok(id.to_owned())
            }
        },
    )?;
    check_discovery(args, asker, &issuer, out).await?;
    out.note(provider::claims_explained(provider_type))?;

    heading(
        asker,
        out,
        "— Federation: how sign-ins become AWS credentials —",
    )?;
    let federation_options = vec![
        (
            FederationType::Direct,
            "direct: an IAM OIDC provider and a role (STS AssumeRoleWithWebIdentity)".to_owned(),
        ),
        (
            FederationType::Cognito,
            "cognito: a Cognito identity pool with the provider".to_owned(),
        ),
    ];
    let federation_prefill =
        prev.as_ref()
            .map(|d| d.federation)
            .or(Some(if provider_type == ProviderType::Auth0 {
                FederationType::Cognito
            } else {
                FederationType::Direct
            }));
    let federation = asker.choose(
        q("--federation", "Federation"),
        args.federation,
        federation_prefill,
        &federation_options,
    )?;
    let google = issuer.trim_end_matches('/') == "https://accounts.google.com";
    let session_name_claim = match (args.session_name_claim, google) {
        (Some(SessionNameClaim::Email), false) => {
            return Err(CliError::Usage(
                "--session-name-claim email: only Google's tokens let IAM check the e-mail; other providers use sub".into(),
            ));
        }
        (given, true) => asker.choose(
            q(
                "--session-name-claim",
                "Role session name in CloudTrail (pinned by the role's trust policy)",
            ),
            given,
            prev.as_ref().map(|d| d.session_name_claim),
            &[
                (SessionNameClaim::Email, "the e-mail address".to_owned()),
                (SessionNameClaim::Sub, "the subject (sub)".to_owned()),
            ],
        )?,
        (_, false) => SessionNameClaim::Sub,
    };
    if federation == FederationType::Direct
        && provider_type == ProviderType::Auth0
        && session_name_claim == SessionNameClaim::Sub
    {
        return Err(CliError::Usage(
            "--federation direct with Auth0: Auth0's subjects contain '|', which an STS session name cannot, so the role could not pin it; use --federation cognito".into(),
        ));
    }

    heading(asker, out, "— AWS —")?;
    let region = asker.text(
        q("--region", "AWS region of the deployment"),
        args.region.as_deref(),
        Some(region_prefill),
        |r| {
            let r = r.trim();
            if valid_region(r) && models::geography(r).is_some() {
                Ok(r.to_owned())
            } else {
                Err(format!("{r:?} is not an AWS region name like us-east-1"))
            }
        },
    )?;
    let geography = models::geography(&region).unwrap_or("global");
    let bedrock_regions = asker.text(
        q(
            "--bedrock-regions",
            "Regions developers may call Bedrock in (comma-separated)",
        ),
        args.bedrock_regions.as_deref(),
        Some(
            prev.as_ref()
                .map(|d| d.bedrock_regions.join(","))
                .unwrap_or_else(|| region.clone()),
        ),
        regions,
    )?;

    heading(asker, out, "— Models (cross-region inference profiles) —")?;
    let model = model_question(
        asker,
        q("--model", "Claude Code's model"),
        args.model.as_deref(),
        prev.as_ref().map(|d| d.model.clone()),
        &models::default_id(geography, models::DEFAULT_MODEL),
        geography,
        &bedrock_regions,
    )?;
    let small_fast_model = model_question(
        asker,
        q("--small-fast-model", "Small/fast model (background work)"),
        args.small_fast_model.as_deref(),
        prev.as_ref().map(|d| d.small_fast_model.clone()),
        &models::default_id(geography, models::DEFAULT_SMALL_FAST_MODEL),
        geography,
        &bedrock_regions,
    )?;
    let restrict_models = asker.yes_no(
        q(
            "--restrict-models",
            "Allow developers only these two models (the role refuses others)?",
        ),
        args.restrict_models,
        base.restrict_models,
    )?;
    let max_session_seconds = asker.text(
        q("--max-session-hours", "Longest AWS session, hours (1-12)"),
        args.max_session_hours.as_deref(),
        Some((base.max_session_seconds / 3600).to_string()),
        |h| match h.trim().parse::<u32>() {
            Ok(hours @ 1..=12) => Ok(hours * 3600),
            _ => Err(format!("{h:?} is not a whole number of hours from 1 to 12")),
        },
    )?;

    heading(asker, out, "— Quota defaults —")?;
    let quota = quota_questions(args, asker, &base.quota, prev.is_some())?;

    heading(asker, out, "— Alerts, downloads, analytics —")?;
    let alert_email = asker.text(
        q("--alert-email", "Alert e-mail (empty: none)"),
        args.alert_email.as_deref(),
        Some(base.alert_email.clone().unwrap_or_default()),
        |e| {
            let e = e.trim();
            if e.is_empty() {
                return Ok(None);
            }
            let ok = e.split_once('@').is_some_and(|(user, domain)| {
                !user.is_empty() && domain.contains('.') && !e.chars().any(char::is_whitespace)
            });
            if ok {
                Ok(Some(e.to_owned()))
            } else {
                Err(format!("{e:?} is not an e-mail address"))
            }
        },
    )?;
    let distribution_allowed_ips = asker.text(
        q(
            "--allowed-ips",
            "Download links work only from (CIDR blocks, comma-separated; empty: anywhere)",
        ),
        args.allowed_ips.as_deref(),
        Some(base.distribution_allowed_ips.join(",")),
        |text| {
            text.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(network)
                .collect::<Result<Vec<_>, _>>()
        },
    )?;
    let analytics = asker.yes_no(
        q(
            "--analytics",
            "Athena reports over the usage and audit archive?",
        ),
        args.analytics,
        base.analytics,
    )?;
    let name = asker.text(
        q(
            "--name",
            "Deployment name (prefix of stacks, tables, buckets)",
        ),
        args.name.as_deref(),
        Some(base.name.clone()),
        deployment_name,
    )?;

    // What an earlier deploy created stays until the next deploy says otherwise.
    let same_federation = prev.as_ref().is_some_and(|d| d.federation == federation);
    let deployment = Deployment {
        name,
        provider_type,
        federation,
        bedrock_regions,
        model,
        small_fast_model,
        restrict_models,
        max_session_seconds,
        session_name_claim,
        quota,
        alert_email,
        distribution_allowed_ips,
        analytics,
        federated_role_arn: prev
            .as_ref()
            .filter(|_| same_federation)
            .and_then(|d| d.federated_role_arn.clone()),
        identity_pool_id: prev
            .as_ref()
            .filter(|_| same_federation)
            .and_then(|d| d.identity_pool_id.clone()),
    };
    Ok(Profile {
        endpoint: session
            .endpoint
            .clone()
            .or_else(|| existing.map(|p| p.endpoint.clone()))
            .unwrap_or_default(),
        issuer: Some(issuer),
        client_id: Some(client_id),
        client_secret: existing.and_then(|p| p.client_secret.clone()),
        region: Some(region),
        redirect_port: existing.and_then(|p| p.redirect_port),
        deployment: Some(deployment),
    })
}

/// A section's heading, for a person answering (scripts are told only what matters).
fn heading(asker: &Asker, out: &mut Out<'_>, text: &str) -> Result<(), CliError> {
    if asker.interactive {
        out.note(text)?;
    }
    Ok(())
}

/// Reads the issuer's discovery document; a failure stops the wizard unless the person (or
/// `--skip-discovery-check`) says to save anyway.
async fn check_discovery(
    args: &InitArgs,
    asker: &Asker,
    issuer: &str,
    out: &mut Out<'_>,
) -> Result<(), CliError> {
    if args.skip_discovery_check {
        return out.note(format!(
            "Not checking {issuer}'s discovery document (--skip-discovery-check)."
        ));
    }
    match ccwb_api_client::signin::discover(issuer).await {
        Ok(discovery) => {
            out.note(format!(
                "✓ {issuer}: discovery document read (sign-in at {})",
                discovery.authorization_endpoint
            ))?;
            for warning in provider::metadata_warnings(&discovery) {
                out.note(format!("Warning: {warning}"))?;
            }
            Ok(())
        }
        Err(err) => {
            out.note(format!("✗ {err}"))?;
            let save = asker.interactive
                && asker.yes_no(
                    q("--skip-discovery-check", "Save the profile anyway?"),
                    None,
                    false,
                )?;
            if save {
                Ok(())
            } else {
                Err(CliError::Config(format!(
                    "{issuer}'s discovery document could not be read (above): check the issuer, or pass --skip-discovery-check to save anyway"
                )))
            }
        }
    }
}

/// A CIDR block as the packages bucket's policy takes it: host bits beyond the prefix are
/// refused (the CDK app refuses them too) rather than silently cleared.
fn network(block: &str) -> Result<String, String> {
    let cidr = Cidr::parse(block).map_err(|e| e.to_string())?;
    let typed = block.split('/').next().unwrap_or(block).trim();
    if typed.parse::<std::net::IpAddr>().ok() != Some(cidr.address) {
        return Err(format!(
            "{block:?} has address bits set beyond its /{} prefix: give the network address, {cidr}",
            cidr.prefix
        ));
    }
    Ok(block.to_owned())
}

/// Comma-separated region names, at least one, each well formed.
fn regions(text: &str) -> Result<Vec<String>, String> {
    let mut list: Vec<String> = Vec::new();
    for region in text.split(',').map(str::trim).filter(|r| !r.is_empty()) {
        if !valid_region(region) {
            return Err(format!(
                "{region:?} is not an AWS region name like us-east-1"
            ));
        }
        if !list.iter().any(|r| r == region) {
            list.push(region.to_owned());
        }
    }
    if list.is_empty() {
        return Err("name at least one region".into());
    }
    Ok(list)
}

/// A model: typed (checked against the geography and every Bedrock region), else chosen from
/// the profiles that exist for the geography.
fn model_question(
    asker: &Asker,
    question: Question<'_>,
    given: Option<&str>,
    prefill: Option<String>,
    default: &str,
    geography: &str,
    bedrock_regions: &[String],
) -> Result<String, CliError> {
    let fits = |id: &str| -> Result<String, String> {
        let id = models::check(question.flag, id, geography).map_err(|e| e.to_string())?;
        match id.split_once('.') {
            Some((prefix, _)) if !id.starts_with("arn:") && prefix != "global" => {
                match bedrock_regions
                    .iter()
                    .find(|r| models::geography(r) != Some(prefix))
                {
                    Some(region) => Err(format!(
                        "{id}: {region} is not in geography {prefix}; use the global. profile or regions of one geography"
                    )),
                    None => Ok(id),
                }
            }
            _ => Ok(id),
        }
    };
    if let Some(id) = given {
        return fits(id).map_err(|why| CliError::Usage(strip_flag(question.flag, why)));
    }
    let mut options: Vec<(String, String)> = models::offered(geography);
    let prefill = prefill.unwrap_or_else(|| default.to_owned());
    if !options.iter().any(|(id, _)| *id == prefill) {
        options.insert(0, (prefill.clone(), format!("{prefill} (the profile's)")));
    }
    let indexed: Vec<(usize, String)> = options
        .iter()
        .enumerate()
        .map(|(i, (id, label))| (i, format!("{label}  {id}")))
        .collect();
    let start = options.iter().position(|(id, _)| *id == prefill);
    let chosen = asker.choose(question, None, start, &indexed)?;
    let id = options
        .get(chosen)
        .map(|(id, _)| id.clone())
        .ok_or(CliError::Cancelled)?;
    fits(&id).map_err(|why| CliError::Usage(strip_flag(question.flag, why)))
}

/// `why` with the flag in front once (the model check already names it).
fn strip_flag(flag: &str, why: String) -> String {
    if why.starts_with(flag) {
        why
    } else {
        format!("{flag}: {why}")
    }
}

/// The quota defaults, the daily limit offered as derived from the monthly one.
fn quota_questions(
    args: &InitArgs,
    asker: &Asker,
    base: &QuotaDefaults,
    prev_quota: bool,
) -> Result<QuotaDefaults, CliError> {
    let tokens = |text: &str| -> Result<Option<TokenAmount>, String> {
        let text = text.trim();
        if text.is_empty() {
            return Ok(None);
        }
        let amount: TokenAmount = text.parse().map_err(|e| format!("{e}"))?;
        Ok((amount.0 > 0).then_some(amount))
    };
    let monthly = asker.text(
        q(
            "--monthly-limit",
            "Default monthly token limit per developer (e.g. 300M; 0: no default policy)",
        ),
        args.monthly_limit.as_deref(),
        Some(
            base.monthly_token_limit
                .map_or("0".into(), |t| t.to_string()),
        ),
        tokens,
    )?;
    let mut quota = QuotaDefaults {
        monthly_token_limit: monthly,
        ..base.clone()
    };
    if monthly.is_some() {
        quota.burst_percent = asker.text(
            q(
                "--burst-percent",
                "Burst for the daily limit, % over a thirtieth of the monthly one",
            ),
            args.burst_percent.as_deref(),
            Some(base.burst_percent.to_string()),
            |p| match p.trim().parse::<u8>() {
                Ok(p @ 0..=100) => Ok(p),
                _ => Err(format!("{p:?} is not a whole percentage from 0 to 100")),
            },
        )?;
        let derived = QuotaDefaults {
            daily_token_limit: None,
            ..quota.clone()
        }
        .daily();
        let daily = asker.text(
            q("--daily-limit", "Default daily token limit"),
            args.daily_limit.as_deref(),
            base.daily_token_limit.or(derived).map(|t| t.to_string()),
            tokens,
        )?;
        // Kept only when it differs from the derived one, so that a new monthly limit or burst
        // moves it.
        quota.daily_token_limit = daily.filter(|d| Some(*d) != derived);
        let modes = [
            (
                ccwb_core::Mode::Alert,
                "alert: warn, keep access".to_owned(),
            ),
            (
                ccwb_core::Mode::Block,
                "block: refuse credentials".to_owned(),
            ),
        ];
        quota.enforcement_mode = asker.choose(
            q("--enforcement", "When the monthly limit is reached"),
            args.enforcement,
            Some(base.enforcement_mode),
            &modes,
        )?;
        quota.daily_enforcement_mode = asker.choose(
            q("--daily-enforcement", "When the daily limit is reached"),
            args.daily_enforcement,
            // A new profile's daily mode follows the monthly one just chosen.
            Some(if prev_quota {
                base.daily_enforcement_mode
            } else {
                quota.enforcement_mode
            }),
            &modes,
        )?;
    } else {
        quota.daily_token_limit = None;
    }
    quota.fail_mode = asker.choose(
        q("--fail-mode", "When the quota API does not answer"),
        args.fail_mode,
        Some(base.fail_mode),
        &[
            (
                FailMode::Open,
                "open: give credentials, with a warning".to_owned(),
            ),
            (FailMode::Closed, "closed: refuse".to_owned()),
        ],
    )?;
    quota.check_interval_minutes = asker.text(
        q(
            "--check-interval",
            "Minutes between quota checks while credentials are cached (0: every time)",
        ),
        args.check_interval.as_deref(),
        Some(base.check_interval_minutes.to_string()),
        |m| match m.trim().parse::<u32>() {
            Ok(m @ 0..=10_080) => Ok(m),
            _ => Err(format!(
                "{m:?} is not a whole number of minutes from 0 to 10080"
            )),
        },
    )?;
    Ok(quota)
}

/// A deployment name as the CDK app accepts it (`stackName`).
fn deployment_name(name: &str) -> Result<String, String> {
    let name = name.trim();
    let ok = name.len() <= 20
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !name.ends_with('-')
        && !name.contains("--");
    if ok {
        Ok(name.to_owned())
    } else {
        Err(format!(
            "{name:?}: use 1-20 lower-case letters, digits and single hyphens, starting with a letter"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_lists_are_checked_and_deduplicated() {
        assert_eq!(
            regions(" us-east-1, us-west-2,us-east-1 "),
            Ok(vec!["us-east-1".to_owned(), "us-west-2".to_owned()])
        );
        assert!(regions("").is_err());
        assert!(regions("us-east-1,Mars").unwrap_err().contains("Mars"));
    }

    #[test]
    fn networks_keep_no_host_bits() {
        assert_eq!(network("203.0.113.0/24"), Ok("203.0.113.0/24".to_owned()));
        assert_eq!(network("192.0.2.7"), Ok("192.0.2.7".to_owned()));
        assert!(network("10.0.0.1/8").unwrap_err().contains("10.0.0.0/8"));
        assert!(network("nonsense").is_err());
    }

    #[test]
    fn deployment_names_are_what_the_stack_accepts() {
        assert_eq!(deployment_name("ccwb-prod"), Ok("ccwb-prod".to_owned()));
        for bad in ["", "Prod", "1ccwb", "a--b", "ccwb-", &"a".repeat(21)] {
            assert!(deployment_name(bad).is_err(), "{bad}");
        }
    }
}
