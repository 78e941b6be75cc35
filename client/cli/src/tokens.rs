//! Stored sign-in tokens, per profile: in the OS keyring on macOS and Windows, else in a 0600
//! file in the config directory. Never printed.

use serde::{Deserialize, Serialize};

use crate::error::CliError;

/// What a sign-in leaves behind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredTokens {
    /// The OpenID id token the API accepts.
    pub id_token: String,
    /// For getting a new id token without the browser.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    /// When the id token expires (Unix seconds).
    pub expires_at: i64,
    /// Where to refresh.
    pub token_endpoint: String,
    /// The client id used.
    pub client_id: String,
}

/// Loads the tokens of `profile`.
pub fn load(profile: &str) -> Result<Option<StoredTokens>, CliError> {
    let text = match backend::read(profile)? {
        Some(text) => text,
        None => return Ok(None),
    };
    serde_json::from_str(&text).map(Some).map_err(|_| {
        CliError::Config(format!(
            "stored sign-in of profile {profile:?} is unreadable: run `ccwb login`"
        ))
    })
}

/// Stores the tokens of `profile`.
pub fn save(profile: &str, tokens: &StoredTokens) -> Result<(), CliError> {
    let text = serde_json::to_string(tokens).map_err(|e| CliError::Config(e.to_string()))?;
    backend::write(profile, &text)
}

/// Forgets the tokens of `profile`; `true` if there were any.
pub fn delete(profile: &str) -> Result<bool, CliError> {
    backend::delete(profile)
}

#[cfg(not(any(target_os = "macos", target_os = "windows")))]
mod backend {
    use super::*;
    use crate::profile::{config_dir, write_private};

    fn path(profile: &str) -> Result<std::path::PathBuf, CliError> {
        Ok(config_dir()?.join("tokens").join(format!("{profile}.json")))
    }

    pub fn read(profile: &str) -> Result<Option<String>, CliError> {
        let path = path(profile)?;
        match std::fs::read_to_string(&path) {
            Ok(text) => Ok(Some(text)),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(err) => Err(CliError::Config(format!(
                "cannot read {}: {err}",
                path.display()
            ))),
        }
    }

    pub fn write(profile: &str, text: &str) -> Result<(), CliError> {
        write_private(
            &config_dir()?.join("tokens"),
            &format!("{profile}.json"),
            text.as_bytes(),
        )
    }

    pub fn delete(profile: &str) -> Result<bool, CliError> {
        let path = path(profile)?;
        match std::fs::remove_file(&path) {
            Ok(()) => Ok(true),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(err) => Err(CliError::Config(format!(
                "cannot remove {}: {err}",
                path.display()
            ))),
        }
    }
}

#[cfg(any(target_os = "macos", target_os = "windows"))]
mod backend {
    use super::*;

    fn entry(profile: &str) -> Result<keyring::Entry, CliError> {
        keyring::Entry::new("ccwb", profile).map_err(|e| CliError::Config(format!("keyring: {e}")))
    }

    pub fn read(profile: &str) -> Result<Option<String>, CliError> {
        match entry(profile)?.get_password() {
            Ok(text) => Ok(Some(text)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(CliError::Config(format!("keyring: {e}"))),
        }
    }

    pub fn write(profile: &str, text: &str) -> Result<(), CliError> {
        entry(profile)?
            .set_password(text)
            .map_err(|e| CliError::Config(format!("keyring: {e}")))
    }

    pub fn delete(profile: &str) -> Result<bool, CliError> {
        match entry(profile)?.delete_credential() {
            Ok(()) => Ok(true),
            Err(keyring::Error::NoEntry) => Ok(false),
            Err(e) => Err(CliError::Config(format!("keyring: {e}"))),
        }
    }
}
