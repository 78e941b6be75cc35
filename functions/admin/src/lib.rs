//! The `admin` function: policy administration, bulk import and export, and what a user's
//! effective policy and usage are. Every route requires membership of an admin group.

pub mod bulk;
pub mod inspect;
pub mod policies;
pub mod request;

use ccwb_api::routes::AdminRoute;
use lambda_http::{Body, Error, Request, Response};

pub use ccwb_lambda::HandlerError as AdminError;

pub use ccwb_lambda::State;

/// Every route of the function, by API Gateway route key.
pub async fn route(state: &State, req: Request) -> Result<Response<Body>, Error> {
    let result = match ccwb_lambda::served::<AdminRoute>(&req) {
        Ok(AdminRoute::ListPolicies) => policies::list(state, req).await,
        Ok(AdminRoute::ExportPolicies) => bulk::export(state, req).await,
        Ok(AdminRoute::ImportPolicies) => bulk::import(state, req).await,
        Ok(AdminRoute::GetPolicy) => policies::get(state, req).await,
        Ok(AdminRoute::PutPolicy) => policies::put(state, req).await,
        Ok(AdminRoute::PatchPolicy) => policies::patch(state, req).await,
        Ok(AdminRoute::DeletePolicy) => policies::delete(state, req).await,
        Ok(AdminRoute::Resolve) => inspect::resolve_user(state, req).await,
        Ok(AdminRoute::Usage) => inspect::usage(state, req).await,
        Err(not_served) => Err(not_served),
    };
    Ok(result.unwrap_or_else(AdminError::into_response))
}
