//! The `admin` function: policy administration, bulk import and export, and what a user's
//! effective policy and usage are. Every route requires membership of an admin group.

pub mod bulk;
pub mod inspect;
pub mod policies;
pub mod request;

use std::future::Future;

use lambda_http::http::StatusCode;
use lambda_http::{Body, Error, Request, Response};

pub use ccwb_lambda::HandlerError as AdminError;

pub use ccwb_lambda::State;

/// Turns a handler's result into the response: errors become the JSON error envelope.
pub async fn respond(
    result: impl Future<Output = Result<Response<Body>, AdminError>>,
) -> Result<Response<Body>, Error> {
    Ok(result.await.unwrap_or_else(AdminError::into_response))
}

/// Every route of the function, by API Gateway route key.
pub async fn route(state: &State, req: Request) -> Result<Response<Body>, Error> {
    let route_key = ccwb_lambda::route_key(&req);
    match route_key.as_deref().unwrap_or_default() {
        "GET /policies" => respond(policies::list(state, req)).await,
        "GET /policies/export" => respond(bulk::export(state, req)).await,
        "POST /policies/import" => respond(bulk::import(state, req)).await,
        "GET /policies/{type}/{id}" => respond(policies::get(state, req)).await,
        "PUT /policies/{type}/{id}" => respond(policies::put(state, req)).await,
        "PATCH /policies/{type}/{id}" => respond(policies::patch(state, req)).await,
        "DELETE /policies/{type}/{id}" => respond(policies::delete(state, req)).await,
        "GET /resolve" => respond(inspect::resolve_user(state, req)).await,
        "GET /usage/{email}" => respond(inspect::usage(state, req)).await,
        other => Ok(ccwb_lambda::error_response(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("this function does not serve route {other:?}"),
        )),
    }
}

/// The routes this function serves, for the local gateway and the CDK stack.
pub const ROUTES: [&str; 9] = [
    "GET /policies",
    "GET /policies/export",
    "POST /policies/import",
    "GET /policies/{type}/{id}",
    "PUT /policies/{type}/{id}",
    "PATCH /policies/{type}/{id}",
    "DELETE /policies/{type}/{id}",
    "GET /resolve",
    "GET /usage/{email}",
];
