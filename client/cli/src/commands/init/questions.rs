//! The wizard's questions in order, each answered by [`Asker`] from its flag, the person, the
//! profile being updated, or the default, and checked as the stack and credential-process will
//! read it.

use ccwb_install::config::{FederationType, ProviderType, SessionNameClaim};

use super::ask::{Asker, Question};
use super::{InitArgs, answers, inferred_provider, model, provider, quota};
use crate::deployment::Deployment;
use crate::error::CliError;
use crate::models;
use crate::output::Out;
use crate::profile::{Config, Profile, valid_region};
use crate::session::Session;

/// A question: its flag and its prompt.
pub const fn q<'a>(flag: &'a str, prompt: &'a str) -> Question<'a> {
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
        answers::client_id,
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
        answers::region,
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
        answers::regions,
    )?;

    heading(asker, out, "— Models (cross-region inference profiles) —")?;
    let choice = model::Choice {
        asker,
        args,
        prev: prev.as_ref(),
        geography,
        bedrock_regions: &bedrock_regions,
    };
    let model = choice.ask(model::Slot::Main)?;
    let small_fast_model = choice.ask(model::Slot::SmallFast)?;
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
        answers::session_hours,
    )?;

    heading(asker, out, "— Quota defaults —")?;
    let quota = quota::ask(args, asker, &base.quota, prev.is_some())?;

    heading(asker, out, "— Alerts, downloads, analytics —")?;
    let alert_email = asker.text(
        q("--alert-email", "Alert e-mail (empty: none)"),
        args.alert_email.as_deref(),
        Some(base.alert_email.clone().unwrap_or_default()),
        answers::alert_email,
    )?;
    let distribution_allowed_ips = asker.text(
        q(
            "--allowed-ips",
            "Download links work only from (CIDR blocks, comma-separated; empty: anywhere)",
        ),
        args.allowed_ips.as_deref(),
        Some(base.distribution_allowed_ips.join(",")),
        answers::networks,
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
        answers::deployment_name,
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
