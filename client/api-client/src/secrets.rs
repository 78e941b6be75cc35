//! The one place both binaries keep secrets (sign-in tokens, AWS credentials): the OS keyring
//! or a private file, behind one interface so that a fix to either reaches both.
//!
//! **Keyring** (macOS Keychain, Windows Credential Manager, the Linux kernel keyring through
//! `keyutils`): a secret is split into chunks of [`CHUNK`] bytes, because Windows' Credential
//! Manager holds at most 2,560 bytes per entry and an id token, a refresh token and a session
//! token together are longer. Entry `<account>` holds the chunk count, `<account>#<n>` the
//! chunks. An entry that holds the text itself (what ccwb wrote before it chunked) is still
//! read, so nobody has to sign in again; the next write replaces it by chunks.
//!
//! **Files**: `<dir>/<account>.json`, written by [`ccwb_install::files::write_private`] (0600,
//! atomic, in a folder made private): the one private-file writer of the project.

use std::path::{Path, PathBuf};

use ccwb_install::files::{self, Tightened};

use crate::ApiError;

/// The most bytes one keyring entry holds (well under Windows' 2,560, whatever the encoding).
pub const CHUNK: usize = 1_200;

/// Where secrets are kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretStore {
    /// The OS keyring, entries under this service name.
    Keyring {
        /// The keyring's service (`ccwb`, `claude-code-with-bedrock`).
        service: String,
    },
    /// 0600 files in this folder.
    Files {
        /// The folder (created private when first written).
        dir: PathBuf,
    },
}

impl SecretStore {
    /// The OS keyring under `service`.
    pub fn keyring(service: &str) -> Self {
        Self::Keyring {
            service: service.to_owned(),
        }
    }

    /// Private files in `dir`.
    pub fn files(dir: impl Into<PathBuf>) -> Self {
        Self::Files { dir: dir.into() }
    }

    /// Where `account`'s secret is, for people (never the secret itself).
    pub fn location(&self, account: &str) -> String {
        match self {
            Self::Keyring { service } => {
                format!("OS keyring, service {service:?}, account {account:?}")
            }
            Self::Files { dir } => file(dir, account).display().to_string(),
        }
    }

    /// `account`'s secret, `None` when there is none.
    pub fn read(&self, account: &str) -> Result<Option<String>, ApiError> {
        match self {
            Self::Keyring { service } => keyring::read(service, account),
            Self::Files { dir } => {
                let path = file(dir, account);
                files::read_optional(&path).map_err(|e| {
                    ApiError::SecretStore(format!("cannot read {}: {e}", path.display()))
                })
            }
        }
    }

    /// Replaces `account`'s secret. For files, says whether the folder had to be made private
    /// (the caller warns: whoever could write to it could have swapped the secret).
    pub fn write(&self, account: &str, text: &str) -> Result<Option<Tightened>, ApiError> {
        match self {
            Self::Keyring { service } => keyring::write(service, account, text).map(|()| None),
            Self::Files { dir } => {
                let name = file_name(account);
                files::write_private(dir, &name, text.as_bytes()).map_err(|e| {
                    ApiError::SecretStore(format!(
                        "cannot write {}: {e}",
                        dir.join(&name).display()
                    ))
                })
            }
        }
    }

    /// Forgets `account`'s secret; `true` if there was one.
    pub fn delete(&self, account: &str) -> Result<bool, ApiError> {
        match self {
            Self::Keyring { service } => keyring::delete(service, account),
            Self::Files { dir } => {
                let path = file(dir, account);
                match std::fs::remove_file(&path) {
                    Ok(()) => Ok(true),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
                    Err(e) => Err(ApiError::SecretStore(format!(
                        "cannot remove {}: {e}",
                        path.display()
                    ))),
                }
            }
        }
    }
}

fn file_name(account: &str) -> String {
    format!("{account}.json")
}

fn file(dir: &Path, account: &str) -> PathBuf {
    dir.join(file_name(account))
}

/// Splits at character boundaries into pieces of at most [`CHUNK`] bytes.
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

/// What the head entry says: a chunk count, or (an entry from before chunking) the secret.
#[derive(Debug, PartialEq, Eq)]
enum Head {
    Chunks(usize),
    Whole(String),
}

fn head(text: String) -> Head {
    match text.parse::<usize>() {
        Ok(count) => Head::Chunks(count),
        Err(_) => Head::Whole(text),
    }
}

#[cfg(any(target_os = "linux", target_os = "macos", target_os = "windows"))]
mod keyring {
    use super::{ApiError, Head, head, split};

    fn error(e: ::keyring::Error) -> ApiError {
        ApiError::SecretStore(format!("OS keyring: {e}"))
    }

    fn entry(service: &str, account: &str) -> Result<::keyring::Entry, ApiError> {
        ::keyring::Entry::new(service, account).map_err(error)
    }

    fn get(service: &str, account: &str) -> Result<Option<String>, ApiError> {
        match entry(service, account)?.get_password() {
            Ok(text) => Ok(Some(text)),
            Err(::keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(error(e)),
        }
    }

    fn set(service: &str, account: &str, text: &str) -> Result<(), ApiError> {
        entry(service, account)?.set_password(text).map_err(error)
    }

    fn remove(service: &str, account: &str) -> Result<bool, ApiError> {
        match entry(service, account)?.delete_credential() {
            Ok(()) => Ok(true),
            Err(::keyring::Error::NoEntry) => Ok(false),
            Err(e) => Err(error(e)),
        }
    }

    fn chunk_count(service: &str, account: &str) -> Result<usize, ApiError> {
        Ok(match get(service, account)?.map(head) {
            Some(Head::Chunks(count)) => count,
            Some(Head::Whole(_)) | None => 0,
        })
    }

    /// The secret: the chunks joined, or an unchunked entry's text.
    pub fn read(service: &str, account: &str) -> Result<Option<String>, ApiError> {
        let count = match get(service, account)?.map(head) {
            None => return Ok(None),
            Some(Head::Whole(text)) => return Ok(Some(text)),
            Some(Head::Chunks(count)) => count,
        };
        let mut text = String::new();
        for n in 0..count {
            match get(service, &format!("{account}#{n}"))? {
                Some(chunk) => text.push_str(&chunk),
                // A write cut short: as good as nothing stored.
                None => return Ok(None),
            }
        }
        Ok(Some(text))
    }

    /// Replaces the secret, removing chunks the old one had beyond the new one's.
    pub fn write(service: &str, account: &str, text: &str) -> Result<(), ApiError> {
        let old = chunk_count(service, account)?;
        let chunks = split(text);
        // Chunks first, the count last: a reader never sees a count with chunks missing.
        for (n, chunk) in chunks.iter().enumerate() {
            set(service, &format!("{account}#{n}"), chunk)?;
        }
        set(service, account, &chunks.len().to_string())?;
        for n in chunks.len()..old {
            remove(service, &format!("{account}#{n}"))?;
        }
        Ok(())
    }

    /// Removes the chunks and the head entry; `true` if there was a secret.
    pub fn delete(service: &str, account: &str) -> Result<bool, ApiError> {
        for n in 0..chunk_count(service, account)? {
            remove(service, &format!("{account}#{n}"))?;
        }
        remove(service, account)
    }
}

/// Platforms without a keyring the `keyring` crate supports: the keyring is refused, files work.
#[cfg(not(any(target_os = "linux", target_os = "macos", target_os = "windows")))]
mod keyring {
    use super::ApiError;

    fn unsupported() -> ApiError {
        ApiError::SecretStore("OS keyring: not supported on this platform; use file storage".into())
    }

    /// Refused: no keyring here.
    pub fn read(_service: &str, _account: &str) -> Result<Option<String>, ApiError> {
        Err(unsupported())
    }

    /// Refused: no keyring here.
    pub fn write(_service: &str, _account: &str, _text: &str) -> Result<(), ApiError> {
        Err(unsupported())
    }

    /// Refused: no keyring here.
    pub fn delete(_service: &str, _account: &str) -> Result<bool, ApiError> {
        Err(unsupported())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_rejoin() {
        let text = "é".repeat(2_000);
        let pieces = split(&text);
        assert!(pieces.iter().all(|p| p.len() <= CHUNK));
        assert_eq!(pieces.concat(), text);
    }

    #[test]
    fn a_head_entry_is_a_count_or_an_unchunked_secret() {
        assert_eq!(head("3".into()), Head::Chunks(3));
        assert_eq!(
            head(r#"{"id_token":"x"}"#.into()),
            Head::Whole(r#"{"id_token":"x"}"#.into())
        );
    }

    #[test]
    fn file_secrets_are_private_and_round_trip() {
        let dir = std::env::temp_dir()
            .join(format!("ccwb-secrets-{}", std::process::id()))
            .join("tokens");
        let store = SecretStore::files(&dir);
        assert_eq!(store.read("p").unwrap(), None);
        assert!(!store.delete("p").unwrap());
        store.write("p", "secret").unwrap();
        assert_eq!(store.read("p").unwrap().as_deref(), Some("secret"));
        assert_eq!(
            store.location("p"),
            dir.join("p.json").display().to_string()
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.join("p.json"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert!(store.delete("p").unwrap());
        assert_eq!(store.read("p").unwrap(), None);
        std::fs::remove_dir_all(dir.parent().unwrap()).unwrap();
    }
}
