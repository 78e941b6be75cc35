//! The JWT authorizer of an API Gateway HTTP API, reproduced: the same checks, the same answer
//! (401 `{"message":"Unauthorized"}`) whatever failed, the reason kept for debug logs only.

use jsonwebtoken::{Algorithm, Validation};
use serde_json::{Map, Value};

use crate::jwks::KeySource;

/// Longest token accepted; real ones are a few KB, and a huge one is an attack on the parser.
const MAX_TOKEN_BYTES: usize = 16 * 1024;
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
    /// The token is longer than [`MAX_TOKEN_BYTES`].
    #[error("token of {0} bytes is over the 16 KB limit")]
    TooLarge(usize),
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
    /// Neither `aud` nor `client_id` is one of the audiences.
    #[error("audience not accepted")]
    Audience,
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
        if token.len() > MAX_TOKEN_BYTES {
            return Err(AuthError::TooLarge(token.len()));
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

        if self.audience_accepted(&claims) {
            Ok(claims)
        } else {
            Err(AuthError::Audience)
        }
    }

    fn audience_accepted(&self, claims: &Map<String, Value>) -> bool {
        let accepted = |v: &Value| {
            v.as_str()
                .is_some_and(|s| self.audiences.iter().any(|a| a == s))
        };
        match claims.get("aud") {
            Some(Value::Array(values)) if values.iter().any(accepted) => return true,
            Some(value) if accepted(value) => return true,
            _ => {}
        }
        claims.get("client_id").is_some_and(accepted)
    }
}
