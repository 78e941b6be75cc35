//! The quota decision: allowed or not, why, and the numbers behind it.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::macros::format_description;

use crate::lifetime::{MAX_CREDENTIAL_SECONDS, MIN_CREDENTIAL_SECONDS, credential_ttl};
use crate::period::Month;
use crate::{
    CurrentUsage, LimitKind, Mode, Policy, PolicyType, Resolution, TokenAmount, Unblock, Usd,
};

/// Usage at or above this share of a limit is warned about.
pub const WARNING_PERCENT: f64 = 80.0;

/// Why the decision came out as it did (names compatible with the original credential helpers).
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// Under every blocking limit.
    WithinQuota,
    /// No policy applies; usage is unlimited.
    NoPolicy,
    /// An administrator's unblock is active.
    Unblocked,
    /// The monthly token limit is reached (block mode).
    MonthlyExceeded,
    /// The daily token limit is reached (block mode).
    DailyExceeded,
    /// The monthly cost limit is reached (block mode).
    MonthlyCostExceeded,
    /// The daily cost limit is reached (block mode).
    DailyCostExceeded,
    /// The token names no user.
    MissingIdentity,
    /// The check could not read its data.
    CheckFailed,
}

impl Reason {
    /// The wire name (`within_quota`, `monthly_exceeded`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::WithinQuota => "within_quota",
            Self::NoPolicy => "no_policy",
            Self::Unblocked => "unblocked",
            Self::MonthlyExceeded => "monthly_exceeded",
            Self::DailyExceeded => "daily_exceeded",
            Self::MonthlyCostExceeded => "monthly_cost_exceeded",
            Self::DailyCostExceeded => "daily_cost_exceeded",
            Self::MissingIdentity => "missing_identity",
            Self::CheckFailed => "check_failed",
        }
    }

    fn for_limit(kind: LimitKind) -> Self {
        match kind {
            LimitKind::MonthlyCost => Self::MonthlyCostExceeded,
            LimitKind::DailyCost => Self::DailyCostExceeded,
            LimitKind::MonthlyTokens => Self::MonthlyExceeded,
            LimitKind::DailyTokens => Self::DailyExceeded,
        }
    }
}

/// One limit measured against usage.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LimitStatus {
    /// Which limit.
    pub kind: LimitKind,
    /// Usage in tokens or micro-dollars.
    pub used: u64,
    /// The limit, `None` when the policy sets none.
    pub limit: Option<u64>,
    /// Usage as a percentage of the limit, to 2 decimals.
    pub percent: Option<f64>,
    /// How it is enforced.
    pub mode: Mode,
}

impl LimitStatus {
    /// Whether usage has reached the limit (usage ≥ limit).
    pub fn exceeded(&self) -> bool {
        self.limit.is_some_and(|limit| self.used >= limit)
    }

    fn blocks(&self) -> bool {
        self.exceeded() && self.mode == Mode::Block
    }

    /// The amount for messages: `312.5M` or `$12.50`.
    fn show(&self, value: u64) -> String {
        if self.kind.is_cost() {
            Usd(value).to_string()
        } else {
            TokenAmount(value).to_string()
        }
    }

    /// `312.5M of 300M tokens (104.2%)` or `$60.00 of $50.00 (120.0%)`.
    pub fn used_of_limit(&self) -> String {
        let unit = if self.kind.is_cost() { "" } else { " tokens" };
        format!(
            "{} of {}{unit} ({:.1}%)",
            self.show(self.used),
            self.show(self.limit.unwrap_or_default()),
            self.percent.unwrap_or_default()
        )
    }
}

/// Something a developer should know while still allowed.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Warning {
    /// `<limit>_exceeded` (an alert-mode limit is reached) or `<limit>_high` (≥ 80%).
    pub code: String,
    /// Which limit.
    pub limit: LimitKind,
    /// Usage as a percentage of the limit.
    pub percent: f64,
    /// A sentence with the numbers.
    pub message: String,
}

/// The outcome of a quota check.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    /// Whether credentials may be issued.
    pub allowed: bool,
    /// Why.
    pub reason: Reason,
    /// The policy that decided, if any: `(type, identifier)`.
    pub policy: Option<(PolicyType, String)>,
    /// That policy's monthly enforcement mode.
    pub enforcement_mode: Option<Mode>,
    /// Each limit of the deciding policy against usage (all four, limits `None` when unset).
    pub limits: Vec<LimitStatus>,
    /// Usage counted, whatever the policy.
    pub usage: CurrentUsage,
    /// The active unblock, if any.
    pub unblock: Option<Unblock>,
    /// Warnings for the developer.
    pub warnings: Vec<Warning>,
    /// A sentence a developer understands, with numbers.
    pub message: String,
    /// How long credentials issued on this decision may live, in seconds (see
    /// [`crate::lifetime::credential_ttl`]).
    pub credential_ttl_seconds: u32,
}

/// How the check treats a token without identity and a failed read (deployment settings).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CheckSettings {
    /// `CCWB_MISSING_IDENTITY=allow`: let tokens without identity through.
    pub allow_missing_identity: bool,
    /// `CCWB_FAIL_MODE=open`: allow when the store cannot be read.
    pub fail_open: bool,
}

/// Decides for a user whose policies resolved to `resolution`, with `usage` this month and
/// today and the user's `unblock` (if any) at `now`.
pub fn decide(
    resolution: &Resolution,
    usage: &CurrentUsage,
    unblock: Option<&Unblock>,
    now: OffsetDateTime,
) -> Decision {
    let active_unblock = unblock.filter(|u| u.is_active(now)).cloned();
    let chosen = resolution
        .policies()
        .iter()
        .map(|policy| Evaluation::of(policy, usage))
        .min_by(Evaluation::more_restrictive_first);

    let Some(evaluation) = chosen else {
        let (reason, message) = match &active_unblock {
            Some(u) => (Reason::Unblocked, unblocked_message(u, None)),
            None => (
                Reason::NoPolicy,
                "No quota policy applies to you: usage is not limited.".to_owned(),
            ),
        };
        return Decision {
            allowed: true,
            reason,
            policy: None,
            enforcement_mode: None,
            limits: Vec::new(),
            usage: *usage,
            credential_ttl_seconds: credential_ttl(&[], active_unblock.as_ref(), now),
            unblock: active_unblock,
            warnings: Vec::new(),
            message,
        };
    };

    let policy = evaluation.policy;
    let blocking = evaluation.limits.iter().find(|l| l.blocks()).copied();
    let (allowed, reason, message) = match (&active_unblock, blocking) {
        (Some(u), _) => (
            true,
            Reason::Unblocked,
            unblocked_message(u, blocking.as_ref()),
        ),
        (None, Some(limit)) => (
            false,
            Reason::for_limit(limit.kind),
            blocked_message(&limit, policy, now),
        ),
        (None, None) => (
            true,
            Reason::WithinQuota,
            within_message(&evaluation.limits),
        ),
    };
    let warnings = if allowed {
        evaluation.limits.iter().filter_map(warning).collect()
    } else {
        Vec::new()
    };
    let credential_ttl_seconds = if allowed {
        credential_ttl(&evaluation.limits, active_unblock.as_ref(), now)
    } else {
        MIN_CREDENTIAL_SECONDS
    };
    Decision {
        allowed,
        reason,
        policy: Some((policy.policy_type, policy.identifier.clone())),
        enforcement_mode: Some(policy.enforcement_mode),
        credential_ttl_seconds,
        limits: evaluation.limits,
        usage: *usage,
        unblock: active_unblock,
        warnings,
        message,
    }
}

/// The decision for a token that names no user.
pub fn missing_identity(settings: CheckSettings) -> Decision {
    bare(
        settings.allow_missing_identity,
        Reason::MissingIdentity,
        if settings.allow_missing_identity {
            "Your token names no user, so no quota applies (this deployment allows that)."
        } else {
            "Your sign-in token names no user (no e-mail claim), so your quota cannot be checked: access is denied. Sign in again or ask your administrator."
        },
    )
}

/// The decision when the quota data could not be read.
pub fn check_failed(settings: CheckSettings) -> Decision {
    bare(
        settings.fail_open,
        Reason::CheckFailed,
        if settings.fail_open {
            "The quota check could not read usage data; access is allowed because this deployment fails open."
        } else {
            "The quota check could not read usage data; access is denied because this deployment fails closed. Try again shortly."
        },
    )
}

fn bare(allowed: bool, reason: Reason, message: &str) -> Decision {
    // Allowed without an identity, nothing is metered: the longest lifetime. Allowed because
    // the store could not be read: the shortest, so the next check comes soon.
    let credential_ttl_seconds = if allowed && reason == Reason::MissingIdentity {
        MAX_CREDENTIAL_SECONDS
    } else {
        MIN_CREDENTIAL_SECONDS
    };
    Decision {
        allowed,
        reason,
        credential_ttl_seconds,
        policy: None,
        enforcement_mode: None,
        limits: Vec::new(),
        usage: CurrentUsage::default(),
        unblock: None,
        warnings: Vec::new(),
        message: message.to_owned(),
    }
}

/// One policy measured against usage.
struct Evaluation<'a> {
    policy: &'a Policy,
    limits: Vec<LimitStatus>,
}

impl<'a> Evaluation<'a> {
    fn of(policy: &'a Policy, usage: &CurrentUsage) -> Self {
        let limits = LimitKind::ALL
            .iter()
            .map(|&kind| {
                let limit = policy.limit(kind);
                let used = usage.used(kind);
                LimitStatus {
                    kind,
                    used,
                    limit,
                    percent: limit.map(|l| percent(used, l)),
                    mode: policy.mode(kind),
                }
            })
            .collect();
        Self { policy, limits }
    }

    /// Orders evaluations most restrictive first: blocking before allowing (the more severe
    /// reason first), then one with an alert-mode limit reached, then the highest share of any
    /// limit used, then the identifier, so the choice never depends on input order.
    fn more_restrictive_first(a: &Self, b: &Self) -> std::cmp::Ordering {
        let key = |e: &Self| {
            let blocking = e.limits.iter().position(LimitStatus::blocks);
            let alerted = e.limits.iter().any(LimitStatus::exceeded);
            let highest = e
                .limits
                .iter()
                .filter_map(|l| l.percent)
                .fold(0.0_f64, f64::max);
            (blocking.is_none(), blocking, !alerted, highest)
        };
        let (ka, kb) = (key(a), key(b));
        ka.0.cmp(&kb.0)
            .then(ka.1.cmp(&kb.1))
            .then(ka.2.cmp(&kb.2))
            .then(kb.3.total_cmp(&ka.3))
            .then_with(|| a.policy.identifier.cmp(&b.policy.identifier))
    }
}

fn percent(used: u64, limit: u64) -> f64 {
    let value = used as f64 * 100.0 / limit as f64;
    (value * 100.0).round() / 100.0
}

fn warning(limit: &LimitStatus) -> Option<Warning> {
    let percent = limit.percent?;
    let (suffix, what) = if limit.exceeded() {
        ("exceeded", "reached (alert only, access continues)")
    } else if percent >= WARNING_PERCENT {
        ("high", "nearly reached")
    } else {
        return None;
    };
    Some(Warning {
        code: format!("{}_{suffix}", limit.kind.as_str()),
        limit: limit.kind,
        percent,
        message: format!(
            "Your {} limit is {what}: {}.",
            limit.kind.label(),
            limit.used_of_limit()
        ),
    })
}

fn blocked_message(limit: &LimitStatus, policy: &Policy, now: OffsetDateTime) -> String {
    let until = if limit.kind.is_monthly() {
        Month::of(now).next_start()
    } else {
        let tomorrow = now.date().next_day().unwrap_or(now.date());
        tomorrow.midnight().assume_utc()
    };
    format!(
        "Your {} limit is reached: {}. Access is blocked until {} UTC under {} policy {:?}; ask your administrator for an unblock if you need access sooner.",
        limit.kind.label(),
        limit.used_of_limit(),
        format_instant(until),
        policy.policy_type,
        policy.identifier,
    )
}

fn within_message(limits: &[LimitStatus]) -> String {
    let parts: Vec<String> = limits
        .iter()
        .filter(|l| l.limit.is_some())
        .map(|l| {
            let period = if l.kind.is_monthly() {
                "this month"
            } else {
                "today"
            };
            format!("{period} {}", l.used_of_limit())
        })
        .collect();
    if parts.is_empty() {
        "Within quota: your policy sets no limits.".to_owned()
    } else {
        format!("Within quota: {}.", parts.join("; "))
    }
}

fn unblocked_message(unblock: &Unblock, blocking: Option<&LimitStatus>) -> String {
    let until = format_instant(unblock.expires_at);
    match blocking {
        Some(limit) => format!(
            "Your {} limit is reached, but an unblock from {} lets you through until {until} UTC.",
            limit.kind.label(),
            unblock.unblocked_by
        ),
        None => format!(
            "Access allowed by an unblock from {} until {until} UTC.",
            unblock.unblocked_by
        ),
    }
}

fn format_instant(at: OffsetDateTime) -> String {
    let minutes = format_description!("[year]-[month]-[day] [hour]:[minute]");
    let utc = at.to_offset(time::UtcOffset::UTC);
    utc.format(minutes).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::{Reason, format_instant};

    #[test]
    fn instants_in_messages_are_utc_to_the_minute() {
        let at = time::macros::datetime!(2026-12-01 0:05:59 +02:00);
        assert_eq!(format_instant(at), "2026-11-30 22:05");
    }

    #[test]
    fn reason_names_match_the_wire() {
        for reason in [
            Reason::WithinQuota,
            Reason::NoPolicy,
            Reason::Unblocked,
            Reason::MonthlyExceeded,
            Reason::DailyExceeded,
            Reason::MonthlyCostExceeded,
            Reason::DailyCostExceeded,
            Reason::MissingIdentity,
            Reason::CheckFailed,
        ] {
            assert_eq!(serde_json::to_value(reason).unwrap(), reason.as_str());
        }
    }
}
