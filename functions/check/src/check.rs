//! `GET /check`: the quota decision for the caller, at every credential refresh.

use ccwb_api::CheckResponse;
use ccwb_core::decision::{check_failed, missing_identity};
use ccwb_core::{CheckSettings, Day, Decision, Group, Identity, Unblocks};
use ccwb_lambda::HandlerError;
use ccwb_lambda::{Caller, json_response};
use ccwb_store::QuotaReads;
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

/// Reads the caller's policies, usage and unblock in one store round trip and decides.
pub async fn quota_decision(
    store: &impl QuotaReads,
    identity: &Identity,
    groups: &[Group],
    now: OffsetDateTime,
    settings: CheckSettings,
) -> Decision {
    let today = Day::of(now);
    match store.check_inputs(identity, groups, today).await {
        Ok(inputs) => inputs.decide(now, Unblocks::Honoured).decision,
        Err(err) => {
            tracing::error!(error = %err, identity = identity.as_str(), "quota check could not read the store");
            check_failed(settings)
        }
    }
}
