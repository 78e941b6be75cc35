//! The `unblock` function: temporary overrides for blocked users, their history, and the audit
//! trail of every administrative change. Every route requires membership of an admin group.

pub mod audit;
pub mod unblocks;

use ccwb_lambda::HandlerError;
use lambda_http::{Body, Error, Request, Response};

pub use ccwb_lambda::State;

/// The routes this function serves, for the local gateway and the CDK stack.
pub const ROUTES: [&str; 4] = [
    "POST /unblocks/{email}",
    "DELETE /unblocks/{email}",
    "GET /unblocks/{email}",
    "GET /audit",
];

/// Every route of the function, by API Gateway route key.
pub async fn route(state: &State, req: Request) -> Result<Response<Body>, Error> {
    let route_key = ccwb_lambda::route_key(&req);
    let result = match route_key.as_deref().unwrap_or_default() {
        "POST /unblocks/{email}" => unblocks::grant(state, req).await,
        "DELETE /unblocks/{email}" => unblocks::revoke(state, req).await,
        "GET /unblocks/{email}" => unblocks::history(state, req).await,
        "GET /audit" => audit::handle(state, req).await,
        other => Err(HandlerError::NotFound(format!(
            "this function does not serve route {other:?}"
        ))),
    };
    Ok(result.unwrap_or_else(HandlerError::into_response))
}
