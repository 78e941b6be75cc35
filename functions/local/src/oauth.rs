//! The dev issuer's OAuth 2.0 endpoints: authorization code with PKCE (S256 only, auto-approved)
//! and the refresh-token grant, answering errors as RFC 6749 says.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use axum::Json;
use axum::extract::{Form, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::dev_issuer::{CODE_LIFETIME, DevIssuer, PendingCode};

/// Who signs in when the client gives no `login_hint`.
const DEFAULT_USER: &str = "dev@example.com";

/// `GET /oauth2/authorize`: signs the user in at once and redirects back with a code.
pub async fn authorize(
    State(issuer): State<Arc<DevIssuer>>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let param = |name: &str| non_empty(&params, name);

    // Until client and redirect URI are known good, errors go to the user, not the redirect.
    if param("client_id") != Some(issuer.info.audience.as_str()) {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_client",
            "unknown client_id",
        );
    }
    let Some(redirect) = param("redirect_uri").and_then(loopback_redirect) else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "redirect_uri must be an http:// loopback address (127.0.0.1, [::1] or localhost), as RFC 8252 asks of native apps",
        );
    };
    let state = param("state");
    let fail = |error: &str, description: &str| {
        let mut url = redirect.clone();
        url.query_pairs_mut()
            .append_pair("error", error)
            .append_pair("error_description", description);
        if let Some(state) = state {
            url.query_pairs_mut().append_pair("state", state);
        }
        Redirect::to(url.as_str()).into_response()
    };
    if param("response_type") != Some("code") {
        return fail("unsupported_response_type", "response_type must be code");
    }
    let Some(challenge) = param("code_challenge") else {
        return fail("invalid_request", "code_challenge is required (PKCE)");
    };
    if param("code_challenge_method") != Some("S256") {
        return fail("invalid_request", "code_challenge_method must be S256");
    }

    let email = param("login_hint")
        .map(|hint| hint.trim().to_lowercase())
        .filter(|hint| !hint.is_empty())
        .unwrap_or_else(|| DEFAULT_USER.to_owned());
    // A non-standard `groups` parameter lets tests sign in as members of any group.
    let groups = match param("groups") {
        Some(list) => list
            .split(',')
            .map(str::trim)
            .filter(|g| !g.is_empty())
            .map(str::to_owned)
            .collect(),
        None => issuer.default_groups.clone(),
    };

    let Some(code) = random_token() else {
        return oauth_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "server_error",
            "no randomness",
        );
    };
    {
        let mut codes = issuer.codes.lock().await;
        let now = Instant::now();
        codes.retain(|_, pending| pending.expires > now);
        codes.insert(
            code.clone(),
            PendingCode {
                client_id: issuer.info.audience.clone(),
                redirect_uri: redirect.to_string(),
                code_challenge: challenge.to_owned(),
                email,
                groups,
                nonce: param("nonce").map(str::to_owned),
                expires: now + CODE_LIFETIME,
            },
        );
    }
    let mut url = redirect;
    url.query_pairs_mut().append_pair("code", &code);
    if let Some(state) = state {
        url.query_pairs_mut().append_pair("state", state);
    }
    Redirect::to(url.as_str()).into_response()
}

/// `POST /oauth2/token`: exchanges a code (with its PKCE verifier) or a refresh token.
pub async fn token(
    State(issuer): State<Arc<DevIssuer>>,
    Form(params): Form<HashMap<String, String>>,
) -> Response {
    let param = |name: &str| non_empty(&params, name);
    let result = match param("grant_type") {
        Some("authorization_code") => exchange_code(&issuer, &params).await,
        Some("refresh_token") => {
            match param("refresh_token").and_then(|t| issuer.verify_refresh(t)) {
                Some((email, groups)) => Ok((email, groups, None)),
                None => Err(("invalid_grant", "refresh token is invalid or expired")),
            }
        }
        _ => Err((
            "unsupported_grant_type",
            "grant_type must be authorization_code or refresh_token",
        )),
    };
    match result {
        Ok((email, groups, nonce)) => match issuer.token_set(&email, &groups, nonce.as_deref()) {
            Ok(tokens) => ([(header::CACHE_CONTROL, "no-store")], Json(tokens)).into_response(),
            Err(err) => {
                tracing::error!(%err, "cannot sign tokens");
                oauth_error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "server_error",
                    "cannot sign tokens",
                )
            }
        },
        Err((error, description)) => oauth_error(StatusCode::BAD_REQUEST, error, description),
    }
}

type Grant = (String, Vec<String>, Option<String>);

async fn exchange_code(
    issuer: &DevIssuer,
    params: &HashMap<String, String>,
) -> Result<Grant, (&'static str, &'static str)> {
    let param = |name: &str| non_empty(params, name);
    let code = param("code").ok_or(("invalid_request", "code is required"))?;
    // Removed before any check: a code is spent by its first use, right or wrong.
    let pending = issuer
        .codes
        .lock()
        .await
        .remove(code)
        .ok_or(("invalid_grant", "unknown or already used code"))?;
    if pending.expires <= Instant::now() {
        return Err(("invalid_grant", "code expired"));
    }
    if param("client_id").is_some_and(|id| id != pending.client_id) {
        return Err(("invalid_grant", "code was issued to another client"));
    }
    if param("redirect_uri") != Some(pending.redirect_uri.as_str()) {
        return Err((
            "invalid_grant",
            "redirect_uri does not match the authorization request",
        ));
    }
    let verifier =
        param("code_verifier").ok_or(("invalid_request", "code_verifier is required"))?;
    if !(43..=128).contains(&verifier.len())
        || URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())) != pending.code_challenge
    {
        return Err(("invalid_grant", "PKCE verification failed"));
    }
    Ok((pending.email, pending.groups, pending.nonce))
}

/// A form or query parameter; empty counts as absent, as RFC 6749 says.
fn non_empty<'a>(params: &'a HashMap<String, String>, name: &str) -> Option<&'a str> {
    params
        .get(name)
        .map(String::as_str)
        .filter(|v| !v.is_empty())
}

fn loopback_redirect(raw: &str) -> Option<url::Url> {
    let url = url::Url::parse(raw).ok()?;
    let loopback = match url.host()? {
        url::Host::Domain(name) => name == "localhost",
        url::Host::Ipv4(ip) => ip.is_loopback(),
        url::Host::Ipv6(ip) => ip.is_loopback(),
    };
    (url.scheme() == "http" && loopback && url.fragment().is_none()).then_some(url)
}

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    (
        status,
        [(header::CACHE_CONTROL, "no-store")],
        Json(json!({"error": error, "error_description": description})),
    )
        .into_response()
}

/// 256 random bits, URL-safe; `None` if the system generator fails.
fn random_token() -> Option<String> {
    let mut bytes = [0u8; 32];
    aws_lc_rs::rand::fill(&mut bytes).ok()?;
    Some(URL_SAFE_NO_PAD.encode(bytes))
}
