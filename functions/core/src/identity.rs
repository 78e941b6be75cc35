//! The caller's identity, taken from verified claims only.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::Claims;

/// A normalised user identity: an e-mail address (or IAM session name), trimmed and lower-cased.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Identity(String);

impl Identity {
    /// Normalises a raw value; `None` when nothing is left after trimming.
    pub fn parse(raw: &str) -> Option<Self> {
        let value = raw.trim().to_lowercase();
        (!value.is_empty()).then_some(Self(value))
    }

    /// The identity from the session name of an IAM caller ARN, as API Gateway passes it for
    /// IAM-authorised routes (`arn:aws:sts::123:assumed-role/Role/alice@example.com`).
    pub fn from_iam_arn(arn: &str) -> Option<Self> {
        let resource = arn.splitn(6, ':').nth(5)?;
        let mut parts = resource.split('/');
        match parts.next()? {
            // assumed-role/<role>/<session>: the session name names the person.
            "assumed-role" => Self::parse(parts.nth(1)?),
            // user/<path...>/<name> and federated-user/<name>: the last segment.
            "user" | "federated-user" => Self::parse(parts.next_back()?),
            _ => None,
        }
    }

    /// The identity as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Which claims name the user, in order of preference (deployment setting, default `email`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentityClaims(Vec<String>);

impl IdentityClaims {
    /// Parses a comma-separated list of claim names; blank entries are ignored.
    /// `None` when the list names no claim at all.
    pub fn parse(list: &str) -> Option<Self> {
        let names: Vec<String> = list
            .split(',')
            .map(str::trim)
            .filter(|name| !name.is_empty())
            .map(str::to_owned)
            .collect();
        (!names.is_empty()).then_some(Self(names))
    }

    /// The identity from the first listed claim that holds a non-blank value.
    pub fn identity(&self, claims: &Claims) -> Option<Identity> {
        self.0
            .iter()
            .filter_map(|name| claims.get(name))
            .find_map(|value| Identity::parse(value))
    }
}

impl Default for IdentityClaims {
    fn default() -> Self {
        Self(vec!["email".to_owned()])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(pairs: &[(&str, &str)]) -> Claims {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn upper_case_and_padded_email_is_normalised() {
        let id = IdentityClaims::default().identity(&claims(&[("email", "  Alice@Example.COM ")]));
        assert_eq!(id.unwrap().as_str(), "alice@example.com");
    }

    #[test]
    fn blank_email_is_no_identity() {
        assert_eq!(
            IdentityClaims::default().identity(&claims(&[("email", "   ")])),
            None
        );
        assert_eq!(IdentityClaims::default().identity(&claims(&[])), None);
    }

    #[test]
    fn later_claim_is_used_when_earlier_is_missing_or_blank() {
        let names = IdentityClaims::parse("email, preferred_username,").unwrap();
        let id = names.identity(&claims(&[
            ("email", ""),
            ("preferred_username", "Bob@X.io"),
        ]));
        assert_eq!(id.unwrap().as_str(), "bob@x.io");
    }

    #[test]
    fn empty_claim_list_is_refused() {
        assert_eq!(IdentityClaims::parse(" , "), None);
    }

    #[test]
    fn assumed_role_arn_gives_session_name() {
        let id = Identity::from_iam_arn(
            "arn:aws:sts::123456789012:assumed-role/BedrockUsers/Carol@Example.com",
        );
        assert_eq!(id.unwrap().as_str(), "carol@example.com");
    }

    #[test]
    fn iam_user_arn_gives_user_name() {
        let id = Identity::from_iam_arn("arn:aws:iam::123456789012:user/team/dave");
        assert_eq!(id.unwrap().as_str(), "dave");
    }

    #[test]
    fn role_arn_without_session_is_no_identity() {
        assert_eq!(
            Identity::from_iam_arn("arn:aws:iam::123456789012:role/Admin"),
            None
        );
        assert_eq!(Identity::from_iam_arn("not-an-arn"), None);
    }
}
