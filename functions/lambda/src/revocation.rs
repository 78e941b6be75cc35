//! Revocation within a minute: blocked developers' sessions denied Bedrock on the federated
//! role, so the credentials their Claude Code already holds stop working too.
//!
//! Ingest and the meter [`note`] a user whose counted usage leaves them blocked; [`reconcile`]
//! — the one writer of the deny policies, run by the sweeper every minute and whenever a note
//! is written (the usage table's stream, in AWS) — decides each noted user again (an unblock,
//! a policy that allows them or the period's reset ends a block), puts the still-blocked users'
//! sessions in the role's deny policies and lifts the rest. A run that fails changes nothing it
//! did not finish, and the next run heals what a missed event or a failed IAM write left.

use std::collections::BTreeSet;

use ccwb_core::revocation::{RevocationError, plan};
use ccwb_core::{AuditEvent, Day, Decision, Group, Identity, SessionName, Unblocks};
use ccwb_store::{AuditLog, QuotaReads, Revocation, RevocationStore, RoleDenies, StoreError};
use serde_json::json;
use time::OffsetDateTime;

/// The actor of the audit events the reconciler records.
pub const ACTOR: &str = "ccwb-sweeper";
/// Audit action: a user's sessions are denied Bedrock.
pub const DENY: &str = "revocation.deny";
/// Audit action: the deny is lifted.
pub const LIFT: &str = "revocation.lift";

/// Why a reconcile failed.
#[derive(Debug, thiserror::Error)]
pub enum ReconcileError {
    /// Reading or writing DynamoDB or IAM failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// More blocked sessions than the deny policies hold.
    #[error(transparent)]
    TooMany(#[from] RevocationError),
}

/// What one reconcile did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Reconciled {
    /// Users whose sessions the deny policies hold.
    pub denied_users: usize,
    /// Sessions the deny policies hold.
    pub denied_sessions: usize,
    /// Users newly denied this run.
    pub newly_denied: usize,
    /// Users no longer blocked, lifted this run.
    pub lifted: usize,
    /// Policy documents written (created or a new version).
    pub policies_written: usize,
    /// Policies removed.
    pub policies_removed: usize,
}

/// Notes `identity` blocked when `decision` (with unblocks honoured) refuses them and their
/// usage came through role `session`. Failures are logged: the usage is recorded, and the next
/// counted usage notes again.
pub async fn note(
    store: &impl RevocationStore,
    identity: &Identity,
    groups: &[Group],
    session: Option<&SessionName>,
    decision: &Decision,
    now: OffsetDateTime,
) {
    if decision.allowed {
        return;
    }
    let Some(session) = session else {
        return tracing::warn!(
            identity = identity.as_str(),
            "blocked, but the usage names no role session to deny"
        );
    };
    let reason = decision.reason.as_str();
    match store
        .note_blocked(identity, groups, session, reason, now)
        .await
    {
        Ok(true) => tracing::info!(
            identity = identity.as_str(),
            session = session.as_str(),
            reason,
            "blocked: the session is to be denied on the role"
        ),
        Ok(false) => {}
        Err(err) => tracing::warn!(error = %err, "a blocked session could not be noted"),
    }
}

/// Decides every noted user again and makes the role's deny policies hold exactly the
/// sessions of those still blocked; grants and lifts are audit events.
pub async fn reconcile<S>(
    store: &S,
    denies: &RoleDenies,
    now: OffsetDateTime,
) -> Result<Reconciled, ReconcileError>
where
    S: RevocationStore + QuotaReads + AuditLog,
{
    let mut blocked = Vec::new();
    let mut allowed = Vec::new();
    for revocation in store.revocations().await? {
        let decision = store
            .check_inputs(&revocation.identity, &revocation.groups, Day::of(now))
            .await?
            .decide(now, Unblocks::Honoured)
            .decision;
        if decision.allowed {
            allowed.push((revocation, decision));
        } else {
            blocked.push(revocation);
        }
    }
    let sessions: BTreeSet<SessionName> = blocked
        .iter()
        .flat_map(|r| r.sessions.iter().cloned())
        .collect();
    let applied = denies.apply(&plan(&sessions)?).await?;
    let mut done = Reconciled {
        denied_users: blocked.len(),
        denied_sessions: sessions.len(),
        policies_written: applied.written,
        policies_removed: applied.removed,
        ..Reconciled::default()
    };
    for revocation in &blocked {
        if revocation.applied_version == Some(revocation.version)
            || !store
                .mark_applied(&revocation.identity, revocation.version)
                .await?
        {
            continue;
        }
        done.newly_denied += 1;
        let after = json!({
            "sessions": revocation.sessions,
            "reason": revocation.reason,
            "role": denies.role(),
        });
        audit(store, DENY, revocation, None, Some(after), now).await;
    }
    for (revocation, decision) in &allowed {
        if !store.lift(&revocation.identity, revocation.version).await? {
            continue;
        }
        done.lifted += 1;
        if revocation.applied_version.is_some() {
            let before = json!({"sessions": revocation.sessions, "reason": revocation.reason});
            let after = json!({"reason": decision.reason.as_str()});
            audit(store, LIFT, revocation, Some(before), Some(after), now).await;
        }
    }
    if done.newly_denied + done.lifted > 0 {
        tracing::info!(
            denied_users = done.denied_users,
            newly_denied = done.newly_denied,
            lifted = done.lifted,
            role = denies.role(),
            "deny policies reconciled"
        );
    }
    Ok(done)
}

/// Records a grant or a lift; a failure is logged (the policies are right either way).
async fn audit(
    store: &impl AuditLog,
    action: &str,
    revocation: &Revocation,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
    at: OffsetDateTime,
) {
    let event = AuditEvent {
        id: uuid::Uuid::new_v4().to_string(),
        at,
        actor: ACTOR.to_owned(),
        action: action.to_owned(),
        target: format!("user/{}", revocation.identity),
        before,
        after,
    };
    if let Err(err) = store.record(&event).await {
        tracing::error!(error = %err, action, identity = revocation.identity.as_str(), "audit event not recorded");
    }
}
