//! `GET /check` end to end: seeded policies, usage and unblocks in moto, decisions through
//! ccwb-local, the DynamoDB request count, and a store outage.

// Dependencies are judged on the library target; this test uses only some of them.
#![allow(unused_crate_dependencies)]

use ccwb_core::SessionName;
use ccwb_e2e::aws::{day_sk, month_sk};
use ccwb_e2e::proxy::RecordingProxy;
use ccwb_e2e::tokens::Signer;
use ccwb_e2e::{Local, LocalOptions, Moto, decision, moto};
use ccwb_store::SessionNames;
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

async fn check(local: &Local, token: &str) -> Value {
    let (status, body) = local.get("/check", Some(token)).await;
    assert_eq!(status, 200, "{body}");
    body
}

#[tokio::test]
async fn user_without_policy_gets_the_documented_no_policy_answer() {
    let local = Local::start();
    let body = check(&local, &local.token("new@example.com", &[])).await;
    assert_eq!(
        body,
        json!({
            "allowed": true,
            "reason": "no_policy",
            "enforcement_mode": null,
            "usage": {"monthly_tokens": 0, "daily_tokens": 0, "monthly_cost": 0.0, "daily_cost": 0.0},
            "policy": null,
            "unblock_status": {"is_unblocked": false, "expires_at": null, "unblocked_by": null, "reason": null},
            "warnings": [],
            "message": "No quota policy applies to you: usage is not limited.",
            "credential_ttl_seconds": 43_200
        })
    );
    let (status, _) = local.get("/check", None).await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn seeded_policies_and_usage_decide_by_the_rules() {
    let local = Local::start();
    for (policy_type, identifier, fields) in [
        (
            "default",
            "default",
            json!({"monthly_token_limit": 1000, "enforcement_mode": "block"}),
        ),
        (
            "group",
            "eng",
            json!({"monthly_token_limit": 5000, "enforcement_mode": "alert"}),
        ),
        (
            "group",
            "contractors",
            json!({"monthly_cost_limit": 10.5, "enforcement_mode": "block", "monthly_token_limit": 0}),
        ),
        (
            "user",
            "vip@example.com",
            json!({"monthly_token_limit": 1_000_000, "daily_token_limit": 100, "enforcement_mode": "alert",
                   "daily_enforcement_mode": "block"}),
        ),
    ] {
        local.seed_policy(policy_type, identifier, fields).await;
    }

    // Default policy: 1200 of 1000 tokens in block mode.
    local
        .seed_usage("plain@example.com", &month_sk(), 1200, 0)
        .await;
    let body = check(&local, &local.token("plain@example.com", &[])).await;
    assert_eq!(decision(&body), (Some(false), Some("monthly_exceeded")));
    assert_eq!(
        body["policy"],
        json!({"type": "default", "identifier": "default"})
    );
    assert_eq!(body["usage"]["monthly_limit"], 1000);
    assert_eq!(body["usage"]["monthly_percent"], 120.0);
    assert!(
        body["message"].as_str().unwrap().contains("blocked"),
        "{body}"
    );

    // Groups: eng alone alerts (allowed, with a warning); with contractors over its cost
    // limit, the blocking group decides, whatever the claim order.
    local
        .seed_usage("dev@example.com", &month_sk(), 6000, 12_000_000)
        .await;
    let body = check(&local, &local.token("dev@example.com", &["eng"])).await;
    assert_eq!(decision(&body), (Some(true), Some("within_quota")));
    assert_eq!(body["warnings"][0]["code"], "monthly_tokens_exceeded");
    for groups in [["eng", "contractors"], ["contractors", "eng"]] {
        let body = check(&local, &local.token("dev@example.com", &groups)).await;
        assert_eq!(body["reason"], "monthly_cost_exceeded", "{groups:?}");
        assert_eq!(body["policy"]["identifier"], "contractors");
        assert_eq!(body["usage"]["monthly_cost"], 12.0);
        assert_eq!(body["usage"]["monthly_cost_limit"], 10.5);
    }

    // User policy: monthly alert does not hide the daily block; yesterday's usage is ignored;
    // the upper-case e-mail claim finds the lower-case policy.
    local
        .seed_usage("vip@example.com", &day_sk(1), 500, 0)
        .await;
    let body = check(&local, &local.token("VIP@Example.com", &["contractors"])).await;
    assert_eq!(body["reason"], "within_quota", "{body}");
    assert_eq!(body["policy"]["type"], "user");
    assert_eq!(body["usage"]["daily_tokens"], 0);
    local
        .seed_usage("vip@example.com", &day_sk(0), 150, 0)
        .await;
    let body = check(&local, &local.token("VIP@Example.com", &[])).await;
    assert_eq!(decision(&body), (Some(false), Some("daily_exceeded")));

    // An active unblock lets the user through and says so; an expired one does not.
    let later = (OffsetDateTime::now_utc() + time::Duration::hours(2))
        .format(&Rfc3339)
        .unwrap();
    local.seed_unblock("vip@example.com", &later).await;
    let body = check(&local, &local.token("vip@example.com", &[])).await;
    assert_eq!(decision(&body), (Some(true), Some("unblocked")));
    assert_eq!(body["unblock_status"]["is_unblocked"], true);
    assert_eq!(body["unblock_status"]["unblocked_by"], "admin@example.com");
    let earlier = (OffsetDateTime::now_utc() - time::Duration::minutes(1))
        .format(&Rfc3339)
        .unwrap();
    local.seed_unblock("vip@example.com", &earlier).await;
    let body = check(&local, &local.token("vip@example.com", &[])).await;
    assert_eq!(body["reason"], "daily_exceeded");
    assert_eq!(body["unblock_status"]["is_unblocked"], false);
}

/// ccwb-local whose AWS requests pass through a recording proxy, to count them.
fn counted() -> (RecordingProxy, Local) {
    let proxy = RecordingProxy::start(moto());
    let local = Local::start_with(
        LocalOptions::default()
            .with_aws_endpoint(&proxy.url)
            // Keep the background delivery sweeper out of the count.
            .with_env("CCWB_AUDIT_DELIVERY_SECONDS", "3600"),
    );
    (proxy, local)
}

#[tokio::test]
async fn a_check_with_three_groups_is_one_dynamodb_request() {
    let (proxy, local) = counted();
    for (group, limit) in [("g1", 10), ("g3", 20)] {
        let fields = json!({"monthly_token_limit": limit});
        local.seed_policy("group", group, fields).await;
    }
    let token = local.token("count@example.com", &["g1", "g2", "g3"]);
    // The first check records the caller's role session name; every later one only reads.
    check(&local, &token).await;
    proxy.clear();
    let body = check(&local, &token).await;
    assert_eq!(body["policy"]["identifier"], "g1");
    assert_eq!(proxy.actions(), ["DynamoDB_20120810.BatchGetItem"]);
}

#[tokio::test]
async fn check_records_whom_each_role_session_name_belongs_to_once() {
    let (proxy, local) = counted();
    let signer = Signer::for_local(&local).await;
    let mut claims = signer.claims("Dev@Example.com");
    claims["sub"] = json!("00uDevOne");
    let store = local.store().await;
    let recorded = |subjects: &[&str]| {
        let subjects: Vec<SessionName> = subjects
            .iter()
            .map(|s| SessionName::parse(s).unwrap())
            .collect();
        let store = &store;
        async move {
            let found = store.session_owners(&subjects).await.unwrap();
            let mut pairs: Vec<(String, String)> = found
                .into_iter()
                .map(|(name, owner)| (name.to_string(), owner.identity.to_string()))
                .collect();
            pairs.sort();
            pairs
        }
    };
    let put = [
        "DynamoDB_20120810.BatchGetItem",
        "DynamoDB_20120810.PutItem",
    ];

    // The first check writes the mapping, in the caller's exact subject (case kept).
    proxy.clear();
    check(&local, &signer.sign(&claims)).await;
    assert_eq!(proxy.actions(), put);
    let expected = vec![("00uDevOne".to_owned(), "dev@example.com".to_owned())];
    assert_eq!(
        recorded(&["00uDevOne", "00uDevOne", "00uNobody"]).await,
        expected
    );
    // Later checks find it in the same BatchGetItem and write nothing.
    proxy.clear();
    check(&local, &signer.sign(&claims)).await;
    assert_eq!(proxy.actions(), ["DynamoDB_20120810.BatchGetItem"]);

    // The identity provider renames the user: the same subject now names the new address.
    claims["email"] = json!("dev.renamed@example.com");
    proxy.clear();
    check(&local, &signer.sign(&claims)).await;
    assert_eq!(proxy.actions(), put);
    let renamed = vec![("00uDevOne".to_owned(), "dev.renamed@example.com".to_owned())];
    assert_eq!(recorded(&["00uDevOne"]).await, renamed);

    // A subject STS would refuse as a session name can have no session: nothing is written,
    // and the decision is the same.
    claims["sub"] = json!("auth0|5f1");
    proxy.clear();
    let body = check(&local, &signer.sign(&claims)).await;
    assert_eq!(body["reason"], "no_policy");
    assert_eq!(proxy.actions(), ["DynamoDB_20120810.BatchGetItem"]);
}

#[tokio::test]
async fn token_without_identity_is_denied_unless_allowed() {
    let local = Local::start();
    let signer = Signer::for_local(&local).await;
    let token = signer.sign(&signer.claims_without("x@example.com", "email"));
    let body = check(&local, &token).await;
    assert_eq!(decision(&body), (Some(false), Some("missing_identity")));

    let lenient =
        Local::start_with(LocalOptions::default().with_env("CCWB_MISSING_IDENTITY", "allow"));
    let signer = Signer::for_local(&lenient).await;
    let token = signer.sign(&signer.claims_without("x@example.com", "email"));
    let body = check(&lenient, &token).await;
    assert_eq!(decision(&body), (Some(true), Some("missing_identity")));
}

#[tokio::test]
async fn store_outage_fails_closed_by_default_and_open_when_configured() {
    let own_moto = Moto::start();
    let on_own_moto = LocalOptions::default().with_aws_endpoint(&own_moto.url);
    let closed = Local::start_with(on_own_moto.clone());
    let open = Local::start_with(on_own_moto.with_env("CCWB_FAIL_MODE", "open"));
    let token = closed.token("outage@example.com", &[]);
    assert_eq!(check(&closed, &token).await["reason"], "no_policy");

    own_moto.stop();
    let body = check(&closed, &token).await;
    assert_eq!(decision(&body), (Some(false), Some("check_failed")));
    let body = check(&open, &open.token("outage@example.com", &[])).await;
    assert_eq!(decision(&body), (Some(true), Some("check_failed")));
}
