//! `GET /me`: identity and groups reach the function in API Gateway's encoding and are read
//! back the same way whatever form the identity provider used.

// Dependencies are judged on the library target; this test uses only some of them.
#![allow(unused_crate_dependencies)]

use ccwb_e2e::tokens::Signer;
use ccwb_e2e::{Local, LocalOptions};
use serde_json::json;

#[tokio::test]
async fn group_claims_in_every_form_are_read_exactly() {
    let local = Local::start();
    let signer = Signer::for_local(&local).await;
    // A case a row: the claims added to a valid token, the groups `/me` reads from them, and
    // whether those make an administrator.
    let cases = json!([
        ["JSON array", {"groups": ["eng", "ccwb-admins"]}, ["ccwb-admins", "eng"], true],
        // A string claim is one group, read exactly: splitting it could make `team ccwb-admins`
        // (or `eng,ccwb-admins`) an administrator.
        ["one string with a comma", {"groups": "eng, ops"}, ["eng, ops"], false],
        ["one string that looks like a flattened array",
            {"groups": "[eng ccwb-admins]"}, ["[eng ccwb-admins]"], false],
        ["one string", {"groups": "eng"}, ["eng"], false],
        ["cognito array", {"cognito:groups": ["ccwb-admins"]}, ["ccwb-admins"], true],
        ["department",
            {"groups": ["eng"], "custom:department": "Research"}, ["department:Research", "eng"], false],
        ["none", {}, [], false]
    ]);
    for row in cases.as_array().unwrap() {
        let (case, extra, groups, admin) = (&row[0], &row[1], &row[2], &row[3]);
        let mut claims = signer.claims("Dev.User@Example.COM");
        for (name, value) in extra.as_object().unwrap() {
            claims[name] = value.clone();
        }
        let (status, body) = local.get("/me", Some(&signer.sign(&claims))).await;
        assert_eq!(status, 200, "{case}");
        assert_eq!(
            body,
            json!({"identity": "dev.user@example.com", "groups": groups, "admin": admin}),
            "{case}"
        );
    }
}

#[tokio::test]
async fn token_without_email_has_no_identity() {
    let local = Local::start();
    let signer = Signer::for_local(&local).await;
    let token = signer.sign(&signer.claims_without("x@example.com", "email"));
    assert_eq!(local.identity(&token).await, (200, serde_json::Value::Null));
}

#[tokio::test]
async fn admin_groups_and_identity_claims_follow_the_deployment_settings() {
    let local = Local::start_with(
        LocalOptions::default()
            .with_env("CCWB_ADMIN_GROUPS", "platform, sre")
            .with_env("CCWB_IDENTITY_CLAIMS", "upn,email"),
    );
    let (_, body) = local
        .get("/me", Some(&local.token("a@example.com", &["sre"])))
        .await;
    assert_eq!(body["admin"], true);
    let (_, body) = local.get("/me", Some(&local.admin_token())).await;
    assert_eq!(
        body["admin"], false,
        "ccwb-admins is no longer an admin group"
    );

    let signer = Signer::for_local(&local).await;
    let mut claims = signer.claims("fallback@example.com");
    claims["upn"] = json!("Preferred@Corp.Example");
    let (_, identity) = local.identity(&signer.sign(&claims)).await;
    assert_eq!(identity, "preferred@corp.example");
}

#[tokio::test]
async fn token_command_mints_tokens_the_server_accepts() {
    let local = Local::start();
    let token = local.token("Someone@Example.com", &["eng", "ccwb-admins"]);
    let (status, body) = local.get("/me", Some(&token)).await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({"identity": "someone@example.com", "groups": ["ccwb-admins", "eng"], "admin": true})
    );
}
