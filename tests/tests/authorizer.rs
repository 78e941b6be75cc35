//! The JWT authorizer matrix, through HTTP: every bad token gets 401 `{"message":"Unauthorized"}`
//! and nothing more, exactly as API Gateway answers.

// Dependencies are judged on the library target; this test uses only some of them.
#![allow(unused_crate_dependencies)]

use ccwb_e2e::Local;
use ccwb_e2e::tokens::{Signer, b64, now};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

async fn assert_unauthorized(local: &Local, authorization: Option<&str>, case: &str) {
    let mut request = reqwest::Client::new().get(format!("{}/me", local.url));
    if let Some(value) = authorization {
        request = request.header("authorization", value);
    }
    let response = request.send().await.expect("request");
    assert_eq!(response.status().as_u16(), 401, "{case}: status");
    let body: serde_json::Value = response.json().await.expect("json body");
    assert_eq!(
        body,
        json!({"message": "Unauthorized"}),
        "{case}: body leaks nothing"
    );
}

#[tokio::test]
async fn every_bad_token_is_refused_with_a_bare_401() {
    let local = Local::start();
    let signer = Signer::for_local(&local).await;
    let good = signer.claims("a@example.com");

    // The good token passes, with or without the Bearer scheme, proving the matrix below fails
    // for the reason each case names.
    let token = signer.sign(&good);
    assert_eq!(local.identity(&token).await, (200, json!("a@example.com")));

    assert_unauthorized(&local, None, "missing header").await;
    assert_unauthorized(&local, Some(""), "empty header").await;
    assert_unauthorized(&local, Some("Bearer"), "scheme without token").await;
    assert_unauthorized(&local, Some("Bearer not.a.jwt"), "garbled token").await;
    assert_unauthorized(&local, Some(&format!("Basic {token}")), "wrong scheme").await;

    // Valid claims but one, signed with the issuer's key.
    let altered = |edit: &dyn Fn(&mut Value)| {
        let mut claims = good.clone();
        edit(&mut claims);
        signer.sign(&claims)
    };
    let expired = altered(&|c| c["exp"] = json!(now() - 5));
    let future = altered(&|c| c["nbf"] = json!(now() + 300));
    let no_exp = altered(&|c| {
        c.as_object_mut().unwrap().remove("exp");
    });
    let issuer = altered(&|c| c["iss"] = json!("https://evil.example.com"));
    let audience = altered(&|c| c["aud"] = json!("someone-else"));

    // Tampering: swap in another payload under the original signature.
    let parts: Vec<&str> = token.split('.').collect();
    let mut admin = good.clone();
    admin["groups"] = json!(["ccwb-admins"]);
    let forged = format!(
        "{}.{}.{}",
        parts[0],
        b64(admin.to_string().as_bytes()),
        parts[2]
    );
    let none_header = json!({"alg": "none", "typ": "JWT", "kid": signer.kid});
    let alg_none = format!(
        "{}.{}.",
        b64(none_header.to_string().as_bytes()),
        b64(good.to_string().as_bytes())
    );

    // Algorithm confusion: HS256 keyed with the issuer's public key.
    let mut hs_header = Header::new(Algorithm::HS256);
    hs_header.kid = Some(signer.kid.clone());
    let confused = jsonwebtoken::encode(
        &hs_header,
        &good,
        &EncodingKey::from_secret(&signer.public_pem),
    )
    .expect("hs256");

    for (case, token) in [
        ("expired", expired),
        ("not yet valid", future),
        ("no exp", no_exp),
        ("wrong issuer", issuer),
        ("wrong audience", audience),
        (
            "unknown kid",
            signer.sign_with_kid(&good, Some("no-such-key")),
        ),
        ("no kid", signer.sign_with_kid(&good, None)),
        ("tampered payload", forged),
        ("alg none", alg_none),
        ("HS256 with public key", confused),
    ] {
        assert_unauthorized(&local, Some(&format!("Bearer {token}")), case).await;
    }

    // A token that fills the 10 KB of request line and headers API Gateway allows never reaches
    // the authorizer: 431, as in AWS.
    let mut huge = good.clone();
    huge["padding"] = json!("x".repeat(17 * 1024));
    let response = reqwest::Client::new()
        .get(format!("{}/me", local.url))
        .bearer_auth(signer.sign(&huge))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 431, "over 10 KB of headers");
}

#[tokio::test]
async fn access_token_is_accepted_by_client_id_and_bare_token_without_scheme() {
    let local = Local::start();
    let signer = Signer::for_local(&local).await;
    let token = signer.sign(&signer.access_claims("b@example.com"));

    let response = reqwest::Client::new()
        .get(format!("{}/me", local.url))
        .header("authorization", &token)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status().as_u16(), 200);

    let mut array_aud = signer.claims("c@example.com");
    array_aud["aud"] = json!(["other", signer.audience]);
    let identity = local.identity(&signer.sign(&array_aud)).await;
    assert_eq!(identity, (200, json!("c@example.com")));
}

#[tokio::test]
async fn unknown_routes_are_404_before_authorization_and_health_needs_no_token() {
    let local = Local::start();
    let (status, body) = local.get("/no-such-route", None).await;
    assert_eq!((status, body), (404, json!({"message": "Not Found"})));
    let (status, body) = local.get("/healthz", None).await;
    assert_eq!((status, body["status"].as_str()), (200, Some("ok")));
    // A known path with a method it does not serve is also API Gateway's 404.
    let response = reqwest::Client::new()
        .delete(format!("{}/me", local.url))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status().as_u16(), 404);
}

#[tokio::test]
async fn a_real_issuer_is_found_by_discovery_and_a_rotated_key_is_fetched_at_most_every_30_s() {
    use ccwb_e2e::{LocalOptions, free_port, temp_dir};
    use std::time::{Duration, Instant};

    // The identity provider: a dev issuer on a fixed port, so it can come back with a new key.
    let port = free_port();
    let issuer = |state: &str| LocalOptions {
        port: Some(port),
        state_dir: Some(temp_dir(state)),
        ..LocalOptions::default()
    };
    let idp = Local::start_with(issuer("idp-a"));
    let api = Local::start_with(LocalOptions::default().with_args(&[
        "--issuer",
        &idp.url,
        "--audience",
        "ccwb-local",
    ]));
    let (status, _) = api.get("/me", Some(&idp.token("a@example.com", &[]))).await;
    assert_eq!(
        status, 200,
        "JWKS found through the issuer's discovery document"
    );
    let first_fetch = Instant::now();

    // Key rotation: the issuer restarts with a new key under the same URL.
    drop(idp);
    let rotated = Local::start_with(issuer("idp-b"));
    let token = rotated.token("b@example.com", &[]);
    let (status, _) = api.get("/me", Some(&token)).await;
    assert_eq!(
        status, 401,
        "an unknown kid within 30 s of the last fetch is refused"
    );

    let wait = Duration::from_secs(31).saturating_sub(first_fetch.elapsed());
    tokio::time::sleep(wait).await;
    assert_eq!(
        api.identity(&token).await,
        (200, json!("b@example.com")),
        "refetched once allowed"
    );
}
