//! Claude Code's OpenTelemetry counters, reduced to what quotas need: which series a point
//! belongs to, whether its time is acceptable, how much it adds, and to which usage counters.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};
use time::{Duration, OffsetDateTime};

use crate::pricing::TokenType;

/// The metric that carries token usage.
pub const TOKEN_USAGE: &str = "claude_code.token.usage";
/// The metric that carries Claude Code's own estimate of what the session cost, in (fractional)
/// US dollars; counted in micro-dollars, kept beside ccwb's cost and never toward limits.
pub const COST_USAGE: &str = "claude_code.cost.usage";
/// The largest value one data point may carry, in the unit it is counted in (tokens, lines,
/// milliseconds, micro-dollars): anything more is a broken or hostile client, not usage.
pub const MAX_POINT_VALUE: u64 = 1_000_000_000_000;
/// Points older than this are refused (usage belongs to the period of its timestamp).
pub const MAX_AGE: Duration = Duration::days(31);
/// Points further in the future than this are refused (clock skew allowance).
pub const MAX_FUTURE: Duration = Duration::minutes(5);

/// How a sum reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Temporality {
    /// Each point is the increase since the previous one.
    Delta,
    /// Each point is the total since the series' start time.
    Cumulative,
}

/// One data point of a sum, from either OTLP encoding.
#[derive(Debug, Clone, PartialEq)]
pub struct CounterPoint {
    /// Metric name.
    pub metric: String,
    /// Point attributes (string values; others rendered as text), plus the resource's.
    pub attributes: BTreeMap<String, String>,
    /// Start of the series' current run (cumulative) or of the interval (delta).
    pub start_nanos: u64,
    /// The point's time.
    pub time_nanos: u64,
    /// The value in whole units: tokens, sessions, lines, milliseconds of
    /// [`MILLISECOND_METRICS`], micro-dollars of [`COST_USAGE`].
    pub value: u64,
    /// Delta or cumulative.
    pub temporality: Temporality,
}

impl CounterPoint {
    /// A stable id of the series: the metric and every attribute except the user's claimed
    /// e-mail (identity comes from the token, never from telemetry).
    pub fn series(&self) -> String {
        let mut canonical = self.metric.clone();
        for (key, value) in &self.attributes {
            if key == "user.email" {
                continue;
            }
            canonical.push('\u{1f}');
            canonical.push_str(key);
            canonical.push('=');
            canonical.push_str(value);
        }
        let digest = Sha256::digest(canonical.as_bytes());
        digest.iter().take(16).map(|b| format!("{b:02x}")).collect()
    }

    /// The point's time.
    pub fn time(&self) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp_nanos(i128::from(self.time_nanos))
            .unwrap_or(OffsetDateTime::UNIX_EPOCH)
    }

    /// Why the point's time is refused at `now`, if it is.
    pub fn time_problem(&self, now: OffsetDateTime) -> Option<String> {
        let at = self.time();
        if at < now - MAX_AGE {
            Some(format!("{} point is older than 31 days", self.metric))
        } else if at > now + MAX_FUTURE {
            Some(format!(
                "{} point is more than 5 minutes in the future",
                self.metric
            ))
        } else {
            None
        }
    }

    /// The model and token type of a token-usage point.
    pub fn token_usage(&self) -> Option<(&str, TokenType)> {
        if self.metric != TOKEN_USAGE {
            return None;
        }
        let token_type = TokenType::from_attribute(self.attributes.get("type")?)?;
        let model = self
            .attributes
            .get("model")
            .map_or("unknown", String::as_str);
        Some((model, token_type))
    }

    /// The model of a [`COST_USAGE`] point (its value is micro-dollars).
    pub fn reported_cost(&self) -> Option<&str> {
        (self.metric == COST_USAGE).then(|| {
            self.attributes
                .get("model")
                .map_or("unknown", String::as_str)
        })
    }
}

/// Activity metrics counted for the dashboard, with the attributes that split them.
pub const ACTIVITY: [(&str, &[&str]); 6] = [
    ("claude_code.session.count", &[]),
    ("claude_code.lines_of_code.count", &["type"]),
    ("claude_code.commit.count", &[]),
    ("claude_code.pull_request.count", &[]),
    (
        "claude_code.code_edit_tool.decision",
        &["decision", "language"],
    ),
    ("claude_code.active_time.total", &["type"]),
];

/// Metrics reported in seconds (possibly fractional) and counted in milliseconds.
pub const MILLISECOND_METRICS: [&str; 1] = ["claude_code.active_time.total"];

impl CounterPoint {
    /// The counter an activity point adds to, like `activity#lines_of_code.count#added` or
    /// `activity#code_edit_tool.decision#accept#rust`; `None` for other metrics.
    pub fn activity_counter(&self) -> Option<String> {
        let (metric, split) = ACTIVITY.iter().find(|(m, _)| *m == self.metric)?;
        let mut name = format!("activity#{}", metric.trim_start_matches("claude_code."));
        for attribute in *split {
            name.push('#');
            name.push_str(
                self.attributes
                    .get(*attribute)
                    .map_or("unknown", String::as_str),
            );
        }
        Some(name)
    }
}

/// What a series last reported, kept as its watermark.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Watermark {
    /// Time of the last point counted.
    pub time_nanos: u64,
    /// Start time of its run (cumulative).
    pub start_nanos: u64,
    /// Its value (cumulative total).
    pub value: u64,
}

/// How much `point` adds given the series' watermark: `None` when it was counted already (a
/// replay, a retry, or the same point in two requests).
pub fn increase(point: &CounterPoint, watermark: Option<&Watermark>) -> Option<u64> {
    if watermark.is_some_and(|w| point.time_nanos <= w.time_nanos) {
        return None;
    }
    match (point.temporality, watermark) {
        (Temporality::Delta, _) => Some(point.value),
        // The same run going on: the difference. A new start or a lower value is a reset: the
        // whole value is new.
        (Temporality::Cumulative, Some(w))
            if w.start_nanos == point.start_nanos && point.value >= w.value =>
        {
            Some(point.value - w.value)
        }
        (Temporality::Cumulative, _) => Some(point.value),
    }
}

/// What one counted token-usage point adds to a user's usage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenIncrement {
    /// The model id as reported.
    pub model: String,
    /// The token type.
    pub token_type: crate::pricing::TokenType,
    /// Tokens added.
    pub tokens: u64,
    /// What they cost (at the price table's ceiling for a model without a price).
    pub cost: crate::Usd,
}

/// The increment of a token-usage `point` that adds `amount`, priced by `prices`.
pub fn token_increment(
    point: &CounterPoint,
    amount: u64,
    prices: &crate::PriceTable,
) -> Option<TokenIncrement> {
    let (model, token_type) = point.token_usage()?;
    Some(TokenIncrement {
        model: model.to_owned(),
        token_type,
        tokens: amount,
        cost: prices.cost(model, token_type, amount).cost,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(temporality: Temporality, start: u64, time: u64, value: u64) -> CounterPoint {
        CounterPoint {
            metric: TOKEN_USAGE.into(),
            attributes: BTreeMap::from([
                ("type".to_owned(), "input".to_owned()),
                ("model".to_owned(), "claude-sonnet-4".to_owned()),
            ]),
            start_nanos: start,
            time_nanos: time,
            value,
            temporality,
        }
    }

    fn mark(p: &CounterPoint) -> Watermark {
        Watermark {
            time_nanos: p.time_nanos,
            start_nanos: p.start_nanos,
            value: p.value,
        }
    }

    #[test]
    fn delta_points_count_once() {
        let first = point(Temporality::Delta, 0, 10, 5);
        assert_eq!(increase(&first, None), Some(5));
        assert_eq!(increase(&first, Some(&mark(&first))), None, "replay");
        let next = point(Temporality::Delta, 10, 20, 7);
        assert_eq!(increase(&next, Some(&mark(&first))), Some(7));
    }

    #[test]
    fn cumulative_points_become_deltas_and_resets_start_over() {
        let a = point(Temporality::Cumulative, 1, 10, 100);
        assert_eq!(increase(&a, None), Some(100));
        let b = point(Temporality::Cumulative, 1, 20, 130);
        assert_eq!(increase(&b, Some(&mark(&a))), Some(30));
        assert_eq!(increase(&b, Some(&mark(&b))), None);
        let reset = point(Temporality::Cumulative, 1, 30, 10);
        assert_eq!(
            increase(&reset, Some(&mark(&b))),
            Some(10),
            "lower value: a new run"
        );
        let restarted = point(Temporality::Cumulative, 25, 40, 200);
        assert_eq!(
            increase(&restarted, Some(&mark(&reset))),
            Some(200),
            "new start time"
        );
    }

    #[test]
    fn series_ignore_the_claimed_email_and_times_are_bounded() {
        let mut a = point(Temporality::Delta, 0, 0, 1);
        let b = a.clone();
        a.attributes
            .insert("user.email".into(), "mallory@x.io".into());
        assert_eq!(a.series(), b.series());
        let now = OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
        let at = |offset: Duration| {
            let mut p = b.clone();
            p.time_nanos = ((now + offset).unix_timestamp_nanos()) as u64;
            p.time_problem(now)
        };
        assert!(at(Duration::days(-32)).is_some());
        assert!(at(Duration::days(-30)).is_none());
        assert!(at(Duration::minutes(4)).is_none());
        assert!(at(Duration::minutes(6)).is_some());
        assert_eq!(
            b.token_usage().map(|(m, t)| (m.to_owned(), t)),
            Some(("claude-sonnet-4".into(), TokenType::Input))
        );
    }

    #[test]
    fn cost_points_name_their_model_and_count_toward_nothing_else() {
        let mut p = point(Temporality::Delta, 0, 10, 1_234_567);
        assert_eq!(p.reported_cost(), None);
        p.metric = COST_USAGE.into();
        assert_eq!(p.reported_cost(), Some("claude-sonnet-4"));
        assert_eq!(p.token_usage(), None);
        assert_eq!(p.activity_counter(), None);
        p.attributes.remove("model");
        assert_eq!(p.reported_cost(), Some("unknown"));
    }

    #[test]
    fn tokens_of_an_unknown_model_cost_the_ceiling() {
        let prices = crate::PriceTable::default();
        let mut p = point(Temporality::Delta, 0, 10, 1_000_000);
        let known = token_increment(&p, 1_000_000, &prices).unwrap();
        assert_eq!(known.cost, crate::Usd(3_000_000));
        p.attributes.insert("model".into(), "claude-opus-9".into());
        let unknown = token_increment(&p, 1_000_000, &prices).unwrap();
        assert_eq!(unknown.cost, crate::Usd(15_000_000));
    }
}
