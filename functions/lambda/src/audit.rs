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

/// What one sweep delivered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Sweep {
    /// Audit events left pending, now delivered to Firehose.
    pub audit_events: usize,
    /// Usage records Firehose refused earlier, now delivered.
    pub usage_records: usize,
}

/// Audit events per sweep, the rest wait for the next one (one Firehose batch; events carry
/// before/after JSON, so well under the 4 MiB a batch may hold).
const PER_SWEEP_AUDIT: usize = 200;
/// Kept outbox items read per shard per sweep.
const PER_SWEEP_USAGE: usize = 100;

/// Delivers what earlier requests left behind: audit events still pending (Firehose was down,
/// or a big import) and usage records Firehose refused. Both are attempted even if one fails;
/// a failure is returned (after logging) so a scheduled run counts as an error and alarms.
pub async fn sweep<S>(store: &S) -> Result<Sweep, ccwb_store::StoreError>
where
    S: AuditLog + ccwb_store::Outbox,
{
    let audit = store.deliver_pending(PER_SWEEP_AUDIT).await;
    let usage = store.deliver_kept(PER_SWEEP_USAGE).await;
    match (&audit, &usage) {
        (Ok(a), Ok(u)) if a + u > 0 => {
            tracing::info!(audit_events = a, usage_records = u, "delivered to Firehose")
        }
        _ => {}
    }
    if let Err(err) = &audit {
        tracing::warn!(error = %err, "audit delivery failed; will retry");
    }
    if let Err(err) = &usage {
        tracing::warn!(error = %err, "usage record delivery failed; will retry");
    }
    Ok(Sweep {
        audit_events: audit?,
        usage_records: usage?,
    })
}
