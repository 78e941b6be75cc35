//! `ccwb audit`: the audit trail of administrative changes, newest first, read page by page up
//! to the limit.

use ccwb_core::AuditEvent;

use crate::error::CliError;
use crate::output::Out;
use crate::session::Session;

/// Page size when reading the audit trail.
const AUDIT_PAGE: u32 = 500;

/// Arguments of `ccwb audit`: which events.
#[derive(Debug, Clone, clap::Args)]
pub struct AuditArgs {
    /// Oldest: a span back from now (7d, 24h, 30m), a date, or RFC 3339.
    #[arg(long, default_value = "7d")]
    pub since: String,
    /// Newest: a date or RFC 3339 (default now).
    #[arg(long)]
    pub until: Option<String>,
    /// Only changes by this administrator.
    #[arg(long)]
    pub actor: Option<String>,
    /// Only targets containing this text (an e-mail, a group, `policy/group/eng`).
    #[arg(long)]
    pub target: Option<String>,
    /// Only actions starting with this text (`policy.`, `unblock.grant`).
    #[arg(long)]
    pub action: Option<String>,
    /// At most this many events.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub limit: u32,
}

impl AuditArgs {
    /// The query parameters of `GET /audit` but the page's `limit` and `next`.
    fn params(&self) -> Vec<(&'static str, String)> {
        let mut params = vec![("since", self.since.clone())];
        for (name, value) in [
            ("until", &self.until),
            ("actor", &self.actor),
            ("target", &self.target),
            ("action", &self.action),
        ] {
            if let Some(value) = value {
                params.push((name, value.clone()));
            }
        }
        params
    }

    /// Reads the audit trail, newest first, following pages up to the limit.
    pub async fn run(self, session: &Session, out: &mut Out<'_>) -> Result<(), CliError> {
        let client = session.client(out).await?;
        let params = self.params();
        let mut events: Vec<AuditEvent> = Vec::new();
        let mut next: Option<String> = None;
        loop {
            let remaining = self.limit - events.len() as u32;
            let mut page_params = params.clone();
            page_params.push(("limit", remaining.min(AUDIT_PAGE).to_string()));
            if let Some(cursor) = &next {
                page_params.push(("next", cursor.clone()));
            }
            let page = client.audit(&page_params).await?;
            events.extend(page.events);
            match page.next {
                Some(cursor) if (events.len() as u32) < self.limit => next = Some(cursor),
                _ => break,
            }
        }
        render(&events, out)
    }
}

/// The events as a table (time, actor, action, target), or JSON.
fn render(events: &[AuditEvent], out: &mut Out<'_>) -> Result<(), CliError> {
    if out.is_json() {
        return out.json(&serde_json::json!({ "events": events }));
    }
    if events.is_empty() {
        return out.note("No audit events in that range.");
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
    out.table(&["TIME (UTC)", "ACTOR", "ACTION", "TARGET"], rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_filters_given_are_sent() {
        let args = AuditArgs {
            since: "24h".into(),
            until: None,
            actor: Some("admin@example.com".into()),
            target: None,
            action: Some("policy.".into()),
            limit: 10,
        };
        assert_eq!(
            args.params(),
            [
                ("since", "24h".to_owned()),
                ("actor", "admin@example.com".to_owned()),
                ("action", "policy.".to_owned()),
            ]
        );
    }
}
