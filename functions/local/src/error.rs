//! ccwb-local's one error type: everything that stops it from starting or from minting a token.

use std::path::PathBuf;

/// Why ccwb-local cannot go on; each message says what to do.
#[derive(Debug, thiserror::Error)]
pub enum LocalError {
    /// The AWS endpoint (moto) could not be used at start.
    #[error(
        "cannot prepare the local AWS resources: {0}\nhint: is moto running? `make run` starts it"
    )]
    Provision(#[from] ccwb_store::StoreError),
    /// A file in the state directory could not be read or written.
    #[error("{action} {path}: {source}")]
    File {
        /// What was being done.
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The dev issuer's key is unusable.
    #[error("dev issuer key: {0}")]
    Key(String),
    /// The dev issuer was never started with this state directory.
    #[error(
        "no development issuer in {0}: start `ccwb-local serve --dev-issuer --state-dir {0}` first"
    )]
    NoDevIssuer(PathBuf),
    /// A token could not be signed.
    #[error("cannot sign the token: {0}")]
    Sign(#[from] jsonwebtoken::errors::Error),
    /// A function's configuration is invalid.
    #[error("invalid configuration: {0}")]
    Config(String),
    /// The listening socket could not be opened or served.
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        /// The address.
        addr: String,
        /// The cause.
        source: std::io::Error,
    },
}

impl LocalError {
    /// A file error for `path`.
    pub fn file(action: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::File {
            action,
            path: path.into(),
            source,
        }
    }
}
