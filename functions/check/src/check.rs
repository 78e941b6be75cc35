//! `GET /check`: the quota decision for the caller, at every credential refresh.

use ccwb_api::CheckResponse;
use ccwb_core::decision::{check_failed, missing_identity};
use ccwb_core::{
    CheckInputs, CheckSettings, Day, Decision, Group, Identity, SessionName, Unblocks,
};
use ccwb_lambda::HandlerError;
use ccwb_lambda::{Caller, json_response};
use ccwb_store::{QuotaReads, SessionNames, SessionOwner, StoreError};
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use time::OffsetDateTime;

use crate::State;

/// Decides for the caller of `req`. Always answers 200 with a decision: errors become
/// `check_failed`, allowed only when the deployment fails open.
pub async fn handle(state: &State, req: Request) -> Result<Response<Body>, HandlerError> {
    let caller = Caller::from_request(&req, &state.settings.identity_claims);
    let now = OffsetDateTime::now_utc();
    let decision = match &caller.identity {
        Some(identity) => {
            quota_decision(
                &state.store,
                identity,
                &caller.groups,
                caller.session.as_ref(),
                now,
                state.settings.check,
            )
            .await
        }
        None => missing_identity(state.settings.check),
    };
    tracing::info!(
        identity = caller.identity.as_ref().map(Identity::as_str),
        allowed = decision.allowed,
        reason = ?decision.reason,
        "quota check"
    );
    Ok(json_response(
        StatusCode::OK,
        &CheckResponse::from(&decision),
    ))
}

/// Reads the caller's policies, usage, unblock and session mapping in one store round trip and
/// decides; records the caller's role `session` as `identity`'s (with `groups`) when that
/// mapping is missing or says otherwise (a failed write is logged and tried again at the next check: it never
/// changes the decision).
pub async fn quota_decision(
    store: &(impl QuotaReads + SessionNames),
    identity: &Identity,
    groups: &[Group],
    session: Option<&SessionName>,
    now: OffsetDateTime,
    settings: CheckSettings,
) -> Decision {
    match read(store, identity, groups, session, now).await {
        Ok(inputs) => inputs.decide(now, Unblocks::Honoured).decision,
        Err(err) => {
            tracing::error!(error = %err, identity = identity.as_str(), "quota check could not read the store");
            check_failed(settings)
        }
    }
}

async fn read(
    store: &(impl QuotaReads + SessionNames),
    identity: &Identity,
    groups: &[Group],
    session: Option<&SessionName>,
    now: OffsetDateTime,
) -> Result<CheckInputs, StoreError> {
    let today = Day::of(now);
    let Some(session) = session else {
        return store.check_inputs(identity, groups, today).await;
    };
    let (inputs, recorded) = store
        .check_inputs_with_session(identity, groups, today, session)
        .await?;
    let owner = SessionOwner {
        identity: identity.clone(),
        groups: groups.to_vec(),
    };
    if recorded.as_ref() != Some(&owner)
        && let Err(err) = store.record_session(session, &owner, now).await
    {
        tracing::warn!(error = %err, session = session.as_str(), "could not record the caller's role session name");
    }
    Ok(inputs)
}
