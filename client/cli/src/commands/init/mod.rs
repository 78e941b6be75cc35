//! `ccwb init`: the wizard that configures a deployment (identity provider, federation,
//! regions, models, quota defaults, alerts, distribution, analytics) into a profile. Every
//! question has a flag; `--non-interactive` takes them all. Re-running on a profile offers its
//! answers. It creates nothing in AWS: `ccwb deploy` does.

mod answers;
mod ask;
mod model;
mod provider;
mod questions;
mod quota;

pub use provider::metadata_warnings;

use ccwb_core::{Mode, TokenAmount};
use ccwb_install::config::{FailMode, FederationType, ProviderType};

use crate::error::CliError;
use crate::output::Out;
use crate::profile::{Config, Profile, check_name};
use crate::session::Session;

/// Arguments of `ccwb init`: one flag per question.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct InitArgs {
    /// Ask nothing: take every answer from the flags, then the profile being updated, then the
    /// defaults; a required answer missing is an error and nothing is written.
    #[arg(long)]
    pub non_interactive: bool,
    /// The deployment name: prefix of stacks, tables and buckets [default: ccwb].
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// The identity provider: okta, azure, auth0, cognito, google or generic.
    #[arg(long, value_name = "TYPE")]
    pub provider_type: Option<ProviderType>,
    /// The issuer URL, or what the provider type builds it from (Okta or Auth0 domain, Entra
    /// tenant id, Cognito user pool id).
    #[arg(long, visible_alias = "provider-domain", value_name = "URL|DOMAIN")]
    pub issuer: Option<String>,
    /// The OAuth client id (a public client with authorization code + PKCE) that developers
    /// and administrators sign in with.
    #[arg(long, value_name = "ID")]
    pub client_id: Option<String>,
    /// Save even when the issuer's discovery document cannot be read now (e.g. off the VPN).
    #[arg(long)]
    pub skip_discovery_check: bool,
    /// How developers' tokens become AWS credentials: direct (IAM OIDC provider and role) or
    /// cognito (Cognito identity pool).
    #[arg(long, value_name = "direct|cognito")]
    pub federation: Option<FederationType>,
    /// Which claim is the role session name in CloudTrail (email only for Google).
    #[arg(long, value_name = "sub|email")]
    pub session_name_claim: Option<ccwb_install::config::SessionNameClaim>,
    /// The AWS region of the deployment [default: AWS_REGION, else us-east-1].
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,
    /// Regions developers may call Bedrock in, comma-separated [default: the region].
    #[arg(long, value_name = "REGIONS")]
    pub bedrock_regions: Option<String>,
    /// Claude Code's model: a cross-region inference profile id [default: Opus 5.5 in the
    /// region's geography].
    #[arg(long, value_name = "ID")]
    pub model: Option<String>,
    /// Claude Code's small/fast model [default: Haiku 5.5 in the region's geography].
    #[arg(long, value_name = "ID")]
    pub small_fast_model: Option<String>,
    /// Allow developers only these two models (else any Claude model) [default: false].
    #[arg(long, value_name = "true|false")]
    pub restrict_models: Option<bool>,
    /// Longest AWS session in hours, 1–12 [default: 8].
    #[arg(long, value_name = "HOURS")]
    pub max_session_hours: Option<String>,
    /// Default monthly token limit per developer, e.g. 300M; 0: no default policy [default: 0].
    #[arg(long, value_name = "TOKENS")]
    pub monthly_limit: Option<String>,
    /// Default daily limit [default: a thirtieth of the monthly one plus the burst].
    #[arg(long, value_name = "TOKENS")]
    pub daily_limit: Option<String>,
    /// Burst over a thirtieth of the monthly limit for the derived daily limit, 0–100
    /// [default: 10].
    #[arg(long, value_name = "PERCENT")]
    pub burst_percent: Option<String>,
    /// What the monthly limit does when reached: alert or block [default: alert].
    #[arg(long, value_name = "MODE")]
    pub enforcement: Option<Mode>,
    /// What the daily limit does when reached: alert or block [default: the monthly one's].
    #[arg(long, value_name = "MODE")]
    pub daily_enforcement: Option<Mode>,
    /// What credential-process does when the quota API does not answer: open or closed
    /// [default: open].
    #[arg(long, value_name = "open|closed")]
    pub fail_mode: Option<FailMode>,
    /// Minutes between quota checks while credentials are cached, 0–10080 [default: 30].
    #[arg(long, value_name = "MINUTES")]
    pub check_interval: Option<String>,
    /// Where alarms and usage alerts are mailed; "" for none.
    #[arg(long, value_name = "EMAIL")]
    pub alert_email: Option<String>,
    /// The only addresses download links work from (CIDR blocks, comma-separated); "" for
    /// anywhere.
    #[arg(long, value_name = "CIDRS")]
    pub allowed_ips: Option<String>,
    /// Athena reports over the usage and audit archive [default: true].
    #[arg(long, value_name = "true|false")]
    pub analytics: Option<bool>,
}

impl InitArgs {
    /// Asks, checks the identity provider, and saves the profile (made current when none is).
    pub async fn run(self, session: &Session, out: &mut Out<'_>) -> Result<(), CliError> {
        if !self.non_interactive && !out.interactive {
            return Err(CliError::Usage(
                "ccwb init asks its questions in a terminal; in a script pass --non-interactive and the answers as flags (see ccwb init --help)".into(),
            ));
        }
        let asker = ask::Asker {
            interactive: !self.non_interactive,
        };
        let mut config = Config::load()?;
        let name = questions::profile_name(&asker, session, &config)?;
        check_name(&name)?;
        let existing = config.profiles.get(&name).cloned();
        if existing.is_some() {
            out.note(format!(
                "Updating profile {name:?}: every answer starts as the profile has it."
            ))?;
        }
        let profile = questions::ask_all(&self, &asker, session, existing.as_ref(), out).await?;
        let problems = profile.problems();
        if !problems.is_empty() {
            return Err(CliError::Usage(format!(
                "profile {name:?}: {}",
                problems.join("; ")
            )));
        }
        let summary = summary(&profile);
        config.profiles.insert(name.clone(), profile);
        if config.current.is_none() || session.profile.is_none() {
            config.current = Some(name.clone());
        }
        out.tightened(config.save()?)?;
        if out.is_json() {
            let saved = config.profiles.get(&name).cloned().map(Profile::masked);
            out.json(&serde_json::json!({ "profile": name, "settings": saved }))?;
        } else {
            out.fields(&summary)?;
        }
        out.note(format!(
            "{} profile {name:?}. Nothing was created in AWS.\nNext: ccwb deploy --dry-run (synthesise and check), then ccwb deploy, ccwb package, ccwb doctor.",
            if existing.is_some() { "Updated" } else { "Saved" }
        ))
    }
}

/// The saved settings as label/value rows.
fn summary(profile: &Profile) -> Vec<(&'static str, String)> {
    let mut rows = vec![
        ("issuer", profile.issuer.clone().unwrap_or_default()),
        ("client id", profile.client_id.clone().unwrap_or_default()),
        ("region", profile.region.clone().unwrap_or_default()),
    ];
    if let Some(d) = &profile.deployment {
        let tokens = |t: Option<TokenAmount>| t.map_or("no limit".to_owned(), |t| t.to_string());
        rows.extend([
            ("deployment", d.name.clone()),
            ("provider", d.provider_type.as_str().to_owned()),
            (
                "federation",
                crate::deployment::federation_name(d.federation).to_owned(),
            ),
            ("bedrock regions", d.bedrock_regions.join(", ")),
            ("model", d.model.clone()),
            ("small/fast model", d.small_fast_model.clone()),
            (
                "models allowed",
                if d.restrict_models {
                    "only these two".to_owned()
                } else {
                    "any Claude model".to_owned()
                },
            ),
            (
                "session",
                format!(
                    "{} h, named by {}",
                    d.max_session_seconds / 3600,
                    d.session_name_claim.as_str()
                ),
            ),
            ("monthly limit", tokens(d.quota.monthly_token_limit)),
            ("daily limit", tokens(d.quota.daily())),
            (
                "enforcement",
                format!(
                    "monthly {}, daily {}",
                    d.quota.enforcement_mode.as_str(),
                    d.quota.daily_enforcement_mode.as_str()
                ),
            ),
            (
                "quota checks",
                format!(
                    "every {} min, fail {}",
                    d.quota.check_interval_minutes,
                    match d.quota.fail_mode {
                        FailMode::Open => "open",
                        FailMode::Closed => "closed",
                    }
                ),
            ),
            (
                "alert e-mail",
                d.alert_email.clone().unwrap_or_else(|| "none".into()),
            ),
            (
                "downloads from",
                if d.distribution_allowed_ips.is_empty() {
                    "anywhere".to_owned()
                } else {
                    d.distribution_allowed_ips.join(", ")
                },
            ),
            (
                "analytics",
                if d.analytics { "on" } else { "off" }.to_owned(),
            ),
        ]);
    }
    rows.push((
        "API",
        if profile.endpoint.is_empty() {
            "set by ccwb deploy".to_owned()
        } else {
            profile.endpoint.clone()
        },
    ));
    rows
}

/// The provider type an issuer suggests (for a profile made before `ccwb init`).
fn inferred_provider(issuer: &str) -> ProviderType {
    if issuer.contains("cognito-idp.") {
        ProviderType::Cognito
    } else {
        ProviderType::infer(issuer)
    }
}
