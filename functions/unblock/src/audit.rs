//! `GET /audit?since=&until=&actor=&target=&action=&limit=&next=`: the audit trail, newest first.

use ccwb_api::AuditPage;
use ccwb_lambda::HandlerError;
use ccwb_lambda::request::{admin, page_limit, query};
use ccwb_store::audit_log::MAX_DAYS;
use ccwb_store::{AuditFilter, AuditLog};
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

use crate::State;

/// Default and largest page sizes.
const DEFAULT_LIMIT: usize = 100;
const MAX_LIMIT: usize = 500;

/// The events matching the filters, newest first.
async fn events(state: &State, req: &Request) -> Result<AuditPage, HandlerError> {
    admin(&state.settings, req)?;
    let now = OffsetDateTime::now_utc();
    let until = match query(req, "until") {
        Some(text) => {
            instant(&text, now).map_err(|e| HandlerError::BadRequest(format!("until: {e}")))?
        }
        None => now,
    };
    let since = match query(req, "since") {
        Some(text) => {
            instant(&text, now).map_err(|e| HandlerError::BadRequest(format!("since: {e}")))?
        }
        None => until - Duration::days(7),
    };
    if since > until {
        return Err(HandlerError::BadRequest(
            "since: must not be after until".into(),
        ));
    }
    if until - since > Duration::days(MAX_DAYS) {
        return Err(HandlerError::BadRequest(format!(
            "since: the range may span at most {MAX_DAYS} days"
        )));
    }
    let limit = page_limit(req, DEFAULT_LIMIT, MAX_LIMIT)?;
    let filter = AuditFilter {
        since,
        until,
        actor: query(req, "actor").map(|a| a.to_lowercase()),
        target: query(req, "target"),
        action: query(req, "action"),
    };
    let next = query(req, "next");
    let (events, next) = state
        .store
        .audit_events(&filter, limit, next.as_deref())
        .await?;
    Ok(AuditPage { events, next })
}

/// `GET /audit`.
pub async fn handle(state: &State, req: Request) -> Result<Response<Body>, HandlerError> {
    let page = events(state, &req).await?;
    Ok(ccwb_lambda::json_response(StatusCode::OK, &page))
}

/// An instant: RFC 3339, a date (`2026-11-21`, its start), or a span back from `now` (`7d`, `24h`, `30m`).
pub fn instant(text: &str, now: OffsetDateTime) -> Result<OffsetDateTime, String> {
    if let Ok(at) = OffsetDateTime::parse(text, &Rfc3339) {
        return Ok(at);
    }
    if let Ok(date) = time::Date::parse(
        text,
        time::macros::format_description!("[year]-[month]-[day]"),
    ) {
        return Ok(date.midnight().assume_utc());
    }
    // The unit is the last character, which may be more than one byte (`7€`).
    let unit_start = text.char_indices().last().map_or(0, |(i, _)| i);
    let (number, unit) = text.split_at(unit_start);
    let amount: i64 = number.parse().ok().filter(|n| *n > 0).ok_or_else(|| {
        format!("{text:?} is not a time: use RFC 3339, a date like 2026-11-21, or 7d, 24h, 30m")
    })?;
    let unit_seconds = match unit {
        "d" => Duration::DAY.whole_seconds(),
        "h" => Duration::HOUR.whole_seconds(),
        "m" => Duration::MINUTE.whole_seconds(),
        _ => {
            return Err(format!(
                "{text:?} is not a time: use RFC 3339, a date like 2026-11-21, or 7d, 24h, 30m"
            ));
        }
    };
    // Checked: `Duration::days` and `now - span` panic past what `time` can count.
    amount
        .checked_mul(unit_seconds)
        .and_then(|seconds| now.checked_sub(Duration::seconds(seconds)))
        .ok_or_else(|| format!("{text:?} reaches further back than a time can be"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn instants_in_every_accepted_form() {
        let now = datetime!(2026-11-21 12:00 UTC);
        assert_eq!(instant("7d", now), Ok(datetime!(2026-11-14 12:00 UTC)));
        assert_eq!(instant("24h", now), Ok(datetime!(2026-11-20 12:00 UTC)));
        assert_eq!(
            instant("2026-11-01", now),
            Ok(datetime!(2026-11-01 0:00 UTC))
        );
        assert_eq!(
            instant("2026-11-01T10:00:00Z", now),
            Ok(datetime!(2026-11-01 10:00 UTC))
        );
        for bad in [
            "0d",
            "-1d",
            "soon",
            "7w",
            "",
            "7€",
            "999999999999999d",
            "9999999d",
        ] {
            assert!(instant(bad, now).is_err(), "{bad}");
        }
    }
}
