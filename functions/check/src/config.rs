//! The function's state, built once per Lambda instance.

use ccwb_lambda::settings::{ConfigError, Settings};
use ccwb_store::aws::SdkConfig;
use ccwb_store::{DynamoStore, ResourceNames};

/// What the handlers need, built once per Lambda instance.
#[derive(Debug, Clone)]
pub struct State {
    /// Settings.
    pub settings: Settings,
    /// Reads for quota checks.
    pub quota: DynamoStore,
}

impl State {
    /// State from settings, AWS configuration and resource names.
    pub fn new(settings: Settings, sdk: &SdkConfig, names: ResourceNames) -> Self {
        Self {
            settings,
            quota: DynamoStore::new(sdk, names),
        }
    }

    /// State from the Lambda environment.
    pub async fn from_env() -> Result<Self, ConfigError> {
        let settings = Settings::from_env()?;
        let sdk = ccwb_store::aws::load_sdk_config(None).await;
        Ok(Self::new(settings, &sdk, ResourceNames::from_env()))
    }
}
