//! The one decision path: what a check reads, resolved to a policy and decided. `/check`,
//! `/resolve`, `/usage/{email}` and ingest's alerts all decide through [`CheckInputs::decide`],
//! so they can never disagree about a user.

use time::OffsetDateTime;

use crate::{
    CurrentUsage, Day, DayUsage, Decision, MonthUsage, Policy, Resolution, Unblock, decide, resolve,
};

/// Everything one check needs, as found in the store (absent items are `None`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CheckInputs {
    /// The user's policy.
    pub user: Option<Policy>,
    /// Policies of the user's groups that exist.
    pub groups: Vec<Policy>,
    /// The default policy.
    pub default: Option<Policy>,
    /// This month's usage item.
    pub month: Option<MonthUsage>,
    /// Today's usage item.
    pub day: Option<DayUsage>,
    /// The current unblock item.
    pub unblock: Option<Unblock>,
}

/// Whether an active unblock lifts a block in the decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unblocks {
    /// Yes: what the user gets (`/check`, and what administrators are shown of it).
    Honoured,
    /// No: where limits were reached matters, not whether the user may go on (usage alerts).
    Ignored,
}

/// A decision with the resolution it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Checked {
    /// The policies that apply, in the order they were chosen from.
    pub resolution: Resolution,
    /// The decision.
    pub decision: Decision,
}

impl CheckInputs {
    /// Resolves the policy and decides at `now` with this month's and today's usage.
    pub fn decide(self, now: OffsetDateTime, unblocks: Unblocks) -> Checked {
        let resolution = resolve(self.user, self.groups, self.default);
        let usage = CurrentUsage::on(Day::of(now), self.month, self.day);
        let unblock = match unblocks {
            Unblocks::Honoured => self.unblock.as_ref(),
            Unblocks::Ignored => None,
        };
        let decision = decide(&resolution, &usage, unblock, now);
        Checked {
            resolution,
            decision,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Mode, PolicyType, TokenAmount, UsageTotals, Usd};

    #[test]
    fn unblocks_lift_a_block_only_where_honoured() {
        let now = time::macros::datetime!(2026-11-20 10:00 UTC);
        let mut policy = Policy::new(PolicyType::User, "a@x.io");
        policy.monthly_token_limit = Some(TokenAmount(100));
        policy.enforcement_mode = Mode::Block;
        let inputs = CheckInputs {
            user: Some(policy),
            month: Some(MonthUsage {
                month: Day::of(now).month(),
                totals: UsageTotals {
                    tokens: 150,
                    cost: Usd(0),
                },
            }),
            unblock: Some(Unblock {
                expires_at: now + time::Duration::hours(1),
                unblocked_by: "admin@x.io".into(),
                reason: "deadline".into(),
            }),
            ..CheckInputs::default()
        };
        let honoured = inputs.clone().decide(now, Unblocks::Honoured);
        assert!(honoured.decision.allowed);
        assert_eq!(honoured.resolution.policies().len(), 1);
        let ignored = inputs.decide(now, Unblocks::Ignored);
        assert!(!ignored.decision.allowed);
        assert_eq!(ignored.decision.limits, honoured.decision.limits);
    }
}
