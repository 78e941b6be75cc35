//! What `ccwb init` chose for a deployment and `ccwb deploy` created: the part of a profile
//! that the CDK app, `ccwb package` and `ccwb doctor` read. One type, so that a setting has
//! one name from the wizard to the stack's context.

use std::str::FromStr;

use ccwb_core::{Mode, TokenAmount};
use ccwb_install::config::{FailMode, FederationType, ProviderType, SessionNameClaim};
use serde::{Deserialize, Deserializer, Serialize};

use crate::models;

/// The deployment name used when none is given (the CDK app's default `stackName`).
pub const DEFAULT_NAME: &str = "ccwb";
/// The role's maximum session, and what credential-process asks STS for: 8 hours.
pub const DEFAULT_SESSION_SECONDS: u32 = 28_800;
/// Burst over a thirtieth of the monthly limit for the derived daily limit, in percent.
pub const DEFAULT_BURST_PERCENT: u8 = 10;
/// Minutes between quota checks while credentials are cached.
pub const DEFAULT_CHECK_MINUTES: u32 = 30;

/// Quota defaults: the default policy `ccwb deploy` creates, and what packages are told.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuotaDefaults {
    /// Tokens per user per month; `None`: no default policy (no limit).
    #[serde(default)]
    pub monthly_token_limit: Option<TokenAmount>,
    /// Tokens per user per day; `None` with a monthly limit: derived from it with the burst.
    #[serde(default)]
    pub daily_token_limit: Option<TokenAmount>,
    /// Burst over a thirtieth of the monthly limit (0–100), for the derived daily limit.
    #[serde(default = "default_burst")]
    pub burst_percent: u8,
    /// What the monthly limit does when reached.
    #[serde(default)]
    pub enforcement_mode: Mode,
    /// What the daily limit does when reached.
    #[serde(default)]
    pub daily_enforcement_mode: Mode,
    /// What credential-process does when the quota API does not answer.
    #[serde(default, deserialize_with = "parsed", skip_serializing_if = "is_open")]
    pub fail_mode: FailMode,
    /// Minutes between quota checks while credentials are cached (0: every time).
    #[serde(default = "default_check_minutes")]
    pub check_interval_minutes: u32,
}

impl Default for QuotaDefaults {
    fn default() -> Self {
        Self {
            monthly_token_limit: None,
            daily_token_limit: None,
            burst_percent: DEFAULT_BURST_PERCENT,
            enforcement_mode: Mode::Alert,
            daily_enforcement_mode: Mode::Alert,
            fail_mode: FailMode::Open,
            check_interval_minutes: DEFAULT_CHECK_MINUTES,
        }
    }
}

impl QuotaDefaults {
    /// The daily limit: as given, else derived from the monthly one with the burst.
    pub fn daily(&self) -> Option<TokenAmount> {
        self.daily_token_limit.or_else(|| {
            self.monthly_token_limit
                .map(|m| ccwb_core::change::auto_daily(m, self.burst_percent))
        })
    }
}

/// A deployment's settings (from `ccwb init`) and what its stacks output (from `ccwb deploy`).
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Deployment {
    /// The deployment name: prefix of stacks, tables and buckets.
    pub name: String,
    /// The identity provider's kind.
    #[serde(deserialize_with = "parsed")]
    pub provider_type: ProviderType,
    /// How developers' tokens become AWS credentials.
    #[serde(deserialize_with = "parsed")]
    pub federation: FederationType,
    /// Regions developers may call Bedrock in (the role allows no other).
    pub bedrock_regions: Vec<String>,
    /// Claude Code's model (a cross-region inference profile id).
    pub model: String,
    /// Claude Code's small/fast model.
    pub small_fast_model: String,
    /// Whether the role allows only these two models (else any Anthropic Claude model).
    #[serde(default)]
    pub restrict_models: bool,
    /// Longest AWS session, in seconds (the role's maximum and what STS is asked for).
    pub max_session_seconds: u32,
    /// Which claim is the role session name, pinned by the role's trust policy so that a
    /// developer cannot choose it (`sub`; `email` only for Google, whose tokens let IAM see it).
    #[serde(default = "sub_claim", deserialize_with = "parsed")]
    pub session_name_claim: SessionNameClaim,
    /// Quota defaults.
    #[serde(default)]
    pub quota: QuotaDefaults,
    /// Where alarms and usage alerts are mailed.
    #[serde(default)]
    pub alert_email: Option<String>,
    /// The only addresses (CIDR blocks) download links work from; empty: anywhere.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub distribution_allowed_ips: Vec<String>,
    /// Athena reports over the archive (the archive itself is always kept).
    #[serde(default = "yes")]
    pub analytics: bool,
    /// The deployed role developers' tokens are exchanged for (an output of the auth stack).
    #[serde(default)]
    pub federated_role_arn: Option<String>,
    /// The deployed Cognito identity pool (an output of the auth stack, cognito federation).
    #[serde(default)]
    pub identity_pool_id: Option<String>,
}

impl Deployment {
    /// The settings for `region`'s geography when nothing is chosen yet.
    pub fn defaults(region: &str) -> Self {
        let geography = models::geography(region).unwrap_or("global");
        Self {
            name: DEFAULT_NAME.into(),
            provider_type: ProviderType::Generic,
            federation: FederationType::Direct,
            bedrock_regions: vec![region.to_owned()],
            model: models::default_id(geography, models::DEFAULT_MODEL),
            small_fast_model: models::default_id(geography, models::DEFAULT_SMALL_FAST_MODEL),
            restrict_models: false,
            max_session_seconds: DEFAULT_SESSION_SECONDS,
            session_name_claim: SessionNameClaim::Sub,
            quota: QuotaDefaults::default(),
            alert_email: None,
            distribution_allowed_ips: Vec::new(),
            analytics: true,
            federated_role_arn: None,
            identity_pool_id: None,
        }
    }

    /// The CDK context this deployment is synthesised with (besides issuer and audience).
    pub fn cdk_context(&self) -> Vec<(&'static str, String)> {
        let mut context = vec![
            ("stackName", self.name.clone()),
            ("federation", federation_name(self.federation).to_owned()),
            ("providerType", self.provider_type.as_str().to_owned()),
            ("bedrockRegions", self.bedrock_regions.join(",")),
            ("maxSessionSeconds", self.max_session_seconds.to_string()),
            (
                "sessionNameClaim",
                self.session_name_claim.as_str().to_owned(),
            ),
            ("analytics", self.analytics.to_string()),
        ];
        if self.restrict_models {
            context.push((
                "allowedModels",
                format!("{},{}", self.model, self.small_fast_model),
            ));
        }
        if let Some(email) = &self.alert_email {
            context.push(("alertEmail", email.clone()));
        }
        if !self.distribution_allowed_ips.is_empty() {
            context.push((
                "distributionAllowedIps",
                self.distribution_allowed_ips.join(","),
            ));
        }
        context
    }
}

/// `direct` or `cognito`, as in CDK context and `config.json`.
pub fn federation_name(federation: FederationType) -> &'static str {
    match federation {
        FederationType::Direct => "direct",
        FederationType::Cognito => "cognito",
    }
}

fn sub_claim() -> SessionNameClaim {
    SessionNameClaim::Sub
}

fn default_burst() -> u8 {
    DEFAULT_BURST_PERCENT
}

fn default_check_minutes() -> u32 {
    DEFAULT_CHECK_MINUTES
}

fn yes() -> bool {
    true
}

fn is_open(mode: &FailMode) -> bool {
    *mode == FailMode::Open
}

/// An installer enum read from its name with its own parser (which names what it accepts).
fn parsed<'de, D: Deserializer<'de>, T: FromStr<Err = String>>(
    deserializer: D,
) -> Result<T, D::Error> {
    let text = String::deserialize(deserializer)?;
    text.parse().map_err(serde::de::Error::custom)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_deployment_reads_back_as_written() {
        let mut deployment = Deployment::defaults("eu-west-1");
        deployment.provider_type = ProviderType::Okta;
        deployment.federation = FederationType::Cognito;
        deployment.quota.monthly_token_limit = Some(TokenAmount(300_000_000));
        deployment.quota.fail_mode = FailMode::Closed;
        let text = serde_json::to_string(&deployment).unwrap();
        assert!(text.contains(r#""provider_type":"okta""#), "{text}");
        assert!(text.contains(r#""federation":"cognito""#), "{text}");
        let back: Deployment = serde_json::from_str(&text).unwrap();
        assert_eq!(back, deployment);
        assert_eq!(back.model, "eu.anthropic.claude-opus-5-5");
        let bad = text.replace(r#""federation":"cognito""#, r#""federation":"saml""#);
        let err = serde_json::from_str::<Deployment>(&bad).unwrap_err();
        assert!(
            err.to_string().contains("\"direct\" or \"cognito\""),
            "{err}"
        );
    }

    #[test]
    fn the_daily_limit_follows_the_monthly_one_unless_given() {
        let mut quota = QuotaDefaults {
            monthly_token_limit: Some(TokenAmount(300_000_000)),
            ..QuotaDefaults::default()
        };
        assert_eq!(quota.daily(), Some(TokenAmount(11_000_000)));
        quota.daily_token_limit = Some(TokenAmount(5));
        assert_eq!(quota.daily(), Some(TokenAmount(5)));
        assert_eq!(QuotaDefaults::default().daily(), None);
    }

    #[test]
    fn the_cdk_context_names_every_setting() {
        let mut deployment = Deployment::defaults("us-east-1");
        deployment.bedrock_regions = vec!["us-east-1".into(), "us-west-2".into()];
        deployment.restrict_models = true;
        deployment.alert_email = Some("ops@example.com".into());
        let context = deployment.cdk_context();
        let get = |key: &str| {
            context
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(get("bedrockRegions"), Some("us-east-1,us-west-2"));
        assert_eq!(
            get("allowedModels"),
            Some("us.anthropic.claude-opus-5-5,us.anthropic.claude-haiku-5-5")
        );
        assert_eq!(get("federation"), Some("direct"));
        assert_eq!(get("sessionNameClaim"), Some("sub"));
        assert_eq!(get("alertEmail"), Some("ops@example.com"));
        assert_eq!(get("distributionAllowedIps"), None);
    }
}
