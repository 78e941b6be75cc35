//! The `check` function: the routes any signed-in user may call. `GET /check` is the quota
//! decision credential helpers ask for at every refresh; `GET /me` tells the caller who the API
//! thinks they are.

// The runtime is started by the binary (main.rs), which shares this crate's dependencies.
use tokio as _;

pub mod check;
pub mod me;

use ccwb_api::routes::CheckRoute;
use ccwb_lambda::HandlerError;
use lambda_http::{Body, Error, Request, Response};

pub use ccwb_lambda::State;
pub use ccwb_lambda::settings::{ConfigError, Settings};

/// Dispatches an API Gateway event to the route it was sent to (`routeKey`).
pub async fn route(state: &State, req: Request) -> Result<Response<Body>, Error> {
    let result = match ccwb_lambda::served::<CheckRoute>(&req) {
        Ok(CheckRoute::Check) => check::handle(state, req).await,
        Ok(CheckRoute::Me) => me::handle(state, req).await,
        Err(not_served) => Err(not_served),
    };
    Ok(result.unwrap_or_else(HandlerError::into_response))
}
