//! The development identity provider: an OpenID issuer that signs in anyone, so the local stack
//! works with no identity provider. Its tokens are shaped like a real provider's (RS256, `kid`,
//! `iss`, `aud`, `email`, `groups`) and pass the very same authorizer.

use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tokio::sync::Mutex;

use crate::dev_key::DevKey;
use crate::error::LocalError;
use crate::jwks::{KeySet, KeySource};

const INFO_FILE: &str = "dev-issuer.json";
/// Authorization codes are for immediate exchange.
pub const CODE_LIFETIME: Duration = Duration::from_secs(120);
/// Refresh tokens of the dev issuer live as long as a working week.
const REFRESH_TTL_SECS: u64 = 7 * 24 * 3600;

/// What `ccwb-local token` needs to mint tokens the running server accepts.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IssuerInfo {
    /// The `iss` of every token.
    pub issuer: String,
    /// The client id, which is the `aud` of id tokens.
    pub audience: String,
}

impl IssuerInfo {
    /// Records the issuer in the state directory.
    pub fn save(&self, state_dir: &Path) -> Result<(), LocalError> {
        let path = state_dir.join(INFO_FILE);
        let text =
            serde_json::to_string_pretty(self).map_err(|e| LocalError::Key(e.to_string()))?;
        std::fs::write(&path, text).map_err(|e| LocalError::file("cannot write", path, e))
    }

    /// Reads the issuer the server recorded.
    pub fn load(state_dir: &Path) -> Result<Self, LocalError> {
        let path = state_dir.join(INFO_FILE);
        let text = std::fs::read_to_string(&path).map_err(|err| match err.kind() {
            std::io::ErrorKind::NotFound => LocalError::NoDevIssuer(state_dir.to_owned()),
            _ => LocalError::file("cannot read", &path, err),
        })?;
        serde_json::from_str(&text).map_err(|e| LocalError::Key(format!("{}: {e}", path.display())))
    }
}

/// A pending authorization code (single use, short-lived).
pub struct PendingCode {
    /// The client that asked.
    pub client_id: String,
    /// Where the code was sent; the token request must repeat it.
    pub redirect_uri: String,
    /// The PKCE S256 challenge.
    pub code_challenge: String,
    /// Who signed in.
    pub email: String,
    /// Their groups.
    pub groups: Vec<String>,
    /// The client's nonce, echoed into the id token.
    pub nonce: Option<String>,
    /// When the code stops working.
    pub expires: Instant,
}

/// Tokens as the token endpoint returns them.
#[derive(Debug, Serialize)]
pub struct TokenSet {
    /// The OpenID id token (what the API authorizes).
    pub id_token: String,
    /// An access token (`client_id` instead of `aud`, as Cognito issues them).
    pub access_token: String,
    /// A refresh token for the refresh-token grant.
    pub refresh_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds until the id and access tokens expire.
    pub expires_in: u64,
}

/// The development issuer.
pub struct DevIssuer {
    /// The issuer URL, e.g. `http://127.0.0.1:8787`.
    pub info: IssuerInfo,
    key: DevKey,
    /// Groups given to users who sign in through the browser flow.
    pub default_groups: Vec<String>,
    /// Lifetime of id and access tokens.
    pub token_ttl: u64,
    /// Codes issued and not yet exchanged.
    pub codes: Mutex<HashMap<String, PendingCode>>,
}

impl DevIssuer {
    /// The issuer at `issuer`, with its key from (or generated into) `state_dir`.
    pub fn start(
        state_dir: &Path,
        info: IssuerInfo,
        default_groups: Vec<String>,
    ) -> Result<Self, LocalError> {
        let key = DevKey::load_or_create(state_dir)?;
        info.save(state_dir)?;
        Ok(Self {
            info,
            key,
            default_groups,
            token_ttl: 3600,
            codes: Mutex::new(HashMap::new()),
        })
    }

    /// The key set the authorizer verifies against.
    pub fn key_source(&self) -> KeySource {
        let jwks = serde_json::from_value(self.jwks())
            .unwrap_or(jsonwebtoken::jwk::JwkSet { keys: vec![] });
        KeySource::Static(KeySet::from_jwks(&jwks))
    }

    /// `/.well-known/jwks.json`.
    pub fn jwks(&self) -> Value {
        json!({"keys": [self.key.jwk()]})
    }

    /// `/.well-known/openid-configuration`.
    pub fn discovery(&self) -> Value {
        let issuer = &self.info.issuer;
        json!({
            "issuer": issuer,
            "authorization_endpoint": format!("{issuer}/oauth2/authorize"),
            "token_endpoint": format!("{issuer}/oauth2/token"),
            "jwks_uri": format!("{issuer}/.well-known/jwks.json"),
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "grant_types_supported": ["authorization_code", "refresh_token"],
            "token_endpoint_auth_methods_supported": ["none"],
            "scopes_supported": ["openid", "email", "profile", "offline_access"],
            "claims_supported": ["sub", "email", "email_verified", "groups", "nonce"],
        })
    }

    /// An id token for `email` in `groups`, valid for `ttl` seconds.
    pub fn id_token(
        &self,
        email: &str,
        groups: &[String],
        ttl: u64,
        nonce: Option<&str>,
    ) -> Result<String, LocalError> {
        id_token(&self.key, &self.info, email, groups, ttl, nonce)
    }

    /// The full token response after a successful sign-in or refresh.
    pub fn token_set(
        &self,
        email: &str,
        groups: &[String],
        nonce: Option<&str>,
    ) -> Result<TokenSet, LocalError> {
        let now = unix_now();
        let access = json!({
            "iss": self.info.issuer, "sub": email, "client_id": self.info.audience,
            "token_use": "access", "scope": "openid email profile", "username": email,
            "groups": groups, "iat": now, "exp": now + self.token_ttl,
        });
        let refresh = json!({
            "iss": self.info.issuer, "sub": email, "aud": self.refresh_audience(),
            "token_use": "refresh", "email": email, "groups": groups,
            "iat": now, "exp": now + REFRESH_TTL_SECS,
        });
        Ok(TokenSet {
            id_token: self.id_token(email, groups, self.token_ttl, nonce)?,
            access_token: self.key.sign(&access)?,
            refresh_token: self.key.sign(&refresh)?,
            token_type: "Bearer",
            expires_in: self.token_ttl,
        })
    }

    /// Checks a refresh token this issuer signed; returns (email, groups).
    pub fn verify_refresh(&self, token: &str) -> Option<(String, Vec<String>)> {
        let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
        validation.set_issuer(&[&self.info.issuer]);
        validation.set_audience(&[self.refresh_audience()]);
        validation.leeway = 0;
        let claims = jsonwebtoken::decode::<Value>(token, self.key.decoding_key(), &validation)
            .ok()?
            .claims;
        if claims["token_use"] != "refresh" {
            return None;
        }
        let email = claims["email"].as_str()?.to_owned();
        let groups = claims["groups"]
            .as_array()?
            .iter()
            .filter_map(|g| g.as_str().map(str::to_owned))
            .collect();
        Some((email, groups))
    }

    /// Refresh tokens carry an audience no API accepts, so they can never authorize a request.
    fn refresh_audience(&self) -> String {
        format!("{}#refresh", self.info.issuer)
    }
}

/// Signs an id token; shared by the server and `ccwb-local token`.
pub fn id_token(
    key: &DevKey,
    info: &IssuerInfo,
    email: &str,
    groups: &[String],
    ttl: u64,
    nonce: Option<&str>,
) -> Result<String, LocalError> {
    let now = unix_now();
    let mut claims = json!({
        "iss": info.issuer, "sub": email, "aud": info.audience, "token_use": "id",
        "email": email, "email_verified": true, "groups": groups,
        "iat": now, "auth_time": now, "exp": now + ttl,
    });
    if let Some(nonce) = nonce {
        claims["nonce"] = json!(nonce);
    }
    key.sign(&claims)
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}
