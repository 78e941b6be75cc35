//! `POST /distributions/{id}/publish`: checks that what was uploaded is what was declared, then
//! publishes a presigned download link as the latest package.

use std::time::Duration;

use ccwb_api::{DistributionRecord, PublishRequest};
use ccwb_core::{AuditEvent, distribution};
use ccwb_lambda::HandlerError;
use ccwb_lambda::request::{admin, json_body};
use ccwb_store::{AuditLog, Found};
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, RequestExt, Response};
use time::OffsetDateTime;

use crate::{State, utc_seconds};

/// `POST /distributions/{id}/publish`.
pub async fn handle(state: &State, req: Request) -> Result<Response<Body>, HandlerError> {
    let actor = admin(&state.settings, &req)?;
    let id = req
        .path_parameters()
        .first("id")
        .map(str::to_owned)
        .filter(|id| {
            !id.is_empty()
                && id.len() <= 64
                && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
        .ok_or_else(|| HandlerError::BadRequest("id: not a distribution id".into()))?;
    let body: PublishRequest = if req.body().iter().all(u8::is_ascii_whitespace) {
        PublishRequest::default()
    } else {
        json_body(&req)?
    };
    let hours = distribution::link_hours(body.expires_hours)?;

    let declared_key = format!("{}{id}/declared.json", ccwb_store::packages::PREFIX);
    let declared = state
        .store
        .packages
        .get_json(&declared_key)
        .await?
        .ok_or_else(|| {
            HandlerError::NotFound(format!(
                "no distribution {id:?}: start one with POST /distributions"
            ))
        })?;
    let text = |name: &str| declared[name].as_str().unwrap_or_default().to_owned();
    let key = text("key");
    let sha256 = text("sha256");
    let size = declared["size"].as_u64().unwrap_or_default();

    match state.store.packages.inspect(&key).await? {
        Found::Missing => {
            return Err(HandlerError::Conflict(format!(
                "nothing was uploaded for {id}: PUT the package to the upload URL first"
            )));
        }
        Found::Object {
            size: actual_size, ..
        } if actual_size != size => {
            return Err(HandlerError::Conflict(format!(
                "the upload for {id} is {actual_size} bytes, not the {size} declared: upload the declared package again"
            )));
        }
        Found::Object { sha256: actual, .. } if actual != sha256 => {
            return Err(HandlerError::Conflict(format!(
                "the upload for {id} has SHA-256 {actual}, not the {sha256} declared: upload the declared package again"
            )));
        }
        Found::Object { .. } => {}
    }

    let now = OffsetDateTime::now_utc();
    let lifetime = Duration::from_secs(u64::from(hours) * 3600);
    let url = state
        .store
        .packages
        .presign_download(&key, lifetime)
        .await?;
    let record = DistributionRecord {
        id: id.clone(),
        url,
        expires_at: utc_seconds(now + lifetime),
        key,
        sha256,
        size,
        platforms: serde_json::from_value(declared["platforms"].clone()).unwrap_or_default(),
        allowed_ips: serde_json::from_value(declared["allowed_ips"].clone()).unwrap_or_default(),
        created_at: utc_seconds(now),
        created_by: actor.clone(),
    };
    let json = serde_json::to_value(&record)
        .map_err(|e| HandlerError::BadRequest(format!("record: {e}")))?;
    state.store.packages.save_latest(&json).await?;

    // The trail keeps everything but the link itself, which is a credential until it expires.
    let mut after = json;
    if let Some(fields) = after.as_object_mut() {
        fields.remove("url");
    }
    state
        .store
        .audit
        .record(&AuditEvent {
            id: uuid::Uuid::new_v4().to_string(),
            at: now,
            actor,
            action: "distribution.publish".into(),
            target: format!("distribution/{id}"),
            before: None,
            after: Some(after),
        })
        .await?;
    ccwb_lambda::audit::deliver(&state.store.audit).await;
    Ok(ccwb_lambda::json_response(StatusCode::OK, &record))
}
