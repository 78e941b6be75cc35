//! Verified JWT claims with their JSON types.
//!
//! API Gateway hands a function its authorizer's claims flattened to strings: an array claim
//! `["team ccwb-admins"]` arrives as `[team ccwb-admins]`, which cannot be told apart from
//! `["team", "ccwb-admins"]`. So the claims are read from the bearer token itself (the one API
//! Gateway just verified, still in the `Authorization` header), after checking that it is that
//! token; the flattened strings are used only when there is no such token, and then a value
//! that could be a flattened array or object is not read at all.

use std::collections::HashMap;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value};

/// Verified claims: only ever built from a token an authorizer verified.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Claims(Map<String, Value>);

/// Where [`Claims::from_gateway`] found the claims, for the function's log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClaimsSource {
    /// The bearer token API Gateway verified: every claim with its JSON type.
    Token,
    /// API Gateway's flattened strings, with no bearer token in the request.
    Flattened,
    /// A bearer token was there but is not the one API Gateway verified (its claims differ),
    /// so only the flattened strings were used.
    Mismatch,
}

impl Claims {
    /// Claims as an authorizer decoded them from a verified token.
    pub fn from_json(claims: Map<String, Value>) -> Self {
        Self(claims)
    }

    /// The claims of a request API Gateway authorized: `flattened` is its authorizer context,
    /// `authorization` the request's `Authorization` header. The token is read only when each of
    /// its string and number claims equals what API Gateway passed, so a header that is not the
    /// verified token changes nothing.
    pub fn from_gateway(
        flattened: &HashMap<String, String>,
        authorization: Option<&str>,
    ) -> (Self, ClaimsSource) {
        if flattened.is_empty() {
            return (Self::default(), ClaimsSource::Flattened);
        }
        match authorization.and_then(token_payload) {
            Some(token) if agrees(&token, flattened) => (Self(token), ClaimsSource::Token),
            Some(_) => (Self::from_flattened(flattened), ClaimsSource::Mismatch),
            None => (Self::from_flattened(flattened), ClaimsSource::Flattened),
        }
    }

    /// Flattened claims as strings, leaving out every value that may be a flattened array or
    /// object (`[…]`, `map[…]`): its parts cannot be recovered exactly.
    fn from_flattened(flattened: &HashMap<String, String>) -> Self {
        Self(
            flattened
                .iter()
                .filter(|(_, value)| !ambiguous(value))
                .map(|(name, value)| (name.clone(), Value::String(value.clone())))
                .collect(),
        )
    }

    /// The claim `name` when it is a JSON string; an array or a number is not a string.
    pub fn string(&self, name: &str) -> Option<&str> {
        self.0.get(name).and_then(Value::as_str)
    }

    /// The strings of claim `name`: each string element of an array (others ignored), or the
    /// one string of a string claim, never split.
    pub fn strings(&self, name: &str) -> Vec<&str> {
        match self.0.get(name) {
            Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
            Some(Value::String(value)) => vec![value.as_str()],
            _ => Vec::new(),
        }
    }

    /// The claim `name` as a boolean: JSON `true`/`false`, or the strings `"true"`/`"false"`
    /// some identity providers send.
    pub fn flag(&self, name: &str) -> Option<bool> {
        match self.0.get(name)? {
            Value::Bool(flag) => Some(*flag),
            Value::String(text) if text.eq_ignore_ascii_case("true") => Some(true),
            Value::String(text) if text.eq_ignore_ascii_case("false") => Some(false),
            _ => None,
        }
    }

    /// Whether there are no claims at all.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// A claim value as API Gateway passes it on: strings as they are, numbers and booleans as
/// text, arrays as `[a b]` and objects as `map[k:v]` (Go's `%v`, which is what it uses).
pub fn flatten(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        Value::Bool(_) | Value::Number(_) => value.to_string(),
        Value::Array(items) => {
            let inner: Vec<String> = items.iter().map(flatten).collect();
            format!("[{}]", inner.join(" "))
        }
        Value::Object(map) => {
            let mut pairs: Vec<(&String, String)> =
                map.iter().map(|(k, v)| (k, flatten(v))).collect();
            pairs.sort();
            let inner: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}:{v}")).collect();
            format!("map[{}]", inner.join(" "))
        }
    }
}

/// Whether a flattened value may stand for an array or an object.
fn ambiguous(value: &str) -> bool {
    (value.starts_with('[') || value.starts_with("map[")) && value.ends_with(']')
}

/// The payload of the compact JWS in an `Authorization` header (with or without `Bearer`), as
/// a JSON object; `None` when it is not one. The signature was checked by the authorizer.
fn token_payload(header: &str) -> Option<Map<String, Value>> {
    let header = header.trim();
    let token = match header.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => token.trim(),
        Some(_) => return None,
        None => header,
    };
    let mut parts = token.split('.');
    let (Some(_), Some(payload), Some(_), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    let bytes = URL_SAFE_NO_PAD.decode(payload).ok()?;
    match serde_json::from_slice(&bytes).ok()? {
        Value::Object(claims) => Some(claims),
        _ => None,
    }
}

/// Whether `token` is the token API Gateway flattened into `flattened`: the same claim names,
/// and every string and number claim equal. Arrays, objects and booleans are not compared
/// because API Gateway's rendering of them is not a contract.
fn agrees(token: &Map<String, Value>, flattened: &HashMap<String, String>) -> bool {
    token.len() == flattened.len()
        && token.iter().all(|(name, value)| {
            let Some(passed) = flattened.get(name) else {
                return false;
            };
            match value {
                Value::String(text) => text == passed,
                Value::Number(number) => number
                    .as_f64()
                    .is_some_and(|n| passed.parse::<f64>() == Ok(n)),
                _ => true,
            }
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn token(claims: &Value) -> String {
        let part = |v: &Value| URL_SAFE_NO_PAD.encode(v.to_string());
        format!(
            "{}.{}.c2ln",
            part(&json!({"alg": "RS256", "kid": "k"})),
            part(claims)
        )
    }

    fn gateway(claims: &Value) -> HashMap<String, String> {
        claims
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), flatten(v)))
            .collect()
    }

    #[test]
    fn flattened_like_api_gateway() {
        assert_eq!(flatten(&json!(["a", "b"])), "[a b]");
        assert_eq!(flatten(&json!([])), "[]");
        assert_eq!(flatten(&json!(1_700_000_000)), "1700000000");
        assert_eq!(flatten(&json!(true)), "true");
        assert_eq!(flatten(&json!({"b": 2, "a": "x"})), "map[a:x b:2]");
    }

    #[test]
    fn arrays_come_from_the_verified_token_whole() {
        let claims = json!({"sub": "1", "exp": 1_800_000_000, "groups": ["team ccwb-admins"]});
        let bearer = format!("Bearer {}", token(&claims));
        let (read, source) = Claims::from_gateway(&gateway(&claims), Some(&bearer));
        assert_eq!(source, ClaimsSource::Token);
        assert_eq!(read.strings("groups"), ["team ccwb-admins"]);
        // API Gateway also accepts the token without the scheme.
        let (read, _) = Claims::from_gateway(&gateway(&claims), Some(&token(&claims)));
        assert_eq!(read.strings("groups"), ["team ccwb-admins"]);
    }

    #[test]
    fn a_token_other_than_the_verified_one_is_not_read() {
        let verified = json!({"sub": "1", "exp": 1_800_000_000, "groups": ["eng"]});
        for other in [
            json!({"sub": "2", "exp": 1_800_000_000, "groups": ["ccwb-admins"]}),
            json!({"sub": "1", "exp": 1_900_000_000, "groups": ["ccwb-admins"]}),
            json!({"sub": "1", "exp": 1_800_000_000, "groups": ["ccwb-admins"], "x": "y"}),
        ] {
            let bearer = format!("Bearer {}", token(&other));
            let (read, source) = Claims::from_gateway(&gateway(&verified), Some(&bearer));
            assert_eq!(source, ClaimsSource::Mismatch);
            assert!(read.strings("groups").is_empty(), "{other}");
            assert_eq!(read.string("sub"), Some("1"));
        }
    }

    #[test]
    fn without_a_token_flattened_arrays_are_not_read() {
        let flattened = HashMap::from([
            ("groups".to_owned(), "[team ccwb-admins]".to_owned()),
            ("cognito:groups".to_owned(), "map[a:b]".to_owned()),
            ("email".to_owned(), "[a@x.io b@x.io]".to_owned()),
            ("custom:department".to_owned(), "Research".to_owned()),
        ]);
        for header in [None, Some("Basic abc"), Some("Bearer not-a-jwt")] {
            let (read, source) = Claims::from_gateway(&flattened, header);
            assert_eq!(source, ClaimsSource::Flattened);
            assert!(read.strings("groups").is_empty());
            assert!(read.strings("cognito:groups").is_empty());
            assert_eq!(read.string("email"), None);
            assert_eq!(read.string("custom:department"), Some("Research"));
        }
    }

    #[test]
    fn strings_and_flags_are_read_by_type() {
        let claims = Claims::from_json(
            json!({"email": ["a@x.io"], "groups": "a, b", "v": false, "w": "TRUE", "n": 1})
                .as_object()
                .unwrap()
                .clone(),
        );
        assert_eq!(claims.string("email"), None, "an array is not a string");
        assert_eq!(claims.strings("email"), ["a@x.io"]);
        assert_eq!(
            claims.strings("groups"),
            ["a, b"],
            "one string is one value"
        );
        assert_eq!(claims.flag("v"), Some(false));
        assert_eq!(claims.flag("w"), Some(true));
        assert_eq!(claims.flag("n"), None);
        assert_eq!(claims.string("n"), None);
    }
}
