//! The error envelope every route uses.

use serde::{Deserialize, Serialize};

/// `{"error": {"code": "...", "message": "...", "details": ...}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ErrorEnvelope {
    /// The error itself.
    pub error: ErrorBody,
}

/// What went wrong, for people (`message`) and programs (`code`, `details`).
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ErrorBody {
    /// A stable machine-readable code such as `bad_request` or `forbidden`.
    pub code: String,
    /// One sentence naming what was wrong (and the field, for bad input).
    pub message: String,
    /// Structured detail where it helps, such as per-field problems.
    #[serde(default)]
    pub details: Option<serde_json::Value>,
}

impl ErrorEnvelope {
    /// An envelope without details.
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            error: ErrorBody {
                code: code.into(),
                message: message.into(),
                details: None,
            },
        }
    }
}
