//! The `ingest` function: `POST /v1/metrics`, Claude Code's OTLP/HTTP metrics (JSON or
//! protobuf, optionally gzip), counted exactly once toward the usage of the identity in the
//! verified token.

// The property suite (tests/properties.rs) is the dev-dependency's user.
#[cfg(test)]
use proptest as _;

// The runtime is started by the binary (main.rs), which shares this crate's dependencies.
use tokio as _;

pub mod otlp;

use std::io::Read;

use ccwb_api::routes::IngestRoute;
use ccwb_lambda::settings::Meter;
use ccwb_lambda::{Caller, HandlerError};
use ccwb_store::UsageStore;
use lambda_http::http::{HeaderValue, StatusCode, header};
use lambda_http::{Body, Error, Request, Response};
use time::OffsetDateTime;

pub use ccwb_lambda::State;

/// Largest request body after decompression.
pub const MAX_BODY_BYTES: u64 = 5 * 1024 * 1024;

/// The only route: metrics export.
pub async fn route(state: &State, req: Request) -> Result<Response<Body>, Error> {
    if let Err(not_served) = ccwb_lambda::served::<IngestRoute>(&req) {
        return Ok(not_served.into_response());
    }
    let protobuf = is_protobuf(&req);
    Ok(match export(state, &req, protobuf).await {
        Ok((rejected, message)) => success(protobuf, rejected, &message),
        Err(err) => err.into_response(),
    })
}

fn is_protobuf(req: &Request) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/x-protobuf"))
}

/// Decodes, validates and records; returns the number of rejected points and why.
async fn export(
    state: &State,
    req: &Request,
    protobuf: bool,
) -> Result<(usize, String), HandlerError> {
    let caller = Caller::from_request(req, &state.settings.identity_claims);
    let identity = caller.identity.ok_or_else(|| {
        HandlerError::Forbidden("your token names no user, so usage cannot be attributed".into())
    })?;
    let body = decompressed(req)?;
    let parsed = if protobuf {
        otlp::parse_protobuf(&body)
    } else {
        otlp::parse_json(&body)
    };
    let mut parsed = parsed.map_err(|e| match e {
        otlp::OtlpError::TooManyPoints(_) | otlp::OtlpError::TooMuchRepeated(_) => {
            HandlerError::TooLarge(e.to_string())
        }
        otlp::OtlpError::Malformed(_) => HandlerError::BadRequest(e.to_string()),
    })?;

    let now = OffsetDateTime::now_utc();
    let mut usage = Vec::new();
    let mut metered_elsewhere = 0_usize;
    for point in std::mem::take(&mut parsed.points) {
        if let Some(problem) = point.time_problem(now) {
            parsed.rejected += 1;
            parsed.reason.get_or_insert(problem);
            continue;
        }
        if let Some(claimed) = point.attributes.get("user.email")
            && !claimed.eq_ignore_ascii_case(identity.as_str())
        {
            // Telemetry attributes are the client's word; the token is the identity.
            tracing::warn!(token = identity.as_str(), attribute = %claimed, "user.email differs from the signed-in user; usage goes to the signed-in user");
        }
        if let Some((model, _)) = point.token_usage() {
            // Bedrock's own records count the tokens (the meter): the client's word is not
            // counted beside them.
            if state.settings.meter == Meter::InvocationLogs {
                metered_elsewhere += 1;
                continue;
            }
            warn_unpriced(&state.settings.pricing, model);
        }
        if point.token_usage().is_some()
            || point.reported_cost().is_some()
            || point.activity_counter().is_some()
        {
            usage.push(point);
        }
    }
    let recorded = state
        .store
        .record_usage(
            identity.as_str(),
            &caller.groups,
            &usage,
            &state.settings.pricing,
        )
        .await?;
    tracing::info!(
        identity = identity.as_str(),
        counted = recorded.counted,
        duplicates = recorded.duplicates,
        rejected = parsed.rejected,
        metered_elsewhere,
        "metrics ingested"
    );
    if recorded.counted > 0 {
        copy_to_s3(state, identity.as_str(), &recorded.increases).await;
        ccwb_lambda::alerts::after_counting(
            &state.store,
            &identity,
            &caller.groups,
            caller.session.as_ref(),
            now,
        )
        .await;
    }
    Ok((parsed.rejected, parsed.reason.unwrap_or_default()))
}

/// Models without a price that were logged already (in this process), at most
/// [`UNPRICED_REMEMBERED`] of them.
static UNPRICED: std::sync::Mutex<std::collections::BTreeSet<String>> =
    std::sync::Mutex::new(std::collections::BTreeSet::new());
/// How many unpriced model names are remembered: the attribute is the client's word, so an
/// endless stream of made-up names must neither grow memory nor flood the log.
const UNPRICED_REMEMBERED: usize = 256;

/// Logs, once per model per process, that `model` has no price and is charged the ceiling.
fn warn_unpriced(pricing: &ccwb_core::PriceTable, model: &str) {
    if pricing.knows(model) {
        return;
    }
    let mut seen = UNPRICED.lock().unwrap_or_else(|e| e.into_inner());
    if seen.len() < UNPRICED_REMEMBERED && seen.insert(model.to_owned()) {
        tracing::warn!(
            model,
            "model has no price: its tokens are charged the highest known price; add it to CCWB_PRICING"
        );
    }
}

/// Sends the counted points to Firehose (→ S3 → Athena); refused ones are kept and sent later.
async fn copy_to_s3(
    state: &State,
    identity: &str,
    increases: &[(ccwb_core::telemetry::CounterPoint, u64)],
) {
    use ccwb_store::Outbox;
    let lines = increases
        .iter()
        .map(|(point, increase)| {
            serde_json::json!({
                "identity": identity,
                "metric": point.metric,
                "time": point.time().format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
                "series": point.series(),
                "value": point.value,
                "increase": increase,
                "attributes": point.attributes,
            })
            .to_string()
        })
        .collect();
    if let Err(err) = state
        .store
        .send_or_keep(&state.store.names().usage_stream, lines)
        .await
    {
        tracing::error!(error = %err, "usage points could not be sent or kept for S3");
    }
}

/// The body, inflated when `Content-Encoding: gzip`, never beyond [`MAX_BODY_BYTES`] (a gzip
/// bomb is stopped after that many bytes, not inflated whole).
fn decompressed(req: &Request) -> Result<Vec<u8>, HandlerError> {
    let raw = req.body().as_ref();
    let gzip = req
        .headers()
        .get(header::CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|e| e.eq_ignore_ascii_case("gzip"));
    let mut body = Vec::new();
    if gzip {
        flate2::read::GzDecoder::new(raw)
            .take(MAX_BODY_BYTES + 1)
            .read_to_end(&mut body)
            .map_err(|e| HandlerError::BadRequest(format!("body: not valid gzip: {e}")))?;
    } else {
        body.extend_from_slice(raw);
    }
    if body.len() as u64 > MAX_BODY_BYTES {
        return Err(HandlerError::TooLarge(format!(
            "request body{} is over the 5 MB limit",
            if gzip { " after decompression" } else { "" }
        )));
    }
    Ok(body)
}

/// The OTLP/HTTP success response, in the request's encoding, with a partial success when
/// points were rejected.
fn success(protobuf: bool, rejected: usize, message: &str) -> Response<Body> {
    let (content_type, body) = if protobuf {
        (
            "application/x-protobuf",
            Body::Binary(otlp::protobuf_response(rejected, message)),
        )
    } else {
        let json = if rejected > 0 {
            serde_json::json!({"partialSuccess": {"rejectedDataPoints": rejected.to_string(), "errorMessage": message}})
        } else {
            serde_json::json!({})
        };
        ("application/json", Body::Text(json.to_string()))
    };
    let mut response = Response::new(body);
    *response.status_mut() = StatusCode::OK;
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}
