//! The `sweeper` function: run by an EventBridge schedule (every minute), it delivers what the
//! API functions left for later: audit events still pending and usage records Firehose refused.
//! ccwb-local runs the same sweep on a timer.

// The runtime is started by the binary (main.rs), which shares this crate's dependencies.
use tokio as _;

use ccwb_lambda::audit::{Sweep, sweep};
use ccwb_store::{DynamoStore, ResourceNames};
use lambda_runtime::{Error, LambdaEvent};

/// The store, built once per Lambda instance.
pub async fn store_from_env() -> DynamoStore {
    let sdk = ccwb_store::aws::load_sdk_config(None).await;
    DynamoStore::new(&sdk, ResourceNames::from_env())
}

/// One scheduled run. The event's content does not matter (a schedule sends its own shape);
/// the answer says what was delivered, and a failure fails the invocation so it is alarmed on.
pub async fn handle(
    store: &DynamoStore,
    _event: LambdaEvent<serde_json::Value>,
) -> Result<Sweep, Error> {
    Ok(sweep(store).await?)
}
