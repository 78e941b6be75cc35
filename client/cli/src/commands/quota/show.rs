//! `ccwb quota show`: a user's effective policy, every applicable one, and why
//! (`GET /resolve`).

use ccwb_api::ResolveResponse;
use ccwb_api_client::ApiClient;

use super::{decision, policy_view};
use crate::error::CliError;
use crate::output::Out;

/// Arguments of `ccwb quota show`.
#[derive(Debug, Clone, clap::Args)]
pub struct ShowArgs {
    /// The user's e-mail address.
    pub email: String,
    /// The user's groups (comma-separated), as their token would carry them [default: the
    /// groups of the user's latest telemetry this month]
    #[arg(long, short = 'g', value_delimiter = ',')]
    pub groups: Vec<String>,
}

impl ShowArgs {
    /// Resolves the user's policies and shows the result.
    pub async fn run(self, client: &ApiClient, out: &mut Out<'_>) -> Result<(), CliError> {
        let resolved = client.resolve(&self.email, &self.groups).await?;
        render(&resolved, out)
    }
}

fn render(resolved: &ResolveResponse, out: &mut Out<'_>) -> Result<(), CliError> {
    if out.is_json() {
        return out.json(resolved);
    }
    out.fields(&[
        ("User", resolved.identity.clone()),
        (
            "Groups",
            decision::groups_line(&resolved.groups, resolved.groups_source),
        ),
        (
            "Effective policy",
            resolved.effective.as_ref().map_or_else(
                || "(none: unlimited)".into(),
                |p| format!("{} {}", p.policy_type, p.identifier),
            ),
        ),
    ])?;
    out.line(&resolved.explanation)?;
    if !resolved.applicable.is_empty() {
        out.line("")?;
        let rows = resolved
            .applicable
            .iter()
            .map(|p| {
                let mut row = policy_view::row(p);
                row.pop(); // every applicable policy is enabled
                row
            })
            .collect();
        let header = &policy_view::HEADER[..policy_view::HEADER.len() - 1];
        out.table(header, rows)?;
    }
    out.line("")?;
    decision::render(&resolved.check, out)
}
