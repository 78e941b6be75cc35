//! Temporary overrides that let a blocked user through.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// An unblock granted by an administrator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unblock {
    /// The last instant it applies.
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
    /// Who granted it.
    pub unblocked_by: String,
    /// Why.
    pub reason: String,
}

impl Unblock {
    /// Active while `now <= expires_at`: an unblock expiring at this very instant still applies.
    pub fn is_active(&self, now: OffsetDateTime) -> bool {
        now <= self.expires_at
    }
}
