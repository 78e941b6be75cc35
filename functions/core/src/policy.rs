//! Quota policies: who they apply to, their limits, and how each limit is enforced.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::serde::rfc3339;

use crate::{TokenAmount, Usd};

/// What a policy applies to.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PolicyType {
    /// One user, by identity.
    User,
    /// Members of a group.
    Group,
    /// Everyone without a user or group policy.
    Default,
}

impl PolicyType {
    /// The name used in keys, URLs and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::Group => "group",
            Self::Default => "default",
        }
    }
}

impl fmt::Display for PolicyType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for PolicyType {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let all = [Self::User, Self::Group, Self::Default];
        named(
            s,
            all,
            Self::as_str,
            "a policy type: use user, group or default",
        )
    }
}

/// The one of `all` whose `name` is `s`, else an error saying `s` is not `what`.
fn named<T: Copy>(
    s: &str,
    all: impl IntoIterator<Item = T>,
    name: fn(T) -> &'static str,
    what: &str,
) -> Result<T, String> {
    all.into_iter()
        .find(|t| name(*t) == s)
        .ok_or_else(|| format!("{s:?} is not {what}"))
}

/// What happens when a limit is reached.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Warn, keep access.
    #[default]
    Alert,
    /// Deny access.
    Block,
}

impl Mode {
    /// The name used in JSON and storage.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Alert => "alert",
            Self::Block => "block",
        }
    }
}

impl FromStr for Mode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let all = [Self::Alert, Self::Block];
        named(
            s,
            all,
            Self::as_str,
            "an enforcement mode: use alert or block",
        )
    }
}

/// The four limits, in the order their exceedance is reported.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LimitKind {
    /// USD per calendar month.
    MonthlyCost,
    /// USD per calendar day.
    DailyCost,
    /// Tokens per calendar month.
    MonthlyTokens,
    /// Tokens per calendar day.
    DailyTokens,
}

impl LimitKind {
    /// All kinds, most severe first.
    pub const ALL: [Self; 4] = [
        Self::MonthlyCost,
        Self::DailyCost,
        Self::MonthlyTokens,
        Self::DailyTokens,
    ];

    /// Whether the limit is on the month (else on the day).
    pub fn is_monthly(self) -> bool {
        matches!(self, Self::MonthlyCost | Self::MonthlyTokens)
    }

    /// Whether the limit is in dollars (else in tokens).
    pub fn is_cost(self) -> bool {
        matches!(self, Self::MonthlyCost | Self::DailyCost)
    }

    /// Words for messages: "monthly cost".
    pub fn label(self) -> &'static str {
        match self {
            Self::MonthlyCost => "monthly cost",
            Self::DailyCost => "daily cost",
            Self::MonthlyTokens => "monthly token",
            Self::DailyTokens => "daily token",
        }
    }

    /// The name used in codes: `monthly_cost`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::MonthlyCost => "monthly_cost",
            Self::DailyCost => "daily_cost",
            Self::MonthlyTokens => "monthly_tokens",
            Self::DailyTokens => "daily_tokens",
        }
    }
}

crate::policy_struct! {
    /// A quota policy. JSON field names are the API's.
    #[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Policy {
        /// What the policy applies to.
        #[serde(rename = "type")]
        pub policy_type: PolicyType,
        /// The user's identity, the group's name, or `default`.
        pub identifier: String,
    }
    limits(Option<TokenAmount>, Option<Usd>, "; 0 or absent means no limit.")
    #[serde(default, skip_serializing_if = "Option::is_none")]
    settings {
        /// How the monthly limits are enforced.
        #[serde(default)]
        pub enforcement_mode: Mode,
        /// How the daily limits are enforced.
        #[serde(default)]
        pub daily_enforcement_mode: Mode,
        /// Disabled policies are ignored by resolution.
        #[serde(default = "enabled_default")]
        pub enabled: bool,
        /// Incremented by every change; the basis of ETags.
        #[serde(default)]
        pub version: u64,
        /// When the policy was created.
        #[serde(default, with = "rfc3339::option", skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "schema", schemars(with = "Option<String>"))]
        pub created_at: Option<OffsetDateTime>,
        /// When it last changed.
        #[serde(default, with = "rfc3339::option", skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "schema", schemars(with = "Option<String>"))]
        pub updated_at: Option<OffsetDateTime>,
        /// Who last changed it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub updated_by: Option<String>,
    }
}

fn enabled_default() -> bool {
    true
}

impl Policy {
    /// A policy with no limits, for building in code and tests.
    pub fn new(policy_type: PolicyType, identifier: impl Into<String>) -> Self {
        Self {
            policy_type,
            identifier: identifier.into(),
            monthly_token_limit: None,
            daily_token_limit: None,
            monthly_cost_limit: None,
            daily_cost_limit: None,
            enforcement_mode: Mode::Alert,
            daily_enforcement_mode: Mode::Alert,
            enabled: true,
            version: 0,
            created_at: None,
            updated_at: None,
            updated_by: None,
        }
    }

    /// The limit of `kind` in tokens or micro-dollars; `None` when unset or 0.
    pub fn limit(&self, kind: LimitKind) -> Option<u64> {
        let raw = match kind {
            LimitKind::MonthlyCost => self.monthly_cost_limit.map(|u| u.0),
            LimitKind::DailyCost => self.daily_cost_limit.map(|u| u.0),
            LimitKind::MonthlyTokens => self.monthly_token_limit.map(|t| t.0),
            LimitKind::DailyTokens => self.daily_token_limit.map(|t| t.0),
        };
        raw.filter(|v| *v > 0)
    }

    /// How the limit of `kind` is enforced: monthly limits by `enforcement_mode`, daily limits
    /// by `daily_enforcement_mode`, each on its own.
    pub fn mode(&self, kind: LimitKind) -> Mode {
        if kind.is_monthly() {
            self.enforcement_mode
        } else {
            self.daily_enforcement_mode
        }
    }
}
