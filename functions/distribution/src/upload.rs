//! `POST /distributions`: declares a package and hands out a presigned upload bound to its
//! size and SHA-256.

use std::time::Duration;

use ccwb_api::{CreateDistribution, PLATFORMS, UploadTicket};
use ccwb_core::distribution;
use ccwb_lambda::HandlerError;
use ccwb_lambda::request::{admin, json_body};
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use time::OffsetDateTime;

use crate::{State, keys, rfc3339, utc_seconds};

/// How long the upload URL works: enough for a slow upload of a large package, short enough
/// that a leaked URL is soon useless (and it only accepts the declared bytes anyway).
const UPLOAD_WINDOW: Duration = Duration::from_secs(15 * 60);

/// `POST /distributions`.
pub async fn handle(state: &State, req: Request) -> Result<Response<Body>, HandlerError> {
    let actor = admin(&state.settings, &req)?;
    let body: CreateDistribution = json_body(&req)?;
    let filename = distribution::filename(&body.filename)?;
    let sha256 = distribution::sha256(&body.sha256)?;
    let size = distribution::size(body.size)?;
    let platforms = distribution::platforms(&body.platforms, &PLATFORMS)?;
    let allowed_ips = body
        .allowed_ips
        .as_deref()
        .map(|requested| {
            distribution::allowed_ips(
                requested,
                state.settings.distribution_allowed_ips.as_deref(),
            )
        })
        .transpose()?;

    let now = OffsetDateTime::now_utc();
    let id = format!(
        "{}-{}",
        now.format(time::macros::format_description!(
            "[year][month][day]T[hour][minute][second]Z"
        ))
        .unwrap_or_default(),
        &uuid::Uuid::new_v4().simple().to_string()[..8]
    );
    let (key, declared_key) = keys(&id, &filename);
    let declared = serde_json::json!({
        "id": id, "filename": filename, "key": key, "sha256": sha256, "size": size,
        "platforms": platforms, "allowed_ips": allowed_ips,
        "declared_by": actor, "declared_at": rfc3339(now),
    });
    state
        .store
        .packages
        .put_json(&declared_key, &declared)
        .await?;
    let presigned = state
        .store
        .packages
        .presign_upload(&key, &sha256, size, UPLOAD_WINDOW)
        .await?;
    Ok(ccwb_lambda::json_response(
        StatusCode::CREATED,
        &UploadTicket {
            id,
            key,
            upload_url: presigned.url,
            upload_headers: presigned.headers.into_iter().collect(),
            expires_at: utc_seconds(now + UPLOAD_WINDOW),
        },
    ))
}
