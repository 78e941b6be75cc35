//! Usage alerts: when a user's usage reaches 80%, 90% or 100% of an effective limit, one alert
//! per (user, period, limit, level).

use serde::Serialize;
use time::OffsetDateTime;

use crate::decision::LimitStatus;
use crate::period::{Day, Month};
use crate::{LimitKind, TokenAmount, Usd};

/// The levels alerted, in percent of a limit.
pub const LEVELS: [u8; 3] = [80, 90, 100];

/// One alert to send.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Alert {
    /// The user.
    pub identity: String,
    /// `2026-11` for monthly limits, `2026-11-21` for daily ones.
    pub period: String,
    /// When that period ends (UTC): after it the alert cannot be reached again, so its record
    /// may expire.
    #[serde(skip)]
    pub period_end: OffsetDateTime,
    /// Which limit.
    pub limit: LimitKind,
    /// 80, 90 or 100.
    pub level: u8,
    /// Usage now (tokens, or USD for cost limits).
    pub used: f64,
    /// The limit (same unit).
    pub limit_value: f64,
    /// Usage as a percentage of the limit.
    pub percent: f64,
    /// The deciding policy, `type/identifier`.
    pub policy: String,
    /// Usage at the end of the month at the pace so far (monthly limits only).
    pub projected_month_end: Option<f64>,
    /// A sentence for people.
    pub message: String,
}

impl Alert {
    /// The key that makes the alert unique: `{period}#{limit}#{level}`.
    pub fn dedup_key(&self) -> String {
        format!("{}#{}#{}", self.period, self.limit.as_str(), self.level)
    }
}

/// Every alert level reached by `limits` (the deciding policy's, from the quota decision) at
/// `now`. Sending each once is the caller's job.
pub fn reached(
    identity: &str,
    policy: &str,
    limits: &[LimitStatus],
    now: OffsetDateTime,
) -> Vec<Alert> {
    let mut alerts = Vec::new();
    for status in limits {
        let (Some(cap), Some(percent)) = (status.limit, status.percent) else {
            continue;
        };
        let (period, period_end) = if status.kind.is_monthly() {
            let month = Month::of(now);
            (month.to_string(), month.next_start())
        } else {
            let day = Day::of(now);
            (day.to_string(), day.start() + time::Duration::DAY)
        };
        let unit = |v: u64| {
            if status.kind.is_cost() {
                Usd(v).dollars()
            } else {
                v as f64
            }
        };
        let show = |v: u64| {
            if status.kind.is_cost() {
                Usd(v).to_string()
            } else {
                format!("{} tokens", TokenAmount(v))
            }
        };
        let projected = status
            .kind
            .is_monthly()
            .then(|| project_month_end(status.used, now));
        for level in LEVELS.iter().copied().filter(|l| percent >= f64::from(*l)) {
            let projection = projected
                .map(|p| format!(" At this pace the month ends near {}.", show(p)))
                .unwrap_or_default();
            alerts.push(Alert {
                identity: identity.to_owned(),
                period: period.clone(),
                period_end,
                limit: status.kind,
                level,
                used: unit(status.used),
                limit_value: unit(cap),
                percent,
                policy: policy.to_owned(),
                projected_month_end: projected.map(unit),
                message: format!(
                    "{identity} has used {percent:.1}% of the {} limit ({} of {}) under policy {policy} in {period}.{projection}",
                    status.kind.label(),
                    show(status.used),
                    show(cap),
                ),
            });
        }
    }
    alerts
}

/// Usage at the end of the month of `now` if it goes on at the pace so far.
pub fn project_month_end(used: u64, now: OffsetDateTime) -> u64 {
    let start = Month::of(now).next_start();
    let month = Month::of(now);
    let first = time::Date::from_calendar_date(month.year, month.month, 1)
        .map(|d| d.midnight().assume_utc())
        .unwrap_or(now);
    let elapsed = (now - first).as_seconds_f64().max(3600.0);
    let total = (start - first).as_seconds_f64();
    (used as f64 * total / elapsed).round() as u64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Mode;
    use time::macros::datetime;

    fn status(kind: LimitKind, used: u64, limit: u64) -> LimitStatus {
        LimitStatus {
            kind,
            used,
            limit: Some(limit),
            percent: Some(used as f64 * 100.0 / limit as f64),
            mode: Mode::Block,
        }
    }

    #[test]
    fn each_level_reached_is_listed_once_with_its_period() {
        let now = datetime!(2026-11-16 0:00 UTC);
        let alerts = reached(
            "a@x.io",
            "group/eng",
            &[
                status(LimitKind::MonthlyTokens, 95, 100),
                status(LimitKind::DailyCost, 500_000, 1_000_000),
            ],
            now,
        );
        let keys: Vec<String> = alerts.iter().map(Alert::dedup_key).collect();
        assert_eq!(
            keys,
            ["2026-11#monthly_tokens#80", "2026-11#monthly_tokens#90"]
        );
        // Half the month gone, 95 used: about 190 by its end.
        assert_eq!(alerts[0].projected_month_end, Some(190.0));
        assert!(
            alerts[1].message.contains("95.0%") && alerts[1].message.contains("group/eng"),
            "{}",
            alerts[1].message
        );
        let daily = reached(
            "a@x.io",
            "default/default",
            &[status(LimitKind::DailyCost, 1_000_000, 1_000_000)],
            now,
        );
        assert_eq!(daily.len(), 3);
        assert_eq!(daily[2].dedup_key(), "2026-11-16#daily_cost#100");
        assert_eq!(daily[2].projected_month_end, None);
        assert_eq!(alerts[0].period_end, datetime!(2026-12-01 0:00 UTC));
        assert_eq!(daily[2].period_end, datetime!(2026-11-17 0:00 UTC));
        assert!(
            !serde_json::to_string(&daily[2])
                .unwrap()
                .contains("period_end")
        );
    }
}
