//! Metering from Bedrock's own invocation records: the `ccwb-meter` Lambda binary run against a
//! Runtime API stub with deliveries built as CloudWatch Logs builds them, and the store it uses,
//! against moto: exact counts, replays and overlapping batches counted once, concurrent
//! deliveries, what cannot be counted reported and skipped, and the result as the API reports
//! it (`GET /usage/{email}`, `/check`).

// Dependencies are judged on the library target; this test uses only some of them.
#![allow(unused_crate_dependencies)]

use ccwb_core::invocation::Invocation;
use ccwb_core::{Identity, PriceTable};
use ccwb_e2e::invocation_logs::{delivery, record};
use ccwb_e2e::lambda_runtime::{Answer, RuntimeApi};
use ccwb_e2e::otlp::now_nanos;
use ccwb_e2e::tokens::Signer;
use ccwb_e2e::{Local, LocalOptions, assert_fields};
use ccwb_store::{MeterStore, Metered};
use serde_json::{Value, json};

const DEVELOPER: &str = "dev@example.com";

fn invocation(request_id: &str) -> Invocation {
    Invocation::parse(&record(request_id, "ccwb-bedrock-developers", "00uDevOne")).unwrap()
}

fn invocations(ids: impl IntoIterator<Item = usize>) -> Vec<Invocation> {
    ids.into_iter()
        .map(|i| invocation(&format!("req-{i:04}")))
        .collect()
}

/// The month's usage of the developer as the API reports it, and the check's monthly tokens.
async fn reported(local: &Local) -> (serde_json::Value, serde_json::Value) {
    let admin = local.admin_token();
    let (status, usage) = local
        .get(&format!("/usage/{DEVELOPER}"), Some(&admin))
        .await;
    assert_eq!(status, 200, "{usage}");
    (
        usage["month"].clone(),
        usage["check"]["usage"]["monthly_tokens"].clone(),
    )
}

/// The store the meter function uses, for the developer, at list prices.
struct Meter {
    store: ccwb_store::DynamoStore,
    identity: Identity,
    prices: PriceTable,
}

impl Meter {
    async fn of(local: &Local) -> Self {
        Self {
            store: local.store().await,
            identity: Identity::parse(DEVELOPER).unwrap(),
            prices: PriceTable::default(),
        }
    }

    async fn record(&self, batch: &[Invocation]) -> Metered {
        let (identity, prices) = (&self.identity, &self.prices);
        self.store
            .record_invocations(identity, &[], batch, prices)
            .await
            .unwrap()
    }
}

fn metered(counted: usize, duplicates: usize) -> Metered {
    Metered {
        counted,
        duplicates,
    }
}

#[tokio::test]
async fn each_request_id_counts_once_however_often_it_arrives() {
    let local = Local::start();
    let meter = Meter::of(&local).await;
    assert_eq!(meter.record(&invocations(0..3)).await, metered(3, 0));
    let (month, check_tokens) = reported(&local).await;
    let model = "us.anthropic.claude-haiku-4-5-20251001-v1:0";
    assert_fields(
        &month,
        &json!({"input_tokens": 3_000, "output_tokens": 600, "cache_read_tokens": 30_000,
                "total_tokens": 33_600, "cost": 0.009, "models": {model: {"output_tokens": 600}}}),
    );
    assert_eq!(check_tokens, 33_600);

    // The same batch again (a subscription retry), then one overlapping it, then a batch that
    // carries one record twice: only what is new counts.
    assert_eq!(meter.record(&invocations(0..3)).await, metered(0, 3));
    assert_eq!(meter.record(&invocations(2..5)).await, metered(2, 1));
    let twice = invocations([5, 5]);
    assert_eq!(meter.record(&twice).await, metered(1, 1));
    let (month, check_tokens) = reported(&local).await;
    assert_eq!(month["total_tokens"], 6 * 11_200);
    assert_eq!(check_tokens, 6 * 11_200);
}

#[tokio::test]
async fn concurrent_overlapping_deliveries_count_every_invocation_exactly_once() {
    let local = Local::start();
    let meter = Meter::of(&local).await;
    // 150 invocations (more than one transaction holds), delivered by three concurrent
    // deliveries that overlap: 0–99, 50–149 and 25–124.
    let deliveries = [
        invocations(0..100),
        invocations(50..150),
        invocations(25..125),
    ];
    let results =
        futures::future::join_all(deliveries.iter().map(|batch| meter.record(batch))).await;
    let counted: usize = results.iter().map(|m| m.counted).sum();
    let duplicates: usize = results.iter().map(|m| m.duplicates).sum();
    assert_eq!((counted, duplicates), (150, 150), "{results:?}");
    let (month, check_tokens) = reported(&local).await;
    assert_eq!(month["total_tokens"], 150 * 11_200);
    assert_eq!(month["cost"], 0.45);
    assert_eq!(check_tokens, 150 * 11_200);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_meter_function_counts_deliveries_by_the_session_check_recorded() {
    let local = Local::start();
    // The developer's credential helper passes /check, which records whose session `00uDevOne`
    // is; nobody has checked in as `00uStranger`.
    let signer = Signer::for_local(&local).await;
    let mut claims = signer.claims(DEVELOPER);
    claims["sub"] = json!("00uDevOne");
    let (status, _) = local.get("/check", Some(&signer.sign(&claims))).await;
    assert_eq!(status, 200);

    let role = format!("{}-bedrock-developers", local.stack);
    let ours = |id: &str| record(id, &role, "00uDevOne");
    let messages = vec![
        ours("req-1"),
        ours("req-2"),
        ours("req-3"),
        record("req-4", &role, "00uStranger"),
        record("req-5", "some-other-app", "00uDevOne"),
        "START RequestId: not an invocation record".to_owned(),
    ];
    let first = delivery("DATA_MESSAGE", &messages);
    // Lambda's retry of the same delivery, then one overlapping it.
    let overlapping = delivery("DATA_MESSAGE", &[ours("req-3"), ours("req-6")]);
    let events = vec![
        delivery(
            "CONTROL_MESSAGE",
            &["CWL CONTROL MESSAGE: Checking health of destination".to_owned()],
        ),
        first.clone(),
        first,
        overlapping,
    ];
    let answers = tokio::task::block_in_place(|| RuntimeApi::run("ccwb-meter", &local, events));
    let summary =
        |counted: usize, duplicates: usize, unknown: usize, other: usize, malformed: usize| {
            Some(Answer::Response(json!({
                "counted": counted, "duplicates": duplicates, "unknown_sessions": unknown,
                "other_callers": other, "malformed": malformed,
            })))
        };
    assert_eq!(
        answers,
        [
            summary(0, 0, 0, 0, 0),
            summary(3, 0, 1, 1, 1),
            summary(0, 3, 1, 1, 1),
            summary(1, 1, 0, 0, 0),
        ]
    );
    let (month, check_tokens) = reported(&local).await;
    assert_eq!(month["total_tokens"], 4 * 11_200);
    assert_eq!(month["cost"], 0.012);
    assert_eq!(check_tokens, 4 * 11_200);
}

#[tokio::test]
async fn with_the_meter_on_telemetry_counts_activity_but_not_tokens() {
    let local =
        Local::start_with(LocalOptions::default().with_env("CCWB_METER", "invocation-logs"));
    let t = now_nanos();
    let point = |value: u64, attributes: Value| {
        json!({"startTimeUnixNano": (t - 10).to_string(), "timeUnixNano": t.to_string(),
               "asInt": value.to_string(), "attributes": attributes})
    };
    let sum = |name: &str, point: Value| json!({"name": name, "sum": {"aggregationTemporality": 1, "isMonotonic": true, "dataPoints": [point]}});
    let attribute = |key: &str, value: &str| json!({"key": key, "value": {"stringValue": value}});
    let telemetry = json!({"resourceMetrics": [{"scopeMetrics": [{"metrics": [
        sum("claude_code.token.usage", point(5_000, json!([attribute("type", "input"), attribute("model", "claude-haiku-4-5")]))),
        sum("claude_code.session.count", point(1, json!([attribute("session.id", "s1")]))),
    ]}]}]});
    let (status, answer) = local
        .post("/v1/metrics", &local.token(DEVELOPER, &[]), &telemetry)
        .await;
    assert_eq!((status, answer), (200, json!({})));
    // Bedrock's own record of the same work is what counts.
    assert_eq!(
        Meter::of(&local).await.record(&invocations(0..1)).await,
        metered(1, 0)
    );
    let (month, check_tokens) = reported(&local).await;
    assert_eq!(
        (month["input_tokens"].clone(), check_tokens),
        (json!(1_000), json!(11_200))
    );
    let activity = local
        .scan(&local.usage_table())
        .await
        .into_iter()
        .filter(|item| item["pk"]["S"] == format!("USER#{DEVELOPER}"))
        .find_map(|item| item.get("activity#session.count").cloned());
    assert_eq!(activity, Some(json!({"N": "1"})));
}
