//! What is kept between runs, per profile: credentials, the sign-in's tokens and when the quota
//! was last checked. In a 0600 file written atomically (temp + rename) in a private folder
//! (0700 whatever the umask; [`ccwb_install::files`] says how an existing one is treated), or in
//! the OS keyring. A lock file next to it (also 0600) makes concurrent runs share one sign-in.

use std::fs;
use std::path::{Path, PathBuf};

use ccwb_install::files;
use serde::{Deserialize, Serialize};

use crate::config::{APP_DIR, Storage};
use crate::credentials::Credentials;
use crate::error::Error;

/// The sign-in's tokens.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tokens {
    /// The OpenID id token.
    pub id_token: String,
    /// When it expires (Unix seconds).
    pub expires_at: i64,
    /// For renewing it without the browser.
    #[serde(default, skip_serializing_if = "Option::is_none")]
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
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cached {
    /// What it was obtained for ([`crate::config::Profile::fingerprint`]).
    pub fingerprint: String,
    /// AWS credentials.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credentials: Option<Credentials>,
    /// The sign-in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tokens: Option<Tokens>,
    /// When `/check` last allowed access (Unix seconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_quota_check: Option<i64>,
}

/// Where one profile's cache lives.
#[derive(Debug, Clone)]
pub struct Cache {
    storage: Storage,
    profile: String,
    dir: PathBuf,
}

/// Held while a run signs in or writes the cache; released when dropped.
#[derive(Debug)]
pub struct Lock {
    _file: fs::File,
}

impl Cache {
    /// The cache of `profile` in the user's cache directory.
    pub fn new(profile: &str, storage: Storage) -> Result<Self, Error> {
        let dirs = directories::BaseDirs::new().ok_or_else(|| {
            Error::Cache("cannot find your home directory for the credential cache".into())
        })?;
        Ok(Self {
            storage,
            profile: profile.to_owned(),
            dir: dirs.cache_dir().join(APP_DIR),
        })
    }

    /// The file (or keyring entry) the cache is kept in, for `--explain`.
    pub fn location(&self) -> String {
        match self.storage {
            Storage::File => self.file().display().to_string(),
            Storage::Keyring => format!(
                "OS keyring, service {APP_DIR:?}, account {:?}",
                self.profile
            ),
        }
    }

    /// A file name for the profile that cannot escape the directory.
    fn stem(&self) -> String {
        self.profile
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

    fn file(&self) -> PathBuf {
        self.dir.join(format!("{}.json", self.stem()))
    }

    /// The cache, empty when there is none, it is unreadable, or it was made for another
    /// configuration (`fingerprint`).
    pub fn load(&self, fingerprint: &str) -> Result<Cached, Error> {
        let text = match self.storage {
            Storage::File => match fs::read_to_string(self.file()) {
                Ok(text) => Some(text),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
                Err(e) => {
                    return Err(Error::Cache(format!(
                        "cannot read {}: {e}",
                        self.file().display()
                    )));
                }
            },
            Storage::Keyring => keyring_store::read(&self.profile)?,
        };
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
        match self.storage {
            Storage::File => {
                let name = format!("{}.json", self.stem());
                let tightened =
                    files::write_private(&self.dir, &name, text.as_bytes()).map_err(|e| {
                        Error::Cache(format!(
                            "cannot write {}: {e}",
                            self.dir.join(&name).display()
                        ))
                    })?;
                warn(tightened);
                Ok(())
            }
            Storage::Keyring => keyring_store::write(&self.profile, &text),
        }
    }

    /// Removes credentials and tokens; `true` if there were any.
    pub fn clear(&self) -> Result<bool, Error> {
        match self.storage {
            Storage::File => remove(&self.file()),
            Storage::Keyring => keyring_store::delete(&self.profile),
        }
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
        let name = format!("{}.lock", self.stem());
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

fn remove(path: &Path) -> Result<bool, Error> {
    match fs::remove_file(path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(Error::Cache(format!(
            "cannot remove {}: {e}",
            path.display()
        ))),
    }
}

/// Says on stderr (never stdout, which carries the credentials) that the cache folder was
/// made private.
fn warn(tightened: Option<files::Tightened>) {
    if let Some(tightened) = tightened {
        eprintln!("Warning: {tightened}");
    }
}

/// The OS keyring, in chunks: Windows' Credential Manager holds at most 2,560 bytes per entry
/// and tokens plus a session token can be longer. Entry `<profile>` holds the chunk count,
/// `<profile>#<n>` the chunks.
mod keyring_store {
    use super::{APP_DIR, Error};

    const CHUNK: usize = 1_200;

    fn entry(account: &str) -> Result<keyring::Entry, Error> {
        keyring::Entry::new(APP_DIR, account).map_err(|e| Error::Cache(format!("OS keyring: {e}")))
    }

    fn get(account: &str) -> Result<Option<String>, Error> {
        match entry(account)?.get_password() {
            Ok(text) => Ok(Some(text)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(Error::Cache(format!("OS keyring: {e}"))),
        }
    }

    fn remove(account: &str) -> Result<bool, Error> {
        match entry(account)?.delete_credential() {
            Ok(()) => Ok(true),
            Err(keyring::Error::NoEntry) => Ok(false),
            Err(e) => Err(Error::Cache(format!("OS keyring: {e}"))),
        }
    }

    pub fn read(profile: &str) -> Result<Option<String>, Error> {
        let Some(count) = get(profile)?.and_then(|c| c.parse::<usize>().ok()) else {
            return Ok(None);
        };
        let mut text = String::new();
        for n in 0..count {
            match get(&format!("{profile}#{n}"))? {
                Some(chunk) => text.push_str(&chunk),
                None => return Ok(None),
            }
        }
        Ok(Some(text))
    }

    pub fn write(profile: &str, text: &str) -> Result<(), Error> {
        let old = get(profile)?.and_then(|c| c.parse::<usize>().ok());
        let chunks: Vec<&str> = split(text);
        for (n, chunk) in chunks.iter().enumerate() {
            entry(&format!("{profile}#{n}"))?
                .set_password(chunk)
                .map_err(|e| Error::Cache(format!("OS keyring: {e}")))?;
        }
        entry(profile)?
            .set_password(&chunks.len().to_string())
            .map_err(|e| Error::Cache(format!("OS keyring: {e}")))?;
        for n in chunks.len()..old.unwrap_or(0) {
            remove(&format!("{profile}#{n}"))?;
        }
        Ok(())
    }

    pub fn delete(profile: &str) -> Result<bool, Error> {
        let count = get(profile)?.and_then(|c| c.parse::<usize>().ok());
        for n in 0..count.unwrap_or(0) {
            remove(&format!("{profile}#{n}"))?;
        }
        remove(profile)
    }

    /// Splits at character boundaries into pieces of at most `CHUNK` bytes.
    fn split(text: &str) -> Vec<&str> {
        let mut pieces = Vec::new();
        let mut rest = text;
        while !rest.is_empty() {
            let mut end = rest.len().min(CHUNK);
            while !rest.is_char_boundary(end) {
                end -= 1;
            }
            let (piece, tail) = rest.split_at(end);
            pieces.push(piece);
            rest = tail;
        }
        pieces
    }

    #[cfg(test)]
    mod tests {
        #[test]
        fn chunks_rejoin() {
            let text = "é".repeat(2_000);
            let pieces = super::split(&text);
            assert!(pieces.iter().all(|p| p.len() <= super::CHUNK));
            assert_eq!(pieces.concat(), text);
        }
    }
}
