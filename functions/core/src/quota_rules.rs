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

fn policy(kind: PolicyType, id: &str) -> Policy {
    Policy::new(kind, id)
}

fn with_tokens(mut p: Policy, monthly: u64, daily: u64, mode: Mode, daily_mode: Mode) -> Policy {
    p.monthly_token_limit = Some(TokenAmount(monthly));
    p.daily_token_limit = Some(TokenAmount(daily));
    p.enforcement_mode = mode;
    p.daily_enforcement_mode = daily_mode;
    p
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

fn deciding(d: &Decision) -> (PolicyType, &str) {
    let (t, id) = d.policy.as_ref().expect("a deciding policy");
    (*t, id.as_str())
}

#[test]
fn user_policy_beats_a_more_restrictive_group() {
    let user = with_tokens(
        policy(PolicyType::User, "a@x.io"),
        1000,
        0,
        Mode::Block,
        Mode::Block,
    );
    let group = with_tokens(
        policy(PolicyType::Group, "eng"),
        10,
        0,
        Mode::Block,
        Mode::Block,
    );
    let d = decide_for(Some(user), vec![group], None, tokens(500, 0));
    assert!(d.allowed);
    assert_eq!(d.reason, Reason::WithinQuota);
    assert_eq!(deciding(&d), (PolicyType::User, "a@x.io"));
}

#[test]
fn any_blocking_group_denies() {
    let lax = with_tokens(
        policy(PolicyType::Group, "a-lax"),
        1_000_000,
        0,
        Mode::Block,
        Mode::Block,
    );
    let strict = with_tokens(
        policy(PolicyType::Group, "z-strict"),
        100,
        0,
        Mode::Block,
        Mode::Block,
    );
    let d = decide_for(None, vec![lax, strict], None, tokens(150, 0));
    assert!(!d.allowed);
    assert_eq!(d.reason, Reason::MonthlyExceeded);
    assert_eq!(deciding(&d), (PolicyType::Group, "z-strict"));
}

#[test]
fn equal_limits_alert_vs_block_decide_alike_in_any_order() {
    let alert = with_tokens(
        policy(PolicyType::Group, "alerting"),
        100,
        0,
        Mode::Alert,
        Mode::Alert,
    );
    let block = with_tokens(
        policy(PolicyType::Group, "blocking"),
        100,
        0,
        Mode::Block,
        Mode::Block,
    );
    let one = decide_for(
        None,
        vec![alert.clone(), block.clone()],
        None,
        tokens(100, 0),
    );
    let two = decide_for(None, vec![block, alert], None, tokens(100, 0));
    assert_eq!(one, two);
    assert!(!one.allowed);
    assert_eq!(deciding(&one), (PolicyType::Group, "blocking"));
}

#[test]
fn cost_only_group_blocks_while_token_group_allows() {
    let mut cost_only = policy(PolicyType::Group, "budget");
    cost_only.monthly_token_limit = Some(TokenAmount(0));
    cost_only.monthly_cost_limit = Some(Usd(50_000_000));
    cost_only.enforcement_mode = Mode::Block;
    let token_group = with_tokens(
        policy(PolicyType::Group, "eng"),
        1_000_000,
        0,
        Mode::Block,
        Mode::Block,
    );
    let mut usage = cost(60, 0);
    usage.month.tokens = 10;
    let d = decide_for(None, vec![token_group, cost_only], None, usage);
    assert!(!d.allowed);
    assert_eq!(d.reason, Reason::MonthlyCostExceeded);
    assert_eq!(deciding(&d), (PolicyType::Group, "budget"));
}

#[test]
fn monthly_alert_does_not_hide_a_daily_block() {
    let p = with_tokens(
        policy(PolicyType::User, "a@x.io"),
        1000,
        100,
        Mode::Alert,
        Mode::Block,
    );
    let d = decide_for(Some(p), vec![], None, tokens(2000, 150));
    assert!(!d.allowed);
    assert_eq!(d.reason, Reason::DailyExceeded);
}

#[test]
fn alert_mode_exceedance_is_a_warning_while_allowed() {
    let p = with_tokens(
        policy(PolicyType::User, "a@x.io"),
        1000,
        100,
        Mode::Alert,
        Mode::Block,
    );
    let d = decide_for(Some(p), vec![], None, tokens(1200, 85));
    assert!(d.allowed);
    assert_eq!(d.reason, Reason::WithinQuota);
    let codes: Vec<&str> = d.warnings.iter().map(|w| w.code.as_str()).collect();
    assert_eq!(codes, ["monthly_tokens_exceeded", "daily_tokens_high"]);
}

#[test]
fn usage_equal_to_the_limit_blocks() {
    let p = with_tokens(
        policy(PolicyType::User, "a@x.io"),
        100,
        0,
        Mode::Block,
        Mode::Block,
    );
    assert!(!decide_for(Some(p.clone()), vec![], None, tokens(100, 0)).allowed);
    assert!(decide_for(Some(p), vec![], None, tokens(99, 0)).allowed);
}

#[test]
fn reasons_are_reported_cost_before_tokens_month_before_day() {
    let mut p = with_tokens(
        policy(PolicyType::User, "a@x.io"),
        10,
        10,
        Mode::Block,
        Mode::Block,
    );
    p.monthly_cost_limit = Some(Usd(1_000_000));
    p.daily_cost_limit = Some(Usd(1_000_000));
    let mut usage = cost(5, 5);
    usage.month.tokens = 50;
    usage.day.tokens = 50;
    assert_eq!(
        decide_for(Some(p.clone()), vec![], None, usage).reason,
        Reason::MonthlyCostExceeded
    );
    p.monthly_cost_limit = None;
    assert_eq!(
        decide_for(Some(p.clone()), vec![], None, usage).reason,
        Reason::DailyCostExceeded
    );
    p.daily_cost_limit = None;
    assert_eq!(
        decide_for(Some(p.clone()), vec![], None, usage).reason,
        Reason::MonthlyExceeded
    );
    p.monthly_token_limit = None;
    assert_eq!(
        decide_for(Some(p), vec![], None, usage).reason,
        Reason::DailyExceeded
    );
}

#[test]
fn zero_limit_means_no_limit() {
    let p = with_tokens(
        policy(PolicyType::User, "a@x.io"),
        0,
        0,
        Mode::Block,
        Mode::Block,
    );
    let d = decide_for(Some(p), vec![], None, tokens(u64::MAX / 2, 10));
    assert!(d.allowed);
    assert!(d.limits.iter().all(|l| l.limit.is_none()));
}

#[test]
fn yesterdays_daily_usage_is_ignored() {
    let today = Day::of(NOW);
    let yesterday = Day(today.0.previous_day().unwrap());
    let day_record = DayUsage {
        day: yesterday,
        totals: UsageTotals {
            tokens: 500,
            cost: Usd(0),
        },
    };
    let month_record = MonthUsage {
        month: today.month(),
        totals: UsageTotals {
            tokens: 500,
            cost: Usd(0),
        },
    };
    let usage = CurrentUsage::on(today, Some(month_record), Some(day_record));
    assert_eq!(usage.day.tokens, 0);
    assert_eq!(usage.month.tokens, 500);
    let p = with_tokens(
        policy(PolicyType::User, "a@x.io"),
        0,
        100,
        Mode::Block,
        Mode::Block,
    );
    assert!(decide_for(Some(p), vec![], None, usage).allowed);
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
    let mut user = with_tokens(
        policy(PolicyType::User, "a@x.io"),
        1_000_000,
        0,
        Mode::Block,
        Mode::Block,
    );
    user.enabled = false;
    let default = with_tokens(
        policy(PolicyType::Default, "default"),
        100,
        0,
        Mode::Block,
        Mode::Block,
    );
    let d = decide_for(Some(user), vec![], Some(default), tokens(200, 0));
    assert!(!d.allowed);
    assert_eq!(deciding(&d), (PolicyType::Default, "default"));
}

#[test]
fn disabled_groups_are_skipped_and_no_policy_is_unlimited() {
    let mut group = with_tokens(
        policy(PolicyType::Group, "eng"),
        1,
        0,
        Mode::Block,
        Mode::Block,
    );
    group.enabled = false;
    let d = decide_for(None, vec![group], None, tokens(200, 0));
    assert!(d.allowed);
    assert_eq!(d.reason, Reason::NoPolicy);
    assert_eq!(d.policy, None);
}

#[test]
fn unblock_expiring_exactly_now_still_applies() {
    let p = with_tokens(
        policy(PolicyType::User, "a@x.io"),
        10,
        0,
        Mode::Block,
        Mode::Block,
    );
    let resolution = resolve(Some(p), vec![], None);
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
    let p = with_tokens(
        policy(PolicyType::Group, "eng"),
        300_000_000,
        0,
        Mode::Block,
        Mode::Block,
    );
    let d = decide_for(None, vec![p], None, tokens(312_500_000, 0));
    assert!(
        d.message.contains("312.5M of 300M tokens (104.2%)"),
        "{}",
        d.message
    );
    assert!(d.message.contains("2026-12-01 00:00 UTC"), "{}", d.message);
    assert!(d.message.contains("group policy \"eng\""), "{}", d.message);
}

#[test]
fn group_choice_does_not_depend_on_input_order() {
    let a = with_tokens(
        policy(PolicyType::Group, "a"),
        1000,
        0,
        Mode::Alert,
        Mode::Alert,
    );
    let b = with_tokens(
        policy(PolicyType::Group, "b"),
        500,
        0,
        Mode::Alert,
        Mode::Alert,
    );
    let c = with_tokens(
        policy(PolicyType::Group, "c"),
        500,
        0,
        Mode::Alert,
        Mode::Alert,
    );
    let forward = decide_for(
        None,
        vec![a.clone(), b.clone(), c.clone()],
        None,
        tokens(450, 0),
    );
    let backward = decide_for(None, vec![c, b, a], None, tokens(450, 0));
    assert_eq!(forward, backward);
    // b and c are equally close to their limits; the identifier breaks the tie.
    assert_eq!(deciding(&forward), (PolicyType::Group, "b"));
    assert_eq!(forward.warnings[0].code, "monthly_tokens_high");
}
