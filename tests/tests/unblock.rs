//! Unblocks end to end, the audit trail, and its delivery to S3 through Firehose.

// Dependencies are judged on the library target; this test uses only some of them.
#![allow(unused_crate_dependencies)]

use std::time::{Duration, Instant};

use ccwb_e2e::aws::month_sk;
use ccwb_e2e::cli::Ccwb;
use ccwb_e2e::{Local, LocalOptions, decision, error_message, strings};
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
        let (status, record) = local.unblock(&admin, "a@x.io", duration, "test").await;
        assert_eq!(status, 201, "{duration}: {record}");
        let span = parse(&record["expires_at"]) - parse(&record["unblocked_at"]);
        assert_eq!(span, time::Duration::hours(hours), "{duration}");
        assert_eq!(record["duration"], duration);
    }
    let (status, record) = local.unblock(&admin, "a@x.io", "until-reset", "r").await;
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
        let (status, error) = local.unblock(&admin, "a@x.io", bad, "r").await;
        assert_eq!(status, 400, "{bad}");
        let message = error_message(&error);
        assert!(
            message.starts_with("duration:") && message.contains("until-reset"),
            "{message}"
        );
    }
    let (status, error) = local.unblock(&admin, "a@x.io", "24h", "  ").await;
    assert_eq!(status, 400);
    assert!(error_message(&error).starts_with("reason:"), "{error}");
    let user = local.token("u@x.io", &[]);
    let (status, _) = local.unblock(&user, "a@x.io", "1h", "r").await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn unblock_lets_a_blocked_user_through_until_revoked_and_history_tells_the_story() {
    let local = Local::start();
    let admin = local.admin_token();
    let limit = json!({"monthly_token_limit": 10, "enforcement_mode": "block"});
    local
        .create_policy("/policies/default/default", &admin, &limit)
        .await;
    local
        .seed_usage("dev@example.com", &month_sk(), 50, 0)
        .await;
    let user = local.token("dev@example.com", &[]);
    let (_, check) = local.get("/check", Some(&user)).await;
    assert_eq!(check["reason"], "monthly_exceeded");

    let (status, first) = local
        .unblock(&admin, "Dev@Example.com", "2h", "demo day")
        .await;
    assert_eq!(status, 201);
    let (_, check) = local.get("/check", Some(&user)).await;
    assert_eq!(decision(&check), (Some(true), Some("unblocked")));
    assert_eq!(check["unblock_status"]["reason"], "demo day");
    assert_eq!(
        parse(&check["unblock_status"]["expires_at"]),
        parse(&first["expires_at"])
    );

    let dev = "/unblocks/dev@example.com";
    let (status, revoked) = local.delete(dev, &admin).await;
    assert_eq!(status, 200);
    assert_eq!(revoked["revoked_by"], "admin@example.com");
    let (_, check) = local.get("/check", Some(&user)).await;
    assert_eq!(check["reason"], "monthly_exceeded", "revoked at once");
    let (status, _) = local.delete(dev, &admin).await;
    assert_eq!(status, 404, "nothing left to revoke");

    let (status, second) = local
        .unblock(&admin, "dev@example.com", "1d", "second")
        .await;
    assert_eq!(status, 201, "{second}");
    let (status, history) = local.get(dev, Some(&admin)).await;
    assert_eq!(status, 200);
    assert_eq!(history["active"]["reason"], "second");
    assert_eq!(
        strings(&history["history"], "reason"),
        ["second", "demo day"],
        "newest first"
    );
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
        let body = json!({"monthly_token_limit": i + 1});
        let (status, _) = local
            .put(&format!("/policies/group/g{i}"), &alice, &body)
            .await;
        assert_eq!(status, 201);
    }
    assert_eq!(local.unblock(&bob, "carol@x.io", "1h", "r").await.0, 201);
    assert_eq!(local.delete("/policies/group/g0", &bob).await.0, 204);

    let (status, all) = local.get("/audit", Some(&alice)).await;
    assert_eq!(status, 200, "{all}");
    assert_eq!(
        strings(&all["events"], "action"),
        [
            "policy.delete",
            "unblock.grant",
            "policy.create",
            "policy.create",
            "policy.create",
            "policy.create"
        ]
    );

    let (_, by_bob) = local
        .get("/audit?actor=Bob@Example.com", Some(&alice))
        .await;
    assert_eq!(by_bob["events"].as_array().unwrap().len(), 2);
    let (_, unblocks) = local.get("/audit?action=unblock.", Some(&alice)).await;
    assert_eq!(unblocks["events"][0]["target"], "unblock/carol@x.io");
    assert_eq!(unblocks["events"].as_array().unwrap().len(), 1);
    let (_, g0) = local.get("/audit?target=group/g0", Some(&alice)).await;
    assert_eq!(g0["events"].as_array().unwrap().len(), 2);

    let pages = local.pages("/audit?limit=4", &alice).await;
    let seen: Vec<&str> = pages
        .iter()
        .flat_map(|p| strings(&p["events"], "id"))
        .collect();
    assert_eq!(
        seen,
        strings(&all["events"], "id"),
        "pages add up to the whole, in order"
    );

    let (_, future) = local
        .get("/audit?since=2099-01-01&until=2099-01-02", Some(&alice))
        .await;
    assert_eq!(future["events"].as_array().unwrap().len(), 0);
    let malformed = [
        "/audit?since=soon",
        "/audit?since=2026-01-02&until=2026-01-01",
        "/audit?limit=0",
        "/audit?since=2020-01-01",
        "/audit?next=junk",
    ];
    local.assert_get_status(&malformed, &alice, 400).await;
    let (status, _) = local.get("/audit", Some(&local.token("u@x.io", &[]))).await;
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

#[tokio::test]
async fn audit_events_reach_s3_through_firehose_and_survive_an_outage() {
    let local =
        Local::start_with(LocalOptions::default().with_env("CCWB_AUDIT_DELIVERY_SECONDS", "1"));
    let admin = local.admin_token();
    let limit = json!({"monthly_token_limit": 5});
    local
        .create_policy("/policies/group/eng", &admin, &limit)
        .await;
    let first = local.newest_audit_id(&admin).await;
    assert_eq!(
        local.delivered_audit_ids().await,
        std::slice::from_ref(&first),
        "delivered right after the change"
    );

    // Firehose outage: the stream is gone. Changes still succeed; their events wait.
    let stream = format!("{}-audit", local.stack);
    local.delete_stream(&stream).await;
    let (status, _) = local.unblock(&admin, "dev@x.io", "1h", "outage").await;
    assert_eq!(status, 201, "the change does not depend on Firehose");
    let second = local.newest_audit_id(&admin).await;
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
