//! The holes an attack run on the local stack found (issue 16), each shut at its cause and
//! proven over HTTP against the real stack: group claims that split into an admin group, tokens
//! API Gateway refuses, unverified e-mail, counters beyond `u64`, pages without protective
//! headers, oversized headers, and a moto that restarted empty.

// Dependencies are judged on the library target; this test uses only some of them.
#![allow(unused_crate_dependencies)]

use ccwb_e2e::otlp::{int_point, now_nanos, request, sum};
use ccwb_e2e::tokens::{Signer, now};
use ccwb_e2e::{Local, LocalOptions, Moto};
use serde_json::{Value, json};

async fn status_with(local: &Local, path: &str, token: &str) -> (u16, Value) {
    local.get(path, Some(token)).await
}

#[tokio::test]
async fn a_group_name_never_splits_into_an_admin_group() {
    let local = Local::start();
    let signer = Signer::for_local(&local).await;
    let with_groups = |claim: &str, groups: Value| {
        let mut claims = signer.claims("mallory@example.com");
        claims[claim] = groups;
        signer.sign(&claims)
    };
    for (claim, groups) in [
        ("groups", json!(["team ccwb-admins"])),
        ("groups", json!(["\"ccwb-admins\""])),
        ("groups", json!(["[ccwb-admins]"])),
        ("cognito:groups", json!(["eng ccwb-admins", "ops"])),
        ("groups", json!("eng ccwb-admins")),
        ("groups", json!("eng,ccwb-admins")),
    ] {
        let token = with_groups(claim, groups.clone());
        let (status, body) = status_with(&local, "/policies", &token).await;
        assert_eq!(status, 403, "{claim}={groups} must not be an admin: {body}");
        let (_, me) = status_with(&local, "/me", &token).await;
        assert_eq!(me["admin"], false, "{me}");
        let names: Vec<&str> = me["groups"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(Value::as_str)
            .collect();
        assert!(
            !names.contains(&"ccwb-admins"),
            "{claim}={groups} gave {names:?}"
        );
    }
    // Each string is one group, read exactly.
    let token = with_groups("groups", json!(["team ccwb-admins", "ops"]));
    let (_, me) = status_with(&local, "/me", &token).await;
    assert_eq!(me["groups"], json!(["ops", "team ccwb-admins"]), "{me}");
    // A real member, in an array with others, still is one.
    let token = with_groups("groups", json!(["eng", "ccwb-admins"]));
    assert_eq!(status_with(&local, "/policies", &token).await.0, 200);

    // An e-mail claim that is an array names nobody.
    let mut claims = signer.claims("x@example.com");
    claims["email"] = json!(["admin@example.com", "x@example.com"]);
    claims["groups"] = json!(["ccwb-admins"]);
    let token = signer.sign(&claims);
    let (_, me) = status_with(&local, "/me", &token).await;
    assert_eq!(me["identity"], Value::Null, "{me}");
    let (status, body) = status_with(&local, "/policies", &token).await;
    assert_eq!(status, 403, "{body}");
    let (_, check) = status_with(&local, "/check", &token).await;
    assert_eq!(check["reason"], "missing_identity", "{check}");
}

#[tokio::test]
async fn tokens_api_gateway_refuses_are_refused_and_unverified_email_names_nobody() {
    let local = Local::start();
    let signer = Signer::for_local(&local).await;
    let admin = |edit: &dyn Fn(&mut Value)| {
        let mut claims = signer.claims("admin@example.com");
        claims["groups"] = json!(["ccwb-admins"]);
        edit(&mut claims);
        signer.sign(&claims)
    };
    // `aud` decides when present: another client's token does not pass on its `client_id`.
    let other_client = admin(&|c| {
        c["aud"] = json!("another-client");
        c["client_id"] = json!(signer.audience);
    });
    assert_eq!(local.get("/me", Some(&other_client)).await.0, 401);
    let other_in_list = admin(&|c| {
        c["aud"] = json!(["another-client"]);
        c["client_id"] = json!(signer.audience);
    });
    assert_eq!(local.get("/me", Some(&other_in_list)).await.0, 401);
    // Without `aud`, `client_id` is what an access token names its client with.
    let access = {
        let mut claims = signer.access_claims("admin@example.com");
        claims["groups"] = json!(["ccwb-admins"]);
        signer.sign(&claims)
    };
    assert_eq!(local.get("/policies", Some(&access)).await.0, 200);
    // Issued in the future: refused, as API Gateway refuses it.
    let future = admin(&|c| c["iat"] = json!(now() + 120));
    assert_eq!(local.get("/me", Some(&future)).await.0, 401);
    let not_a_time = admin(&|c| c["iat"] = json!("yesterday"));
    assert_eq!(local.get("/me", Some(&not_a_time)).await.0, 401);

    // An address the identity provider has not verified is nobody, not an administrator.
    let unverified = admin(&|c| c["email_verified"] = json!(false));
    let (_, me) = local.get("/me", Some(&unverified)).await;
    assert_eq!(me["identity"], Value::Null, "{me}");
    assert_eq!(local.get("/policies", Some(&unverified)).await.0, 403);
    let verified = admin(&|c| c["email_verified"] = json!(true));
    assert_eq!(local.get("/policies", Some(&verified)).await.0, 200);

    // Unless the deployment says so.
    let accepting =
        Local::start_with(LocalOptions::default().with_env("CCWB_UNVERIFIED_EMAIL", "accept"));
    let signer = Signer::for_local(&accepting).await;
    let mut claims = signer.claims("dev@example.com");
    claims["email_verified"] = json!("false");
    let (_, me) = accepting.get("/me", Some(&signer.sign(&claims))).await;
    assert_eq!(me["identity"], "dev@example.com", "{me}");
}

/// Adds `amount` (decimal text, may exceed `u64`) to attribute `name` of a stored item.
async fn add_to(local: &Local, key: &Value, name: &str, amount: &str) {
    ccwb_e2e::aws::call(
        &local.aws_endpoint,
        "DynamoDB_20120810.UpdateItem",
        "dynamodb",
        json!({"TableName": local.usage_table(), "Key": key,
               "UpdateExpression": "ADD #n :v",
               "ExpressionAttributeNames": {"#n": name},
               "ExpressionAttributeValues": {":v": {"N": amount}}}),
    )
    .await;
}

/// A request of one point of `value` claude-sonnet-4 input tokens in `session`, ending now.
fn token_point(value: u64, session: &str) -> Value {
    let at = now_nanos();
    let attributes = [
        ("type", "input"),
        ("model", "claude-sonnet-4"),
        ("session.id", session),
    ];
    let point = int_point(at - 1_000, at, value, &attributes);
    request(vec![sum("claude_code.token.usage", vec![point])])
}

#[tokio::test]
async fn huge_values_are_refused_and_huge_totals_stay_one_users_problem() {
    let local = Local::start();
    let admin = local.admin_token();
    let (alice, bob) = ("alice@example.com", "bob@example.com");
    let alice_token = local.token(alice, &[]);

    // A point near 2^63 is refused with a partial success; nothing is stored.
    let huge = token_point(i64::MAX as u64, "s1");
    let (status, answer) = local.post("/v1/metrics", &alice_token, &huge).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        answer["partialSuccess"]["rejectedDataPoints"], "1",
        "{answer}"
    );
    let (_, usage) = status_with(&local, &format!("/usage/{alice}"), &admin).await;
    assert_eq!(usage["month"]["input_tokens"], 0, "{usage}");

    // Real points for two users in the same hour, then counters pushed past u64 (what adding
    // up enough hostile points would do) on Alice's items and on the hour shards.
    for (who, session) in [(alice, "a"), (bob, "b")] {
        let token = local.token(who, &[]);
        let (status, answer) = local
            .post("/v1/metrics", &token, &token_point(10, session))
            .await;
        assert_eq!((status, answer.get("partialSuccess")), (200, None));
    }
    local
        .seed_policy(
            "user",
            alice,
            json!({"monthly_token_limit": 1000, "enforcement_mode": "block"}),
        )
        .await;
    for item in local.scan(&local.usage_table()).await {
        let pk = item["pk"]["S"].as_str().unwrap();
        let key = json!({"pk": item["pk"], "sk": item["sk"]});
        if pk == format!("USER#{alice}") {
            for name in ["input_tokens", "total_tokens", "cost_micros"] {
                add_to(&local, &key, name, "100000000000000000000000").await;
            }
        } else if pk.starts_with("ROLLUP#") {
            // Each user's hour shard and rollup item near u64::MAX: their sum is beyond it.
            for (name, value) in item.as_object().unwrap() {
                if value.get("N").is_some() {
                    add_to(&local, &key, name, "18446744073709551000").await;
                }
            }
        }
    }

    // Alice is over her limit (not `check_failed`); her usage and Bob's still read.
    let (_, check) = status_with(&local, "/check", &alice_token).await;
    assert_eq!(check["reason"], "monthly_exceeded", "{check}");
    assert_eq!(check["allowed"], false);
    let (status, usage) = status_with(&local, &format!("/usage/{alice}"), &admin).await;
    assert_eq!(status, 200, "{usage}");
    assert_eq!(usage["month"]["input_tokens"], u64::MAX, "{usage}");
    let (status, usage) = status_with(&local, &format!("/usage/{bob}"), &admin).await;
    assert_eq!((status, &usage["month"]["input_tokens"]), (200, &json!(10)));
    let (_, check) = status_with(&local, "/check", &local.token(bob, &[])).await;
    assert_eq!(check["allowed"], true, "{check}");

    // A corrupt item is its own user's error only.
    let carol = "carol@example.com";
    let month = ccwb_e2e::aws::month_sk();
    for (pk, sk) in [
        (format!("USER#{carol}"), month.clone()),
        (format!("ROLLUP#{month}"), format!("USER#{carol}")),
    ] {
        let item = json!({"pk": {"S": pk}, "sk": {"S": sk}, "total_tokens": {"S": "lots"}});
        local.put_item(&local.usage_table(), item).await;
    }
    let (_, check) = status_with(&local, "/check", &local.token(carol, &[])).await;
    assert_eq!(check["reason"], "check_failed", "{check}");
    let (_, check) = status_with(&local, "/check", &local.token(bob, &[])).await;
    assert_eq!(check["allowed"], true, "{check}");

    // Every widget still draws.
    let page = reqwest::get(format!("{}/dashboard?token={admin}", local.url))
        .await
        .unwrap();
    assert_eq!(page.status().as_u16(), 200);
    let html = page.text().await.unwrap();
    assert!(!html.contains("could not be drawn"), "{html}");
}

#[tokio::test]
async fn pages_carry_protective_headers_and_big_headers_are_refused() {
    let local = Local::start();
    let admin = local.admin_token();
    for url in [
        format!("{}/dashboard?token={admin}", local.url),
        format!("{}/dashboard", local.url),
    ] {
        let response = reqwest::get(&url).await.unwrap();
        let headers = response.headers();
        assert!(
            headers["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        for (name, value) in [
            ("referrer-policy", "no-referrer"),
            ("cache-control", "no-store"),
            ("x-content-type-options", "nosniff"),
            ("x-frame-options", "DENY"),
        ] {
            assert_eq!(
                headers.get(name).map(|v| v.to_str().unwrap()),
                Some(value),
                "{url}"
            );
        }
        let csp = headers["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"));
    }

    // API Gateway's 10 KB limit on the request line and headers.
    let long_query = format!("/resolve?email=a@x.io&groups={}", "g,".repeat(6 * 1024));
    for (case, path, padding, status) in [
        ("big headers", "/me", 10 * 1024, 431),
        ("fine headers", "/me", 4 * 1024, 200),
        ("long query", long_query.as_str(), 0, 431),
    ] {
        let mut request = reqwest::Client::new()
            .get(format!("{}{path}", local.url))
            .bearer_auth(&admin);
        if padding > 0 {
            request = request.header("x-padding", "a".repeat(padding));
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status().as_u16(), status, "{case}");
    }
}

#[tokio::test]
async fn the_local_stack_heals_when_moto_restarts_empty() {
    let moto = Moto::start();
    let local = Local::start_with(LocalOptions::default().with_aws_endpoint(&moto.url));
    let admin = local.admin_token();
    let user = local.token("dev@example.com", &[]);
    assert_eq!(
        status_with(&local, "/check", &user).await.1["allowed"],
        true
    );

    // moto forgets everything, as a restarted moto would.
    let reset = reqwest::Client::new()
        .post(format!("{}/moto-api/reset", moto.url))
        .send()
        .await
        .unwrap();
    assert!(reset.status().is_success());

    let (status, check) = status_with(&local, "/check", &user).await;
    assert_eq!(status, 200);
    assert_eq!(
        check["reason"], "no_policy",
        "healed on the first request: {check}"
    );
    let limit = json!({"monthly_token_limit": 1_000_000, "enforcement_mode": "block"});
    let path = "/policies/user/dev@example.com";
    local.create_policy(path, &admin, &limit).await;
    let log = std::fs::read_to_string(local.state_dir.join("ccwb-local.log")).unwrap();
    assert_eq!(
        log.matches("provisioning them again").count(),
        1,
        "provisioned again once:\n{log}"
    );
}
