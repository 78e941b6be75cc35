//! How long the AWS credentials issued after a check may live: the longest STS allows while the
//! developer is far from every block limit, shorter as usage nears one, so that credentials a
//! client already holds run out before the limit is likely to be reached. Claude Code runs
//! `credential_process` again only when its credentials are about to expire, so this is what
//! bounds how long a developer can go on after crossing a limit between checks.

use time::OffsetDateTime;

use crate::{Day, LimitStatus, Mode, Unblock};

/// STS's shortest session (`DurationSeconds` minimum): 15 minutes.
pub const MIN_CREDENTIAL_SECONDS: u32 = 900;
/// STS's longest role session (a role's `MaxSessionDuration` maximum): 12 hours. The client
/// asks for the smaller of this answer and its own configured maximum.
pub const MAX_CREDENTIAL_SECONDS: u32 = 43_200;
/// Credentials live at most this fraction (1/n) of the projected time to the nearest block
/// limit at the period's average rate: a developer must use the period's average at twice its
/// pace to reach the limit before the credentials expire.
const SAFETY_FACTOR: u128 = 2;
/// The least elapsed time a rate is measured over, so that the first request of a period does
/// not look like a huge rate (and the first second of a month does not divide by zero).
const MIN_ELAPSED_SECONDS: u128 = 3_600;

/// The credential lifetime (seconds) for an allowed decision with these `limits` and active
/// `unblock`, at `now`.
///
/// For each block-mode limit with usage: the time left until usage reaches it at the period's
/// average rate so far (usage ÷ time since the month or day began), divided by
/// [`SAFETY_FACTOR`]. An active unblock lifts a block only until it expires, so credentials do
/// not outlive it. The result is the smallest of these, within STS's bounds; with none of them,
/// [`MAX_CREDENTIAL_SECONDS`].
pub fn credential_ttl(
    limits: &[LimitStatus],
    unblock: Option<&Unblock>,
    now: OffsetDateTime,
) -> u32 {
    let day = Day::of(now);
    let elapsed = |monthly: bool| {
        let start = if monthly {
            day.month().start()
        } else {
            day.start()
        };
        u128::try_from((now - start).whole_seconds())
            .unwrap_or_default()
            .max(MIN_ELAPSED_SECONDS)
    };
    let by_limits = limits
        .iter()
        .filter(|status| status.mode == Mode::Block && status.used > 0)
        // A reached limit is what an active unblock lifts (until it expires, below); without
        // one the check denies and no credentials are issued.
        .filter(|status| !(unblock.is_some() && status.exceeded()))
        .filter_map(|status| {
            let limit = status.limit.filter(|&limit| limit > 0)?;
            let left = u128::from(limit.saturating_sub(status.used));
            Some(left * elapsed(status.kind.is_monthly()) / u128::from(status.used) / SAFETY_FACTOR)
        });
    let by_unblock =
        unblock.map(|u| u128::try_from((u.expires_at - now).whole_seconds()).unwrap_or_default());
    by_limits
        .chain(by_unblock)
        .min()
        .map_or(MAX_CREDENTIAL_SECONDS, |seconds| {
            let bounded = seconds.clamp(
                u128::from(MIN_CREDENTIAL_SECONDS),
                u128::from(MAX_CREDENTIAL_SECONDS),
            );
            u32::try_from(bounded).unwrap_or(MAX_CREDENTIAL_SECONDS)
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::LimitKind;
    use time::macros::datetime;

    fn status(kind: LimitKind, used: u64, limit: Option<u64>, mode: Mode) -> LimitStatus {
        LimitStatus {
            kind,
            used,
            limit,
            percent: None,
            mode,
        }
    }

    fn unblock(expires_at: OffsetDateTime) -> Unblock {
        Unblock {
            expires_at,
            unblocked_by: "admin@x.io".into(),
            reason: "deadline".into(),
        }
    }

    #[test]
    fn lifetimes_shrink_toward_the_sts_minimum_as_usage_nears_a_block_limit() {
        use LimitKind::*;
        // 10.5 days (907,200 s) into November; 12:00 UTC (43,200 s) into the day.
        let now = datetime!(2026-11-11 12:00 UTC);
        let block = |kind, used, limit| status(kind, used, Some(limit), Mode::Block);
        let near = block(MonthlyTokens, 990, 1_000);
        let in_hours = |hours| Some(unblock(now + time::Duration::hours(hours)));
        // A table: one row a line reads better than rustfmt's one field a line.
        #[rustfmt::skip]
        let rows: [(&str, &[LimitStatus], Option<Unblock>, u32); 12] = [
            ("no policy", &[], None, 43_200),
            ("no usage yet", &[block(MonthlyTokens, 0, 1_000)], None, 43_200),
            ("no limit set", &[status(MonthlyTokens, 5, None, Mode::Block)], None, 43_200),
            ("a zero limit is none", &[block(MonthlyTokens, 5, 0)], None, 43_200),
            ("alert mode", &[status(DailyCost, 99, Some(100), Mode::Alert)], None, 43_200),
            // 10% used in 10.5 days: 94.5 days to go at that rate, halved: capped at 12 hours.
            ("far from the limit", &[block(MonthlyTokens, 100, 1_000)], None, 43_200),
            // 99% used in 10.5 days: 907,200 × 10/990 ÷ 2 = 4,581 s.
            ("near the monthly limit", &[near], None, 4_581),
            // 99.9%: 454 s, raised to STS's minimum.
            ("at the limit", &[block(MonthlyCost, 999_000, 1_000_000)], None, 900),
            // Today: 60% used in 12 hours: 43,200 × 40/60 ÷ 2 = 14,400 s.
            ("over the day", &[block(DailyTokens, 60, 100)], None, 14_400),
            ("the nearest decides", &[near, block(DailyCost, 60, 100)], None, 4_581),
            // Over the limit but unblocked for 2 more hours: until the unblock ends.
            ("unblocked", &[block(MonthlyTokens, 2_000, 1_000)], in_hours(2), 7_200),
            ("an unblock far off", &[near], in_hours(72), 4_581),
        ];
        for (name, limits, unblock, expected) in rows {
            assert_eq!(
                credential_ttl(limits, unblock.as_ref(), now),
                expected,
                "{name}"
            );
        }
    }

    #[test]
    fn the_first_hour_of_a_period_is_measured_as_an_hour() {
        // 10 minutes into the day, half the daily limit used: measured over an hour, not
        // 10 minutes: 3,600 × 50/50 ÷ 2 = 1,800 s.
        let now = datetime!(2026-11-11 00:10 UTC);
        let limits = [status(LimitKind::DailyTokens, 50, Some(100), Mode::Block)];
        assert_eq!(credential_ttl(&limits, None, now), 1_800);
    }

    #[test]
    fn extreme_numbers_neither_overflow_nor_leave_sts_bounds() {
        let now = datetime!(2026-11-30 23:59:59 UTC);
        let huge = [status(
            LimitKind::MonthlyTokens,
            1,
            Some(u64::MAX),
            Mode::Block,
        )];
        assert_eq!(credential_ttl(&huge, None, now), MAX_CREDENTIAL_SECONDS);
        let full = [status(
            LimitKind::MonthlyTokens,
            u64::MAX,
            Some(u64::MAX),
            Mode::Block,
        )];
        assert_eq!(credential_ttl(&full, None, now), MIN_CREDENTIAL_SECONDS);
        let expired = unblock(now - time::Duration::hours(1));
        assert_eq!(
            credential_ttl(&[], Some(&expired), now),
            MIN_CREDENTIAL_SECONDS
        );
    }
}
