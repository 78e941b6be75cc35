//! What is kept between runs, per profile: credentials, the sign-in's tokens and when the quota
//! was last checked, in the shared [`SecretStore`]: a 0600 file written atomically (temp +
//! rename) in a private folder (0700 whatever the umask; [`ccwb_install::files`] says how an
//! existing one is treated), or the OS keyring in chunks. A lock file in that folder (also 0600)
//! makes concurrent runs share one sign-in.

use std::fs;
use std::path::PathBuf;

use ccwb_api_client::secrets::SecretStore;
use ccwb_install::files;
use serde::{Deserialize, Serialize};

use crate::config::{APP_DIR, CredentialStorage};
use crate::error::Error;
use ccwb_install::credentials::Credentials;

/// The sign-in's tokens.
#[serde_with::skip_serializing_none]
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tokens {
    /// The OpenID id token.
    pub id_token: String,
    /// When it expires (Unix seconds).
    pub expires_at: i64,
    /// For renewing it without the browser.
    #[serde(default)]
    pub refresh_token: Option<String>,
    /// Where to renew it.
    pub token_endpoint: String,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokens")
            .field("expires_at", &self.expires_at)
            .field("refresh_token", &self.refresh_token.is_some())
            .finish_non_exhaustive()
    }
}

/// The cache of one profile.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cached {
    /// What it was obtained for ([`crate::config::Profile::fingerprint`]).
    pub fingerprint: String,
    /// AWS credentials.
    #[serde(default)]
    pub credentials: Option<Credentials>,
    /// The sign-in.
    #[serde(default)]
    pub tokens: Option<Tokens>,
    /// When `/check` last allowed access (Unix seconds).
    #[serde(default)]
    pub last_quota_check: Option<i64>,
}

/// Where one profile's cache lives.
#[derive(Debug, Clone)]
pub struct Cache {
    /// Where the cache itself is kept.
    store: SecretStore,
    /// Its name there: the profile (keyring), or a file name made from it (files).
    account: String,
    /// The cache folder, which holds the lock files whatever the store.
    dir: PathBuf,
}

/// Held while a run signs in or writes the cache; released when dropped.
#[derive(Debug)]
pub struct Lock {
    _file: fs::File,
}

impl Cache {
    /// The cache of `profile` in the user's cache directory.
    pub fn new(profile: &str, storage: CredentialStorage) -> Result<Self, Error> {
        let dirs = directories::BaseDirs::new().ok_or_else(|| {
            Error::Cache("cannot find your home directory for the credential cache".into())
        })?;
        let dir = dirs.cache_dir().join(APP_DIR);
        let (store, account) = match storage {
            CredentialStorage::File => (SecretStore::files(&dir), stem(profile)),
            CredentialStorage::Keyring => (SecretStore::keyring(APP_DIR), profile.to_owned()),
        };
        Ok(Self {
            store,
            account,
            dir,
        })
    }

    /// The file (or keyring entry) the cache is kept in, for `--explain`.
    pub fn location(&self) -> String {
        self.store.location(&self.account)
    }

    /// The cache, empty when there is none, it is unreadable, or it was made for another
    /// configuration (`fingerprint`).
    pub fn load(&self, fingerprint: &str) -> Result<Cached, Error> {
        let text = self.store.read(&self.account).map_err(store_error)?;
        let cached = text
            .and_then(|t| serde_json::from_str::<Cached>(&t).ok())
            .filter(|c| c.fingerprint == fingerprint)
            .unwrap_or_else(|| Cached {
                fingerprint: fingerprint.to_owned(),
                ..Cached::default()
            });
        Ok(cached)
    }

    /// Replaces the cache (call with the [`Lock`] held).
    pub fn save(&self, cached: &Cached) -> Result<(), Error> {
        let text = serde_json::to_string(cached)
            .map_err(|e| Error::Cache(format!("cannot encode the cache: {e}")))?;
        let tightened = self
            .store
            .write(&self.account, &text)
            .map_err(store_error)?;
        warn(tightened);
        Ok(())
    }

    /// Removes credentials and tokens; `true` if there were any.
    pub fn clear(&self) -> Result<bool, Error> {
        self.store.delete(&self.account).map_err(store_error)
    }

    /// Waits for other runs of this profile to finish signing in; `waiting` is called once if
    /// another run holds the lock.
    pub fn lock(&self, waiting: impl FnOnce()) -> Result<Lock, Error> {
        let (file, path) = self.lock_file()?;
        let error =
            |e: std::io::Error| Error::Cache(format!("cannot lock {}: {e}", path.display()));
        match file.try_lock() {
            Ok(()) => {}
            Err(fs::TryLockError::WouldBlock) => {
                waiting();
                file.lock().map_err(error)?;
            }
            Err(fs::TryLockError::Error(e)) => return Err(error(e)),
        }
        Ok(Lock { _file: file })
    }

    fn lock_file(&self) -> Result<(fs::File, PathBuf), Error> {
        let name = format!("{}.lock", stem(&self.account));
        let path = self.dir.join(&name);
        let (file, tightened) = files::open_private(&self.dir, &name)
            .map_err(|e| Error::Cache(format!("cannot lock {}: {e}", path.display())))?;
        warn(tightened);
        Ok((file, path))
    }

    /// The profile's lock if it can be had within `patience`, else `None` (another run is
    /// signing in, perhaps in a browser): for helpers that must never hang.
    pub fn try_lock_for(&self, patience: std::time::Duration) -> Result<Option<Lock>, Error> {
        let (file, path) = self.lock_file()?;
        let error =
            |e: std::io::Error| Error::Cache(format!("cannot lock {}: {e}", path.display()));
        let deadline = std::time::Instant::now() + patience;
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(Some(Lock { _file: file })),
                Err(fs::TryLockError::WouldBlock) if std::time::Instant::now() < deadline => {
                    std::thread::sleep(std::time::Duration::from_millis(50));
                }
                Err(fs::TryLockError::WouldBlock) => return Ok(None),
                Err(fs::TryLockError::Error(e)) => return Err(error(e)),
            }
        }
    }
}

/// A file name for the profile that cannot escape the directory.
fn stem(profile: &str) -> String {
    profile
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

fn store_error(err: ccwb_api_client::ApiError) -> Error {
    Error::Cache(err.to_string())
}

/// Says on stderr (never stdout, which carries the credentials) that the cache folder was
/// made private.
fn warn(tightened: Option<files::Tightened>) {
    if let Some(tightened) = tightened {
        eprintln!("Warning: {tightened}");
    }
}
