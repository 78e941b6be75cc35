//! Role session names: how a developer's Bedrock calls are named in CloudTrail, invocation logs
//! and cost reports. The access stack's trust policy pins the name to the token's `sub`
//! (`sts:RoleSessionName` = `${issuer:sub}`), so a modified client cannot choose it; `/check`
//! records which identity each one belongs to, from verified tokens.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::Claims;

/// The claim the access stack pins role session names to.
pub const SUBJECT_CLAIM: &str = "sub";

/// A value STS accepts as a role session name: `[\w+=,.@-]{2,64}`, kept exactly (case matters:
/// it is the identity provider's subject, compared byte for byte by IAM).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct SessionName(String);

impl SessionName {
    /// `raw` exactly, when STS would accept it as a session name.
    pub fn parse(raw: &str) -> Option<Self> {
        let valid = (2..=64).contains(&raw.len()) && raw.chars().all(is_session_name_char);
        valid.then(|| Self(raw.to_owned()))
    }

    /// The session name a role pinned to `sub` gives the bearer of these verified claims;
    /// `None` when the token has no `sub` string STS would accept (no such session can exist).
    pub fn of_subject(claims: &Claims) -> Option<Self> {
        claims.string(SUBJECT_CLAIM).and_then(Self::parse)
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for SessionName {
    type Error = String;

    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Self::parse(&raw).ok_or_else(|| {
            format!("{raw:?} is not a role session name (2 to 64 letters, digits and _+=,.@-)")
        })
    }
}

impl From<SessionName> for String {
    fn from(name: SessionName) -> Self {
        name.0
    }
}

impl fmt::Display for SessionName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A character of STS's session-name alphabet (`\w` there is ASCII).
pub fn is_session_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "_+=,.@-".contains(c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn session_names_are_what_sts_accepts_kept_exactly() {
        let rows = [
            ("00u1AbCdEf", true),
            ("Dev@Example.com", true),
            ("a_b+c=d,e.f@g-h", true),
            ("x", false),
            ("", false),
            ("auth0|123", false),
            ("a b", false),
            ("é1", false),
        ];
        for (raw, valid) in rows {
            assert_eq!(SessionName::parse(raw).is_some(), valid, "{raw:?}");
        }
        assert_eq!(SessionName::parse("00u1AbC").unwrap().as_str(), "00u1AbC");
        assert!(SessionName::parse(&"a".repeat(64)).is_some());
        assert!(SessionName::parse(&"a".repeat(65)).is_none());
    }

    #[test]
    fn the_subject_is_read_as_a_string_claim_only() {
        let claims =
            |value| Claims::from_json(json!({ "sub": value }).as_object().unwrap().clone());
        assert_eq!(
            SessionName::of_subject(&claims(json!("00u1")))
                .unwrap()
                .as_str(),
            "00u1"
        );
        assert_eq!(SessionName::of_subject(&claims(json!(["00u1"]))), None);
        assert_eq!(SessionName::of_subject(&claims(json!(12345))), None);
        assert_eq!(SessionName::of_subject(&claims(json!("auth0|1"))), None);
        assert_eq!(SessionName::of_subject(&Claims::default()), None);
    }

    #[test]
    fn serde_refuses_what_parse_refuses() {
        assert!(serde_json::from_value::<SessionName>(json!("ok-name")).is_ok());
        let err = serde_json::from_value::<SessionName>(json!("no|pipes")).unwrap_err();
        assert!(err.to_string().contains("not a role session name"), "{err}");
    }
}
