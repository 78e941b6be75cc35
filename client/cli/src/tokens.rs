//! Stored sign-in tokens, per profile, in the shared [`SecretStore`]: the OS keyring on macOS
//! and Windows, else a 0600 file in the config directory's `tokens/`. Never printed.

use ccwb_api_client::ApiError;
use ccwb_api_client::secrets::SecretStore;
use ccwb_install::files::Tightened;
use serde::{Deserialize, Serialize};

use crate::error::CliError;
use crate::profile::config_dir;

/// What a sign-in leaves behind.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredTokens {
    /// The OpenID id token the API accepts.
    pub id_token: String,
    /// For getting a new id token without the browser.
    #[serde(default)]
    pub refresh_token: Option<String>,
    /// When the id token expires (Unix seconds).
    pub expires_at: i64,
    /// Where to refresh.
    pub token_endpoint: String,
    /// The client id used.
    pub client_id: String,
}

/// The store for sign-ins: the OS keyring on macOS and Windows, where one is always there and
/// it is the platform's custom; files in the config directory elsewhere (a Linux server or
/// container often has no keyring daemon, and the kernel keyring forgets at logout).
fn store() -> Result<SecretStore, CliError> {
    if cfg!(any(target_os = "macos", target_os = "windows")) {
        Ok(SecretStore::keyring(KEYRING_SERVICE))
    } else {
        Ok(SecretStore::files(config_dir()?.join("tokens")))
    }
}

/// The keyring service ccwb's sign-ins are kept under (the account is the profile name).
const KEYRING_SERVICE: &str = "ccwb";

fn store_error(err: ApiError) -> CliError {
    CliError::Config(err.to_string())
}

/// Loads the tokens of `profile`.
pub fn load(profile: &str) -> Result<Option<StoredTokens>, CliError> {
    let text = match store()?.read(profile).map_err(store_error)? {
        Some(text) => text,
        None => return Ok(None),
    };
    serde_json::from_str(&text).map(Some).map_err(|_| {
        CliError::Config(format!(
            "stored sign-in of profile {profile:?} is unreadable: run `ccwb login`"
        ))
    })
}

/// Stores the tokens of `profile`; says whether the tokens' folder had to be made private,
/// which the caller tells the user.
#[must_use = "the user is told when their tokens' folder was made private"]
pub fn save(profile: &str, tokens: &StoredTokens) -> Result<Option<Tightened>, CliError> {
    let text = serde_json::to_string(tokens).map_err(|e| CliError::Config(e.to_string()))?;
    store()?.write(profile, &text).map_err(store_error)
}

/// Forgets the tokens of `profile`; `true` if there were any.
pub fn delete(profile: &str) -> Result<bool, CliError> {
    store()?.delete(profile).map_err(store_error)
}
