//! A typed client of the ccwb API, the OpenID sign-in that gets its tokens, and the secret
//! store that keeps them. Both binaries use it; neither talks to AWS storage directly.

pub mod secrets;
pub mod signin;

use std::time::Duration;

use ccwb_api::{
    AuditPage, CheckResponse, CreateDistribution, DistributionRecord, ErrorEnvelope, ImportRequest,
    ImportResponse, MeResponse, PolicyExport, PolicyList, PublishRequest, ResolveResponse,
    StatusResponse, UnblockHistory, UnblockRecord, UnblockRequest, UploadTicket, UsageResponse,
};
use ccwb_core::{Policy, PolicyFields, PolicyPatch, PolicyType};
use reqwest::{Method, StatusCode};
use serde::Serialize;
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
    /// Signing in with the identity provider failed.
    #[error("sign-in failed: {0}")]
    SignIn(String),
    /// The OS keyring or a private file could not keep or give back a secret.
    #[error("{0}")]
    SecretStore(String),
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
        self.get("me", &[]).await
    }

    /// `POST /distributions`: declares a package; returns where to upload it.
    pub async fn create_distribution(
        &self,
        request: &CreateDistribution,
    ) -> Result<UploadTicket, ApiError> {
        self.post("distributions", request).await
    }

    /// `POST /distributions/{id}/publish`.
    pub async fn publish_distribution(
        &self,
        id: &str,
        request: &PublishRequest,
    ) -> Result<DistributionRecord, ApiError> {
        let path = format!("distributions/{}/publish", segment(id));
        self.post(&path, request).await
    }

    /// `GET /distributions/latest`.
    pub async fn latest_distribution(&self) -> Result<DistributionRecord, ApiError> {
        self.get("distributions/latest", &[]).await
    }

    /// `GET /status`: the deployment's stacks, functions and tables.
    pub async fn status(&self) -> Result<StatusResponse, ApiError> {
        self.get("status", &[]).await
    }

    /// `GET /check`: the caller's own quota decision.
    pub async fn check(&self) -> Result<CheckResponse, ApiError> {
        self.get("check", &[]).await
    }

    /// `GET /policies/{type}/{id}`; `None` when there is no such policy.
    pub async fn get_policy(
        &self,
        policy_type: PolicyType,
        identifier: &str,
    ) -> Result<Option<Policy>, ApiError> {
        match self.get(&policy_path(policy_type, identifier), &[]).await {
            Ok(policy) => Ok(Some(policy)),
            Err(ApiError::Api { status: 404, .. }) => Ok(None),
            Err(err) => Err(err),
        }
    }

    /// `PUT /policies/{type}/{id}` with `If-None-Match: *`: creates, 409 if it exists.
    pub async fn create_policy(
        &self,
        policy_type: PolicyType,
        identifier: &str,
        fields: &PolicyFields,
    ) -> Result<Policy, ApiError> {
        let path = policy_path(policy_type, identifier);
        self.send(
            Method::PUT,
            &path,
            &[],
            Some(fields),
            Some(("if-none-match", "*".into())),
        )
        .await
    }

    /// `PATCH /policies/{type}/{id}` with `If-Match` of `version`: 412 if it changed meanwhile.
    pub async fn patch_policy(
        &self,
        policy_type: PolicyType,
        identifier: &str,
        patch: &PolicyPatch,
        version: u64,
    ) -> Result<Policy, ApiError> {
        let path = policy_path(policy_type, identifier);
        let etag = format!("\"v{version}\"");
        self.send(
            Method::PATCH,
            &path,
            &[],
            Some(patch),
            Some(("if-match", etag)),
        )
        .await
    }

    /// `DELETE /policies/{type}/{id}`.
    pub async fn delete_policy(
        &self,
        policy_type: PolicyType,
        identifier: &str,
    ) -> Result<(), ApiError> {
        let path = policy_path(policy_type, identifier);
        self.send::<(), serde_json::Value>(Method::DELETE, &path, &[], None, None)
            .await
            .map(|_| ())
    }

    /// `GET /policies`: one page.
    pub async fn list_policies(
        &self,
        policy_type: Option<PolicyType>,
        limit: usize,
        next: Option<&str>,
    ) -> Result<PolicyList, ApiError> {
        let mut query = vec![("limit", limit.to_string())];
        if let Some(t) = policy_type {
            query.push(("type", t.as_str().to_owned()));
        }
        if let Some(next) = next {
            query.push(("next", next.to_owned()));
        }
        self.get("policies", &query).await
    }

    /// `GET /policies/export`.
    pub async fn export_policies(
        &self,
        policy_type: Option<PolicyType>,
    ) -> Result<PolicyExport, ApiError> {
        let query: Vec<(&str, String)> = policy_type
            .map(|t| ("type", t.as_str().to_owned()))
            .into_iter()
            .collect();
        self.get("policies/export", &query).await
    }

    /// `POST /policies/import`.
    pub async fn import_policies(
        &self,
        request: &ImportRequest,
    ) -> Result<ImportResponse, ApiError> {
        self.post("policies/import", request).await
    }

    /// `GET /resolve`.
    pub async fn resolve(
        &self,
        email: &str,
        groups: &[String],
    ) -> Result<ResolveResponse, ApiError> {
        let mut query = vec![("email", email.to_owned())];
        if !groups.is_empty() {
            query.push(("groups", groups.join(",")));
        }
        self.get("resolve", &query).await
    }

    /// `GET /usage/{email}`.
    pub async fn usage(&self, email: &str, groups: &[String]) -> Result<UsageResponse, ApiError> {
        let query: Vec<(&str, String)> = if groups.is_empty() {
            Vec::new()
        } else {
            vec![("groups", groups.join(","))]
        };
        self.get(&format!("usage/{}", segment(email)), &query).await
    }

    /// `POST /unblocks/{email}`.
    pub async fn unblock(
        &self,
        email: &str,
        request: &UnblockRequest,
    ) -> Result<UnblockRecord, ApiError> {
        self.post(&format!("unblocks/{}", segment(email)), request)
            .await
    }

    /// `DELETE /unblocks/{email}`.
    pub async fn revoke_unblock(&self, email: &str) -> Result<UnblockRecord, ApiError> {
        self.send::<(), _>(
            Method::DELETE,
            &format!("unblocks/{}", segment(email)),
            &[],
            None,
            None,
        )
        .await
    }

    /// `GET /unblocks/{email}`.
    pub async fn unblocks(&self, email: &str) -> Result<UnblockHistory, ApiError> {
        self.get(&format!("unblocks/{}", segment(email)), &[]).await
    }

    /// `GET /audit` with query parameters (`since`, `until`, `actor`, `target`, `action`,
    /// `limit`, `next`).
    pub async fn audit(&self, query: &[(&str, String)]) -> Result<AuditPage, ApiError> {
        self.get("audit", query).await
    }

    async fn get<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<T, ApiError> {
        self.send::<(), T>(Method::GET, path, query, None, None)
            .await
    }

    async fn post<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, ApiError> {
        self.send(Method::POST, path, &[], Some(body), None).await
    }

    async fn send<B: Serialize, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&B>,
        header: Option<(&str, String)>,
    ) -> Result<T, ApiError> {
        let mut url = self
            .base
            .join(path)
            .map_err(|_| ApiError::Endpoint(self.base.to_string()))?;
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        let mut request = self.http.request(method, url).bearer_auth(&self.token);
        if let Some(body) = body {
            request = request.json(body);
        }
        if let Some((name, value)) = header {
            request = request.header(name, value);
        }
        let response = request
            .send()
            .await
            .map_err(|source| ApiError::Unreachable {
                endpoint: self.base.to_string(),
                source,
            })?;
        decode(response).await
    }
}

fn policy_path(policy_type: PolicyType, identifier: &str) -> String {
    format!("policies/{}/{}", policy_type.as_str(), segment(identifier))
}

/// Characters kept as they are in a path segment: unreserved ones and `@` (e-mail addresses).
const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'@');

/// Percent-encodes a path segment (identifiers may hold `/`, `#`, `?`, spaces).
fn segment(value: &str) -> String {
    percent_encoding::utf8_percent_encode(value, SEGMENT).to_string()
}

async fn decode<T: DeserializeOwned>(response: reqwest::Response) -> Result<T, ApiError> {
    let status = response.status();
    let body = response.bytes().await.unwrap_or_default();
    if status == StatusCode::NO_CONTENT {
        // DELETE: nothing to decode; `null` stands in for the unit result.
        return serde_json::from_slice(b"null").map_err(|e| ApiError::Unexpected {
            status: status.as_u16(),
            detail: e.to_string(),
        });
    }
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
