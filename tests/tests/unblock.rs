//! Unblocks end to end, the audit trail, and its delivery to S3 through Firehose.

// Dependencies are judged on the library target; this test uses only some of them.
#![allow(unused_crate_dependencies)]

use std::time::{Duration, Instant};

use ccwb_e2e::cli::Ccwb;
use ccwb_e2e::{Local, LocalOptions};
use reqwest::Method;
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

fn parse(text: &Value) -> OffsetDateTime {
    OffsetDateTime::parse(text.as_str().expect("time text"), &Rfc3339).expect("RFC 3339")
}

#[tokio::test]
async fn each_duration_form_is_accepted_and_everything_else_refused() {
    let local = Local::start();
    let admin = local.admin_token();
    for (duration, hours) in [("1h", 1), ("168h", 168), ("1d", 24), ("7d", 168)] {
        let body = json!({"duration": duration, "reason": "test"});
        let (status, _, record) = local
            .send(Method::POST, "/unblocks/a@x.io", &admin, &[], Some(&body))
            .await;
        assert_eq!(status, 201, "{duration}: {record}");
        let span = parse(&record["expires_at"]) - parse(&record["unblocked_at"]);
        assert_eq!(span, time::Duration::hours(hours), "{duration}");
        assert_eq!(record["duration"], duration);
    }
    let (status, _, record) = local
        .send(
            Method::POST,
            "/unblocks/a@x.io",
            &admin,
            &[],
            Some(&json!({"duration": "until-reset", "reason": "r"})),
        )
        .await;
    assert_eq!(status, 201);
    let span = parse(&record["expires_at"]) - parse(&record["unblocked_at"]);
    assert!(
        span <= time::Duration::days(7) && span > time::Duration::ZERO,
        "{span}"
    );
    let expires = parse(&record["expires_at"]);
    assert!(
        span == time::Duration::days(7) || (expires.day() == 1 && expires.hour() == 0),
        "{record}"
    );

    for bad in ["0h", "-1h", "1.5h", "169h", "8d", "0d", "24", "forever", ""] {
        let (status, _, error) = local
            .send(
                Method::POST,
                "/unblocks/a@x.io",
                &admin,
                &[],
                Some(&json!({"duration": bad, "reason": "r"})),
            )
            .await;
        assert_eq!(status, 400, "{bad}");
        let message = error["error"]["message"].as_str().unwrap();
        assert!(
            message.starts_with("duration:") && message.contains("until-reset"),
            "{message}"
        );
    }
    let (status, _, error) = local
        .send(
            Method::POST,
            "/unblocks/a@x.io",
            &admin,
            &[],
            Some(&json!({"duration": "24h", "reason": "  "})),
        )
        .await;
    assert_eq!(status, 400);
    assert!(
        error["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("reason:")
    );
    let (status, _, _) = local
        .send(
            Method::POST,
            "/unblocks/a@x.io",
            &local.token("u@x.io", &[]),
            &[],
            Some(&json!({"duration": "1h", "reason": "r"})),
        )
        .await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn unblock_lets_a_blocked_user_through_until_revoked_and_history_tells_the_story() {
    let local = Local::start();
    let admin = local.admin_token();
    local
        .send(
            Method::PUT,
            "/policies/default/default",
            &admin,
            &[],
            Some(&json!({"monthly_token_limit": 10, "enforcement_mode": "block"})),
        )
        .await;
    let now = OffsetDateTime::now_utc();
    local
        .seed_usage(
            "dev@example.com",
            &format!("MONTH#{:04}-{:02}", now.year(), now.month() as u8),
            50,
            0,
        )
        .await;
    let user = local.token("dev@example.com", &[]);
    let (_, check) = local.get("/check", Some(&user)).await;
    assert_eq!(check["reason"], "monthly_exceeded");

    let (status, _, first) = local
        .send(
            Method::POST,
            "/unblocks/Dev@Example.com",
            &admin,
            &[],
            Some(&json!({"duration": "2h", "reason": "demo day"})),
        )
        .await;
    assert_eq!(status, 201);
    let (_, check) = local.get("/check", Some(&user)).await;
    assert_eq!(
        (check["allowed"].as_bool(), check["reason"].as_str()),
        (Some(true), Some("unblocked"))
    );
    assert_eq!(check["unblock_status"]["reason"], "demo day");
    assert_eq!(
        parse(&check["unblock_status"]["expires_at"]),
        parse(&first["expires_at"])
    );

    let (status, _, revoked) = local
        .send(
            Method::DELETE,
            "/unblocks/dev@example.com",
            &admin,
            &[],
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(revoked["revoked_by"], "admin@example.com");
    let (_, check) = local.get("/check", Some(&user)).await;
    assert_eq!(check["reason"], "monthly_exceeded", "revoked at once");
    let (status, _, _) = local
        .send(
            Method::DELETE,
            "/unblocks/dev@example.com",
            &admin,
            &[],
            None,
        )
        .await;
    assert_eq!(status, 404, "nothing left to revoke");

    local
        .send(
            Method::POST,
            "/unblocks/dev@example.com",
            &admin,
            &[],
            Some(&json!({"duration": "1d", "reason": "second"})),
        )
        .await;
    let (status, _, history) = local
        .send(Method::GET, "/unblocks/dev@example.com", &admin, &[], None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(history["active"]["reason"], "second");
    let reasons: Vec<&str> = history["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["reason"].as_str().unwrap())
        .collect();
    assert_eq!(reasons, ["second", "demo day"], "newest first");
    assert_eq!(history["history"][1]["revoked_by"], "admin@example.com");
    assert!(history["history"][0]["revoked_at"].is_null());

    // The CLI shows the same story.
    let ccwb = Ccwb::with_token(&local.url, &admin);
    let text = ccwb.ok(&["quota", "unblocks", "dev@example.com"]).stdout;
    assert!(
        text.contains("is unblocked until") && text.contains("demo day"),
        "{text}"
    );
    ccwb.ok(&["quota", "unblock", "dev@example.com", "--revoke"]);
    let granted = ccwb
        .ok(&[
            "-o",
            "json",
            "quota",
            "unblock",
            "dev@example.com",
            "--duration",
            "until-reset",
            "--reason",
            "cli",
        ])
        .json();
    assert_eq!(granted["duration"], "until-reset");
    let run = ccwb.run(&[
        "quota",
        "unblock",
        "dev@example.com",
        "--duration",
        "9d",
        "--reason",
        "x",
    ]);
    assert_eq!(run.code, Some(1));
    assert!(run.stderr.contains("until-reset"), "{}", run.stderr);
}

#[tokio::test]
async fn audit_is_filtered_and_paged_newest_first() {
    let local = Local::start();
    let alice = local.token("alice@example.com", &["ccwb-admins"]);
    let bob = local.token("bob@example.com", &["ccwb-admins"]);
    for i in 0..4 {
        local
            .send(
                Method::PUT,
                &format!("/policies/group/g{i}"),
                &alice,
                &[],
                Some(&json!({"monthly_token_limit": i + 1})),
            )
            .await;
    }
    local
        .send(
            Method::POST,
            "/unblocks/carol@x.io",
            &bob,
            &[],
            Some(&json!({"duration": "1h", "reason": "r"})),
        )
        .await;
    local
        .send(Method::DELETE, "/policies/group/g0", &bob, &[], None)
        .await;

    let (status, _, all) = local.send(Method::GET, "/audit", &alice, &[], None).await;
    assert_eq!(status, 200, "{all}");
    let actions: Vec<&str> = all["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "policy.delete",
            "unblock.grant",
            "policy.create",
            "policy.create",
            "policy.create",
            "policy.create"
        ]
    );

    let (_, _, by_bob) = local
        .send(
            Method::GET,
            "/audit?actor=Bob@Example.com",
            &alice,
            &[],
            None,
        )
        .await;
    assert_eq!(by_bob["events"].as_array().unwrap().len(), 2);
    let (_, _, unblocks) = local
        .send(Method::GET, "/audit?action=unblock.", &alice, &[], None)
        .await;
    assert_eq!(unblocks["events"][0]["target"], "unblock/carol@x.io");
    assert_eq!(unblocks["events"].as_array().unwrap().len(), 1);
    let (_, _, g0) = local
        .send(Method::GET, "/audit?target=group/g0", &alice, &[], None)
        .await;
    assert_eq!(g0["events"].as_array().unwrap().len(), 2);

    let mut seen = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let path = match &next {
            Some(cursor) => format!("/audit?limit=4&next={cursor}"),
            None => "/audit?limit=4".to_owned(),
        };
        let (status, _, page) = local.send(Method::GET, &path, &alice, &[], None).await;
        assert_eq!(status, 200);
        seen.extend(
            page["events"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["id"].as_str().unwrap().to_owned()),
        );
        match page["next"].as_str() {
            Some(cursor) => next = Some(cursor.to_owned()),
            None => break,
        }
    }
    let expected: Vec<String> = all["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(seen, expected, "pages add up to the whole, in order");

    let (_, _, future) = local
        .send(
            Method::GET,
            "/audit?since=2099-01-01&until=2099-01-02",
            &alice,
            &[],
            None,
        )
        .await;
    assert_eq!(future["events"].as_array().unwrap().len(), 0);
    for bad in [
        "/audit?since=soon",
        "/audit?since=2026-01-02&until=2026-01-01",
        "/audit?limit=0",
        "/audit?since=2020-01-01",
        "/audit?next=junk",
    ] {
        let (status, _, error) = local.send(Method::GET, bad, &alice, &[], None).await;
        assert_eq!(status, 400, "{bad}: {error}");
    }
    let (status, _, _) = local
        .send(
            Method::GET,
            "/audit",
            &local.token("u@x.io", &[]),
            &[],
            None,
        )
        .await;
    assert_eq!(status, 403);

    let ccwb = Ccwb::with_token(&local.url, &alice);
    let table = ccwb
        .ok(&["audit", "--since", "1h", "--actor", "bob@example.com"])
        .stdout;
    assert!(
        table.contains("unblock.grant")
            && table.contains("policy.delete")
            && !table.contains("policy.create"),
        "{table}"
    );
    let limited = ccwb.ok(&["-o", "json", "audit", "--limit", "3"]).json();
    assert_eq!(limited["events"].as_array().unwrap().len(), 3);
}

/// Every audit event id found in the bucket, with how often it appears.

#[tokio::test]
async fn audit_events_reach_s3_through_firehose_and_survive_an_outage() {
    let local = Local::start_with(LocalOptions {
        env: vec![("CCWB_AUDIT_DELIVERY_SECONDS".into(), "1".into())],
        ..LocalOptions::default()
    });
    let admin = local.admin_token();
    local
        .send(
            Method::PUT,
            "/policies/group/eng",
            &admin,
            &[],
            Some(&json!({"monthly_token_limit": 5})),
        )
        .await;
    let (_, _, page) = local.send(Method::GET, "/audit", &admin, &[], None).await;
    let first = page["events"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        local.delivered_audit_ids().await,
        std::slice::from_ref(&first),
        "delivered right after the change"
    );

    // Firehose outage: the stream is gone. Changes still succeed; their events wait.
    let stream = format!("{}-audit", local.stack);
    local.delete_stream(&stream).await;
    let (status, _, _) = local
        .send(
            Method::POST,
            "/unblocks/dev@x.io",
            &admin,
            &[],
            Some(&json!({"duration": "1h", "reason": "outage"})),
        )
        .await;
    assert_eq!(status, 201, "the change does not depend on Firehose");
    let (_, _, page) = local.send(Method::GET, "/audit", &admin, &[], None).await;
    let second = page["events"][0]["id"].as_str().unwrap().to_owned();
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        local.delivered_audit_ids().await,
        std::slice::from_ref(&first)
    );

    // The stream is back: the sweeper delivers the waiting event, once.
    local.create_stream(&stream, "audit/").await;
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut ids = local.delivered_audit_ids().await;
    while ids.len() < 2 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(500)).await;
        ids = local.delivered_audit_ids().await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let mut ids = local.delivered_audit_ids().await;
    ids.sort();
    let mut expected = vec![first, second];
    expected.sort();
    assert_eq!(ids, expected, "each event exactly once");
}
