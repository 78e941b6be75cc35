//! A typed client of the ccwb API. Both binaries use it; neither talks to AWS storage directly.

use std::time::Duration;

use ccwb_api::{ErrorEnvelope, MeResponse};
use reqwest::StatusCode;
use serde::de::DeserializeOwned;

/// What can go wrong calling the API; each message says what to do next.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The endpoint is not a usable URL.
    #[error("invalid API endpoint {0:?}: expected an http(s) URL such as http://127.0.0.1:8787")]
    Endpoint(String),
    /// The API could not be reached.
    #[error("cannot reach the API at {endpoint}: {source}")]
    Unreachable {
        /// The endpoint.
        endpoint: String,
        /// The cause.
        source: reqwest::Error,
    },
    /// The token was missing, expired or not accepted.
    #[error("the API refused the token (401): sign in again or supply a fresh token")]
    Unauthorized,
    /// The caller is signed in but may not do this.
    #[error("forbidden (403): {0}")]
    Forbidden(String),
    /// The API answered with an error.
    #[error("{message} ({status}, {code})")]
    Api {
        /// HTTP status.
        status: u16,
        /// The envelope's code.
        code: String,
        /// The envelope's message.
        message: String,
    },
    /// The API answered with something that is not the documented JSON.
    #[error("unexpected response from the API ({status}): {detail}")]
    Unexpected {
        /// HTTP status.
        status: u16,
        /// What was wrong.
        detail: String,
    },
}

/// A client for one API endpoint and bearer token.
#[derive(Debug, Clone)]
pub struct ApiClient {
    base: url::Url,
    token: String,
    http: reqwest::Client,
}

impl ApiClient {
    /// A client of `endpoint` that sends `token` (an id token) on every request.
    pub fn new(endpoint: &str, token: impl Into<String>) -> Result<Self, ApiError> {
        let mut base = url::Url::parse(endpoint.trim())
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && u.has_host())
            .ok_or_else(|| ApiError::Endpoint(endpoint.to_owned()))?;
        // Joining relative paths needs a trailing slash, or the last segment is replaced.
        if !base.path().ends_with('/') {
            base.set_path(&format!("{}/", base.path()));
        }
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .connect_timeout(Duration::from_secs(5))
            .user_agent(concat!("ccwb/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|source| ApiError::Unreachable {
                endpoint: endpoint.to_owned(),
                source,
            })?;
        Ok(Self {
            base,
            token: token.into(),
            http,
        })
    }

    /// `GET /me`: who the API thinks the caller is.
    pub async fn me(&self) -> Result<MeResponse, ApiError> {
        self.get("me").await
    }

    async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, ApiError> {
        let url = self
            .base
            .join(path)
            .map_err(|_| ApiError::Endpoint(self.base.to_string()))?;
        let response = self
            .http
            .get(url)
            .bearer_auth(&self.token)
            .send()
            .await
            .map_err(|source| ApiError::Unreachable {
                endpoint: self.base.to_string(),
                source,
            })?;
        decode(response).await
    }
}

async fn decode<T: DeserializeOwned>(response: reqwest::Response) -> Result<T, ApiError> {
    let status = response.status();
    let body = response.bytes().await.unwrap_or_default();
    if status.is_success() {
        return serde_json::from_slice(&body).map_err(|e| ApiError::Unexpected {
            status: status.as_u16(),
            detail: e.to_string(),
        });
    }
    if status == StatusCode::UNAUTHORIZED {
        return Err(ApiError::Unauthorized);
    }
    match serde_json::from_slice::<ErrorEnvelope>(&body) {
        Ok(envelope) if status == StatusCode::FORBIDDEN => {
            Err(ApiError::Forbidden(envelope.error.message))
        }
        Ok(envelope) => Err(ApiError::Api {
            status: status.as_u16(),
            code: envelope.error.code,
            message: envelope.error.message,
        }),
        Err(_) => Err(ApiError::Unexpected {
            status: status.as_u16(),
            detail: String::from_utf8_lossy(&body).chars().take(200).collect(),
        }),
    }
}
