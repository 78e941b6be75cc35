//! The `ccwb-sweeper` Lambda binary, run against a Runtime API stub as Lambda would run it on
//! its schedule: it delivers audit events a Firehose outage left pending, once.

// Dependencies are judged on the library target; this test uses only some of them.
#![allow(unused_crate_dependencies)]

use ccwb_e2e::lambda_runtime::{Answer, RuntimeApi};
use ccwb_e2e::{Local, LocalOptions};
use serde_json::json;

#[tokio::test(flavor = "multi_thread")]
async fn the_scheduled_sweeper_delivers_what_an_outage_left_pending() {
    // ccwb-local's own sweep is pushed out of the way: the Lambda binary does the work here.
    let local =
        Local::start_with(LocalOptions::default().with_env("CCWB_AUDIT_DELIVERY_SECONDS", "3600"));
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
    assert_eq!(
        during,
        [Some(Answer::Response(
            json!({"audit_events": 0, "usage_records": 0, "refused": 1})
        ))]
    );
    local.create_stream(&stream, "audit/").await;
    assert!(
        local.delivered_audit_ids().await.is_empty(),
        "still pending"
    );

    let after = tokio::task::block_in_place(|| scheduled_runs(&local, 2));
    assert_eq!(
        after[0],
        Some(Answer::Response(
            json!({"audit_events": 1, "usage_records": 0, "refused": 0})
        ))
    );
    assert_eq!(
        after[1],
        Some(Answer::Response(
            json!({"audit_events": 0, "usage_records": 0, "refused": 0})
        )),
        "nothing twice"
    );
    assert_eq!(local.delivered_audit_ids().await, vec![id]);
}

/// Runs the sweeper binary for `runs` scheduled events, as EventBridge would start it.
fn scheduled_runs(local: &Local, runs: usize) -> Vec<Option<Answer>> {
    let scheduled = json!({"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}});
    RuntimeApi::run("ccwb-sweeper", local, vec![scheduled; runs])
}
