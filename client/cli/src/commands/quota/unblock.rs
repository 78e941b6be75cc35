//! `ccwb quota unblock`: lets a blocked user through for a while, or with `--revoke` takes
//! that back. Kept in the user's unblock history and the audit trail.

use ccwb_api::{UnblockRecord, UnblockRequest};
use ccwb_api_client::ApiClient;

use crate::error::CliError;
use crate::output::Out;

/// Arguments of `ccwb quota unblock`.
#[derive(Debug, Clone, clap::Args)]
pub struct UnblockArgs {
    /// The user's e-mail address.
    pub email: String,
    /// How long: Nh (1-168), Nd (1-7) or until-reset (next month start, at most 7 days).
    #[arg(long, default_value = "24h", conflicts_with = "revoke")]
    pub duration: String,
    /// Why (kept in the history and the audit trail).
    #[arg(long, required_unless_present = "revoke")]
    pub reason: Option<String>,
    /// Revoke the unblock in force instead.
    #[arg(long)]
    pub revoke: bool,
}

impl UnblockArgs {
    /// Grants (or with `--revoke`, revokes) the unblock and shows the record.
    pub async fn run(self, client: &ApiClient, out: &mut Out<'_>) -> Result<(), CliError> {
        let record = if self.revoke {
            client.revoke_unblock(&self.email).await?
        } else {
            let request = UnblockRequest {
                duration: self.duration,
                reason: self.reason.unwrap_or_default(),
            };
            client.unblock(&self.email, &request).await?
        };
        if out.is_json() {
            return out.json(&record);
        }
        if self.revoke {
            out.note(format!("Revoked the unblock of {}.", record.identity))?;
        } else {
            out.note(format!(
                "Unblocked {} until {} (UTC).",
                record.identity, record.expires_at
            ))?;
        }
        out.fields(&record_fields(&record))
    }
}

/// An unblock's fields, the revocation only when there was one.
fn record_fields(r: &UnblockRecord) -> Vec<(&'static str, String)> {
    let mut fields = vec![
        ("User", r.identity.clone()),
        ("Duration", r.duration.clone()),
        ("Expires", crate::output::time(r.expires_at)),
        ("Unblocked by", r.unblocked_by.clone()),
        ("Unblocked at", crate::output::time(r.unblocked_at)),
        ("Reason", r.reason.clone()),
    ];
    if let Some(at) = &r.revoked_at {
        fields.push(("Revoked at", crate::output::time(*at)));
        fields.push(("Revoked by", r.revoked_by.clone().unwrap_or_default()));
    }
    fields
}
