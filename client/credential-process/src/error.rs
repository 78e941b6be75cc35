//! The one error type of credential-process. Every failure ends the run with exit code 1 and
//! one `Error: …` line on stderr; no message ever carries a token or a secret key.

use ccwb_api_client::ApiError;

/// Why no credentials were printed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// `config.json` is missing, unreadable or wrong.
    #[error("{0}")]
    Config(String),
    /// The credential cache or the keyring failed.
    #[error("{0}")]
    Cache(String),
    /// Signing in with the identity provider failed.
    #[error("sign-in failed: {0}")]
    SignIn(String),
    /// STS or the Cognito identity pool refused or could not be reached.
    #[error("{0}")]
    Federation(String),
    /// The quota API could not give an answer and `quota_fail_mode` is `closed`.
    #[error("quota check failed ({0}) and quota_fail_mode is \"closed\": no credentials issued")]
    QuotaUnavailable(String),
    /// The quota check denied access (the banner was already shown).
    #[error("access blocked by quota policy ({0})")]
    Blocked(String),
    /// `--show-claims`: the id token names nobody the API accepts (the reason names the claim).
    #[error("no identity: {0}")]
    NoIdentity(String),
    /// Claude Code's settings could not be read or written.
    #[error("{0}")]
    Settings(String),
    /// Printing the result failed.
    #[error("cannot write to stdout: {0}")]
    Output(String),
}

impl From<ApiError> for Error {
    fn from(err: ApiError) -> Self {
        match err {
            ApiError::SignIn(message) => Self::SignIn(message),
            other => Self::QuotaUnavailable(other.to_string()),
        }
    }
}
