//! `ccwb quota unblocks`: a user's unblock in force and every unblock ever granted.

use ccwb_api::UnblockHistory;
use ccwb_api_client::ApiClient;

use crate::error::CliError;
use crate::output::Out;

/// Arguments of `ccwb quota unblocks`.
#[derive(Debug, Clone, clap::Args)]
pub struct UnblocksArgs {
    /// The user's e-mail address.
    pub email: String,
}

impl UnblocksArgs {
    /// Shows the user's unblock in force and history.
    pub async fn run(self, client: &ApiClient, out: &mut Out<'_>) -> Result<(), CliError> {
        let history = client.unblocks(&self.email).await?;
        render(&history, out)
    }
}

fn render(history: &UnblockHistory, out: &mut Out<'_>) -> Result<(), CliError> {
    if out.is_json() {
        return out.json(history);
    }
    match &history.active {
        Some(active) => out.line(format!(
            "{} is unblocked until {} (by {}: {}).",
            history.identity, active.expires_at, active.unblocked_by, active.reason
        ))?,
        None => out.line(format!("{} has no unblock in force.", history.identity))?,
    }
    if history.history.is_empty() {
        return Ok(());
    }
    out.line("")?;
    let rows = history
        .history
        .iter()
        .map(|r| {
            vec![
                crate::output::time(r.unblocked_at),
                r.unblocked_by.clone(),
                r.duration.clone(),
                crate::output::time(r.expires_at),
                r.revoked_at
                    .map(|at| {
                        let by = r.revoked_by.clone().unwrap_or_default();
                        format!("{} by {by}", crate::output::time(at))
                    })
                    .unwrap_or_default(),
                r.reason.clone(),
            ]
        })
        .collect();
    out.table(
        &["GRANTED", "BY", "DURATION", "EXPIRES", "REVOKED", "REASON"],
        rows,
    )
}
