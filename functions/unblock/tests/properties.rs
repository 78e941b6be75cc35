//! Properties of `audit::instant`, which reads the `since` and `until` query parameters of
//! `GET /audit`: an RFC 3339 time, a date, or a span back from now (`7d`, `24h`, `30m`).
//!
//! Query strings are whatever the caller types, so the parser must answer every text without
//! panicking (a multi-byte last character, a span of more days than `time` can count, a span
//! reaching before year -9999), and each accepted form must mean what it says.
//!
//! Runs are bounded and repeatable: each property sets its case count and every run starts from
//! one fixed seed ([`config`], shared by the property suites: `tests/common/proptest_config.rs`
//! says how to explore further); failures are saved to `tests/proptest-regressions/properties.txt`
//! (commit it) and replayed first by every later run.

// Dependencies are judged on the library target; this test uses only some of them.
#![allow(unused_crate_dependencies)]

use ccwb_unblock::audit::instant;
use proptest::prelude::*;
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

#[path = "../../../tests/common/proptest_config.rs"]
mod proptest_config;
use proptest_config::config;

/// Instants a server clock may read: 1970 to 2100.
fn now() -> impl Strategy<Value = OffsetDateTime> {
    (0i64..4_102_444_800)
        .prop_map(|s| OffsetDateTime::from_unix_timestamp(s).unwrap_or(OffsetDateTime::UNIX_EPOCH))
}

fn instant_like_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[-+]?[0-9]{0,20}[dhmsDé€]?",
        "[0-9]{4}-[0-9]{2}-[0-9]{2}",
        "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,9})?(Z|[+-][0-9]{2}:[0-9]{2})",
        "[٠-٩0-9]{1,4}[dhé€]",
        any::<String>(),
    ]
}

proptest! {
    #![proptest_config(config(1024))]

    #[test]
    fn any_text_is_read_or_refused_without_panicking(text in instant_like_text(), now in now()) {
        let _ = instant(&text, now);
    }

    #[test]
    fn spans_go_back_from_now_by_what_they_say(
        amount in 1i64..100_000,
        unit in prop::sample::select(vec![("d", Duration::DAY), ("h", Duration::HOUR), ("m", Duration::MINUTE)]),
        now in now(),
    ) {
        let (letter, one) = unit;
        let expected = now.checked_sub(one * amount as i32);
        prop_assert_eq!(instant(&format!("{amount}{letter}"), now).ok(), expected);
    }

    #[test]
    fn rfc3339_times_and_dates_read_as_themselves(at in now(), now in now()) {
        let text = at.format(&Rfc3339).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(instant(&text, now), Ok(at));
        let date = at.date().to_string();
        prop_assert_eq!(instant(&date, now), Ok(at.date().midnight().assume_utc()));
    }
}
