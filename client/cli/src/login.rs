//! Signing in: OpenID Connect authorization code with PKCE through the system browser and a
//! loopback redirect (RFC 8252), and refreshing the id token without the browser.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use crate::error::CliError;
use crate::profile::Profile;
use crate::tokens::StoredTokens;

/// How long the browser sign-in may take.
const SIGN_IN_TIMEOUT: Duration = Duration::from_secs(300);

#[derive(Debug, Deserialize)]
struct Discovery {
    issuer: String,
    authorization_endpoint: String,
    token_endpoint: String,
}

#[derive(Debug, Deserialize)]
struct TokenResponse {
    id_token: Option<String>,
    refresh_token: Option<String>,
}

#[derive(Debug, Deserialize)]
struct OAuthError {
    error: String,
    error_description: Option<String>,
}

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap_or_default()
}

async fn discover(issuer: &str) -> Result<Discovery, CliError> {
    let url = format!(
        "{}/.well-known/openid-configuration",
        issuer.trim_end_matches('/')
    );
    let discovery: Discovery = http()
        .get(&url)
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .map_err(|e| CliError::Login(format!("cannot read {url}: {e}")))?
        .json()
        .await
        .map_err(|e| CliError::Login(format!("{url} is not an OpenID discovery document: {e}")))?;
    if discovery.issuer.trim_end_matches('/') != issuer.trim_end_matches('/') {
        return Err(CliError::Login(format!(
            "{url} names issuer {:?}, not {issuer:?}",
            discovery.issuer
        )));
    }
    Ok(discovery)
}

/// Random URL-safe text of `bytes` random bytes.
fn random(bytes: usize) -> String {
    let value: Vec<u8> = (0..bytes.div_ceil(16))
        .flat_map(|_| *uuid::Uuid::new_v4().as_bytes())
        .take(bytes)
        .collect();
    URL_SAFE_NO_PAD.encode(value)
}

/// Signs in through the browser; `open_browser` false only prints the URL.
pub async fn login(
    profile_name: &str,
    profile: &Profile,
    open_browser: bool,
) -> Result<StoredTokens, CliError> {
    let (issuer, client_id) = match (&profile.issuer, &profile.client_id) {
        (Some(issuer), Some(client_id)) => (issuer.clone(), client_id.clone()),
        _ => {
            return Err(CliError::Config(format!(
                "profile {profile_name:?} has no issuer and client_id: add them with `ccwb context create {profile_name} --endpoint … --issuer … --client-id …`"
            )));
        }
    };
    let discovery = discover(&issuer).await?;

    let listener = TcpListener::bind(("127.0.0.1", profile.redirect_port.unwrap_or(0)))
        .await
        .map_err(|e| {
            CliError::Login(format!(
                "cannot listen on 127.0.0.1 for the sign-in redirect: {e}"
            ))
        })?;
    let port = listener
        .local_addr()
        .map_err(|e| CliError::Login(e.to_string()))?
        .port();
    let redirect_uri = format!("http://127.0.0.1:{port}/callback");
    let state = random(24);
    let nonce = random(24);
    let verifier = random(48);
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));

    let mut url = url::Url::parse(&discovery.authorization_endpoint)
        .map_err(|e| CliError::Login(format!("authorization endpoint: {e}")))?;
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", &client_id)
        .append_pair("redirect_uri", &redirect_uri)
        .append_pair("scope", "openid email profile")
        .append_pair("state", &state)
        .append_pair("nonce", &nonce)
        .append_pair("code_challenge", &challenge)
        .append_pair("code_challenge_method", "S256");

    eprintln!("Sign in at:\n  {url}");
    if open_browser && webbrowser::open(url.as_str()).is_err() {
        eprintln!("(could not open a browser: open the address above yourself)");
    }
    eprintln!("Waiting for the sign-in to finish (up to 5 minutes)…");

    let code = tokio::time::timeout(SIGN_IN_TIMEOUT, wait_for_code(&listener, &state))
        .await
        .map_err(|_| CliError::Login("no sign-in within 5 minutes".into()))??;

    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", redirect_uri.as_str()),
        ("client_id", client_id.as_str()),
        ("code_verifier", verifier.as_str()),
    ];
    let tokens = token_request(
        &discovery.token_endpoint,
        &form,
        profile.client_secret.as_deref(),
    )
    .await?;
    let id_token = tokens.id_token.ok_or_else(|| {
        CliError::Login(
            "the identity provider returned no id token (is `openid` scope allowed?)".into(),
        )
    })?;
    let claims = claims(&id_token)?;
    check_claims(&claims, &issuer, &client_id, Some(&nonce))?;
    Ok(StoredTokens {
        expires_at: claims["exp"].as_i64().unwrap_or_default(),
        id_token,
        refresh_token: tokens.refresh_token,
        token_endpoint: discovery.token_endpoint,
        client_id,
    })
}

/// Gets a fresh id token with the refresh token.
pub async fn refresh(stored: &StoredTokens, profile: &Profile) -> Result<StoredTokens, CliError> {
    let refresh_token = stored
        .refresh_token
        .as_deref()
        .ok_or_else(|| CliError::NotSignedIn(": the sign-in has expired".into()))?;
    let form = [
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh_token),
        ("client_id", stored.client_id.as_str()),
    ];
    let tokens = token_request(
        &stored.token_endpoint,
        &form,
        profile.client_secret.as_deref(),
    )
    .await
    .map_err(|e| CliError::NotSignedIn(format!(": the sign-in could not be renewed ({e})")))?;
    let id_token = tokens
        .id_token
        .ok_or_else(|| CliError::NotSignedIn(": the refresh returned no id token".into()))?;
    let claims = claims(&id_token)?;
    Ok(StoredTokens {
        expires_at: claims["exp"].as_i64().unwrap_or_default(),
        id_token,
        // Providers that rotate refresh tokens send a new one; others keep the old one valid.
        refresh_token: tokens
            .refresh_token
            .or_else(|| stored.refresh_token.clone()),
        token_endpoint: stored.token_endpoint.clone(),
        client_id: stored.client_id.clone(),
    })
}

async fn token_request(
    endpoint: &str,
    form: &[(&str, &str)],
    client_secret: Option<&str>,
) -> Result<TokenResponse, CliError> {
    let mut fields: Vec<(&str, &str)> = form.to_vec();
    if let Some(secret) = client_secret {
        fields.push(("client_secret", secret));
    }
    let response = http()
        .post(endpoint)
        .form(&fields)
        .send()
        .await
        .map_err(|e| CliError::Login(format!("cannot reach {endpoint}: {e}")))?;
    let status = response.status();
    let body = response.bytes().await.unwrap_or_default();
    if !status.is_success() {
        let detail = serde_json::from_slice::<OAuthError>(&body)
            .map(|e| match e.error_description {
                Some(d) => format!("{}: {d}", e.error),
                None => e.error,
            })
            .unwrap_or_else(|_| format!("HTTP {status}"));
        return Err(CliError::Login(format!("token endpoint refused: {detail}")));
    }
    serde_json::from_slice(&body)
        .map_err(|e| CliError::Login(format!("unreadable token response: {e}")))
}

/// The claims of a JWT, unverified: the token came straight from the token endpoint over the
/// connection we opened, which is what OpenID Connect Core 3.1.3.7 allows instead of a signature
/// check; the API verifies it properly on every request.
pub fn claims(token: &str) -> Result<serde_json::Value, CliError> {
    let payload = token
        .split('.')
        .nth(1)
        .and_then(|p| URL_SAFE_NO_PAD.decode(p.trim_end_matches('=')).ok())
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .ok_or_else(|| CliError::Login("the id token is not a JWT".into()))?;
    Ok(payload)
}

fn check_claims(
    claims: &serde_json::Value,
    issuer: &str,
    client_id: &str,
    nonce: Option<&str>,
) -> Result<(), CliError> {
    if claims["iss"].as_str().map(|i| i.trim_end_matches('/')) != Some(issuer.trim_end_matches('/'))
    {
        return Err(CliError::Login(
            "the id token is from another issuer".into(),
        ));
    }
    let audience_ok = match &claims["aud"] {
        serde_json::Value::String(aud) => aud == client_id,
        serde_json::Value::Array(values) => values.iter().any(|v| v == client_id),
        _ => false,
    };
    if !audience_ok {
        return Err(CliError::Login("the id token is for another client".into()));
    }
    if nonce.is_some() && claims["nonce"].as_str() != nonce {
        return Err(CliError::Login(
            "the id token's nonce does not match this sign-in".into(),
        ));
    }
    Ok(())
}

/// Serves the loopback redirect until a request with the right `state` arrives. Requests with
/// another state are answered 400 and ignored: they do not end the sign-in.
async fn wait_for_code(listener: &TcpListener, state: &str) -> Result<String, CliError> {
    loop {
        let (mut stream, _) = listener
            .accept()
            .await
            .map_err(|e| CliError::Login(format!("redirect listener: {e}")))?;
        let mut buffer = vec![0u8; 16 * 1024];
        let mut read = 0;
        // Read the request head (the query is all we need).
        while read < buffer.len() {
            match tokio::time::timeout(Duration::from_secs(10), stream.read(&mut buffer[read..]))
                .await
            {
                Ok(Ok(0)) | Err(_) => break,
                Ok(Ok(n)) => {
                    read += n;
                    if buffer[..read].windows(4).any(|w| w == b"\r\n\r\n") {
                        break;
                    }
                }
                Ok(Err(_)) => break,
            }
        }
        let head = String::from_utf8_lossy(&buffer[..read]);
        let target = head
            .lines()
            .next()
            .and_then(|line| line.split_whitespace().nth(1))
            .unwrap_or("");
        let url = url::Url::parse(&format!("http://127.0.0.1{target}")).ok();
        let params: std::collections::HashMap<String, String> = url
            .as_ref()
            .map(|u| u.query_pairs().into_owned().collect())
            .unwrap_or_default();
        let is_callback = url.as_ref().is_some_and(|u| u.path() == "/callback");

        if !is_callback || params.get("state").map(String::as_str) != Some(state) {
            respond(
                &mut stream,
                400,
                "This is not the sign-in you started. Close this tab.",
            )
            .await;
            continue;
        }
        if let Some(error) = params.get("error") {
            let description = params.get("error_description").cloned().unwrap_or_default();
            respond(
                &mut stream,
                400,
                &format!("Sign-in failed: {error} {description}"),
            )
            .await;
            return Err(CliError::Login(
                format!("{error} {description}").trim().to_owned(),
            ));
        }
        match params.get("code") {
            Some(code) => {
                respond(
                    &mut stream,
                    200,
                    "Signed in. You can close this tab and return to the terminal.",
                )
                .await;
                return Ok(code.clone());
            }
            None => {
                respond(&mut stream, 400, "The sign-in redirect carried no code.").await;
            }
        }
    }
}

async fn respond(stream: &mut tokio::net::TcpStream, status: u16, message: &str) {
    let body = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>ccwb sign-in</title></head><body><p>{}</p></body></html>",
        escape_html(message)
    );
    let reason = if status == 200 { "OK" } else { "Bad Request" };
    let response = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.shutdown().await;
}

/// Escapes text for HTML element content and attribute values.
pub fn escape_html(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '&' => "&amp;".to_owned(),
            '<' => "&lt;".to_owned(),
            '>' => "&gt;".to_owned(),
            '"' => "&quot;".to_owned(),
            '\'' => "&#39;".to_owned(),
            other => other.to_string(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_is_escaped() {
        assert_eq!(
            escape_html("<script>\"x\" & 'y'"),
            "&lt;script&gt;&quot;x&quot; &amp; &#39;y&#39;"
        );
    }

    #[test]
    fn claims_are_checked() {
        let claims = serde_json::json!({"iss": "https://idp/", "aud": ["a", "cli"], "nonce": "n"});
        assert!(check_claims(&claims, "https://idp", "cli", Some("n")).is_ok());
        assert!(check_claims(&claims, "https://other", "cli", Some("n")).is_err());
        assert!(check_claims(&claims, "https://idp", "x", Some("n")).is_err());
        assert!(check_claims(&claims, "https://idp", "cli", Some("m")).is_err());
    }
}
