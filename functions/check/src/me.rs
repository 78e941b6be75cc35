//! `GET /me`: the caller's identity, groups and admin standing, from the verified token.

use ccwb_api::MeResponse;
use ccwb_lambda::HandlerError;
use ccwb_lambda::{Caller, json_response};
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};

use crate::State;

/// Answers who the caller is. Useful to check a sign-in and to see why an admin route says 403.
pub async fn handle(state: &State, req: Request) -> Result<Response<Body>, HandlerError> {
    let caller = Caller::from_request(&req, &state.settings.identity_claims);
    let body = MeResponse {
        identity: caller.identity.as_ref().map(|id| id.as_str().to_owned()),
        admin: state.settings.admin_groups.admits(&caller.groups),
        groups: caller
            .groups
            .iter()
            .map(|g| g.as_str().to_owned())
            .collect(),
    };
    Ok(json_response(StatusCode::OK, &body))
}
