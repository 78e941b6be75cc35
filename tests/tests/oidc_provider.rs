//! The third-party OpenID Provider fixture itself: a scripted sign-in with authorization code +
//! PKCE (S256) to a loopback listener, then the code and refresh grants, with the id token's
//! signature and claims checked.

// Dependencies are judged on the library target; this test uses only some of them.
#![allow(unused_crate_dependencies)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::mpsc;

use ccwb_e2e::oidc_provider::OidcProvider;
use ccwb_e2e::tokens::b64;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::Value;
use sha2::{Digest, Sha256};

const CLIENT_ID: &str = "ccwb-credential-process";
const LOGIN: &str = "dev@example.com";

/// A loopback listener that answers one request with a 200 and reports its request target.
fn loopback_listener() -> (u16, mpsc::Receiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback listener");
    let port = listener.local_addr().expect("listener address").port();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().expect("accept callback");
        let mut request_line = String::new();
        let mut reader = BufReader::new(stream.try_clone().expect("stream"));
        reader.read_line(&mut request_line).expect("request line");
        // Drain the headers before answering.
        let mut header = String::new();
        while reader.read_line(&mut header).is_ok_and(|n| n > 2) {
            header.clear();
        }
        let body = "signed in; you can close this window";
        let _ = write!(
            stream,
            "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        );
        let target = request_line
            .split(' ')
            .nth(1)
            .unwrap_or_default()
            .to_owned();
        let _ = tx.send(target);
    });
    (port, rx)
}

fn get_json(url: &str) -> Value {
    reqwest::blocking::get(url)
        .and_then(|r| r.error_for_status())
        .and_then(|r| r.json())
        .unwrap_or_else(|e| panic!("GET {url}: {e}"))
}

fn token_request(endpoint: &str, form: &[(&str, &str)]) -> Value {
    let response = reqwest::blocking::Client::new()
        .post(endpoint)
        .form(form)
        .send()
        .expect("token request");
    let status = response.status();
    let body: Value = response.json().expect("token response json");
    assert!(status.is_success(), "token endpoint said {status}: {body}");
    body
}

/// Verifies `id_token` against the provider's JWKS (RS256, issuer, audience, expiry).
fn verify(id_token: &str, jwks: &JwkSet, issuer: &str) -> Value {
    let header = jsonwebtoken::decode_header(id_token).expect("id token header");
    assert_eq!(header.alg, Algorithm::RS256);
    let kid = header.kid.expect("kid in the id token header");
    let jwk = jwks.find(&kid).expect("signing key in the JWKS");
    let key = DecodingKey::from_jwk(jwk).expect("decoding key");
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_issuer(&[issuer]);
    validation.set_audience(&[CLIENT_ID]);
    jsonwebtoken::decode::<Value>(id_token, &key, &validation)
        .expect("valid id token")
        .claims
}

#[test]
fn code_flow_with_pkce_to_a_loopback_port_yields_email_and_a_working_refresh_token() {
    // Registered without a port: the native client's loopback URI matches any port.
    let provider = OidcProvider::start_with(
        CLIENT_ID,
        &["http://127.0.0.1/callback"],
        &[("GROUPS", "engineering,ccwb-admins"), ("TOKEN_TTL", "600")],
    );
    let discovery = get_json(&format!(
        "{}/.well-known/openid-configuration",
        provider.issuer
    ));
    assert_eq!(discovery["issuer"], provider.issuer.as_str());
    let field = |name: &str| discovery[name].as_str().expect(name).to_owned();
    let jwks: JwkSet = serde_json::from_value(get_json(&field("jwks_uri"))).expect("JWKS document");

    let (port, callback) = loopback_listener();
    let redirect_uri = format!("http://127.0.0.1:{port}/callback");
    let verifier = b64(uuid::Uuid::new_v4().as_bytes()).repeat(2);
    let challenge = b64(&Sha256::digest(verifier.as_bytes()));
    let state = uuid::Uuid::new_v4().to_string();
    let nonce = uuid::Uuid::new_v4().to_string();
    let mut authorize = url::Url::parse(&field("authorization_endpoint")).expect("authorize URL");
    authorize.query_pairs_mut().extend_pairs([
        ("response_type", "code"),
        ("client_id", CLIENT_ID),
        ("redirect_uri", &redirect_uri),
        ("scope", "openid email"),
        ("state", &state),
        ("nonce", &nonce),
        ("code_challenge", &challenge),
        ("code_challenge_method", "S256"),
    ]);

    let hit = provider.sign_in(authorize.as_str(), LOGIN);
    let target = callback
        .recv_timeout(std::time::Duration::from_secs(5))
        .expect("the loopback listener got the callback");
    assert!(hit.ends_with(&target), "{hit} vs {target}");
    let query: HashMap<String, String> = url::Url::parse(&hit)
        .expect("callback URL")
        .query_pairs()
        .into_owned()
        .collect();
    assert_eq!(query.get("state"), Some(&state));
    assert_eq!(query.get("iss"), Some(&provider.issuer));
    let code = query.get("code").expect("code in the callback");

    let token_endpoint = field("token_endpoint");
    let tokens = token_request(
        &token_endpoint,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", CLIENT_ID),
            ("code", code),
            ("code_verifier", &verifier),
            ("redirect_uri", &redirect_uri),
        ],
    );
    let claims = verify(
        tokens["id_token"].as_str().expect("id_token"),
        &jwks,
        &provider.issuer,
    );
    assert_eq!(claims["iss"], provider.issuer.as_str());
    assert_eq!(claims["aud"], CLIENT_ID);
    assert_eq!(claims["nonce"], nonce.as_str());
    assert_eq!(claims["email"], LOGIN);
    assert_eq!(claims["email_verified"], true);
    assert_eq!(
        claims["exp"].as_i64(),
        claims["iat"].as_i64().map(|iat| iat + 600)
    );
    assert_eq!(
        claims["groups"],
        serde_json::json!(["engineering", "ccwb-admins"])
    );
    let refresh_token = tokens["refresh_token"]
        .as_str()
        .expect("a refresh token without offline_access");

    let refreshed = token_request(
        &token_endpoint,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", CLIENT_ID),
            ("refresh_token", refresh_token),
        ],
    );
    let claims = verify(
        refreshed["id_token"].as_str().expect("a new id_token"),
        &jwks,
        &provider.issuer,
    );
    assert_eq!(claims["email"], LOGIN);
    assert_eq!(claims["aud"], CLIENT_ID);
    let rotated = refreshed["refresh_token"]
        .as_str()
        .expect("rotated refresh token");
    assert_ne!(
        rotated, refresh_token,
        "public clients' refresh tokens rotate"
    );
}
