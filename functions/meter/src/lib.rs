//! The `meter` function: Bedrock's own record of every model invocation, delivered by a
//! CloudWatch Logs subscription on the invocation log group, counted into the same usage
//! counters as Claude Code's telemetry — exactly once per Bedrock request id, attributed by the
//! caller's role session name (which the access stack pins to the token's `sub`, so a modified
//! client cannot choose it) through the mapping `/check` keeps from verified tokens. Usage a
//! developer's own client does not report is counted all the same.
//!
//! Records it cannot count are reported and skipped, never fatal: another principal's calls
//! (only the deployment's federated role is metered), sessions no `/check` has named yet, and
//! malformed records. A store failure fails the invocation, so Lambda delivers the batch again;
//! what was counted is not counted twice.

// The runtime is started by the binary (main.rs), which shares this crate's dependencies.
use tokio as _;

use std::collections::BTreeMap;

use aws_lambda_events::event::cloudwatch_logs::LogsEvent;
use ccwb_core::SessionName;
use ccwb_core::invocation::Invocation;
use ccwb_store::{MeterStore, SessionNames, SessionOwner};
use lambda_runtime::{Error, LambdaEvent};
use serde::Serialize;
use time::OffsetDateTime;

pub use ccwb_lambda::State;

/// What one delivery did: the function's answer, and its log line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Invocations counted now.
    pub counted: usize,
    /// Invocations counted before (redeliveries, overlapping batches).
    pub duplicates: usize,
    /// Invocations of sessions no `/check` has named: not counted.
    pub unknown_sessions: usize,
    /// Invocations by other principals than the deployment's federated role: not ours.
    pub other_callers: usize,
    /// Log events that are not invocation records.
    pub malformed: usize,
}

/// Meters one CloudWatch Logs delivery.
pub async fn handle(state: &State, event: LambdaEvent<LogsEvent>) -> Result<Summary, Error> {
    let data = event.payload.aws_logs.data;
    let mut summary = Summary::default();
    // CloudWatch Logs checks a new subscription with a control message: nothing to count.
    if data.message_type != "DATA_MESSAGE" {
        return Ok(summary);
    }
    let role = &state.store.names().federated_role;
    let mut invocations: Vec<Invocation> = Vec::new();
    for entry in &data.log_events {
        match Invocation::parse(&entry.message) {
            Ok(invocation) if &invocation.role == role => invocations.push(invocation),
            Ok(_) => summary.other_callers += 1,
            Err(err) => {
                summary.malformed += 1;
                tracing::warn!(log_event = entry.id.as_str(), error = %err, "skipped a log event that is not an invocation record");
            }
        }
    }
    // session_owners reads each name once, however often it repeats.
    let sessions: Vec<SessionName> = invocations.iter().map(|i| i.session.clone()).collect();
    let owners = state.store.session_owners(&sessions).await?;
    let mut by_owner: BTreeMap<&SessionName, (&SessionOwner, Vec<Invocation>)> = BTreeMap::new();
    for invocation in invocations {
        match owners.get_key_value(&invocation.session) {
            Some((session, owner)) => by_owner
                .entry(session)
                .or_insert_with(|| (owner, Vec::new()))
                .1
                .push(invocation),
            None => {
                summary.unknown_sessions += 1;
                tracing::warn!(
                    session = invocation.session.as_str(),
                    request = invocation.request_id.as_str(),
                    "an invocation of a session no quota check has named: not counted"
                );
            }
        }
    }
    let now = OffsetDateTime::now_utc();
    for (session, (owner, batch)) in by_owner {
        let metered = state
            .store
            .record_invocations(
                &owner.identity,
                &owner.groups,
                &batch,
                &state.settings.pricing,
            )
            .await?;
        summary.counted += metered.counted;
        summary.duplicates += metered.duplicates;
        if metered.counted > 0 {
            // Bedrock's record names no groups: those of the owner's latest token resolve the
            // policy, as at their /check.
            ccwb_lambda::alerts::after_counting(
                &state.store,
                &owner.identity,
                &owner.groups,
                Some(session),
                now,
            )
            .await;
        }
    }
    tracing::info!(
        counted = summary.counted,
        duplicates = summary.duplicates,
        unknown_sessions = summary.unknown_sessions,
        other_callers = summary.other_callers,
        malformed = summary.malformed,
        "metered a delivery"
    );
    Ok(summary)
}
