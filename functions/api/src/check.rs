//! `GET /check`: the quota decision for the caller, in the shape the original ccwb credential
//! helpers read.

use ccwb_core::{Decision, LimitKind, Mode, PolicyType, Reason, Warning};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// The response of `GET /check`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct CheckResponse {
    /// Whether credentials may be issued.
    pub allowed: bool,
    /// Why (`within_quota`, `monthly_exceeded`, …).
    pub reason: Reason,
    /// The deciding policy's monthly enforcement mode; `null` without a policy.
    pub enforcement_mode: Option<Mode>,
    /// Usage against the deciding policy's limits.
    pub usage: CheckUsage,
    /// The deciding policy; `null` without one.
    pub policy: Option<PolicyRef>,
    /// The caller's active unblock, if any.
    pub unblock_status: UnblockStatus,
    /// Alert-mode exceedances and limits at 80% or more, while allowed.
    pub warnings: Vec<Warning>,
    /// A sentence for the developer, with numbers.
    pub message: String,
    /// How long the AWS credentials issued now may live, in seconds (900 to 43,200):
    /// the longest while far from every block limit, shorter as usage nears one, never past
    /// an unblock's end. The credential helper asks STS for the smaller of this and its own
    /// maximum session duration. Absent from older servers.
    #[serde(default)]
    pub credential_ttl_seconds: Option<u32>,
}

/// Usage this month and today; limit and percent fields are absent when there is no limit.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, schemars::JsonSchema)]
pub struct CheckUsage {
    /// Tokens this month.
    pub monthly_tokens: u64,
    /// Monthly token limit.
    #[serde(default)]
    pub monthly_limit: Option<u64>,
    /// Share of the monthly token limit used, in percent.
    #[serde(default)]
    pub monthly_percent: Option<f64>,
    /// Tokens today.
    pub daily_tokens: u64,
    /// Daily token limit.
    #[serde(default)]
    pub daily_limit: Option<u64>,
    /// Share of the daily token limit used, in percent.
    #[serde(default)]
    pub daily_percent: Option<f64>,
    /// USD this month.
    pub monthly_cost: f64,
    /// Monthly cost limit in USD.
    #[serde(default)]
    pub monthly_cost_limit: Option<f64>,
    /// Share of the monthly cost limit used, in percent.
    #[serde(default)]
    pub monthly_cost_percent: Option<f64>,
    /// USD today.
    pub daily_cost: f64,
    /// Daily cost limit in USD.
    #[serde(default)]
    pub daily_cost_limit: Option<f64>,
    /// Share of the daily cost limit used, in percent.
    #[serde(default)]
    pub daily_cost_percent: Option<f64>,
}

/// Which policy decided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PolicyRef {
    /// `user`, `group` or `default`.
    #[serde(rename = "type")]
    pub policy_type: PolicyType,
    /// Its identifier.
    pub identifier: String,
}

/// The caller's unblock.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, schemars::JsonSchema)]
pub struct UnblockStatus {
    /// Whether an unblock is active now.
    pub is_unblocked: bool,
    /// When it ends (RFC 3339, UTC).
    #[serde(with = "time::serde::rfc3339::option")]
    #[schemars(with = "Option<String>")]
    pub expires_at: Option<OffsetDateTime>,
    /// Who granted it.
    pub unblocked_by: Option<String>,
    /// Why.
    pub reason: Option<String>,
}

impl From<&Decision> for CheckResponse {
    fn from(decision: &Decision) -> Self {
        let mut usage = CheckUsage {
            monthly_tokens: decision.usage.month.tokens,
            daily_tokens: decision.usage.day.tokens,
            monthly_cost: decision.usage.month.cost.dollars(),
            daily_cost: decision.usage.day.cost.dollars(),
            ..CheckUsage::default()
        };
        for limit in &decision.limits {
            let Some(cap) = limit.limit else { continue };
            let dollars = |micros: u64| ccwb_core::Usd(micros).dollars();
            match limit.kind {
                LimitKind::MonthlyTokens => {
                    usage.monthly_limit = Some(cap);
                    usage.monthly_percent = limit.percent;
                }
                LimitKind::DailyTokens => {
                    usage.daily_limit = Some(cap);
                    usage.daily_percent = limit.percent;
                }
                LimitKind::MonthlyCost => {
                    usage.monthly_cost_limit = Some(dollars(cap));
                    usage.monthly_cost_percent = limit.percent;
                }
                LimitKind::DailyCost => {
                    usage.daily_cost_limit = Some(dollars(cap));
                    usage.daily_cost_percent = limit.percent;
                }
            }
        }
        let unblock_status = match &decision.unblock {
            Some(unblock) => UnblockStatus {
                is_unblocked: true,
                expires_at: Some(unblock.expires_at),
                unblocked_by: Some(unblock.unblocked_by.clone()),
                reason: Some(unblock.reason.clone()),
            },
            None => UnblockStatus::default(),
        };
        Self {
            allowed: decision.allowed,
            reason: decision.reason,
            enforcement_mode: decision.enforcement_mode,
            usage,
            policy: decision
                .policy
                .as_ref()
                .map(|(policy_type, identifier)| PolicyRef {
                    policy_type: *policy_type,
                    identifier: identifier.clone(),
                }),
            unblock_status,
            warnings: decision.warnings.clone(),
            message: decision.message.clone(),
            credential_ttl_seconds: Some(decision.credential_ttl_seconds),
        }
    }
}
