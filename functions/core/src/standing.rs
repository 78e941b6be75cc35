//! The quota standing of many users at once, for dashboards: every policy indexed once, and each
//! user resolved exactly as `/check` resolves them from the same policies.

use std::collections::HashMap;

use crate::decision::WARNING_PERCENT;
use crate::{Decision, Group, LimitStatus, Policy, PolicyType, Resolution, resolve};

/// Every policy, indexed by type and identifier.
#[derive(Debug, Clone, Default)]
pub struct PolicyBook {
    users: HashMap<String, Policy>,
    groups: HashMap<String, Policy>,
    default: Option<Policy>,
}

impl PolicyBook {
    /// Indexes `policies` (as listed from the store).
    pub fn new(policies: impl IntoIterator<Item = Policy>) -> Self {
        let mut book = Self::default();
        for policy in policies {
            match policy.policy_type {
                PolicyType::User => {
                    book.users.insert(policy.identifier.clone(), policy);
                }
                PolicyType::Group => {
                    book.groups.insert(policy.identifier.clone(), policy);
                }
                PolicyType::Default => book.default = Some(policy),
            }
        }
        book
    }

    /// The policies governing `identity` in `groups`, as `/check` resolves them.
    pub fn resolve(&self, identity: &str, groups: &[Group]) -> Resolution {
        resolve(
            self.users.get(identity).cloned(),
            groups
                .iter()
                .filter_map(|g| self.groups.get(g.as_str()).cloned())
                .collect(),
            self.default.clone(),
        )
    }
}

/// The limit of `decision` with the highest share used (set limits only).
pub fn highest(decision: &Decision) -> Option<&LimitStatus> {
    decision
        .limits
        .iter()
        .filter(|l| l.percent.is_some())
        .max_by(|a, b| {
            a.percent
                .unwrap_or_default()
                .total_cmp(&b.percent.unwrap_or_default())
        })
}

/// Whether administrators watching quotas should see the user: refused, unblocked past a
/// limit, or at the warning threshold (80%) of any limit.
pub fn needs_attention(decision: &Decision) -> bool {
    !decision.allowed
        || highest(decision).is_some_and(|l| l.percent.unwrap_or_default() >= WARNING_PERCENT)
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;
    use crate::{CurrentUsage, Mode, TokenAmount, UsageTotals, Usd, decide};

    fn policy(policy_type: PolicyType, id: &str, monthly_tokens: u64, mode: Mode) -> Policy {
        Policy {
            monthly_token_limit: Some(TokenAmount(monthly_tokens)),
            enforcement_mode: mode,
            ..Policy::new(policy_type, id)
        }
    }

    fn used(tokens: u64) -> CurrentUsage {
        CurrentUsage {
            month: UsageTotals {
                tokens,
                cost: Usd(0),
            },
            day: UsageTotals::default(),
        }
    }

    #[test]
    fn users_resolve_as_check_does() {
        let book = PolicyBook::new([
            policy(PolicyType::Default, "default", 1000, Mode::Block),
            policy(PolicyType::Group, "eng", 500, Mode::Block),
            policy(PolicyType::Group, "ops", 200, Mode::Alert),
            policy(PolicyType::User, "boss@x.com", 10, Mode::Block),
        ]);
        let groups = |names: &[&str]| -> Vec<Group> {
            names.iter().filter_map(|n| Group::parse(n)).collect()
        };
        let ids = |r: Resolution| -> Vec<String> {
            r.policies().iter().map(|p| p.identifier.clone()).collect()
        };
        assert_eq!(
            ids(book.resolve("boss@x.com", &groups(&["eng"]))),
            ["boss@x.com"]
        );
        assert_eq!(
            ids(book.resolve("a@x.com", &groups(&["ops", "eng"]))),
            ["eng", "ops"]
        );
        assert_eq!(
            ids(book.resolve("a@x.com", &groups(&["sales"]))),
            ["default"]
        );
        assert!(
            PolicyBook::new([])
                .resolve("a@x.com", &[])
                .policies()
                .is_empty()
        );
    }

    #[test]
    fn attention_from_eighty_percent_or_refusal() {
        let now = datetime!(2026-11-20 12:00 UTC);
        let book = PolicyBook::new([policy(PolicyType::Default, "default", 1000, Mode::Block)]);
        let resolution = book.resolve("a@x.com", &[]);
        let at = |tokens| decide(&resolution, &used(tokens), None, now);
        assert!(!needs_attention(&at(799)));
        assert!(needs_attention(&at(800)));
        let blocked = at(1000);
        assert!(!blocked.allowed && needs_attention(&blocked));
        assert_eq!(highest(&blocked).map(|l| l.percent), Some(Some(100.0)));
        let unlimited = decide(
            &PolicyBook::default().resolve("a@x.com", &[]),
            &used(5),
            None,
            now,
        );
        assert!(!needs_attention(&unlimited) && highest(&unlimited).is_none());
    }
}
