//! `POST /v1/metrics`: Claude Code's OTLP metrics counted exactly once, with cost.

// Dependencies are judged on the library target; this test uses only some of them.
#![allow(unused_crate_dependencies)]

use std::io::Write;

use ccwb_e2e::otlp::{double_point, int_point, now_nanos, sum};
use ccwb_e2e::{Local, LocalOptions, decision, error_message};
use opentelemetry_proto::tonic::collector::metrics::v1::{
    ExportMetricsServiceRequest, ExportMetricsServiceResponse,
};
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value};
use opentelemetry_proto::tonic::metrics::v1::{
    Metric, NumberDataPoint, ResourceMetrics, ScopeMetrics, Sum, metric, number_data_point,
};
use serde_json::{Value, json};

/// A `claude_code.token.usage` point: `value` tokens of `token_type` of `model` in `session`,
/// from `start` to `at`, with the `extra` attributes.
fn point(
    token_type: &str,
    model: &str,
    session: &str,
    start: u64,
    at: u64,
    value: u64,
    extra: &[(&str, &str)],
) -> Value {
    let mut attributes = vec![
        ("type", token_type),
        ("model", model),
        ("session.id", session),
    ];
    attributes.extend_from_slice(extra);
    int_point(start, at, value, &attributes)
}

/// A request of one delta point of `value` claude-sonnet-4 input tokens in `session`.
fn input(session: &str, start: u64, at: u64, value: u64) -> Value {
    request(
        1,
        vec![point(
            "input",
            "claude-sonnet-4",
            session,
            start,
            at,
            value,
            &[],
        )],
    )
}

fn request(temporality: u8, points: Vec<Value>) -> Value {
    json!({"resourceMetrics": [{"resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "claude-code"}}]},
        "scopeMetrics": [{"metrics": [{"name": "claude_code.token.usage", "unit": "tokens",
            "sum": {"aggregationTemporality": temporality, "isMonotonic": true, "dataPoints": points}}]}]}]})
}

async fn post(local: &Local, token: &str, body: &Value) -> (u16, Value) {
    local.post("/v1/metrics", token, body).await
}

/// `GET /usage/{email}`, as an administrator.
async fn usage(local: &Local, email: &str) -> Value {
    let (status, usage) = local
        .get(&format!("/usage/{email}"), Some(&local.admin_token()))
        .await;
    assert_eq!(status, 200, "{usage}");
    usage
}

/// This month's `field` (`input_tokens`, `claude_code_cost`) of [`usage`].
async fn this_month(local: &Local, email: &str, field: &str) -> Value {
    usage(local, email).await["month"][field].clone()
}

#[tokio::test]
async fn replays_count_once_and_cost_follows_the_model() {
    let local = Local::start();
    let token = local.token("dev@example.com", &[]);
    let t = now_nanos();
    let sonnet = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";
    let tokens = |token_type: &str, model: &str, value: u64| {
        point(token_type, model, "s1", t - 10, t, value, &[])
    };
    let body = request(
        1,
        vec![
            tokens("input", sonnet, 1_000_000),
            tokens("output", sonnet, 100_000),
            tokens("cacheRead", "claude-opus-4-1", 1_000_000),
            tokens("cacheCreation", "claude-haiku-4-5", 1_000_000),
        ],
    );
    for _ in 0..3 {
        let (status, answer) = post(&local, &token, &body).await;
        assert_eq!((status, answer), (200, json!({})));
    }
    let month = &usage(&local, "dev@example.com").await["month"];
    assert_eq!(month["input_tokens"], 1_000_000);
    assert_eq!(month["output_tokens"], 100_000);
    assert_eq!(month["cache_read_tokens"], 1_000_000);
    assert_eq!(month["cache_write_tokens"], 1_000_000);
    assert_eq!(month["total_tokens"], 3_100_000);
    // Sonnet $3 + $1.50, Opus cache read $1.50, Haiku 4.5 cache write $1.25.
    assert_eq!(month["cost"], 7.25);
    let opus = &month["models"]["claude-opus-4-1"];
    assert_eq!(opus["cache_read_tokens"], 1_000_000, "{month}");
}

#[tokio::test]
async fn concurrent_requests_for_one_user_lose_nothing() {
    let local = Local::start();
    let token = local.token("busy@example.com", &[]);
    let t = now_nanos();
    let requests = (0..20u64).map(|i| {
        let local = &local;
        let token = token.clone();
        async move {
            let body = input(&format!("s{i}"), t - 10, t, 100 + i);
            post(local, &token, &body).await.0
        }
    });
    let statuses = futures::future::join_all(requests).await;
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    let expected: u64 = (0..20u64).map(|i| 100 + i).sum();
    assert_eq!(
        this_month(&local, "busy@example.com", "input_tokens").await,
        expected
    );
}

#[tokio::test]
async fn cumulative_series_become_deltas_and_resets_start_a_new_run() {
    let local = Local::start();
    let token = local.token("cum@example.com", &[]);
    let t = now_nanos() - 60_000_000_000;
    let step = 10_000_000_000;
    for (at, value) in [
        (t, 100u64),
        (t + step, 250),
        (t + 2 * step, 40),
        (t + 3 * step, 90),
    ] {
        let start = if value >= 100 {
            t - 1
        } else {
            t + 2 * step - 1
        };
        let body = request(
            2,
            vec![point(
                "output",
                "claude-sonnet-4",
                "s",
                start,
                at,
                value,
                &[],
            )],
        );
        assert_eq!(post(&local, &token, &body).await.0, 200);
        assert_eq!(post(&local, &token, &body).await.0, 200, "retry");
    }
    // 100, +150, reset to 40, +50.
    assert_eq!(
        this_month(&local, "cum@example.com", "output_tokens").await,
        340
    );
}

#[tokio::test]
async fn late_future_and_foreign_points_are_handled_by_the_rules() {
    let local = Local::start();
    let token = local.token("me@example.com", &[]);
    let t = now_nanos();
    let day = 86_400_000_000_000u64;
    let sonnet = |session: &str, (start, at): (u64, u64), value: u64, extra: &[(&str, &str)]| {
        point("input", "claude-sonnet-4", session, start, at, value, extra)
    };
    let late = (t - 40 * day, t - 40 * day);
    let future = (t, t + 600_000_000_000);
    let foreign = [("user.email", "someone-else@example.com")];
    let body = request(
        1,
        vec![
            sonnet("a", late, 5, &[]),
            sonnet("b", future, 7, &[]),
            sonnet("c", (t - 10, t), 11, &foreign),
        ],
    );
    let (status, answer) = post(&local, &token, &body).await;
    assert_eq!(status, 200);
    assert_eq!(answer["partialSuccess"]["rejectedDataPoints"], "2");
    assert!(
        answer["partialSuccess"]["errorMessage"]
            .as_str()
            .unwrap()
            .contains("31 days"),
        "{answer}"
    );
    assert_eq!(
        this_month(&local, "me@example.com", "input_tokens").await,
        11,
        "the token's user, not the attribute's"
    );
    assert_eq!(
        this_month(&local, "someone-else@example.com", "input_tokens").await,
        0
    );
}

#[tokio::test]
async fn check_blocks_right_after_the_ingest_that_crosses_the_limit() {
    let local = Local::start();
    let admin = local.admin_token();
    let limit = json!({"monthly_token_limit": 1000, "enforcement_mode": "block"});
    let path = "/policies/user/heavy@example.com";
    local.create_policy(path, &admin, &limit).await;
    let token = local.token("heavy@example.com", &[]);
    let t = now_nanos();
    assert_eq!(
        post(&local, &token, &input("s", t - 20, t - 10, 999))
            .await
            .0,
        200
    );
    let (_, check) = local.get("/check", Some(&token)).await;
    assert_eq!(check["allowed"], true);
    assert_eq!(post(&local, &token, &input("s", t - 10, t, 1)).await.0, 200);
    let (_, check) = local.get("/check", Some(&token)).await;
    assert_eq!(decision(&check), (Some(false), Some("monthly_exceeded")));
}

#[tokio::test]
async fn gzip_oversize_bombs_and_garbage_get_the_right_status() {
    let local = Local::start();
    let token = local.token("z@example.com", &[]);
    let client = reqwest::Client::new();
    let send = |body: Vec<u8>, gzip: bool| {
        let mut request = client
            .post(format!("{}/v1/metrics", local.url))
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body(body);
        if gzip {
            request = request.header("content-encoding", "gzip");
        }
        request.send()
    };
    let gz = |bytes: &[u8]| {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        encoder.write_all(bytes).unwrap();
        encoder.finish().unwrap()
    };
    let t = now_nanos();
    let body = input("g", t - 10, t, 42).to_string();
    assert_eq!(
        send(gz(body.as_bytes()), true)
            .await
            .unwrap()
            .status()
            .as_u16(),
        200
    );
    assert_eq!(
        this_month(&local, "z@example.com", "input_tokens").await,
        42
    );

    let bomb = gz(&vec![b' '; 50 * 1024 * 1024]);
    assert!(
        bomb.len() < 1024 * 1024,
        "a small body that inflates to 50 MB"
    );
    // Each limit names itself.
    let refusal = |response: reqwest::Response| async move {
        let status = response.status().as_u16();
        let body: Value = response.json().await.unwrap();
        (status, error_message(&body).to_owned())
    };
    let (status, message) = refusal(send(bomb, true).await.unwrap()).await;
    assert_eq!(status, 413);
    assert!(
        message.contains("5 MB") && message.contains("decompression"),
        "{message}"
    );
    let (status, message) = refusal(send(vec![b' '; 6 * 1024 * 1024], false).await.unwrap()).await;
    assert_eq!(status, 413);
    assert!(message.contains("over the 5 MB limit"), "{message}");
    assert_eq!(
        send(b"not gzip".to_vec(), true)
            .await
            .unwrap()
            .status()
            .as_u16(),
        400
    );
    let response = send(b"{\"resourceMetrics\": 5}".to_vec(), false)
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 400);
    let many: Vec<Value> = (0..10_001)
        .map(|i| point("input", "m", "x", t - 10, t + i, 1, &[]))
        .collect();
    let (status, message) = refusal(
        send(request(1, many).to_string().into_bytes(), false)
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 413);
    assert!(
        message.contains("10001 data points") && message.contains("10000"),
        "{message}"
    );
    assert!(!message.contains("MB"), "{message}");
    let (status, _) = local.get("/v1/metrics", Some(&token)).await;
    assert_eq!(status, 404, "only POST");
}

#[tokio::test]
async fn alerts_are_published_once_at_each_level() {
    let local = Local::start();
    let queue = local.subscribe_alert_queue().await;
    let admin = local.admin_token();
    let limit = json!({"monthly_token_limit": 1000, "enforcement_mode": "block"});
    local
        .create_policy("/policies/group/eng", &admin, &limit)
        .await;
    let token = local.token("alerted@example.com", &["eng"]);
    let t = now_nanos() - 100;
    let send = |at: u64, value: u64| {
        let body = input("s", at - 1, at, value);
        let local = &local;
        let token = token.clone();
        async move { post(local, &token, &body).await.0 }
    };
    assert_eq!(send(t, 850).await, 200);
    assert_eq!(send(t, 850).await, 200, "a replay alerts nothing new");
    assert_eq!(send(t + 1, 60).await, 200);
    assert_eq!(send(t + 2, 100).await, 200);
    assert_eq!(send(t + 3, 5).await, 200, "past 100% nothing new");

    let alerts = local.receive_alerts(&queue).await;
    let mut levels: Vec<u64> = alerts
        .iter()
        .map(|a| a["level"].as_u64().unwrap())
        .collect();
    levels.sort();
    assert_eq!(levels, [80, 90, 100], "{alerts:?}");
    let top = alerts.iter().find(|a| a["level"] == 100).unwrap();
    assert_eq!(top["identity"], "alerted@example.com");
    assert_eq!(top["limit"], "monthly_tokens");
    assert_eq!(top["policy"], "group/eng");
    assert_eq!(top["limit_value"], 1000.0);
    assert!(
        top["projected_month_end"].as_f64().unwrap() >= 1010.0,
        "{top}"
    );
    assert!(top.get("period_end").is_none(), "{top}");

    // Each alert's record expires (DynamoDB TTL) a week after its month ends.
    let now = time::OffsetDateTime::now_utc();
    let next_month = time::Date::from_calendar_date(
        now.year() + i32::from(now.month() == time::Month::December),
        now.month().next(),
        1,
    )
    .unwrap()
    .midnight()
    .assume_utc();
    let expires = (next_month + time::Duration::days(7))
        .unix_timestamp()
        .to_string();
    let records: Vec<Value> = local
        .scan(&local.usage_table())
        .await
        .into_iter()
        .filter(|i| i["sk"]["S"].as_str().unwrap().starts_with("ALERT#"))
        .collect();
    assert_eq!(records.len(), 3);
    for record in records {
        assert_eq!(record["expires_epoch"]["N"], expires.as_str(), "{record}");
    }
}

#[tokio::test]
async fn activity_metrics_and_day_rollups_are_counted_once() {
    let local = Local::start();
    let token = local.token("act@example.com", &[]);
    let t = now_nanos();
    let p = |value: u64, attributes: &[(&str, &str)]| int_point(t - 10, t, value, attributes);
    let seconds = double_point(t - 10, t, json!(12.5), &[("type", "cli")]);
    let body = json!({"resourceMetrics": [{"scopeMetrics": [{"metrics": [
        sum("claude_code.session.count", vec![p(1, &[("session.id", "s1")])]),
        sum("claude_code.lines_of_code.count", vec![p(120, &[("type", "added")]), p(30, &[("type", "removed")])]),
        sum("claude_code.code_edit_tool.decision", vec![p(2, &[("decision", "accept"), ("language", "Rust")])]),
        sum("claude_code.active_time.total", vec![seconds]),
        sum("claude_code.token.usage", vec![p(1000, &[("type", "input"), ("model", "claude-sonnet-4")])]),
    ]}]}]});
    for _ in 0..2 {
        let (status, answer) = post(&local, &token, &body).await;
        assert_eq!((status, answer), (200, json!({})));
    }
    let items = local.scan(&local.usage_table()).await;
    let find = |pk: &str, sk_prefix: &str| {
        items
            .iter()
            .find(|i| i["pk"]["S"] == pk && i["sk"]["S"].as_str().unwrap().starts_with(sk_prefix))
            .cloned()
            .unwrap_or_else(|| panic!("no {pk} {sk_prefix}"))
    };
    let today = time::OffsetDateTime::now_utc();
    let day = format!(
        "{:04}-{:02}-{:02}",
        today.year(),
        today.month() as u8,
        today.day()
    );
    let user_day = find("USER#act@example.com", &format!("DAY#{day}"));
    assert_eq!(user_day["activity#session.count"]["N"], "1");
    assert_eq!(user_day["activity#lines_of_code.count#added"]["N"], "120");
    assert_eq!(user_day["activity#lines_of_code.count#removed"]["N"], "30");
    assert_eq!(
        user_day["activity#code_edit_tool.decision#accept#Rust"]["N"],
        "2"
    );
    assert_eq!(
        user_day["activity#active_time.total#cli"]["N"], "12500",
        "milliseconds"
    );
    let rollup = format!("ROLLUP#DAY#{day}");
    let user_rollup = find(&rollup, "USER#act@example.com");
    assert_eq!(user_rollup["input_tokens"]["N"], "1000");
    assert_eq!(user_rollup["activity#session.count"]["N"], "1");
    let model_rollup = find(&rollup, "MODEL#claude-sonnet-4#S");
    assert_eq!(model_rollup["total_tokens"]["N"], "1000");
    assert_eq!(model_rollup["cost_micros"]["N"], "3000");
}

#[tokio::test]
async fn a_month_of_late_points_fits_dynamodbs_transaction_limit_and_counts_once() {
    let local = Local::start();
    let token = local.token("late@example.com", &["engineering"]);
    let now = now_nanos();
    let day = 86_400 * 1_000_000_000_u64;
    // 60 series, each with one point on one of the last 30 days: one round of 60 points touching
    // 60 watermarks and ~5 counter items per day, far over 100 items if sent as one transaction.
    let points: Vec<Value> = (0..60_u64)
        .map(|i| {
            let at = now - (i % 30) * day;
            point(
                "input",
                "claude-sonnet-4",
                &format!("s{i}"),
                at - 1_000,
                at,
                100 + i,
                &[],
            )
        })
        .collect();
    let total: u64 = (0..60).map(|i| 100 + i).sum();
    let body = request(1, points);
    for _ in 0..2 {
        let (status, answer) = post(&local, &token, &body).await;
        assert_eq!((status, answer), (200, json!({})));
    }
    let items = local.scan(&local.usage_table()).await;
    let tokens = |pk_prefix: &str, sk_prefix: &str| -> (usize, u64) {
        let found: Vec<&Value> = items
            .iter()
            .filter(|i| {
                i["pk"]["S"].as_str().unwrap().starts_with(pk_prefix)
                    && i["sk"]["S"].as_str().unwrap().starts_with(sk_prefix)
            })
            .collect();
        // Counters named total_tokens, or h00…h23 on the HOURS items.
        let sum = found
            .iter()
            .flat_map(|i| i.as_object().unwrap())
            .filter(|(name, _)| {
                *name == "total_tokens" || (name.len() == 3 && name.starts_with('h'))
            })
            .map(|(_, v)| v["N"].as_str().unwrap().parse::<u64>().unwrap())
            .sum();
        (found.len(), sum)
    };
    assert_eq!(tokens("USER#late@example.com", "DAY#"), (30, total));
    assert_eq!(tokens("ROLLUP#DAY#", "USER#late@example.com").1, total);
    assert_eq!(tokens("ROLLUP#DAY#", "HOURS").1, total);
    let (months, month_total) = tokens("ROLLUP#MONTH#", "USER#late@example.com");
    assert_eq!(month_total, total);
    assert_eq!(tokens("USER#late@example.com", "MONTH#").1, total);
    let month_rollup = items
        .iter()
        .find(|i| i["pk"]["S"].as_str().unwrap().starts_with("ROLLUP#MONTH#"))
        .unwrap();
    assert_eq!(month_rollup["groups"], json!({"L": [{"S": "engineering"}]}));
    assert!(
        (1..=2).contains(&months),
        "the last 30 days span one or two months"
    );
}

/// Every usage record in the bucket (JSON lines under `usage/`).
async fn usage_records(local: &Local) -> Vec<Value> {
    local
        .objects("usage/")
        .await
        .into_iter()
        .flat_map(|(_, body)| {
            body.lines()
                .filter_map(|l| serde_json::from_str::<Value>(l).ok())
                .collect::<Vec<_>>()
        })
        .collect()
}

#[tokio::test]
async fn counted_points_reach_s3_once_even_through_a_firehose_outage() {
    let local =
        Local::start_with(LocalOptions::default().with_env("CCWB_AUDIT_DELIVERY_SECONDS", "1"));
    let token = local.token("s3@example.com", &[]);
    let t = now_nanos();
    let body = input("a", t - 10, t, 5);
    post(&local, &token, &body).await;
    post(&local, &token, &body).await;
    let records = usage_records(&local).await;
    assert_eq!(
        records.len(),
        1,
        "a replay is not copied again: {records:?}"
    );
    assert_eq!(
        (
            records[0]["identity"].as_str(),
            records[0]["increase"].as_u64()
        ),
        (Some("s3@example.com"), Some(5))
    );

    let stream = format!("{}-usage", local.stack);
    local.delete_stream(&stream).await;
    let body = input("b", t - 10, t, 7);
    assert_eq!(
        post(&local, &token, &body).await.0,
        200,
        "ingestion does not depend on Firehose"
    );
    assert_eq!(
        this_month(&local, "s3@example.com", "input_tokens").await,
        12
    );
    local.create_stream(&stream, "usage/").await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while usage_records(&local).await.len() < 2 && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    let mut increases: Vec<u64> = usage_records(&local)
        .await
        .iter()
        .map(|r| r["increase"].as_u64().unwrap())
        .collect();
    increases.sort();
    assert_eq!(increases, [5, 7], "the kept record delivered once");
}

/// A sum of `metric` with `points`.
fn sum_request(metric: &str, temporality: u8, points: Vec<Value>) -> Value {
    json!({"resourceMetrics": [{"scopeMetrics": [{"metrics": [{"name": metric,
        "sum": {"aggregationTemporality": temporality, "isMonotonic": true, "dataPoints": points}}]}]}]})
}

/// A `claude_code.cost.usage` point: `dollars` as `asDouble` (a number, or a string like "NaN").
fn cost_point(model: &str, session: &str, start: u64, at: u64, dollars: Value) -> Value {
    double_point(
        start,
        at,
        dollars,
        &[("model", model), ("session.id", session)],
    )
}

#[tokio::test]
async fn claude_codes_reported_cost_is_kept_beside_ours_once_and_never_limits() {
    let local = Local::start();
    let admin = local.admin_token();
    let email = "reported@example.com";
    let limit = json!({"monthly_cost_limit": 0.5, "enforcement_mode": "block"});
    let path = format!("/policies/user/{email}");
    local.create_policy(&path, &admin, &limit).await;
    let token = local.token(email, &[]);
    let t = now_nanos();
    let opus = "global.anthropic.claude-opus-5-5";
    let haiku = "us.anthropic.claude-haiku-4-5-20251001-v1:0";
    let tokens = |token_type: &str, model: &str, value: u64| {
        point(token_type, model, "s1", t - 10, t, value, &[])
    };
    let mut body = request(
        1,
        vec![
            tokens("input", opus, 10_000),
            tokens("output", opus, 5_000),
            tokens("cacheRead", opus, 100_000),
            tokens("output", haiku, 20_000),
            tokens("cacheCreation", haiku, 8_000),
        ],
    );
    // Claude Code's own figure (fractional dollars), in the same export as the tokens.
    body["resourceMetrics"][0]["scopeMetrics"][0]["metrics"]
        .as_array_mut()
        .unwrap()
        .push(json!({"name": "claude_code.cost.usage", "unit": "USD",
        "sum": {"aggregationTemporality": 1, "isMonotonic": true, "dataPoints": [
            cost_point(opus, "s1", t - 10, t, json!(0.658765)),
            cost_point(haiku, "s1", t - 10, t, json!(0.012346)),
        ]}}));
    for _ in 0..3 {
        let (status, answer) = post(&local, &token, &body).await;
        assert_eq!(
            (status, answer),
            (200, json!({})),
            "accepted whole, replays too"
        );
    }
    let report = usage(&local, email).await;
    for period in ["month", "day"] {
        let u = &report[period];
        // Ours: Opus 5.5 10K input × $4 + 5K output × $20 + 100K cache read × $0.20 = $0.16;
        // Haiku 4.5 20K output × $5 + 8K cache write × $1.25 = $0.11.
        assert_eq!(u["cost"], 0.27, "{period}: {u}");
        assert_eq!(u["claude_code_cost"], 0.671111, "{period}: counted once");
        assert_eq!(u["models"][opus]["cost"], 0.16, "{period}");
        assert_eq!(u["models"][opus]["claude_code_cost"], 0.658765, "{period}");
        assert_eq!(u["models"][haiku]["cost"], 0.11, "{period}");
        assert_eq!(u["models"][haiku]["claude_code_cost"], 0.012346, "{period}");
        assert_eq!(u["total_tokens"], 143_000, "{period}");
    }
    // Claude Code's $0.67 is over the $0.50 limit; ours, which limits count, is not.
    assert_eq!(report["check"]["usage"]["monthly_cost"], 0.27);
    let (_, check) = local.get("/check", Some(&token)).await;
    assert_eq!(
        decision(&check),
        (Some(true), Some("within_quota")),
        "{check}"
    );
    // The day rollup's model items carry both, for the cost-by-model widget.
    let rollups: Vec<Value> = local
        .scan(&local.usage_table())
        .await
        .into_iter()
        .filter(|i| {
            i["pk"]["S"].as_str().unwrap().starts_with("ROLLUP#DAY#")
                && i["sk"]["S"]
                    .as_str()
                    .unwrap()
                    .starts_with(&format!("MODEL#{opus}#S"))
        })
        .collect();
    assert_eq!(rollups.len(), 1, "{rollups:?}");
    assert_eq!(rollups[0]["cost_micros"]["N"], "160000");
    assert_eq!(rollups[0]["claude_code_cost_micros"]["N"], "658765");

    // What is really wrong is still refused, and said.
    for (bad, problem) in [(json!(-0.5), "value -0.5"), (json!("NaN"), "value NaN")] {
        let body = sum_request(
            "claude_code.cost.usage",
            1,
            vec![
                cost_point(opus, "s2", t - 10, t, json!(0.25)),
                cost_point(opus, "s3", t - 10, t, bad.clone()),
            ],
        );
        let (status, answer) = post(&local, &token, &body).await;
        assert_eq!(status, 200);
        assert_eq!(answer["partialSuccess"]["rejectedDataPoints"], "1", "{bad}");
        let message = answer["partialSuccess"]["errorMessage"].as_str().unwrap();
        assert!(
            message.contains("claude_code.cost.usage")
                && message.contains(problem)
                && message.contains("non-negative number of US dollars"),
            "{message}"
        );
    }
    assert_eq!(
        this_month(&local, email, "claude_code_cost").await,
        0.921111,
        "the good point beside each bad one counted (once: the second is a replay)"
    );
}

// ---- protobuf, the encoding Claude Code uses with OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf ----
// The messages are the OpenTelemetry project's own (opentelemetry-proto), so the test encodes as
// a client does, not with the parser it checks.

/// Posts `claude_code.cost.usage` points (start, time, dollars) of one model as protobuf;
/// returns the status and the decoded response.
async fn post_cost_protobuf(
    local: &Local,
    token: &str,
    temporality: i32,
    model: &str,
    points: &[(u64, u64, f64)],
) -> (u16, ExportMetricsServiceResponse) {
    let attribute = |key: &str, value: &str| KeyValue {
        key: key.into(),
        value: Some(AnyValue {
            value: Some(any_value::Value::StringValue(value.into())),
        }),
        ..Default::default()
    };
    let request = ExportMetricsServiceRequest {
        resource_metrics: vec![ResourceMetrics {
            scope_metrics: vec![ScopeMetrics {
                metrics: vec![Metric {
                    name: "claude_code.cost.usage".into(),
                    data: Some(metric::Data::Sum(Sum {
                        aggregation_temporality: temporality,
                        data_points: points
                            .iter()
                            .map(|(start, at, dollars)| NumberDataPoint {
                                start_time_unix_nano: *start,
                                time_unix_nano: *at,
                                value: Some(number_data_point::Value::AsDouble(*dollars)),
                                attributes: vec![
                                    attribute("model", model),
                                    attribute("session.id", "p"),
                                ],
                                ..Default::default()
                            })
                            .collect(),
                        ..Default::default()
                    })),
                    ..Default::default()
                }],
                ..Default::default()
            }],
            ..Default::default()
        }],
    };
    let response = reqwest::Client::new()
        .post(format!("{}/v1/metrics", local.url))
        .bearer_auth(token)
        .header("content-type", "application/x-protobuf")
        .body(prost::Message::encode_to_vec(&request))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let bytes = response.bytes().await.unwrap();
    (status, prost::Message::decode(bytes.as_ref()).unwrap())
}

#[tokio::test]
async fn cumulative_reported_cost_over_protobuf_counts_increases_and_refuses_nan() {
    let local = Local::start();
    let email = "cumulative-cost@example.com";
    let token = local.token(email, &[]);
    let model = "claude-opus-5-5[1m]";
    let t = now_nanos() - 60_000_000_000;
    let step = 10_000_000_000;
    // $0.25, then $0.40 (+0.15), then a new run from a later start at $0.05: $0.45 in all.
    for (start, at, dollars) in [
        (t - 1, t, 0.25),
        (t - 1, t + step, 0.40),
        (t + 2 * step - 1, t + 2 * step, 0.05),
    ] {
        for _ in 0..2 {
            let (status, answer) =
                post_cost_protobuf(&local, &token, 2, model, &[(start, at, dollars)]).await;
            assert_eq!((status, answer.partial_success), (200, None), "{dollars}");
        }
    }
    let month = &usage(&local, email).await["month"];
    assert_eq!(month["claude_code_cost"], 0.45, "{month}");
    assert_eq!(month["models"][model]["claude_code_cost"], 0.45);
    assert_eq!(month["cost"], 0.0, "no tokens: ours is nothing");

    let (status, answer) = post_cost_protobuf(
        &local,
        &token,
        1,
        model,
        &[
            (t, t + 3 * step, f64::NAN),
            (t, t + 3 * step, f64::INFINITY),
        ],
    )
    .await;
    assert_eq!(status, 200);
    let partial = answer.partial_success.expect("partial success");
    assert_eq!(partial.rejected_data_points, 2);
    assert_eq!(
        partial.error_message,
        "claude_code.cost.usage: value NaN is not a finite, non-negative number of US dollars"
    );
    assert_eq!(this_month(&local, email, "claude_code_cost").await, 0.45);
}
