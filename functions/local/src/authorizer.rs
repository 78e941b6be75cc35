//! The JWT authorizer of an API Gateway HTTP API, reproduced: the same checks, the same answer
//! (401 `{"message":"Unauthorized"}`) whatever failed, the reason kept for debug logs only.

use jsonwebtoken::{Algorithm, Validation};
use serde_json::{Map, Value};

use crate::jwks::KeySource;

/// API Gateway's JWT authorizers verify RSA and ECDSA signatures; `none` and HMAC never pass.
const ALLOWED_ALGORITHMS: [Algorithm; 2] = [Algorithm::RS256, Algorithm::ES256];

/// Verifies bearer tokens for one issuer and its audiences.
pub struct Authorizer {
    issuer: String,
    audiences: Vec<String>,
    keys: KeySource,
}

/// Why a token was refused (logged at debug level, never sent to the caller).
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// No `Authorization` header, or not a bearer token.
    #[error("missing or malformed Authorization header")]
    MissingToken,
    /// The header could not be decoded.
    #[error("malformed token: {0}")]
    Malformed(String),
    /// The algorithm is not RS256 or ES256.
    #[error("algorithm {0} is not accepted")]
    Algorithm(String),
    /// No key for the token's `kid`.
    #[error("{0}")]
    UnknownKey(String),
    /// Signature, issuer, expiry or not-before failed.
    #[error("invalid token: {0}")]
    Invalid(jsonwebtoken::errors::Error),
    /// `aud` (or, when there is no `aud`, `client_id`) is not one of the audiences.
    #[error("audience not accepted")]
    Audience,
    /// `iat` is in the future, or not a number.
    #[error("iat is not a time in the past")]
    IssuedAt,
}

impl Authorizer {
    /// An authorizer for tokens from `issuer` meant for any of `audiences`.
    pub fn new(issuer: String, audiences: Vec<String>, keys: KeySource) -> Self {
        Self {
            issuer,
            audiences,
            keys,
        }
    }

    /// The issuer this authorizer trusts.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// Verifies the value of an `Authorization` header and returns the token's claims.
    pub async fn verify(&self, header: Option<&str>) -> Result<Map<String, Value>, AuthError> {
        let header = header.map(str::trim).ok_or(AuthError::MissingToken)?;
        // API Gateway takes the header as the token, with or without the Bearer scheme.
        let token = match header.split_once(' ') {
            Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => token.trim(),
            Some(_) => return Err(AuthError::MissingToken),
            None => header,
        };
        if token.is_empty() {
            return Err(AuthError::MissingToken);
        }
        let jwt_header =
            jsonwebtoken::decode_header(token).map_err(|e| AuthError::Malformed(e.to_string()))?;
        if !ALLOWED_ALGORITHMS.contains(&jwt_header.alg) {
            return Err(AuthError::Algorithm(format!("{:?}", jwt_header.alg)));
        }
        let kid = jwt_header
            .kid
            .ok_or_else(|| AuthError::Malformed("no kid in header".into()))?;
        let (key, pinned) = self.keys.key(&kid).await.map_err(AuthError::UnknownKey)?;
        if pinned.is_some_and(|alg| alg != jwt_header.alg) {
            return Err(AuthError::Algorithm(format!(
                "{:?} (the key is for {pinned:?})",
                jwt_header.alg
            )));
        }

        let mut validation = Validation::new(jwt_header.alg);
        validation.set_issuer(&[&self.issuer]);
        validation.set_required_spec_claims(&["exp", "iss"]);
        validation.validate_nbf = true;
        validation.validate_aud = false; // checked below: `aud` or, for access tokens, `client_id`
        validation.leeway = 0;
        let claims = jsonwebtoken::decode::<Map<String, Value>>(token, &key, &validation)
            .map_err(AuthError::Invalid)?
            .claims;

        if !self.audience_accepted(&claims) {
            return Err(AuthError::Audience);
        }
        if !issued_in_the_past(&claims, now_seconds()) {
            return Err(AuthError::IssuedAt);
        }
        Ok(claims)
    }

    /// API Gateway's rule: `aud` when the token has one (any entry of an array), `client_id`
    /// only when it has none, so a token for another client never passes on its `client_id`.
    fn audience_accepted(&self, claims: &Map<String, Value>) -> bool {
        let accepted = |v: &Value| {
            v.as_str()
                .is_some_and(|s| self.audiences.iter().any(|a| a == s))
        };
        match claims.get("aud") {
            Some(Value::Array(values)) => values.iter().any(accepted),
            Some(value) => accepted(value),
            None => claims.get("client_id").is_some_and(accepted),
        }
    }
}

/// Whether `iat`, when present, is a number no later than `now` (no leeway, as API Gateway).
fn issued_in_the_past(claims: &Map<String, Value>, now: i64) -> bool {
    match claims.get("iat") {
        None => true,
        Some(iat) => iat.as_f64().is_some_and(|iat| iat <= now as f64),
    }
}

fn now_seconds() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn authorizer() -> Authorizer {
        Authorizer::new(
            "https://issuer".into(),
            vec!["client-a".into()],
            KeySource::Static(Default::default()),
        )
    }

    fn claims(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn client_id_counts_only_without_aud() {
        let a = authorizer();
        assert!(a.audience_accepted(&claims(json!({"aud": "client-a"}))));
        assert!(a.audience_accepted(&claims(json!({"aud": ["x", "client-a"]}))));
        assert!(a.audience_accepted(&claims(json!({"client_id": "client-a"}))));
        assert!(!a.audience_accepted(&claims(json!({"aud": "other", "client_id": "client-a"}))));
        assert!(!a.audience_accepted(&claims(json!({"aud": ["other"], "client_id": "client-a"}))));
        assert!(!a.audience_accepted(&claims(json!({"aud": 7, "client_id": "client-a"}))));
        assert!(!a.audience_accepted(&claims(json!({}))));
    }

    #[test]
    fn iat_must_not_be_in_the_future() {
        assert!(issued_in_the_past(&claims(json!({})), 100));
        assert!(issued_in_the_past(&claims(json!({"iat": 100})), 100));
        assert!(!issued_in_the_past(&claims(json!({"iat": 101})), 100));
        assert!(!issued_in_the_past(&claims(json!({"iat": "99"})), 100));
    }
}
