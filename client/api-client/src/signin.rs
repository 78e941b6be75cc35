//! Signing in with OpenID Connect, shared by `ccwb login` and `credential-process`: discovery,
//! the authorization code flow with PKCE S256 through the browser and a loopback redirect
//! (RFC 8252), and refreshing the id token without the browser.

use std::collections::HashMap;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use ccwb_core::html::escape as escape_html;

use crate::ApiError;

/// How long the browser sign-in may take.
pub const SIGN_IN_TIMEOUT: Duration = Duration::from_secs(300);

/// The endpoints of an OpenID Provider.
#[derive(Debug, Clone, Deserialize)]
pub struct Discovery {
    /// The issuer, as the provider names itself (and as id tokens carry it in `iss`).
    pub issuer: String,
    /// Where the browser signs in.
    pub authorization_endpoint: String,
    /// Where codes and refresh tokens are exchanged.
    pub token_endpoint: String,
    /// Where the token signing keys are (API Gateway verifies tokens with them).
    #[serde(default)]
    pub jwks_uri: Option<String>,
    /// The claims the provider says it can issue, when it lists them.
    #[serde(default)]
    pub claims_supported: Option<Vec<String>>,
    /// PKCE methods, when listed.
    #[serde(default)]
    pub code_challenge_methods_supported: Option<Vec<String>>,
}

/// Reads `<issuer>/.well-known/openid-configuration` and checks that it names `issuer`.
pub async fn discover(issuer: &str) -> Result<Discovery, ApiError> {
    let url = format!(
        "{}/.well-known/openid-configuration",
        issuer.trim_end_matches('/')
    );
    let discovery: Discovery = http()
        .get(&url)
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .map_err(|e| ApiError::SignIn(format!("cannot read {url}: {e}")))?
        .json()
        .await
        .map_err(|e| ApiError::SignIn(format!("{url} is not an OpenID discovery document: {e}")))?;
    if discovery.issuer.trim_end_matches('/') != issuer.trim_end_matches('/') {
        return Err(ApiError::SignIn(format!(
            "{url} names issuer {:?}, not {issuer:?}",
            discovery.issuer
        )));
    }
    Ok(discovery)
}

/// One browser sign-in to do.
#[derive(Debug, Clone)]
pub struct SignIn {
    /// Where the browser signs in.
    pub authorization_endpoint: String,
    /// Where the code is exchanged.
    pub token_endpoint: String,
    /// The OAuth client (a public one: PKCE instead of a secret).
    pub client_id: String,
    /// Only for providers that insist on a secret even for native apps.
    pub client_secret: Option<String>,
    /// The issuer id tokens must name, when known.
    pub issuer: Option<String>,
    /// The loopback port of the redirect (`0` = any free port; providers that register exact
    /// redirect URIs need a fixed one).
    pub redirect_port: u16,
    /// The scopes asked for.
    pub scope: String,
}

/// What a sign-in or refresh yields.
#[derive(Debug, Clone)]
pub struct Tokens {
    /// The OpenID id token (what the API accepts).
    pub id_token: String,
    /// For the next refresh, when the provider issued one.
    pub refresh_token: Option<String>,
    /// When the id token expires (Unix seconds; `0` when it carries no `exp`).
    pub expires_at: i64,
    /// The id token's claims (unverified, see [`claims`]).
    pub claims: serde_json::Value,
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
        .connect_timeout(Duration::from_secs(10))
        .build()
        .unwrap_or_default()
}

/// Random URL-safe text of `bytes` random bytes (from the OS generator, through UUID v4).
fn random(bytes: usize) -> String {
    let value: Vec<u8> = (0..bytes.div_ceil(16))
        .flat_map(|_| *uuid::Uuid::new_v4().as_bytes())
        .take(bytes)
        .collect();
    URL_SAFE_NO_PAD.encode(value)
}

impl SignIn {
    /// Listens on the loopback port, has `open` show the sign-in address to the user, waits up
    /// to [`SIGN_IN_TIMEOUT`] for the redirect and exchanges the code.
    pub async fn run(&self, open: impl FnOnce(&url::Url)) -> Result<Tokens, ApiError> {
        let listener = TcpListener::bind(("127.0.0.1", self.redirect_port))
            .await
            .map_err(|e| {
                ApiError::SignIn(format!(
                    "cannot listen on 127.0.0.1:{} for the sign-in redirect: {e}",
                    self.redirect_port
                ))
            })?;
        let port = listener
            .local_addr()
            .map_err(|e| ApiError::SignIn(e.to_string()))?
            .port();
        let redirect_uri = format!("http://127.0.0.1:{port}/callback");
        let state = random(24);
        let nonce = random(24);
        let verifier = random(48);
        let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));

        let mut url = url::Url::parse(&self.authorization_endpoint).map_err(|e| {
            ApiError::SignIn(format!(
                "authorization endpoint {:?}: {e}",
                self.authorization_endpoint
            ))
        })?;
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", &self.client_id)
            .append_pair("redirect_uri", &redirect_uri)
            .append_pair("scope", &self.scope)
            .append_pair("state", &state)
            .append_pair("nonce", &nonce)
            .append_pair("code_challenge", &challenge)
            .append_pair("code_challenge_method", "S256");
        open(&url);

        let code = tokio::time::timeout(SIGN_IN_TIMEOUT, wait_for_code(&listener, &state))
            .await
            .map_err(|_| ApiError::SignIn("no sign-in within 5 minutes".into()))??;

        let form = [
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", redirect_uri.as_str()),
            ("client_id", self.client_id.as_str()),
            ("code_verifier", verifier.as_str()),
        ];
        let response =
            token_request(&self.token_endpoint, &form, self.client_secret.as_deref()).await?;
        let tokens = tokens(response, None)?;
        check_claims(
            &tokens.claims,
            self.issuer.as_deref(),
            &self.client_id,
            &nonce,
        )?;
        Ok(tokens)
    }
}

/// Gets a fresh id token with a refresh token. Providers that rotate refresh tokens send a new
/// one; others keep the old one valid, so it is carried over.
pub async fn refresh(
    token_endpoint: &str,
    client_id: &str,
    client_secret: Option<&str>,
    refresh_token: &str,
) -> Result<Tokens, ApiError> {
    let form = [
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh_token),
        ("client_id", client_id),
    ];
    let response = token_request(token_endpoint, &form, client_secret).await?;
    tokens(response, Some(refresh_token))
}

fn tokens(response: TokenResponse, old_refresh: Option<&str>) -> Result<Tokens, ApiError> {
    let id_token = response.id_token.ok_or_else(|| {
        ApiError::SignIn(
            "the identity provider returned no id token (is the `openid` scope allowed?)".into(),
        )
    })?;
    let claims = claims(&id_token)?;
    Ok(Tokens {
        expires_at: claims["exp"].as_i64().unwrap_or_default(),
        claims,
        id_token,
        refresh_token: response
            .refresh_token
            .or_else(|| old_refresh.map(str::to_owned)),
    })
}

async fn token_request(
    endpoint: &str,
    form: &[(&str, &str)],
    client_secret: Option<&str>,
) -> Result<TokenResponse, ApiError> {
    let mut fields: Vec<(&str, &str)> = form.to_vec();
    if let Some(secret) = client_secret {
        fields.push(("client_secret", secret));
    }
    let response = http()
        .post(endpoint)
        .form(&fields)
        .send()
        .await
        .map_err(|e| ApiError::SignIn(format!("cannot reach {endpoint}: {e}")))?;
    let status = response.status();
    let body = response.bytes().await.unwrap_or_default();
    if !status.is_success() {
        let detail = serde_json::from_slice::<OAuthError>(&body)
            .map(|e| match e.error_description {
                Some(d) => format!("{}: {d}", e.error),
                None => e.error,
            })
            .unwrap_or_else(|_| format!("HTTP {status}"));
        return Err(ApiError::SignIn(format!(
            "the token endpoint refused: {detail}"
        )));
    }
    serde_json::from_slice(&body)
        .map_err(|e| ApiError::SignIn(format!("unreadable token response: {e}")))
}

/// The claims of a JWT, unverified: the token came straight from the token endpoint over the
/// connection we opened, which OpenID Connect Core 3.1.3.7 accepts instead of a signature check;
/// the API verifies it properly on every request.
pub fn claims(token: &str) -> Result<serde_json::Value, ApiError> {
    token
        .split('.')
        .nth(1)
        .and_then(|p| URL_SAFE_NO_PAD.decode(p.trim_end_matches('=')).ok())
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .filter(serde_json::Value::is_object)
        .ok_or_else(|| ApiError::SignIn("the id token is not a JWT".into()))
}

fn check_claims(
    claims: &serde_json::Value,
    issuer: Option<&str>,
    client_id: &str,
    nonce: &str,
) -> Result<(), ApiError> {
    if let Some(issuer) = issuer
        && claims["iss"].as_str().map(|i| i.trim_end_matches('/'))
            != Some(issuer.trim_end_matches('/'))
    {
        return Err(ApiError::SignIn(format!(
            "the id token is from issuer {}, not {issuer}",
            claims["iss"]
        )));
    }
    let audience_ok = match &claims["aud"] {
        serde_json::Value::String(aud) => aud == client_id,
        serde_json::Value::Array(values) => values.iter().any(|v| v == client_id),
        _ => false,
    };
    if !audience_ok {
        return Err(ApiError::SignIn(format!(
            "the id token is for another client (aud {}), not {client_id}",
            claims["aud"]
        )));
    }
    if claims["nonce"].as_str() != Some(nonce) {
        return Err(ApiError::SignIn(
            "the id token's nonce does not match this sign-in".into(),
        ));
    }
    Ok(())
}

/// Serves the loopback redirect until a request with the right `state` arrives. Requests with
/// another state (or another path) are answered 400 and ignored: they do not end the sign-in.
async fn wait_for_code(listener: &TcpListener, state: &str) -> Result<String, ApiError> {
    loop {
        let (mut stream, _) = listener
            .accept()
            .await
            .map_err(|e| ApiError::SignIn(format!("redirect listener: {e}")))?;
        let target = read_request_target(&mut stream).await;
        let url = url::Url::parse(&format!("http://127.0.0.1{target}")).ok();
        let params: HashMap<String, String> = url
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
            let text = format!("{error} {description}").trim().to_owned();
            respond(&mut stream, 400, &format!("Sign-in failed: {text}")).await;
            return Err(ApiError::SignIn(text));
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
            None => respond(&mut stream, 400, "The sign-in redirect carried no code.").await,
        }
    }
}

/// The request target of an HTTP request head (16 KB at most, 10 s at most).
async fn read_request_target(stream: &mut tokio::net::TcpStream) -> String {
    let mut buffer = vec![0u8; 16 * 1024];
    let mut read = 0;
    while read < buffer.len() {
        match tokio::time::timeout(Duration::from_secs(10), stream.read(&mut buffer[read..])).await
        {
            Ok(Ok(0)) | Ok(Err(_)) | Err(_) => break,
            Ok(Ok(n)) => {
                read += n;
                if buffer[..read].windows(4).any(|w| w == b"\r\n\r\n") {
                    break;
                }
            }
        }
    }
    let head = String::from_utf8_lossy(&buffer[..read]);
    head.lines()
        .next()
        .and_then(|line| line.split_whitespace().nth(1))
        .unwrap_or("")
        .to_owned()
}

async fn respond(stream: &mut tokio::net::TcpStream, status: u16, message: &str) {
    let body = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>Sign-in</title></head><body><p>{}</p></body></html>",
        escape_html(message)
    );
    let reason = if status == 200 { "OK" } else { "Bad Request" };
    let protective: String = ccwb_core::html::PROTECTIVE_HEADERS
        .iter()
        .map(|(name, value)| format!("{name}: {value}\r\n"))
        .collect();
    let response = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\n{protective}Connection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.shutdown().await;
}

/// Opens `url` in the user's browser: the command(s) in `$BROWSER` when set (a `:`-separated
/// list; `%s` stands for the address, else it is appended), otherwise the system default.
/// The browser never shares our stdout (credential_process output must stay clean). Returns
/// whether a browser was started.
pub fn open_browser(url: &str) -> bool {
    if let Some(list) = std::env::var_os("BROWSER").filter(|b| !b.is_empty()) {
        let list = list.to_string_lossy().into_owned();
        return list
            .split(':')
            .filter(|entry| !entry.trim().is_empty())
            .any(|entry| spawn_browser(entry, url));
    }
    webbrowser::open(url).is_ok()
}

fn spawn_browser(entry: &str, url: &str) -> bool {
    let mut words = entry.split_whitespace().map(|w| w.replace("%s", url));
    let Some(program) = words.next() else {
        return false;
    };
    let mut args: Vec<String> = words.collect();
    if !entry.contains("%s") {
        args.push(url.to_owned());
    }
    std::process::Command::new(program)
        .args(args)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .is_ok()
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
        assert!(check_claims(&claims, Some("https://idp"), "cli", "n").is_ok());
        assert!(check_claims(&claims, None, "cli", "n").is_ok());
        assert!(check_claims(&claims, Some("https://other"), "cli", "n").is_err());
        assert!(check_claims(&claims, Some("https://idp"), "x", "n").is_err());
        assert!(check_claims(&claims, Some("https://idp"), "cli", "m").is_err());
    }

    #[test]
    fn non_jwts_are_refused() {
        assert!(claims("abc").is_err());
        assert!(claims("a.bnVsbA.c").is_err()); // payload `null`
        let payload = URL_SAFE_NO_PAD.encode(br#"{"exp":5}"#);
        assert_eq!(claims(&format!("h.{payload}.s")).unwrap()["exp"], 5);
    }
}
