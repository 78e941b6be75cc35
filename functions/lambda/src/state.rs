//! The state every function builds once per Lambda instance: its settings and the store.

use ccwb_store::aws::SdkConfig;
use ccwb_store::{DynamoStore, ResourceNames};

use crate::settings::{ConfigError, Settings};

/// What the handlers need, built once per Lambda instance.
#[derive(Debug, Clone)]
pub struct State {
    /// Settings.
    pub settings: Settings,
    /// Policies, usage, unblocks and audit.
    pub store: DynamoStore,
}

impl State {
    /// State from settings, AWS configuration and resource names (ccwb-local and tests).
    pub fn new(settings: Settings, sdk: &SdkConfig, names: ResourceNames) -> Self {
        Self {
            settings,
            store: DynamoStore::new(sdk, names),
        }
    }

    /// State from the Lambda environment.
    pub async fn from_env() -> Result<Self, ConfigError> {
        let settings = Settings::from_env()?;
        let sdk = ccwb_store::aws::load_sdk_config(None).await;
        Ok(Self::new(settings, &sdk, ResourceNames::from_env()))
    }
}
