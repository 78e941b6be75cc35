//! Handing new audit events to Firehose right after a change.

use ccwb_store::AuditLog;

/// Events delivered per attempt after a change; older backlogs go to the sweeper.
const AFTER_CHANGE: usize = 25;

/// Delivers pending audit events (the one just written, and a few left over). A failure is
/// logged, never returned: the change is already recorded, and the event stays pending.
pub async fn deliver(store: &impl AuditLog) {
    match store.deliver_pending(AFTER_CHANGE).await {
        Ok(0) => {}
        Ok(n) => tracing::debug!(delivered = n, "audit events delivered"),
        Err(err) => tracing::warn!(error = %err, "audit events stay pending"),
    }
}
