//! `POST /v1/metrics`: Claude Code's OTLP metrics counted exactly once, with cost.

use std::io::Write;

use ccwb_e2e::Local;
use reqwest::Method;
use serde_json::{Value, json};

fn now_nanos() -> u64 {
    time::OffsetDateTime::now_utc().unix_timestamp_nanos() as u64
}

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
        json!({"key": "type", "value": {"stringValue": token_type}}),
        json!({"key": "model", "value": {"stringValue": model}}),
        json!({"key": "session.id", "value": {"stringValue": session}}),
    ];
    attributes.extend(
        extra
            .iter()
            .map(|(k, v)| json!({"key": k, "value": {"stringValue": v}})),
    );
    json!({"startTimeUnixNano": start.to_string(), "timeUnixNano": at.to_string(),
           "asInt": value.to_string(), "attributes": attributes})
}

fn request(temporality: u8, points: Vec<Value>) -> Value {
    json!({"resourceMetrics": [{"resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "claude-code"}}]},
        "scopeMetrics": [{"metrics": [{"name": "claude_code.token.usage", "unit": "tokens",
            "sum": {"aggregationTemporality": temporality, "isMonotonic": true, "dataPoints": points}}]}]}]})
}

async fn post(local: &Local, token: &str, body: &Value) -> (u16, Value) {
    let (status, _, answer) = local
        .send(Method::POST, "/v1/metrics", token, &[], Some(body))
        .await;
    (status, answer)
}

async fn usage(local: &Local, email: &str) -> Value {
    let (status, _, usage) = local
        .send(
            Method::GET,
            &format!("/usage/{email}"),
            &local.admin_token(),
            &[],
            None,
        )
        .await;
    assert_eq!(status, 200, "{usage}");
    usage
}

#[tokio::test]
async fn replays_count_once_and_cost_follows_the_model() {
    let local = Local::start();
    let token = local.token("dev@example.com", &[]);
    let t = now_nanos();
    let body = request(
        1,
        vec![
            point(
                "input",
                "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
                "s1",
                t - 10,
                t,
                1_000_000,
                &[],
            ),
            point(
                "output",
                "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
                "s1",
                t - 10,
                t,
                100_000,
                &[],
            ),
            point(
                "cacheRead",
                "claude-opus-4-1",
                "s1",
                t - 10,
                t,
                1_000_000,
                &[],
            ),
            point(
                "cacheCreation",
                "claude-haiku-4-5",
                "s1",
                t - 10,
                t,
                1_000_000,
                &[],
            ),
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
    assert_eq!(
        month["models"]["claude-opus-4-1"]["cache_read_tokens"],
        1_000_000
    );
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
            let body = request(
                1,
                vec![point(
                    "input",
                    "claude-sonnet-4",
                    &format!("s{i}"),
                    t - 10,
                    t,
                    100 + i,
                    &[],
                )],
            );
            post(local, &token, &body).await.0
        }
    });
    let statuses = futures::future::join_all(requests).await;
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    let expected: u64 = (0..20u64).map(|i| 100 + i).sum();
    assert_eq!(
        usage(&local, "busy@example.com").await["month"]["input_tokens"],
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
        usage(&local, "cum@example.com").await["month"]["output_tokens"],
        340
    );
}

#[tokio::test]
async fn late_future_and_foreign_points_are_handled_by_the_rules() {
    let local = Local::start();
    let token = local.token("me@example.com", &[]);
    let t = now_nanos();
    let day = 86_400_000_000_000u64;
    let body = request(
        1,
        vec![
            point(
                "input",
                "claude-sonnet-4",
                "a",
                t - 40 * day,
                t - 40 * day,
                5,
                &[],
            ),
            point(
                "input",
                "claude-sonnet-4",
                "b",
                t,
                t + 600_000_000_000,
                7,
                &[],
            ),
            point(
                "input",
                "claude-sonnet-4",
                "c",
                t - 10,
                t,
                11,
                &[("user.email", "someone-else@example.com")],
            ),
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
        usage(&local, "me@example.com").await["month"]["input_tokens"],
        11,
        "the token's user, not the attribute's"
    );
    assert_eq!(
        usage(&local, "someone-else@example.com").await["month"]["input_tokens"],
        0
    );
}

#[tokio::test]
async fn check_blocks_right_after_the_ingest_that_crosses_the_limit() {
    let local = Local::start();
    let admin = local.admin_token();
    local
        .send(
            Method::PUT,
            "/policies/user/heavy@example.com",
            &admin,
            &[],
            Some(&json!({"monthly_token_limit": 1000, "enforcement_mode": "block"})),
        )
        .await;
    let token = local.token("heavy@example.com", &[]);
    let t = now_nanos();
    post(
        &local,
        &token,
        &request(
            1,
            vec![point(
                "input",
                "claude-sonnet-4",
                "s",
                t - 20,
                t - 10,
                999,
                &[],
            )],
        ),
    )
    .await;
    let (_, check) = local.get("/check", Some(&token)).await;
    assert_eq!(check["allowed"], true);
    post(
        &local,
        &token,
        &request(
            1,
            vec![point("input", "claude-sonnet-4", "s", t - 10, t, 1, &[])],
        ),
    )
    .await;
    let (_, check) = local.get("/check", Some(&token)).await;
    assert_eq!(
        (check["allowed"].as_bool(), check["reason"].as_str()),
        (Some(false), Some("monthly_exceeded"))
    );
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
    let body = request(
        1,
        vec![point("input", "claude-sonnet-4", "g", t - 10, t, 42, &[])],
    )
    .to_string();
    assert_eq!(
        send(gz(body.as_bytes()), true)
            .await
            .unwrap()
            .status()
            .as_u16(),
        200
    );
    assert_eq!(
        usage(&local, "z@example.com").await["month"]["input_tokens"],
        42
    );

    let bomb = gz(&vec![b' '; 50 * 1024 * 1024]);
    assert!(
        bomb.len() < 1024 * 1024,
        "a small body that inflates to 50 MB"
    );
    assert_eq!(send(bomb, true).await.unwrap().status().as_u16(), 413);
    assert_eq!(
        send(vec![b' '; 6 * 1024 * 1024], false)
            .await
            .unwrap()
            .status()
            .as_u16(),
        413
    );
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
    assert_eq!(
        send(request(1, many).to_string().into_bytes(), false)
            .await
            .unwrap()
            .status()
            .as_u16(),
        413
    );
    let (status, _) = local.get("/v1/metrics", Some(&token)).await;
    assert_eq!(status, 404, "only POST");
}

#[tokio::test]
async fn alerts_are_published_once_at_each_level() {
    let local = Local::start();
    let queue = local.subscribe_alert_queue().await;
    let admin = local.admin_token();
    local
        .send(
            Method::PUT,
            "/policies/group/eng",
            &admin,
            &[],
            Some(&json!({"monthly_token_limit": 1000, "enforcement_mode": "block"})),
        )
        .await;
    let token = local.token("alerted@example.com", &["eng"]);
    let t = now_nanos() - 100;
    let send = |at: u64, value: u64| {
        let body = request(
            1,
            vec![point(
                "input",
                "claude-sonnet-4",
                "s",
                at - 1,
                at,
                value,
                &[],
            )],
        );
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
    let sum = |name: &str, points: Vec<Value>| json!({"name": name, "sum": {"aggregationTemporality": 1, "dataPoints": points}});
    let p = |value: Value, attributes: &[(&str, &str)]| {
        let attributes: Vec<Value> = attributes
            .iter()
            .map(|(k, v)| json!({"key": k, "value": {"stringValue": v}}))
            .collect();
        let mut point = json!({"startTimeUnixNano": (t - 10).to_string(), "timeUnixNano": t.to_string(), "attributes": attributes});
        match value {
            Value::String(_) => point["asInt"] = value,
            other => point["asDouble"] = other,
        }
        point
    };
    let body = json!({"resourceMetrics": [{"scopeMetrics": [{"metrics": [
        sum("claude_code.session.count", vec![p(json!("1"), &[("session.id", "s1")])]),
        sum("claude_code.lines_of_code.count", vec![p(json!("120"), &[("type", "added")]), p(json!("30"), &[("type", "removed")])]),
        sum("claude_code.code_edit_tool.decision", vec![p(json!("2"), &[("decision", "accept"), ("language", "Rust")])]),
        sum("claude_code.active_time.total", vec![p(json!(12.5), &[("type", "cli")])]),
        sum("claude_code.token.usage", vec![p(json!("1000"), &[("type", "input"), ("model", "claude-sonnet-4")])]),
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
    let local = Local::start_with(ccwb_e2e::LocalOptions {
        env: vec![("CCWB_AUDIT_DELIVERY_SECONDS".into(), "1".into())],
        ..ccwb_e2e::LocalOptions::default()
    });
    let token = local.token("s3@example.com", &[]);
    let t = now_nanos();
    let body = request(
        1,
        vec![point("input", "claude-sonnet-4", "a", t - 10, t, 5, &[])],
    );
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
    let body = request(
        1,
        vec![point("input", "claude-sonnet-4", "b", t - 10, t, 7, &[])],
    );
    assert_eq!(
        post(&local, &token, &body).await.0,
        200,
        "ingestion does not depend on Firehose"
    );
    assert_eq!(
        usage(&local, "s3@example.com").await["month"]["input_tokens"],
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
