//! The development issuer's sign-in: discovery, authorization code with PKCE (S256), refresh.

// Dependencies are judged on the library target; this test uses only some of them.
#![allow(unused_crate_dependencies)]

use std::collections::HashMap;

use ccwb_e2e::tokens::b64;
use ccwb_e2e::{Local, get_json};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

const REDIRECT: &str = "http://127.0.0.1:8400/callback";

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// Plays the browser: opens the authorize URL and returns the redirect's query parameters.
async fn authorize(local: &Local, params: &[(&str, &str)]) -> (u16, HashMap<String, String>) {
    let mut url = url::Url::parse(&format!("{}/oauth2/authorize", local.url)).expect("url");
    url.query_pairs_mut().extend_pairs(params);
    let response = no_redirects().get(url).send().await.expect("authorize");
    let status = response.status().as_u16();
    let query = response
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .and_then(|l| url::Url::parse(l).ok())
        .map(|u| u.query_pairs().into_owned().collect())
        .unwrap_or_default();
    (status, query)
}

async fn token_request(local: &Local, form: &[(&str, &str)]) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(format!("{}/oauth2/token", local.url))
        .form(form)
        .send()
        .await
        .expect("token");
    (
        response.status().as_u16(),
        response.json().await.expect("json"),
    )
}

/// A token request that is refused with 400 and the OAuth `error`.
async fn assert_token_error(local: &Local, form: &[(&str, &str)], error: &str, why: &str) {
    let (status, body) = token_request(local, form).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some(error)),
        "{why}"
    );
}

/// The parameters of an authorization-code request from the dev client with PKCE (S256).
fn code_request(challenge: &str) -> Vec<(&str, &str)> {
    vec![
        ("response_type", "code"),
        ("client_id", "ccwb-local"),
        ("redirect_uri", REDIRECT),
        ("code_challenge", challenge),
        ("code_challenge_method", "S256"),
    ]
}

fn pkce() -> (String, String) {
    let verifier = b64(uuid::Uuid::new_v4().as_bytes()) + &b64(uuid::Uuid::new_v4().as_bytes());
    let challenge = b64(&Sha256::digest(verifier.as_bytes()));
    (verifier, challenge)
}

#[tokio::test]
async fn authorization_code_with_pkce_then_refresh() {
    let local = Local::start();
    let discovery = get_json(&format!("{}/.well-known/openid-configuration", local.url)).await;
    assert_eq!(discovery["issuer"], local.url.as_str());
    assert_eq!(
        discovery["code_challenge_methods_supported"],
        json!(["S256"])
    );

    let (verifier, challenge) = pkce();
    let mut params = code_request(&challenge);
    params.extend([
        ("state", "st4te"),
        ("nonce", "n0nce"),
        ("login_hint", "Pat@Example.com"),
    ]);
    let (status, query) = authorize(&local, &params).await;
    assert_eq!(status, 303, "redirects back to the client");
    assert_eq!(query["state"], "st4te");
    let code = query["code"].clone();

    let exchange = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", REDIRECT),
        ("client_id", "ccwb-local"),
        ("code_verifier", verifier.as_str()),
    ];
    let (status, tokens) = token_request(&local, &exchange).await;
    assert_eq!(status, 200, "{tokens}");
    let id_token = tokens["id_token"].as_str().expect("id_token");
    let (status, me) = local.get("/me", Some(id_token)).await;
    assert_eq!((status, &me["identity"]), (200, &json!("pat@example.com")));
    assert_eq!(
        me["admin"], true,
        "browser sign-ins get --dev-groups (ccwb-admins)"
    );

    // The access token (client_id, no aud) is accepted too; the refresh token never is.
    let (status, _) = local.get("/me", tokens["access_token"].as_str()).await;
    assert_eq!(status, 200);
    let refresh = tokens["refresh_token"].as_str().expect("refresh_token");
    let (status, _) = local.get("/me", Some(refresh)).await;
    assert_eq!(status, 401, "a refresh token is not an API credential");

    assert_token_error(&local, &exchange, "invalid_grant", "a code works once").await;

    let (status, refreshed) = token_request(
        &local,
        &[("grant_type", "refresh_token"), ("refresh_token", refresh)],
    )
    .await;
    assert_eq!(status, 200, "{refreshed}");
    let refreshed_id = refreshed["id_token"].as_str().expect("id_token");
    assert_eq!(
        local.identity(refreshed_id).await,
        (200, json!("pat@example.com"))
    );

    let id_as_refresh = [("grant_type", "refresh_token"), ("refresh_token", id_token)];
    let why = "an id token is no refresh token";
    assert_token_error(&local, &id_as_refresh, "invalid_grant", why).await;
}

#[tokio::test]
async fn wrong_verifier_is_invalid_grant_and_spends_the_code() {
    let local = Local::start();
    let (verifier, challenge) = pkce();
    let (_, query) = authorize(&local, &code_request(&challenge)).await;
    let code = query["code"].as_str();
    let (wrong, _) = pkce();
    for (verifier, why) in [
        (wrong.as_str(), "the wrong verifier"),
        (verifier.as_str(), "a failed exchange spends the code"),
    ] {
        let form = [
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", verifier),
        ];
        assert_token_error(&local, &form, "invalid_grant", why).await;
    }
}

#[tokio::test]
async fn bad_authorization_requests_are_refused() {
    let local = Local::start();
    let (_, challenge) = pkce();
    let mut base = code_request(&challenge);
    base.push(("state", "s"));
    let with = |name: &str, value: &'static str| -> Vec<(&str, &str)> {
        base.iter()
            .map(|(k, v)| if *k == name { (*k, value) } else { (*k, *v) })
            .collect()
    };

    // Unknown client or a non-loopback redirect: answered to the user, never redirected.
    let (status, _) = authorize(&local, &with("client_id", "intruder")).await;
    assert_eq!(status, 400);
    let (status, _) = authorize(&local, &with("redirect_uri", "https://evil.example.com/cb")).await;
    assert_eq!(status, 400);

    // Other errors go back to the client with its state.
    let (status, query) = authorize(&local, &with("code_challenge_method", "plain")).await;
    assert_eq!((status, query["error"].as_str()), (303, "invalid_request"));
    assert_eq!(query["state"], "s");
    let (_, query) = authorize(&local, &with("response_type", "token")).await;
    assert_eq!(query["error"], "unsupported_response_type");
    let without_challenge: Vec<(&str, &str)> = base
        .iter()
        .copied()
        .filter(|(k, _)| *k != "code_challenge")
        .collect();
    let (_, query) = authorize(&local, &without_challenge).await;
    assert_eq!(query["error"], "invalid_request");

    let password = [("grant_type", "password")];
    let why = "no password grant";
    assert_token_error(&local, &password, "unsupported_grant_type", why).await;
}

#[tokio::test]
async fn signing_key_survives_a_restart() {
    let options = ccwb_e2e::LocalOptions {
        port: Some(ccwb_e2e::free_port()),
        ..Default::default()
    };
    let first = Local::start_with(options.clone());
    let token = first.token("keep@example.com", &[]);
    let state_dir = first.state_dir.clone();
    drop(first);
    let second = Local::start_with(ccwb_e2e::LocalOptions {
        state_dir: Some(state_dir),
        ..options
    });
    assert_eq!(
        second.identity(&token).await,
        (200, json!("keep@example.com")),
        "a token from before the restart is still valid"
    );
}
