//! The quota rules as a table: one test per rule, named by the rule.

use time::OffsetDateTime;
use time::macros::datetime;

use crate::decision::{check_failed, missing_identity};
use crate::*;

const NOW: OffsetDateTime = datetime!(2026-11-21 15:00 UTC);

fn tokens(monthly: u64, daily: u64) -> CurrentUsage {
    CurrentUsage {
        month: UsageTotals {
            tokens: monthly,
            cost: Usd(0),
        },
        day: UsageTotals {
            tokens: daily,
            cost: Usd(0),
        },
    }
}

fn cost(monthly_usd: u64, daily_usd: u64) -> CurrentUsage {
    CurrentUsage {
        month: UsageTotals {
            tokens: 0,
            cost: Usd(monthly_usd * 1_000_000),
        },
        day: UsageTotals {
            tokens: 0,
            cost: Usd(daily_usd * 1_000_000),
        },
    }
}

/// A policy of `kind` for `id` limiting tokens to `monthly` a month and `daily` a day (0: no
/// limit), blocking on both.
fn limits(kind: PolicyType, id: &str, monthly: u64, daily: u64) -> Policy {
    let mut p = Policy::new(kind, id);
    p.monthly_token_limit = Some(TokenAmount(monthly));
    p.daily_token_limit = Some(TokenAmount(daily));
    modes(p, Mode::Block, Mode::Block)
}

/// `p` with these enforcement modes for its monthly and its daily limits.
fn modes(mut p: Policy, monthly: Mode, daily: Mode) -> Policy {
    p.enforcement_mode = monthly;
    p.daily_enforcement_mode = daily;
    p
}

/// [`limits`] for the user `a@x.io`.
fn user(monthly: u64, daily: u64) -> Policy {
    limits(PolicyType::User, "a@x.io", monthly, daily)
}

/// [`limits`] for the group `id`.
fn group(id: &str, monthly: u64, daily: u64) -> Policy {
    limits(PolicyType::Group, id, monthly, daily)
}

fn unblock(expires_at: OffsetDateTime) -> Unblock {
    Unblock {
        expires_at,
        unblocked_by: "admin@example.com".into(),
        reason: "deadline".into(),
    }
}

fn decide_for(
    user: Option<Policy>,
    groups: Vec<Policy>,
    default: Option<Policy>,
    usage: CurrentUsage,
) -> Decision {
    decide(&resolve(user, groups, default), &usage, None, NOW)
}

/// The decision for a user whose only policy is their own, `p`.
fn decide_user(p: Policy, usage: CurrentUsage) -> Decision {
    decide_for(Some(p), vec![], None, usage)
}

/// The decision for a user in `groups` (in this order) with no user or default policy.
fn decide_groups(groups: Vec<Policy>, usage: CurrentUsage) -> Decision {
    decide_for(None, groups, None, usage)
}

fn deciding(d: &Decision) -> (PolicyType, &str) {
    let (t, id) = d.policy.as_ref().expect("a deciding policy");
    (*t, id.as_str())
}

#[test]
fn user_policy_beats_a_more_restrictive_group() {
    let d = decide_for(
        Some(user(1000, 0)),
        vec![group("eng", 10, 0)],
        None,
        tokens(500, 0),
    );
    assert!(d.allowed);
    assert_eq!(d.reason, Reason::WithinQuota);
    assert_eq!(deciding(&d), (PolicyType::User, "a@x.io"));
}

#[test]
fn any_blocking_group_denies() {
    let lax = group("a-lax", 1_000_000, 0);
    let strict = group("z-strict", 100, 0);
    let d = decide_groups(vec![lax, strict], tokens(150, 0));
    assert!(!d.allowed);
    assert_eq!(d.reason, Reason::MonthlyExceeded);
    assert_eq!(deciding(&d), (PolicyType::Group, "z-strict"));
}

#[test]
fn equal_limits_alert_vs_block_decide_alike_in_any_order() {
    let alert = modes(group("alerting", 100, 0), Mode::Alert, Mode::Alert);
    let block = group("blocking", 100, 0);
    let one = decide_groups(vec![alert.clone(), block.clone()], tokens(100, 0));
    let two = decide_groups(vec![block, alert], tokens(100, 0));
    assert_eq!(one, two);
    assert!(!one.allowed);
    assert_eq!(deciding(&one), (PolicyType::Group, "blocking"));
}

#[test]
fn cost_only_group_blocks_while_token_group_allows() {
    let mut cost_only = Policy::new(PolicyType::Group, "budget");
    cost_only.monthly_token_limit = Some(TokenAmount(0));
    cost_only.monthly_cost_limit = Some(Usd(50_000_000));
    cost_only.enforcement_mode = Mode::Block;
    let token_group = group("eng", 1_000_000, 0);
    let mut usage = cost(60, 0);
    usage.month.tokens = 10;
    let d = decide_groups(vec![token_group, cost_only], usage);
    assert!(!d.allowed);
    assert_eq!(d.reason, Reason::MonthlyCostExceeded);
    assert_eq!(deciding(&d), (PolicyType::Group, "budget"));
}

#[test]
fn monthly_alert_does_not_hide_a_daily_block() {
    let p = modes(user(1000, 100), Mode::Alert, Mode::Block);
    let d = decide_user(p, tokens(2000, 150));
    assert!(!d.allowed);
    assert_eq!(d.reason, Reason::DailyExceeded);
}

#[test]
fn alert_mode_exceedance_is_a_warning_while_allowed() {
    let p = modes(user(1000, 100), Mode::Alert, Mode::Block);
    let d = decide_user(p, tokens(1200, 85));
    assert!(d.allowed);
    assert_eq!(d.reason, Reason::WithinQuota);
    let codes: Vec<&str> = d.warnings.iter().map(|w| w.code.as_str()).collect();
    assert_eq!(codes, ["monthly_tokens_exceeded", "daily_tokens_high"]);
}

#[test]
fn usage_equal_to_the_limit_blocks() {
    let p = user(100, 0);
    assert!(!decide_user(p.clone(), tokens(100, 0)).allowed);
    assert!(decide_user(p, tokens(99, 0)).allowed);
}

#[test]
fn reasons_are_reported_cost_before_tokens_month_before_day() {
    let mut p = user(10, 10);
    p.monthly_cost_limit = Some(Usd(1_000_000));
    p.daily_cost_limit = Some(Usd(1_000_000));
    let mut usage = cost(5, 5);
    usage.month.tokens = 50;
    usage.day.tokens = 50;
    // Every limit is exceeded: the first reason is reported; without its limit, the next one.
    type RemoveLimit = fn(&mut Policy);
    let order: [(Reason, RemoveLimit); 4] = [
        (Reason::MonthlyCostExceeded, |p| p.monthly_cost_limit = None),
        (Reason::DailyCostExceeded, |p| p.daily_cost_limit = None),
        (Reason::MonthlyExceeded, |p| p.monthly_token_limit = None),
        (Reason::DailyExceeded, |_| {}),
    ];
    for (reason, remove_its_limit) in order {
        assert_eq!(decide_user(p.clone(), usage).reason, reason);
        remove_its_limit(&mut p);
    }
}

#[test]
fn zero_limit_means_no_limit() {
    let d = decide_user(user(0, 0), tokens(u64::MAX / 2, 10));
    assert!(d.allowed);
    assert!(d.limits.iter().all(|l| l.limit.is_none()));
}

#[test]
fn yesterdays_daily_usage_is_ignored() {
    let today = Day::of(NOW);
    let yesterday = Day(today.0.previous_day().unwrap());
    let totals = UsageTotals {
        tokens: 500,
        cost: Usd(0),
    };
    let day_record = DayUsage {
        day: yesterday,
        totals,
    };
    let month_record = MonthUsage {
        month: today.month(),
        totals,
    };
    let usage = CurrentUsage::on(today, Some(month_record), Some(day_record));
    assert_eq!(usage.day.tokens, 0);
    assert_eq!(usage.month.tokens, 500);
    assert!(decide_user(user(0, 100), usage).allowed);
}

#[test]
fn last_months_record_is_ignored() {
    let today = Day::of(datetime!(2026-12-01 00:00 UTC));
    let november = MonthUsage {
        month: Month::of(NOW),
        totals: UsageTotals {
            tokens: 500,
            cost: Usd(9),
        },
    };
    assert_eq!(
        CurrentUsage::on(today, Some(november), None),
        CurrentUsage::default()
    );
}

#[test]
fn disabled_user_policy_falls_through_to_default() {
    let mut user = user(1_000_000, 0);
    user.enabled = false;
    let default = limits(PolicyType::Default, "default", 100, 0);
    let d = decide_for(Some(user), vec![], Some(default), tokens(200, 0));
    assert!(!d.allowed);
    assert_eq!(deciding(&d), (PolicyType::Default, "default"));
}

#[test]
fn disabled_groups_are_skipped_and_no_policy_is_unlimited() {
    let mut group = group("eng", 1, 0);
    group.enabled = false;
    let d = decide_groups(vec![group], tokens(200, 0));
    assert!(d.allowed);
    assert_eq!(d.reason, Reason::NoPolicy);
    assert_eq!(d.policy, None);
}

#[test]
fn unblock_expiring_exactly_now_still_applies() {
    let resolution = resolve(Some(user(10, 0)), vec![], None);
    let d = decide(&resolution, &tokens(50, 0), Some(&unblock(NOW)), NOW);
    assert!(d.allowed);
    assert_eq!(d.reason, Reason::Unblocked);
    assert!(d.unblock.is_some());
    let later = NOW + time::Duration::seconds(1);
    let d = decide(&resolution, &tokens(50, 0), Some(&unblock(NOW)), later);
    assert!(!d.allowed);
    assert_eq!(d.reason, Reason::MonthlyExceeded);
    assert!(d.unblock.is_none());
}

#[test]
fn unblock_without_policy_reports_the_unblock() {
    let d = decide(
        &Resolution::None,
        &tokens(1, 1),
        Some(&unblock(NOW + time::Duration::hours(1))),
        NOW,
    );
    assert!(d.allowed);
    assert_eq!(d.reason, Reason::Unblocked);
}

#[test]
fn missing_identity_is_denied_unless_allowed() {
    let denied = missing_identity(CheckSettings::default());
    assert!(!denied.allowed);
    assert_eq!(denied.reason, Reason::MissingIdentity);
    let allowed = missing_identity(CheckSettings {
        allow_missing_identity: true,
        fail_open: false,
    });
    assert!(allowed.allowed);
}

#[test]
fn store_failure_is_denied_unless_failing_open() {
    assert!(!check_failed(CheckSettings::default()).allowed);
    let open = check_failed(CheckSettings {
        allow_missing_identity: false,
        fail_open: true,
    });
    assert!(open.allowed);
    assert_eq!(open.reason, Reason::CheckFailed);
}

#[test]
fn blocked_message_names_numbers_policy_and_reset() {
    let d = decide_groups(vec![group("eng", 300_000_000, 0)], tokens(312_500_000, 0));
    for part in [
        "312.5M of 300M tokens (104.2%)",
        "2026-12-01 00:00 UTC",
        "group policy \"eng\"",
    ] {
        assert!(d.message.contains(part), "{part}: {}", d.message);
    }
}

#[test]
fn group_choice_does_not_depend_on_input_order() {
    let [a, b, c] = [("a", 1000), ("b", 500), ("c", 500)]
        .map(|(id, monthly)| modes(group(id, monthly, 0), Mode::Alert, Mode::Alert));
    let forward = decide_groups(vec![a.clone(), b.clone(), c.clone()], tokens(450, 0));
    let backward = decide_groups(vec![c, b, a], tokens(450, 0));
    assert_eq!(forward, backward);
    // b and c are equally close to their limits; the identifier breaks the tie.
    assert_eq!(deciding(&forward), (PolicyType::Group, "b"));
    assert_eq!(forward.warnings[0].code, "monthly_tokens_high");
}
