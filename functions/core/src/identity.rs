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

/// The claim that an identity provider marks with `email_verified`.
const EMAIL_CLAIM: &str = "email";
/// `false` when the provider has not verified the address in [`EMAIL_CLAIM`].
const EMAIL_VERIFIED_CLAIM: &str = "email_verified";

/// Which claims name the user, in order of preference (deployment setting, default `email`),
/// and whether an address the identity provider marks unverified may still name one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentityClaims {
    names: Vec<String>,
    accept_unverified_email: bool,
}

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
        (!names.is_empty()).then_some(Self {
            names,
            accept_unverified_email: false,
        })
    }

    /// Lets an `email` claim whose `email_verified` is `false` name the user (off by default:
    /// anyone who can set an unverified address at the provider could otherwise be anyone).
    pub fn accepting_unverified_email(mut self, accept: bool) -> Self {
        self.accept_unverified_email = accept;
        self
    }

    /// The identity from the first listed claim that is a non-blank string (an array is not an
    /// identity), passing over an `email` the provider says is unverified.
    pub fn identity(&self, claims: &Claims) -> Option<Identity> {
        let unverified = claims.flag(EMAIL_VERIFIED_CLAIM) == Some(false);
        self.names
            .iter()
            .filter(|name| {
                self.accept_unverified_email || !unverified || name.as_str() != EMAIL_CLAIM
            })
            .filter_map(|name| claims.string(name))
            .find_map(Identity::parse)
    }
}

impl Default for IdentityClaims {
    fn default() -> Self {
        Self {
            names: vec![EMAIL_CLAIM.to_owned()],
            accept_unverified_email: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use serde_json::json;

    fn claims(pairs: &[(&str, &str)]) -> Claims {
        Claims::from_json(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), json!(v)))
                .collect(),
        )
    }

    fn json_claims(value: serde_json::Value) -> Claims {
        Claims::from_json(value.as_object().unwrap().clone())
    }

    #[test]
    fn an_array_is_not_an_identity() {
        let names = IdentityClaims::parse("email,upn").unwrap();
        let id = names.identity(&json_claims(json!({"email": ["a@x.io"], "upn": "b@x.io"})));
        assert_eq!(id.unwrap().as_str(), "b@x.io");
        assert_eq!(
            IdentityClaims::default().identity(&json_claims(json!({"email": ["a@x.io"]}))),
            None
        );
    }

    #[test]
    fn an_unverified_email_names_nobody_unless_the_deployment_accepts_it() {
        for verified in [json!(false), json!("false")] {
            let token = json_claims(json!({"email": "a@x.io", "email_verified": verified}));
            assert_eq!(IdentityClaims::default().identity(&token), None);
            let accepting = IdentityClaims::default().accepting_unverified_email(true);
            assert_eq!(accepting.identity(&token).unwrap().as_str(), "a@x.io");
        }
        let verified = json_claims(json!({"email": "a@x.io", "email_verified": true}));
        assert!(IdentityClaims::default().identity(&verified).is_some());
        let other = IdentityClaims::parse("email,upn").unwrap();
        let token =
            json_claims(json!({"email": "a@x.io", "email_verified": false, "upn": "u@x.io"}));
        assert_eq!(other.identity(&token).unwrap().as_str(), "u@x.io");
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
