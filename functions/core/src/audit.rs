//! The audit trail: one event per administrative change.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// One administrative change: who did what to which target, with the state before and after.
#[serde_with::skip_serializing_none]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEvent {
    /// Unique id (time-ordered within a day by its key).
    pub id: String,
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "schema", schemars(with = "String"))]
    pub at: OffsetDateTime,
    /// The administrator's identity, from the verified token.
    pub actor: String,
    /// What was done, e.g. `policy.create`, `policy.update`, `policy.delete`, `policy.import`.
    pub action: String,
    /// What it was done to, e.g. `policy/group/eng`.
    pub target: String,
    /// The state before (absent for creations).
    #[serde(default)]
    pub before: Option<serde_json::Value>,
    /// The state after (absent for deletions).
    #[serde(default)]
    pub after: Option<serde_json::Value>,
}
