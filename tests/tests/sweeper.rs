//! The `ccwb-sweeper` Lambda binary, run against a Runtime API stub as Lambda would run it on
//! its schedule: it delivers audit events a Firehose outage left pending, once, and reconciles
//! the developers' role's deny policies (none here; tests/tests/revocation.rs has the rest).

// Dependencies are judged on the library target; this test uses only some of them.
#![allow(unused_crate_dependencies)]

use ccwb_e2e::lambda_runtime::{Answer, RuntimeApi};
use ccwb_e2e::{Local, LocalOptions};
use serde_json::json;

#[tokio::test(flavor = "multi_thread")]
async fn the_scheduled_sweeper_delivers_what_an_outage_left_pending() {
    // ccwb-local's own sweep is pushed out of the way: the Lambda binary does the work here.
    // --stacks creates the developers' role, whose deny policies each run reconciles.
    let local = Local::start_with(
        LocalOptions::default()
            .with_args(&["--dev-issuer", "--stacks"])
            .with_env("CCWB_AUDIT_DELIVERY_SECONDS", "3600")
            .with_env("CCWB_REVOCATION_SECONDS", "3600"),
    );
    let admin = local.admin_token();
    let stream = format!("{}-audit", local.stack);
    local.delete_stream(&stream).await;
    let limit = json!({"monthly_token_limit": 5});
    local
        .create_policy("/policies/group/eng", &admin, &limit)
        .await;
    let id = local.newest_audit_id(&admin).await;

    // While the stream is still missing, a run reports the refusal (what the alarm counts).
    let during = tokio::task::block_in_place(|| scheduled_runs(&local, 1));
    assert_eq!(during, [Some(Answer::Response(answer(0, 1)))]);
    local.create_stream(&stream, "audit/").await;
    assert!(
        local.delivered_audit_ids().await.is_empty(),
        "still pending"
    );

    let after = tokio::task::block_in_place(|| scheduled_runs(&local, 2));
    assert_eq!(after[0], Some(Answer::Response(answer(1, 0))));
    assert_eq!(
        after[1],
        Some(Answer::Response(answer(0, 0))),
        "nothing twice"
    );
    assert_eq!(local.delivered_audit_ids().await, vec![id]);
}

/// A run's answer: `audit_events` delivered, `refused`, and no one to deny.
fn answer(audit_events: usize, refused: usize) -> serde_json::Value {
    let revocation = json!({"denied_users": 0, "denied_sessions": 0, "newly_denied": 0,
        "lifted": 0, "policies_written": 0, "policies_removed": 0});
    json!({"audit_events": audit_events, "usage_records": 0, "refused": refused,
        "revocation": revocation})
}

/// Runs the sweeper binary for `runs` scheduled events, as EventBridge would start it.
fn scheduled_runs(local: &Local, runs: usize) -> Vec<Option<Answer>> {
    let scheduled = json!({"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}});
    RuntimeApi::run("ccwb-sweeper", local, vec![scheduled; runs])
}
