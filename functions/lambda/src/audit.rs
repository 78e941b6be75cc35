//! Handing new audit events to Firehose right after a change.

use ccwb_store::AuditLog;

/// Events delivered per attempt after a change; older backlogs go to the sweeper.
const AFTER_CHANGE: usize = 25;

/// Delivers pending audit events (the one just written, and a few left over). A failure is
/// logged, never returned: the change is already recorded, and the event stays pending.
pub async fn deliver(store: &impl AuditLog) {
    match store.deliver_pending(AFTER_CHANGE).await {
        Ok(d) if d.delivered == 0 => {}
        Ok(d) => tracing::debug!(delivered = d.delivered, "audit events delivered"),
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
    /// Audit events and usage records Firehose refused again (kept for the next sweep).
    pub refused: usize,
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
    let (a, u) = (
        audit.as_ref().copied().unwrap_or_default(),
        usage.as_ref().copied().unwrap_or_default(),
    );
    if a.delivered + u.delivered > 0 {
        tracing::info!(
            audit_events = a.delivered,
            usage_records = u.delivered,
            "delivered to Firehose"
        );
    }
    let refused = a.refused + u.refused;
    if refused > 0 {
        // The `refused` field is what the deployment's sweeper-refusals alarm counts.
        tracing::warn!(
            refused,
            audit_events = a.refused,
            usage_records = u.refused,
            "Firehose refused records; they stay kept and are sent again by the next sweep"
        );
    }
    if let Err(err) = &audit {
        tracing::warn!(error = %err, "audit delivery failed; will retry");
    }
    if let Err(err) = &usage {
        tracing::warn!(error = %err, "usage record delivery failed; will retry");
    }
    Ok(Sweep {
        audit_events: audit?.delivered,
        usage_records: usage?.delivered,
        refused,
    })
}
