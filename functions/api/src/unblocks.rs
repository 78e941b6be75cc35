//! Unblocks and the audit trail.

use ccwb_core::AuditEvent;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// `POST /unblocks/{email}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UnblockRequest {
    /// `Nh` (1–168), `Nd` (1–7) or `until-reset` (next UTC month start, at most 7 days).
    pub duration: String,
    /// Why: kept in the history and the audit trail.
    pub reason: String,
}

/// One unblock, as granted (and possibly revoked).
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct UnblockRecord {
    /// Unique id.
    pub id: String,
    /// The user.
    pub identity: String,
    /// The duration asked for (`24h`, `3d`, `until-reset`).
    pub duration: String,
    /// Why.
    pub reason: String,
    /// Who granted it.
    pub unblocked_by: String,
    /// When (RFC 3339, UTC).
    #[serde(with = "time::serde::rfc3339")]
    #[schemars(with = "String")]
    pub unblocked_at: OffsetDateTime,
    /// When it ends (RFC 3339, UTC).
    #[serde(with = "time::serde::rfc3339")]
    #[schemars(with = "String")]
    pub expires_at: OffsetDateTime,
    /// When it was revoked, if it was.
    #[serde(default, with = "time::serde::rfc3339::option")]
    #[schemars(with = "Option<String>")]
    pub revoked_at: Option<OffsetDateTime>,
    /// Who revoked it.
    #[serde(default)]
    pub revoked_by: Option<String>,
}

/// `GET /unblocks/{email}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct UnblockHistory {
    /// The user.
    pub identity: String,
    /// The unblock in force now, if any.
    pub active: Option<UnblockRecord>,
    /// Every unblock ever granted, newest first.
    pub history: Vec<UnblockRecord>,
}

/// `GET /audit`: events newest first.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct AuditPage {
    /// The events.
    pub events: Vec<AuditEvent>,
    /// Pass as `next` for older events; absent on the last page.
    #[serde(default)]
    pub next: Option<String>,
}
