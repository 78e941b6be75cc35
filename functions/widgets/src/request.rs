//! What CloudWatch sends a custom widget: `widgetContext` (time range, zoom, size, theme,
//! params) and the widget's own params at the top level.

use serde_json::Value;
use time::OffsetDateTime;

/// Longest range read (days): a year and a bit, so a mistaken range cannot read for minutes.
pub const MAX_DAYS: i64 = 400;

/// One render request.
#[derive(Debug, Clone, PartialEq)]
pub struct WidgetRequest {
    /// `params.widget`.
    pub widget: String,
    /// `params.limit` (top lists), 1–100, default 10.
    pub limit: usize,
    /// Start of the range (zoomed range when zoomed).
    pub start: OffsetDateTime,
    /// End of the range.
    pub end: OffsetDateTime,
    /// Pixels.
    pub width: u32,
    /// Pixels.
    pub height: u32,
    /// `dark` or `light`.
    pub dark: bool,
    /// The dashboard's timezone offset from UTC, in minutes (`timezone.offsetISO`).
    pub utc_offset_minutes: i32,
    /// Its label (`timezone.label`), for people.
    pub timezone: String,
}

fn param<'a>(event: &'a Value, name: &str) -> Option<&'a Value> {
    event
        .get(name)
        .filter(|v| !v.is_null())
        .or_else(|| event["widgetContext"]["params"].get(name))
        .filter(|v| !v.is_null())
}

fn millis(value: &Value) -> Option<OffsetDateTime> {
    let ms = value.as_i64()?;
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000).ok()
}

impl WidgetRequest {
    /// Reads an event; `now` is the default end of the range (last 7 days).
    pub fn parse(event: &Value, now: OffsetDateTime) -> Result<Self, String> {
        let widget = param(event, "widget")
            .and_then(Value::as_str)
            .ok_or("params.widget is missing: name the widget to draw (see describe)")?
            .to_owned();
        let limit = match param(event, "limit") {
            None => 10,
            Some(v) => v
                .as_u64()
                .filter(|n| (1..=100).contains(n))
                .ok_or_else(|| format!("params.limit must be a number from 1 to 100, not {v}"))?
                as usize,
        };
        let context = &event["widgetContext"];
        let range = &context["timeRange"];
        // A zoomed range (drag on a graph) wins over the dashboard's.
        let zoom = &range["zoom"];
        let (start, end) = match (millis(&zoom["start"]), millis(&zoom["end"])) {
            (Some(s), Some(e)) => (s, e),
            _ => (
                millis(&range["start"]).unwrap_or(now - time::Duration::days(7)),
                millis(&range["end"]).unwrap_or(now),
            ),
        };
        if end < start {
            return Err("the time range ends before it starts".into());
        }
        let start = start.max(end - time::Duration::days(MAX_DAYS));
        let size = |name: &str, default: u32| {
            context[name]
                .as_u64()
                .map_or(default, |n| n.clamp(100, 4000) as u32)
        };
        Ok(Self {
            widget,
            limit,
            start,
            end,
            width: size("width", 600),
            height: size("height", 300),
            dark: context["theme"].as_str() == Some("dark"),
            utc_offset_minutes: context["timezone"]["offsetISO"]
                .as_str()
                .and_then(offset_minutes)
                .unwrap_or(0),
            timezone: context["timezone"]["label"]
                .as_str()
                .unwrap_or("UTC")
                .to_owned(),
        })
    }

    /// The UTC days the range touches, oldest first.
    pub fn days(&self) -> Vec<ccwb_core::Day> {
        let mut days = Vec::new();
        let mut at = self.start;
        while at.date() <= self.end.date() {
            days.push(ccwb_core::Day::of(at));
            at += time::Duration::days(1);
        }
        days
    }
}

/// `+05:30` → 330, `-08:00` → -480.
fn offset_minutes(iso: &str) -> Option<i32> {
    let (sign, rest) = match iso.as_bytes().first()? {
        b'+' => (1, &iso[1..]),
        b'-' => (-1, &iso[1..]),
        _ => return None,
    };
    let (hours, minutes) = rest.split_once(':').unwrap_or((rest, "0"));
    let (hours, minutes) = (hours.parse::<i32>().ok()?, minutes.parse::<i32>().ok()?);
    if !(0..=14).contains(&hours) || !(0..60).contains(&minutes) {
        return None;
    }
    let total = hours * 60 + minutes;
    (total <= 14 * 60).then_some(sign * total)
}

/// A request for `widget` on 2026-11-20 (UTC, light, 600 x 300): the widgets' unit tests.
#[cfg(test)]
pub(crate) fn sample(widget: &str) -> WidgetRequest {
    use time::macros::datetime;
    WidgetRequest {
        widget: widget.into(),
        limit: 10,
        start: datetime!(2026-11-20 00:00 UTC),
        end: datetime!(2026-11-20 23:00 UTC),
        width: 600,
        height: 300,
        dark: false,
        utc_offset_minutes: 0,
        timezone: "UTC".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn now() -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(1_795_000_000).unwrap()
    }

    #[test]
    fn zoom_wins_and_params_come_from_either_place() {
        let event = json!({"widget": "top-users", "widgetContext": {
            "params": {"limit": 3}, "theme": "dark", "width": 800, "height": 50,
            "timeRange": {"start": 1_794_000_000_000_i64, "end": 1_795_000_000_000_i64,
                "zoom": {"start": 1_794_900_000_000_i64, "end": 1_795_000_000_000_i64}}}});
        let r = WidgetRequest::parse(&event, now()).unwrap();
        assert_eq!(r.widget, "top-users");
        assert_eq!(r.limit, 3);
        assert!(r.dark);
        assert_eq!((r.width, r.height), (800, 100));
        assert_eq!(r.start.unix_timestamp(), 1_794_900_000);
        assert_eq!(r.days().len(), 2);
    }

    #[test]
    fn bad_params_are_named() {
        assert!(
            WidgetRequest::parse(&json!({}), now())
                .unwrap_err()
                .contains("params.widget")
        );
        let err = WidgetRequest::parse(&json!({"widget": "x", "limit": 0}), now()).unwrap_err();
        assert!(err.contains("params.limit"));
        let r = WidgetRequest::parse(&json!({"widget": "x"}), now()).unwrap();
        assert_eq!(
            r.days().len(),
            8,
            "last 7 days by default, both ends included"
        );
        assert_eq!((r.utc_offset_minutes, r.timezone.as_str()), (0, "UTC"));
        let tz = json!({"widget": "x", "widgetContext": {"timezone": {"label": "Asia/Kolkata", "offsetISO": "+05:30"}}});
        let r = WidgetRequest::parse(&tz, now()).unwrap();
        assert_eq!(
            (r.utc_offset_minutes, r.timezone.as_str()),
            (330, "Asia/Kolkata")
        );
    }

    #[test]
    fn timezone_offsets() {
        assert_eq!(offset_minutes("+05:30"), Some(330));
        assert_eq!(offset_minutes("-08:00"), Some(-480));
        assert_eq!(offset_minutes("Z"), None);
        assert_eq!(offset_minutes("+99999999:00"), None, "no overflow");
        assert_eq!(offset_minutes("+01:99"), None);
        assert_eq!(offset_minutes("+99:00"), None);
    }
}
