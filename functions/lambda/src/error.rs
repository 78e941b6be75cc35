//! The handlers' one error type, mapped once to status and the JSON error envelope.

use ccwb_core::ValidationError;
use ccwb_store::StoreError;
use lambda_http::http::StatusCode;
use lambda_http::{Body, Response};

/// Why a request failed.
#[derive(Debug, thiserror::Error)]
pub enum HandlerError {
    /// The caller is not an administrator (or the token names nobody).
    #[error("{0}")]
    Forbidden(String),
    /// Bad input; the message names the field.
    #[error("{0}")]
    BadRequest(String),
    /// No such thing.
    #[error("{0}")]
    NotFound(String),
    /// The thing exists already, or changed meanwhile.
    #[error("{0}")]
    Conflict(String),
    /// A precondition (`If-Match`) does not hold.
    #[error("{0}")]
    PreconditionFailed(String),
    /// The thing existed but is no longer usable, e.g. an expired link (410).
    #[error("{0}")]
    Gone(String),
    /// The request is over a limit; the message names the limit.
    #[error("{0}")]
    TooLarge(String),
    /// The store failed.
    #[error("storage error")]
    Store(#[from] StoreError),
}

impl From<ValidationError> for HandlerError {
    fn from(err: ValidationError) -> Self {
        Self::BadRequest(err.to_string())
    }
}

impl HandlerError {
    /// The response for this error; store failures are logged, never shown.
    pub fn into_response(self) -> Response<Body> {
        let (status, code) = match &self {
            Self::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            Self::BadRequest(_) => (StatusCode::BAD_REQUEST, "bad_request"),
            Self::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            Self::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
            Self::PreconditionFailed(_) => (StatusCode::PRECONDITION_FAILED, "precondition_failed"),
            Self::Gone(_) => (StatusCode::GONE, "gone"),
            Self::TooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
            Self::Store(StoreError::BadCursor) => (StatusCode::BAD_REQUEST, "bad_request"),
            Self::Store(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        };
        let message = match &self {
            Self::Store(StoreError::BadCursor) => {
                "next: not a cursor from a previous page".to_owned()
            }
            Self::Store(err) => {
                tracing::error!(error = %err, "store failure");
                "the request could not be completed because of a storage error; try again"
                    .to_owned()
            }
            other => other.to_string(),
        };
        crate::error_response(status, code, message)
    }
}
