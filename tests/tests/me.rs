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
    let cases = [
        (
            "JSON array",
            json!({"groups": ["eng", "ccwb-admins"]}),
            json!(["ccwb-admins", "eng"]),
            true,
        ),
        // A string claim is one group, read exactly: splitting it could make `team ccwb-admins`
        // (or `eng,ccwb-admins`) an administrator.
        (
            "one string with a comma",
            json!({"groups": "eng, ops"}),
            json!(["eng, ops"]),
            false,
        ),
        (
            "one string that looks like a flattened array",
            json!({"groups": "[eng ccwb-admins]"}),
            json!(["[eng ccwb-admins]"]),
            false,
        ),
        (
            "one string",
            json!({"groups": "eng"}),
            json!(["eng"]),
            false,
        ),
        (
            "cognito array",
            json!({"cognito:groups": ["ccwb-admins"]}),
            json!(["ccwb-admins"]),
            true,
        ),
        (
            "department",
            json!({"groups": ["eng"], "custom:department": "Research"}),
            json!(["department:Research", "eng"]),
            false,
        ),
        ("none", json!({}), json!([]), false),
    ];
    for (case, extra, groups, admin) in cases {
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
    let mut claims = signer.claims("x@example.com");
    claims.as_object_mut().unwrap().remove("email");
    let (status, body) = local.get("/me", Some(&signer.sign(&claims))).await;
    assert_eq!(
        (status, body["identity"].clone()),
        (200, serde_json::Value::Null)
    );
}

#[tokio::test]
async fn admin_groups_and_identity_claims_follow_the_deployment_settings() {
    let local = Local::start_with(LocalOptions {
        env: vec![
            ("CCWB_ADMIN_GROUPS".into(), "platform, sre".into()),
            ("CCWB_IDENTITY_CLAIMS".into(), "upn,email".into()),
        ],
        ..LocalOptions::default()
    });
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
    let (_, body) = local.get("/me", Some(&signer.sign(&claims))).await;
    assert_eq!(body["identity"], "preferred@corp.example");
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
