//! The `status` function: what is deployed, as AWS describes it. Admin groups only.

pub mod report;

use ccwb_lambda::HandlerError;
use ccwb_lambda::settings::{ConfigError, Settings};
use ccwb_store::aws::SdkConfig;
use ccwb_store::{DeploymentReader, ResourceNames};
use lambda_http::{Body, Error, Request, Response};

/// The routes this function serves, for the local gateway and the CDK stack.
pub const ROUTES: [&str; 1] = ["GET /status"];

/// What the handler needs, built once per Lambda instance.
#[derive(Debug, Clone)]
pub struct State {
    /// Settings (admin groups).
    pub settings: Settings,
    /// CloudFormation and DynamoDB descriptions.
    pub reader: DeploymentReader,
}

impl State {
    /// State from settings, AWS configuration and resource names (ccwb-local and tests).
    pub fn new(settings: Settings, sdk: &SdkConfig, names: ResourceNames) -> Self {
        Self {
            settings,
            reader: DeploymentReader::new(sdk, names),
        }
    }

    /// State from the Lambda environment.
    pub async fn from_env() -> Result<Self, ConfigError> {
        let settings = Settings::from_env()?;
        let sdk = ccwb_store::aws::load_sdk_config(None).await;
        Ok(Self::new(settings, &sdk, ResourceNames::from_env()))
    }
}

/// Every route of the function, by API Gateway route key.
pub async fn route(state: &State, req: Request) -> Result<Response<Body>, Error> {
    let route_key = ccwb_lambda::route_key(&req);
    let result = match route_key.as_deref().unwrap_or_default() {
        "GET /status" => report::handle(state, req).await,
        other => Err(HandlerError::NotFound(format!(
            "this function does not serve route {other:?}"
        ))),
    };
    Ok(result.unwrap_or_else(HandlerError::into_response))
}
