//! The credentials the installed program prints for AWS tools (its `credential_process`):
//! written by credential-process, read back by `ccwb test --full` as the AWS tools read them.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Exactly the `credential_process` output format (version 1).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Credentials {
    /// Always 1.
    pub version: u8,
    /// The access key id.
    pub access_key_id: String,
    /// The secret key (never printed anywhere but stdout).
    pub secret_access_key: String,
    /// The session token.
    pub session_token: String,
    /// When they expire: RFC 3339, UTC.
    pub expiration: String,
}

impl std::fmt::Debug for Credentials {
    // Secrets stay out of debug output and logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("expiration", &self.expiration)
            .finish_non_exhaustive()
    }
}

/// Unix seconds as RFC 3339 in UTC (`2026-05-01T12:00:00Z`), the one form times are printed in;
/// `None` out of range.
pub fn rfc3339(secs: i64) -> Option<String> {
    OffsetDateTime::from_unix_timestamp(secs)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
}

impl Credentials {
    /// Credentials expiring at `expires` (Unix seconds).
    pub fn new(
        access_key_id: String,
        secret_access_key: String,
        session_token: String,
        expires: i64,
    ) -> Self {
        let expiration = rfc3339(expires).unwrap_or_default();
        Self {
            version: 1,
            access_key_id,
            secret_access_key,
            session_token,
            expiration,
        }
    }

    /// Expiry in Unix seconds (`0` if unreadable, which makes them unusable).
    pub fn expires_at(&self) -> i64 {
        OffsetDateTime::parse(&self.expiration, &Rfc3339)
            .map(OffsetDateTime::unix_timestamp)
            .unwrap_or(0)
    }

    /// Whether they are still good for at least `margin` seconds after `now`.
    pub fn valid_for(&self, now: i64, margin: i64) -> bool {
        self.expires_at() - now > margin
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_is_the_credential_process_format() {
        let c = Credentials::new("AK".into(), "SK".into(), "ST".into(), 1_800_000_000);
        assert_eq!(
            serde_json::to_string(&c).unwrap(),
            r#"{"Version":1,"AccessKeyId":"AK","SecretAccessKey":"SK","SessionToken":"ST","Expiration":"2027-01-15T08:00:00Z"}"#
        );
        assert!(c.valid_for(1_800_000_000 - 301, 300));
        assert!(!c.valid_for(1_800_000_000 - 300, 300));
        assert!(!format!("{c:?}").contains("SK"));
    }
}
