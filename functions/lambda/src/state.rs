//! The state every function builds once per Lambda instance: its settings and its stores.
//!
//! One [`State`] serves every function: most use the [`DynamoStore`] (policies, usage, unblocks
//! and audit), `status` a [`DeploymentReader`], `distribution` its own pair of stores. Each kind
//! of store says how it is built ([`FromAws`]), so building the state, from the Lambda
//! environment or from ccwb-local's settings, is written once.

use ccwb_store::aws::SdkConfig;
use ccwb_store::{DeploymentReader, DynamoStore, PackageStore, ResourceNames};

use crate::settings::{ConfigError, Settings};

/// What a function reads and writes in AWS, built from the AWS configuration and the
/// deployment's resource names.
pub trait FromAws {
    /// The stores of the resources `names` names.
    fn from_aws(sdk: &SdkConfig, names: ResourceNames) -> Self;
}

impl FromAws for DynamoStore {
    fn from_aws(sdk: &SdkConfig, names: ResourceNames) -> Self {
        Self::new(sdk, names)
    }
}

impl FromAws for DeploymentReader {
    fn from_aws(sdk: &SdkConfig, names: ResourceNames) -> Self {
        Self::new(sdk, names)
    }
}

impl FromAws for PackageStore {
    fn from_aws(sdk: &SdkConfig, names: ResourceNames) -> Self {
        Self::new(sdk, names)
    }
}

/// What the handlers need, built once per Lambda instance.
#[derive(Debug, Clone)]
pub struct State<S = DynamoStore> {
    /// Settings.
    pub settings: Settings,
    /// What the function reads and writes (by default policies, usage, unblocks and audit).
    pub store: S,
}

impl<S: FromAws> State<S> {
    /// State from settings, AWS configuration and resource names (ccwb-local and tests).
    pub fn new(settings: Settings, sdk: &SdkConfig, names: ResourceNames) -> Self {
        Self {
            settings,
            store: S::from_aws(sdk, names),
        }
    }

    /// State from the Lambda environment.
    pub async fn from_env() -> Result<Self, ConfigError> {
        let settings = Settings::from_env()?;
        let sdk = ccwb_store::aws::load_sdk_config(None).await;
        Ok(Self::new(settings, &sdk, ResourceNames::from_env()))
    }
}
