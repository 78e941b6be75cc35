//! The `status` function: what is deployed, as AWS describes it. Admin groups only.

pub mod report;

use ccwb_api::routes::StatusRoute;
use ccwb_lambda::HandlerError;
use ccwb_lambda::settings::{ConfigError, Settings};
use ccwb_store::aws::SdkConfig;
use ccwb_store::{DeploymentReader, ResourceNames};
use lambda_http::{Body, Error, Request, Response};

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
    let result = match ccwb_lambda::served::<StatusRoute>(&req) {
        Ok(StatusRoute::Status) => report::handle(state, req).await,
        Err(not_served) => Err(not_served),
    };
    Ok(result.unwrap_or_else(HandlerError::into_response))
}
