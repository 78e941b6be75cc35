//! The `check` function: the routes any signed-in user may call. `GET /check` is the quota
//! decision credential helpers ask for at every refresh; `GET /me` tells the caller who the API
//! thinks they are.

pub mod check;
pub mod me;

use lambda_http::http::StatusCode;
use lambda_http::{Body, Error, Request, Response};

pub use ccwb_lambda::State;
pub use ccwb_lambda::settings::{ConfigError, Settings};

/// Dispatches an API Gateway event to the route it was sent to (`routeKey`).
pub async fn route(state: &State, req: Request) -> Result<Response<Body>, Error> {
    let route_key = ccwb_lambda::route_key(&req);
    match route_key.as_deref() {
        Some("GET /check") => check::handle(state, req).await,
        Some("GET /me") => me::handle(state, req).await,
        other => Ok(ccwb_lambda::error_response(
            StatusCode::NOT_FOUND,
            "not_found",
            format!(
                "this function does not serve route {}",
                other.unwrap_or("(none)")
            ),
        )),
    }
}

/// The routes this function serves, for the local gateway and the CDK stack.
pub const ROUTES: [&str; 2] = ["GET /check", "GET /me"];
