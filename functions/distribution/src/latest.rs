//! `GET /distributions/latest`: the latest published package, 404 when there is none, 410 when
//! its link has expired.

use ccwb_api::DistributionRecord;
use ccwb_lambda::HandlerError;
use ccwb_lambda::request::admin;
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use time::OffsetDateTime;

use crate::State;

/// `GET /distributions/latest`.
pub async fn handle(state: &State, req: Request) -> Result<Response<Body>, HandlerError> {
    admin(&state.settings, &req)?;
    let stored = state.store.packages.latest().await?.ok_or_else(|| {
        HandlerError::NotFound("no package has been published yet: run `ccwb distribute`".into())
    })?;
    let record: DistributionRecord = serde_json::from_value(stored).map_err(|e| {
        HandlerError::Store(ccwb_store::StoreError::Corrupt(format!(
            "latest distribution record: {e}"
        )))
    })?;
    if record.expires_at <= OffsetDateTime::now_utc() {
        return Err(HandlerError::Gone(format!(
            "the latest link (package {}) expired at {}: publish again with `ccwb distribute --latest`",
            record.id,
            crate::rfc3339(record.expires_at)
        )));
    }
    Ok(ccwb_lambda::json_response(StatusCode::OK, &record))
}
