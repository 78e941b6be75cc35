//! Signing keys by `kid`: a fixed set (the dev issuer's) or a JWKS fetched from an identity
//! provider and refetched, at most every 30 s, when a token names a key it has not seen.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use jsonwebtoken::DecodingKey;
use jsonwebtoken::jwk::JwkSet;
use tokio::sync::Mutex;

/// How long an unknown `kid` waits before the JWKS may be fetched again: key rotation is rare,
/// and a flood of forged `kid`s must not become a flood of requests to the identity provider.
const REFETCH_INTERVAL: Duration = Duration::from_secs(30);

/// Keys by `kid`, with the algorithm the JWK pins, if any.
#[derive(Clone, Default)]
pub struct KeySet(HashMap<String, (DecodingKey, Option<jsonwebtoken::Algorithm>)>);

impl KeySet {
    /// Keys from a JWKS; keys without a `kid` or of unsupported types are skipped.
    pub fn from_jwks(jwks: &JwkSet) -> Self {
        let keys = jwks
            .keys
            .iter()
            .filter_map(|jwk| {
                let kid = jwk.common.key_id.clone()?;
                let key = DecodingKey::from_jwk(jwk).ok()?;
                let alg = jwk
                    .common
                    .key_algorithm
                    .and_then(|a| a.to_string().parse::<jsonwebtoken::Algorithm>().ok());
                Some((kid, (key, alg)))
            })
            .collect();
        Self(keys)
    }

    /// The key for `kid`.
    pub fn get(&self, kid: &str) -> Option<(DecodingKey, Option<jsonwebtoken::Algorithm>)> {
        self.0.get(kid).cloned()
    }
}

/// Where keys come from.
pub enum KeySource {
    /// A fixed set (the development issuer's own key).
    Static(KeySet),
    /// A remote JWKS.
    Remote(RemoteJwks),
}

impl KeySource {
    /// The key for `kid`, fetching the remote JWKS when allowed.
    pub async fn key(
        &self,
        kid: &str,
    ) -> Result<(DecodingKey, Option<jsonwebtoken::Algorithm>), String> {
        match self {
            Self::Static(keys) => keys.get(kid).ok_or_else(|| format!("unknown kid {kid:?}")),
            Self::Remote(remote) => remote.key(kid).await,
        }
    }
}

/// A JWKS at a URL (or found through the issuer's discovery document), cached.
pub struct RemoteJwks {
    issuer: String,
    jwks_url: Option<String>,
    http: reqwest::Client,
    cache: Mutex<Cache>,
}

#[derive(Default)]
struct Cache {
    keys: KeySet,
    fetched_at: Option<Instant>,
    resolved_url: Option<String>,
}

impl RemoteJwks {
    /// Keys at `jwks_url`, or at the `jwks_uri` of `issuer`'s discovery document when `None`.
    pub fn new(issuer: String, jwks_url: Option<String>) -> Self {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .build()
            .unwrap_or_default();
        Self {
            issuer,
            jwks_url,
            http,
            cache: Mutex::new(Cache::default()),
        }
    }

    async fn key(
        &self,
        kid: &str,
    ) -> Result<(DecodingKey, Option<jsonwebtoken::Algorithm>), String> {
        // Holding the lock while fetching makes concurrent requests share one fetch.
        let mut cache = self.cache.lock().await;
        if let Some(key) = cache.keys.get(kid) {
            return Ok(key);
        }
        if cache
            .fetched_at
            .is_some_and(|at| at.elapsed() < REFETCH_INTERVAL)
        {
            return Err(format!("unknown kid {kid:?} (JWKS fetched recently)"));
        }
        cache.fetched_at = Some(Instant::now());
        let url = match (&self.jwks_url, &cache.resolved_url) {
            (Some(url), _) | (None, Some(url)) => url.clone(),
            (None, None) => {
                let url = self.discover().await?;
                cache.resolved_url = Some(url.clone());
                url
            }
        };
        let jwks: JwkSet = self.get_json(&url).await?;
        cache.keys = KeySet::from_jwks(&jwks);
        tracing::debug!(%url, "fetched JWKS");
        cache
            .keys
            .get(kid)
            .ok_or_else(|| format!("unknown kid {kid:?} (not in {url})"))
    }

    async fn discover(&self) -> Result<String, String> {
        #[derive(serde::Deserialize)]
        struct Discovery {
            jwks_uri: String,
        }
        let url = format!(
            "{}/.well-known/openid-configuration",
            self.issuer.trim_end_matches('/')
        );
        let discovery: Discovery = self.get_json(&url).await?;
        Ok(discovery.jwks_uri)
    }

    async fn get_json<T: serde::de::DeserializeOwned>(&self, url: &str) -> Result<T, String> {
        let response = self
            .http
            .get(url)
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(|e| format!("cannot fetch {url}: {e}"))?;
        response
            .json()
            .await
            .map_err(|e| format!("unreadable JSON from {url}: {e}"))
    }
}
