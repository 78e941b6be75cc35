//! The CLI's one error type: one line for people, an exit code for scripts.

use ccwb_api_client::ApiError;

/// A command's failure.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The command line is wrong in a way clap cannot see (exit 2).
    #[error("{0}")]
    Usage(String),
    /// No endpoint configured.
    #[error("no API endpoint: pass --endpoint, set CCWB_ENDPOINT, or select a profile")]
    NoEndpoint,
    /// No token available.
    #[error("not signed in{0}")]
    NotSignedIn(String),
    /// Profiles or stored tokens.
    #[error("{0}")]
    Config(String),
    /// Signing in failed.
    #[error("sign-in failed: {0}")]
    Login(String),
    /// The API call failed.
    #[error(transparent)]
    Api(#[from] ApiError),
    /// An input file is unusable.
    #[error("{0}")]
    Input(String),
    /// Output could not be written.
    #[error("cannot write output: {0}")]
    Output(String),
    /// Some rows of a bulk operation failed (already reported row by row).
    #[error("{0}")]
    Partial(String),
    /// The user declined a confirmation.
    #[error("cancelled")]
    Cancelled,
}

impl CliError {
    /// The process exit code: 2 for usage errors, 1 for everything else.
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Usage(_) => 2,
            _ => 1,
        }
    }

    /// What the user can do about it.
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            Self::NoEndpoint => Some(
                "`ccwb deploy` sets the profile's API; with `make run`, the local API is at http://127.0.0.1:8787",
            ),
            Self::NotSignedIn(_) | Self::Api(ApiError::Unauthorized) => {
                Some("run `ccwb login`, or set CCWB_TOKEN to an id token")
            }
            Self::Api(ApiError::Unreachable { .. }) => {
                Some("check the endpoint (`ccwb context show`); for the local stack run `make run`")
            }
            Self::Api(ApiError::Forbidden(_)) => {
                Some("admin commands need membership of an admin group (`ccwb whoami` shows yours)")
            }
            _ => None,
        }
    }
}
