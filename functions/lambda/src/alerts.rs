//! What follows newly counted usage, by ingest (telemetry) and the meter (Bedrock's invocation
//! records) alike: the usage alerts it reaches, and, when it leaves the user blocked, the note
//! that has their role session denied (see [`crate::revocation`]).

use ccwb_core::{Day, Group, Identity, SessionName, Unblocks};
use ccwb_store::{AlertStore, QuotaReads, RevocationStore};
use time::OffsetDateTime;

/// After `identity`'s usage (through role `session`, when known) was counted: sends the usage
/// alerts it now reaches (each once) and notes the user blocked if a block limit refuses them.
/// Failures are logged: the usage is recorded, and both are tried again with the next usage.
pub async fn after_counting(
    store: &(impl QuotaReads + AlertStore + RevocationStore),
    identity: &Identity,
    groups: &[Group],
    session: Option<&SessionName>,
    now: OffsetDateTime,
) {
    let inputs = match store.check_inputs(identity, groups, Day::of(now)).await {
        Ok(inputs) => inputs,
        Err(err) => {
            return tracing::warn!(error = %err, "usage alerts skipped: the policy could not be read");
        }
    };
    let enforced = inputs.clone().decide(now, Unblocks::Honoured).decision;
    crate::revocation::note(store, identity, groups, session, &enforced, now).await;

    // Alerts say where limits were reached, whether or not an unblock lets the user go on.
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
