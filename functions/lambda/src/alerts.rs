//! Usage alerts after new usage is counted, by ingest (telemetry) and the meter (Bedrock's
//! invocation records) alike.

use ccwb_core::{Day, Group, Identity, Unblocks};
use ccwb_store::{AlertStore, QuotaReads};
use time::OffsetDateTime;

/// Sends the usage alerts `identity`'s usage now reaches (each once). Failures are logged: the
/// usage is recorded, and pending alerts are retried with the user's next usage.
pub async fn send_reached(
    store: &(impl QuotaReads + AlertStore),
    identity: &Identity,
    groups: &[Group],
    now: OffsetDateTime,
) {
    let inputs = match store.check_inputs(identity, groups, Day::of(now)).await {
        Ok(inputs) => inputs,
        Err(err) => {
            return tracing::warn!(error = %err, "usage alerts skipped: the policy could not be read");
        }
    };
    let decision = inputs.decide(now, Unblocks::Ignored).decision;
    let policy = decision
        .policy
        .as_ref()
        .map(|(t, id)| format!("{t}/{id}"))
        .unwrap_or_default();
    let alerts = ccwb_core::alerts::reached(identity.as_str(), &policy, &decision.limits, now);
    match store.send_alerts(identity.as_str(), &alerts).await {
        Ok(0) => {}
        Ok(sent) => tracing::info!(identity = identity.as_str(), sent, "usage alerts published"),
        Err(err) => tracing::warn!(error = %err, "usage alerts stay pending"),
    }
}
