//! `POST`, `DELETE` and `GET /unblocks/{email}`.

use ccwb_api::{UnblockHistory, UnblockRecord, UnblockRequest};
use ccwb_core::{AuditEvent, Identity, UnblockDuration, UnblockGrant};
use ccwb_lambda::HandlerError;
use ccwb_lambda::request::{admin, json_body};
use ccwb_store::{StoreError, UnblockStore};
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, RequestExt, Response};
use time::OffsetDateTime;

use crate::State;

/// Longest reason kept.
const MAX_REASON_CHARS: usize = 1000;

/// Grants an unblock: current state, history entry and audit event in one transaction.
pub async fn grant(state: &State, req: Request) -> Result<Response<Body>, HandlerError> {
    let actor = admin(&state.settings, &req)?;
    let identity = identity(&req)?;
    let request: UnblockRequest = json_body(&req)?;
    let duration: UnblockDuration = request
        .duration
        .parse()
        .map_err(|e: String| HandlerError::BadRequest(format!("duration: {e}")))?;
    let reason = request.reason.trim();
    if reason.is_empty()
        || reason.chars().count() > MAX_REASON_CHARS
        || reason.chars().any(char::is_control)
    {
        return Err(HandlerError::BadRequest(
            "reason: say why, in 1 to 1000 characters without control characters (it is kept in the audit trail)".into(),
        ));
    }
    let now = OffsetDateTime::now_utc();
    let before = state
        .store
        .current_unblock(identity.as_str())
        .await?
        .filter(|g| g.is_active(now));
    let grant = UnblockGrant {
        id: uuid::Uuid::new_v4().to_string(),
        identity: identity.to_string(),
        duration: duration.to_string(),
        reason: reason.to_owned(),
        unblocked_by: actor.clone(),
        unblocked_at: now,
        expires_at: duration.expires_at(now),
        revoked_at: None,
        revoked_by: None,
    };
    let event = event(
        &actor,
        now,
        "unblock.grant",
        &identity,
        before.as_ref(),
        Some(&grant),
    );
    state.store.grant_unblock(&grant, &event).await?;
    ccwb_lambda::audit::deliver(&state.store).await;
    Ok(ccwb_lambda::json_response(
        StatusCode::CREATED,
        &record(&grant),
    ))
}

/// Revokes the unblock in force: history entry and audit event in one transaction.
pub async fn revoke(state: &State, req: Request) -> Result<Response<Body>, HandlerError> {
    let actor = admin(&state.settings, &req)?;
    let identity = identity(&req)?;
    let now = OffsetDateTime::now_utc();
    let current = state
        .store
        .current_unblock(identity.as_str())
        .await?
        .filter(|g| g.is_active(now))
        .ok_or_else(|| HandlerError::NotFound(format!("{identity} has no unblock in force")))?;
    let revoked = UnblockGrant {
        revoked_at: Some(now),
        revoked_by: Some(actor.clone()),
        ..current.clone()
    };
    let event = event(
        &actor,
        now,
        "unblock.revoke",
        &identity,
        Some(&current),
        Some(&revoked),
    );
    match state.store.revoke_unblock(&revoked, &event).await {
        Ok(()) => {}
        Err(StoreError::Conflict(_)) => {
            return Err(HandlerError::Conflict(format!(
                "the unblock of {identity} changed meanwhile; look at it again (GET /unblocks/{identity})"
            )));
        }
        Err(err) => return Err(err.into()),
    }
    ccwb_lambda::audit::deliver(&state.store).await;
    Ok(ccwb_lambda::json_response(
        StatusCode::OK,
        &record(&revoked),
    ))
}

/// The unblock in force and every grant, newest first.
pub async fn history(state: &State, req: Request) -> Result<Response<Body>, HandlerError> {
    admin(&state.settings, &req)?;
    let identity = identity(&req)?;
    let now = OffsetDateTime::now_utc();
    let (current, history) = tokio::try_join!(
        state.store.current_unblock(identity.as_str()),
        state.store.unblock_history(identity.as_str()),
    )?;
    Ok(ccwb_lambda::json_response(
        StatusCode::OK,
        &UnblockHistory {
            identity: identity.to_string(),
            active: current.filter(|g| g.is_active(now)).as_ref().map(record),
            history: history.iter().map(record).collect(),
        },
    ))
}

fn identity(req: &Request) -> Result<Identity, HandlerError> {
    req.path_parameters()
        .first("email")
        .and_then(Identity::parse)
        .ok_or_else(|| {
            HandlerError::BadRequest("email: the user's e-mail address is required".into())
        })
}

/// The API form of a grant.
pub fn record(grant: &UnblockGrant) -> UnblockRecord {
    UnblockRecord {
        id: grant.id.clone(),
        identity: grant.identity.clone(),
        duration: grant.duration.clone(),
        reason: grant.reason.clone(),
        unblocked_by: grant.unblocked_by.clone(),
        unblocked_at: grant.unblocked_at,
        expires_at: grant.expires_at,
        revoked_at: grant.revoked_at,
        revoked_by: grant.revoked_by.clone(),
    }
}

fn event(
    actor: &str,
    at: OffsetDateTime,
    action: &str,
    identity: &Identity,
    before: Option<&UnblockGrant>,
    after: Option<&UnblockGrant>,
) -> AuditEvent {
    let json = |g: &UnblockGrant| serde_json::to_value(record(g)).ok();
    AuditEvent {
        id: uuid::Uuid::new_v4().to_string(),
        at,
        actor: actor.to_owned(),
        action: action.to_owned(),
        target: format!("unblock/{identity}"),
        before: before.and_then(json),
        after: after.and_then(json),
    }
}
