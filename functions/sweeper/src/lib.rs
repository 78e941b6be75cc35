//! The `sweeper` function: run by an EventBridge schedule (every minute), and by the usage
//! table's stream whenever a blocked user is noted, it reconciles the federated role's deny
//! policies with the revocations wanted (see `ccwb_lambda::revocation`), then delivers what the
//! API functions left for later: audit events still pending and usage records Firehose
//! refused. ccwb-local runs the same on timers.

// The runtime is started by the binary (main.rs), which shares this crate's dependencies.
use tokio as _;

use ccwb_lambda::audit::{Sweep, sweep};
use ccwb_lambda::revocation::{Reconciled, reconcile};
use ccwb_store::{DynamoStore, ResourceNames, RoleDenies};
use lambda_runtime::{Error, LambdaEvent};
use time::OffsetDateTime;

/// The environment variable that turns revocation off (`off`): with Cognito federation every
/// developer's session has the same name, so no deny could single one out.
pub const REVOCATION_SETTING: &str = "CCWB_REVOCATION";

/// What the sweeper works with, built once per Lambda instance.
pub struct State {
    /// The tables and streams.
    pub store: DynamoStore,
    /// The role's deny policies; `None` when revocation is off.
    pub denies: Option<RoleDenies>,
}

impl State {
    /// The state from the process environment.
    pub async fn from_env() -> Result<Self, Error> {
        let sdk = ccwb_store::aws::load_sdk_config(None).await;
        let names = ResourceNames::from_env();
        let denies = match std::env::var(REVOCATION_SETTING).as_deref() {
            Ok("off") => None,
            Ok("") | Ok("on") | Err(_) => Some(RoleDenies::new(&sdk, &names)),
            Ok(other) => {
                return Err(format!("{REVOCATION_SETTING}={other:?}: expected on or off").into());
            }
        };
        Ok(Self {
            store: DynamoStore::new(&sdk, names),
            denies,
        })
    }
}

/// One run's answer: what was reconciled and delivered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Run {
    /// Deliveries to Firehose.
    #[serde(flatten)]
    pub sweep: Sweep,
    /// The deny policies (absent when revocation is off).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revocation: Option<Reconciled>,
}

/// One run. The event's content does not matter (a schedule and a stream send their own
/// shapes), but for the stack's deletion (a CloudFormation custom resource's `Delete`), which
/// removes every deny policy: the role they are attached to cannot be deleted with them. A
/// failure of either part fails the invocation so it is alarmed on and retried, after both
/// parts were attempted.
pub async fn handle(state: &State, event: LambdaEvent<serde_json::Value>) -> Result<Run, Error> {
    if event.payload.get("RequestType").and_then(|t| t.as_str()) == Some("Delete") {
        return remove_denies(state).await;
    }
    // Reconciled first: the audit events it records are delivered by this same run.
    let revocation = match &state.denies {
        Some(denies) => Some(reconcile(&state.store, denies, OffsetDateTime::now_utc()).await),
        None => None,
    };
    let swept = sweep(&state.store).await;
    let revocation = match revocation {
        Some(Err(err)) => {
            tracing::error!(error = %err, "deny policies not reconciled; the next run retries");
            return Err(err.into());
        }
        Some(Ok(done)) => Some(done),
        None => None,
    };
    Ok(Run {
        sweep: swept?,
        revocation,
    })
}

/// Detaches and deletes every deny policy (the quota stack is being deleted: nothing will
/// reconcile them any more, and the auth stack's role must be free of them to be deleted).
async fn remove_denies(state: &State) -> Result<Run, Error> {
    let Some(denies) = &state.denies else {
        return Ok(Run::default());
    };
    let applied = denies.apply(&[]).await?;
    tracing::info!(
        removed = applied.removed,
        role = denies.role(),
        "deny policies removed for the stack's deletion"
    );
    Ok(Run {
        sweep: Sweep::default(),
        revocation: Some(Reconciled {
            policies_removed: applied.removed,
            ..Reconciled::default()
        }),
    })
}
