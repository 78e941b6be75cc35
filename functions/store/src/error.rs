//! The store's one error type.

/// A storage operation that failed, with what was being done and where.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// An AWS call failed (unreachable endpoint, denied, throttled, ...).
    #[error("{operation} failed against {endpoint}: {message}")]
    Aws {
        /// What was being attempted, e.g. `CreateTable ccwb-policies`.
        operation: String,
        /// The endpoint in use (`AWS_ENDPOINT_URL`, or the service's default).
        endpoint: String,
        /// The SDK's full error chain.
        message: String,
    },
    /// A conditional write found the item changed (or present, or absent) since it was read.
    #[error("{0}")]
    Conflict(String),
    /// A pagination cursor that this store did not issue.
    #[error("invalid pagination cursor")]
    BadCursor,
    /// A stored item could not be decoded.
    #[error("corrupt item: {0}")]
    Corrupt(String),
    /// A resource exists but differs from its definition.
    #[error("{0}")]
    Mismatch(String),
}
