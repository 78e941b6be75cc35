//! Healing the local stack: when moto restarts empty, every table ccwb-local created at start
//! is gone and each request would fail until a restart. After a failed request the gateway asks
//! [`Healer::heal`], which re-creates the resources once (however many requests failed at the
//! same moment) so the request can be retried. Local only: in AWS the stacks own the resources.

use ccwb_store::ResourceNames;
use ccwb_store::aws::SdkConfig;
use tokio::sync::Mutex;

/// Re-provisions ccwb's resources when they have disappeared.
pub struct Healer {
    sdk: SdkConfig,
    names: ResourceNames,
    deployment: String,
    /// Held while checking and provisioning, so concurrent failures provision once.
    busy: Mutex<()>,
}

impl Healer {
    /// A healer for the resources `names`, provisioned from `sdk` with the `deployment` record.
    pub fn new(sdk: SdkConfig, names: ResourceNames, deployment: String) -> Self {
        Self {
            sdk,
            names,
            deployment,
            busy: Mutex::new(()),
        }
    }

    /// After a failed request: when the tables are gone, re-creates everything and returns
    /// `true` (the request is worth retrying); otherwise `false`.
    pub async fn heal(&self) -> bool {
        let _guard = self.busy.lock().await;
        if !crate::provision::tables_missing(&self.sdk, &self.names).await {
            return false;
        }
        tracing::warn!(
            stack = %self.names.stack,
            "the AWS endpoint lost ccwb's tables (moto restarted?); provisioning them again"
        );
        match crate::provision::provision(&self.sdk, &self.names, &self.deployment).await {
            Ok(_) => {
                tracing::warn!(stack = %self.names.stack, "resources provisioned again; retrying the request");
                true
            }
            Err(err) => {
                tracing::error!(error = %err, "provisioning again failed");
                false
            }
        }
    }
}
