//! The `unblock` function: temporary overrides for blocked users, their history, and the audit
//! trail of every administrative change. Every route requires membership of an admin group.

// The property suite (tests/properties.rs) is the dev-dependency's user.
#[cfg(test)]
use proptest as _;

pub mod audit;
pub mod unblocks;

use ccwb_api::routes::UnblockRoute;
use ccwb_lambda::HandlerError;
use lambda_http::{Body, Error, Request, Response};

pub use ccwb_lambda::State;

/// Every route of the function, by API Gateway route key.
pub async fn route(state: &State, req: Request) -> Result<Response<Body>, Error> {
    let result = match ccwb_lambda::served::<UnblockRoute>(&req) {
        Ok(UnblockRoute::Grant) => unblocks::grant(state, req).await,
        Ok(UnblockRoute::Revoke) => unblocks::revoke(state, req).await,
        Ok(UnblockRoute::History) => unblocks::history(state, req).await,
        Ok(UnblockRoute::Audit) => audit::handle(state, req).await,
        Err(not_served) => Err(not_served),
    };
    Ok(result.unwrap_or_else(HandlerError::into_response))
}
