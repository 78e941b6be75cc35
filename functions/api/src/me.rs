//! `GET /me`: who the API thinks the caller is.

use serde::{Deserialize, Serialize};

/// The caller as the API sees them, from the verified token alone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct MeResponse {
    /// The normalised identity (lower-cased e-mail), or `null` when the token names nobody.
    pub identity: Option<String>,
    /// Every group the token names, sorted.
    pub groups: Vec<String>,
    /// Whether the caller belongs to an admin group.
    pub admin: bool,
}
