//! The `status` function: what is deployed, as AWS describes it. Admin groups only.

pub mod report;

use ccwb_api::routes::StatusRoute;
use ccwb_lambda::HandlerError;
use ccwb_store::DeploymentReader;
use lambda_http::{Body, Error, Request, Response};

/// What the handler needs, built once per Lambda instance: settings (admin groups) and the
/// CloudFormation and DynamoDB descriptions.
pub type State = ccwb_lambda::State<DeploymentReader>;

/// Every route of the function, by API Gateway route key.
pub async fn route(state: &State, req: Request) -> Result<Response<Body>, Error> {
    let result = match ccwb_lambda::served::<StatusRoute>(&req) {
        Ok(StatusRoute::Status) => report::handle(state, req).await,
        Err(not_served) => Err(not_served),
    };
    Ok(result.unwrap_or_else(HandlerError::into_response))
}
