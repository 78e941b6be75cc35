//! `ccwb quota unblock`, `ccwb quota unblocks` and `ccwb audit`.

use ccwb_api::{UnblockRecord, UnblockRequest};
use ccwb_api_client::ApiClient;
use ccwb_core::AuditEvent;

use crate::error::CliError;
use crate::output::{Output, print_fields, print_json, print_table};
use crate::session::Context;

/// Page size when reading the audit trail.
const AUDIT_PAGE: u32 = 500;

/// Grants (or with `revoke`, revokes) an unblock.
pub async fn unblock(
    client: &ApiClient,
    output: Output,
    email: &str,
    duration: &str,
    reason: Option<&str>,
    revoke: bool,
) -> Result<(), CliError> {
    let record = if revoke {
        client.revoke_unblock(email).await?
    } else {
        let request = UnblockRequest {
            duration: duration.to_owned(),
            reason: reason.unwrap_or_default().to_owned(),
        };
        client.unblock(email, &request).await?
    };
    match output {
        Output::Json => print_json(&record),
        Output::Table => {
            if revoke {
                eprintln!("Revoked the unblock of {}.", record.identity);
            } else {
                eprintln!(
                    "Unblocked {} until {} (UTC).",
                    record.identity, record.expires_at
                );
            }
            print_fields(&record_fields(&record));
            Ok(())
        }
    }
}

fn record_fields(r: &UnblockRecord) -> Vec<(&'static str, String)> {
    let mut fields = vec![
        ("User", r.identity.clone()),
        ("Duration", r.duration.clone()),
        ("Expires", r.expires_at.clone()),
        ("Unblocked by", r.unblocked_by.clone()),
        ("Unblocked at", r.unblocked_at.clone()),
        ("Reason", r.reason.clone()),
    ];
    if let Some(at) = &r.revoked_at {
        fields.push(("Revoked at", at.clone()));
        fields.push(("Revoked by", r.revoked_by.clone().unwrap_or_default()));
    }
    fields
}

/// Shows a user's unblock in force and history.
pub async fn unblocks(client: &ApiClient, output: Output, email: &str) -> Result<(), CliError> {
    let history = client.unblocks(email).await?;
    if output == Output::Json {
        return print_json(&history);
    }
    match &history.active {
        Some(active) => println!(
            "{} is unblocked until {} (by {}: {}).",
            history.identity, active.expires_at, active.unblocked_by, active.reason
        ),
        None => println!("{} has no unblock in force.", history.identity),
    }
    if history.history.is_empty() {
        return Ok(());
    }
    println!();
    let rows = history
        .history
        .iter()
        .map(|r| {
            vec![
                r.unblocked_at.clone(),
                r.unblocked_by.clone(),
                r.duration.clone(),
                r.expires_at.clone(),
                r.revoked_at
                    .as_ref()
                    .map(|at| format!("{at} by {}", r.revoked_by.clone().unwrap_or_default()))
                    .unwrap_or_default(),
                r.reason.clone(),
            ]
        })
        .collect();
    print_table(
        &["GRANTED", "BY", "DURATION", "EXPIRES", "REVOKED", "REASON"],
        rows,
    );
    Ok(())
}

/// Filters of `ccwb audit`.
pub struct AuditQuery {
    /// `--since`.
    pub since: String,
    /// `--until`.
    pub until: Option<String>,
    /// `--actor`.
    pub actor: Option<String>,
    /// `--target`.
    pub target: Option<String>,
    /// `--action`.
    pub action: Option<String>,
    /// `--limit`.
    pub limit: u32,
}

/// Reads the audit trail, newest first, following pages up to the limit.
pub async fn run(ctx: &Context, output: Output, query: AuditQuery) -> Result<(), CliError> {
    let client = ctx.client().await?;
    let mut params: Vec<(&str, String)> = vec![("since", query.since.clone())];
    for (name, value) in [
        ("until", &query.until),
        ("actor", &query.actor),
        ("target", &query.target),
        ("action", &query.action),
    ] {
        if let Some(value) = value {
            params.push((name, value.clone()));
        }
    }
    let mut events: Vec<AuditEvent> = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let remaining = query.limit - events.len() as u32;
        let mut page_params = params.clone();
        page_params.push(("limit", remaining.min(AUDIT_PAGE).to_string()));
        if let Some(cursor) = &next {
            page_params.push(("next", cursor.clone()));
        }
        let page = client.audit(&page_params).await?;
        events.extend(page.events);
        match page.next {
            Some(cursor) if (events.len() as u32) < query.limit => next = Some(cursor),
            _ => break,
        }
    }
    if output == Output::Json {
        return print_json(&serde_json::json!({ "events": events }));
    }
    if events.is_empty() {
        eprintln!("No audit events in that range.");
        return Ok(());
    }
    let rows = events
        .iter()
        .map(|e| {
            vec![
                e.at.format(&time::format_description::well_known::Rfc3339)
                    .unwrap_or_default(),
                e.actor.clone(),
                e.action.clone(),
                e.target.clone(),
            ]
        })
        .collect();
    print_table(&["TIME (UTC)", "ACTOR", "ACTION", "TARGET"], rows);
    Ok(())
}
