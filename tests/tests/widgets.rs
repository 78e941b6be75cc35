//! The `ccwb-widgets` Lambda binary, invoked as CloudWatch invokes a custom widget (through a
//! Runtime API stub), drawing telemetry ingested through the real `POST /v1/metrics`.

// Dependencies are judged on the library target; this test uses only some of them.
#![allow(unused_crate_dependencies)]

use std::process::Command;
use std::time::Duration;

use ccwb_e2e::lambda_runtime::{Answer, RuntimeApi};
use ccwb_e2e::{Local, spawn_supervised};
use reqwest::Method;
use serde_json::{Value, json};

/// Telemetry for `email`: tokens of two models, lines, a commit, edit decisions, and $0.10 that
/// Claude Code reports for the Opus model.
async fn send_usage(local: &Local, email: &str, input: u64, lines: u64) {
    send_usage_in_groups(local, email, &[], input, lines).await;
}

/// [`send_usage`] with a token naming `groups`.
async fn send_usage_in_groups(local: &Local, email: &str, groups: &[&str], input: u64, lines: u64) {
    let token = local.token(email, groups);
    let t = time::OffsetDateTime::now_utc().unix_timestamp_nanos() as u64;
    let p = |value: u64, attributes: &[(&str, &str)]| {
        let attributes: Vec<Value> = attributes
            .iter()
            .map(|(k, v)| json!({"key": k, "value": {"stringValue": v}}))
            .collect();
        json!({"startTimeUnixNano": (t - 10).to_string(), "timeUnixNano": t.to_string(),
            "asInt": value.to_string(), "attributes": attributes})
    };
    let sum = |name: &str, points: Vec<Value>| json!({"name": name, "sum": {"aggregationTemporality": 1, "dataPoints": points}});
    let body = json!({"resourceMetrics": [{"scopeMetrics": [{"metrics": [
        sum("claude_code.token.usage", vec![
            p(input, &[("type", "input"), ("model", "claude-sonnet-4-5")]),
            p(1_000, &[("type", "output"), ("model", "claude-opus-4-1")]),
            p(4_000, &[("type", "cacheRead"), ("model", "claude-sonnet-4-5")]),
        ]),
        sum("claude_code.cost.usage", vec![json!({"startTimeUnixNano": (t - 10).to_string(),
            "timeUnixNano": t.to_string(), "asDouble": 0.1,
            "attributes": [{"key": "model", "value": {"stringValue": "claude-opus-4-1"}}]})]),
        sum("claude_code.lines_of_code.count", vec![p(lines, &[("type", "added")])]),
        sum("claude_code.commit.count", vec![p(1, &[])]),
        sum("claude_code.code_edit_tool.decision", vec![
            p(3, &[("decision", "accept"), ("language", "Rust")]),
            p(1, &[("decision", "reject"), ("language", "Rust")]),
        ]),
    ]}]}]});
    let (status, _, answer) = local
        .send(Method::POST, "/v1/metrics", &token, &[], Some(&body))
        .await;
    assert_eq!((status, &answer), (200, &json!({})), "{answer}");
}

/// Invokes the widget binary once per event, as Lambda would.
fn invoke(local: &Local, events: Vec<Value>) -> Vec<String> {
    let count = events.len();
    let api = RuntimeApi::start(events);
    let command = api.function("ccwb-widgets", local);
    let mut child = spawn_supervised(command).expect("start ccwb-widgets");
    let answers: Vec<String> = (0..count)
        .map(|_| match api.answer(Duration::from_secs(30)) {
            Some(Answer::Response(Value::String(html))) => html,
            other => panic!("widget answered {other:?}"),
        })
        .collect();
    let _ = child.kill();
    let _ = child.wait();
    answers
}

fn event(widget: &str, extra: Value) -> Value {
    let now = time::OffsetDateTime::now_utc().unix_timestamp() * 1000;
    let mut event = json!({"widgetContext": {
        "params": {"widget": widget}, "theme": "light", "width": 500, "height": 250,
        "timeRange": {"mode": "relative", "start": now - 3 * 86_400_000_i64, "end": now}}});
    for (k, v) in extra.as_object().unwrap() {
        event["widgetContext"]["params"][k] = v.clone();
    }
    event
}

#[tokio::test(flavor = "multi_thread")]
async fn widgets_draw_exact_numbers_from_ingested_usage() {
    let local = Local::start();
    send_usage(&local, "alice@example.com", 10_000, 120).await;
    send_usage(&local, "bob@example.com", 2_000, 30).await;
    send_usage(&local, "<script>alert(1)</script>@evil.example", 1, 1).await;

    let events = vec![
        json!({"describe": true}),
        event("total-tokens", json!({})),
        event("top-users", json!({"limit": 2})),
        event("active-users", json!({})),
        event("tokens-by-model", json!({})),
        event("lines-of-code", json!({})),
        event("commits-and-prs", json!({})),
        event("code-acceptance", json!({})),
        event("cache-efficiency", json!({})),
        event("no-such-widget", json!({})),
        event("top-users", json!({"limit": "many"})),
        event("top-users", json!({})),
        event("active-hours", json!({})),
        event("cost-by-model", json!({})),
    ];
    let html = tokio::task::block_in_place(|| invoke(&local, events));
    let [
        describe,
        total,
        top,
        active,
        models,
        lines,
        commits,
        acceptance,
        cache,
        unknown,
        bad_limit,
        everyone,
        hours,
        costs,
    ] = html.as_slice()
    else {
        panic!("{} answers", html.len());
    };
    assert!(describe.starts_with("## ccwb usage widgets") && describe.contains("`top-users`"));

    // 3 users: input 12,001, output 3,000, cache reads 12,000.
    assert!(total.contains("27,001 tokens"), "{total}");
    assert!(total.contains("<svg"), "{total}");
    assert!(
        top.contains("alice@example.com") && top.contains("15,000"),
        "{top}"
    );
    assert!(
        top.contains("bob@example.com") && top.contains("7,000"),
        "{top}"
    );
    assert!(
        !top.contains("evil.example"),
        "limit 2 keeps the two largest: {top}"
    );
    assert!(active.contains("3 distinct users"), "{active}");
    assert!(
        models.contains("claude-sonnet-4-5") && models.contains("24,001"),
        "{models}"
    );
    assert!(
        models.contains("claude-opus-4-1") && models.contains("3,000"),
        "{models}"
    );
    assert!(lines.contains("151 added"), "{lines}");
    assert!(commits.contains("3 commits"), "{commits}");
    assert!(
        acceptance.contains("Rust") && acceptance.contains("75%"),
        "{acceptance}"
    );
    assert!(
        cache.contains("12,000") && cache.contains("50.0%"),
        "{cache}"
    );
    assert!(unknown.contains("unknown widget") && unknown.contains("top-users"));
    assert!(bad_limit.contains("params.limit"), "{bad_limit}");

    // Ours: Opus 4.1 3 × 1,000 output × $75/M = $0.225; Sonnet 4.5 12,001 input × $3/M +
    // 12,000 cache reads × $0.30/M = $0.039603. Claude Code reported 3 × $0.10 for Opus.
    assert!(
        costs.contains("$0.26 from tokens at our prices; Claude Code reports $0.30"),
        "{costs}"
    );
    assert!(costs.contains(">$0.23 (Claude Code $0.30)<"), "{costs}");
    assert!(costs.contains(">$0.04<"), "{costs}");
    // All 27,001 tokens were sent this hour, so this hour is the busiest.
    assert!(hours.contains("(27,001 tokens), times in UTC"), "{hours}");
    // Hostile names from tokens and telemetry stay text everywhere.
    assert!(
        everyone.contains("&lt;script&gt;alert(1)&lt;/script&gt;@evil.example"),
        "{everyone}"
    );
    for page in &html {
        assert!(!page.contains("<script"), "{page}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn quota_status_shows_who_is_blocked_or_near_a_limit_under_which_policy() {
    let local = Local::start();
    let admin = local.admin_token();
    let put = |path: &'static str, body: Value| {
        let (local, admin) = (&local, &admin);
        async move {
            let (status, _, answer) = local.send(Method::PUT, path, admin, &[], Some(&body)).await;
            assert!((200..300).contains(&status), "{path}: {answer}");
        }
    };
    put(
        "/policies/group/engineering",
        json!({"monthly_token_limit": 20_000, "enforcement_mode": "block"}),
    )
    .await;
    put(
        "/policies/default/default",
        json!({"daily_token_limit": 10_000, "daily_enforcement_mode": "alert"}),
    )
    .await;
    // Each send is the input tokens given + 1,000 output + 4,000 cache read.
    let engineering = &["engineering"];
    send_usage_in_groups(&local, "alice@example.com", engineering, 20_000, 1).await; // 25,000: 125%
    send_usage_in_groups(&local, "bob@example.com", engineering, 12_000, 1).await; // 17,000: 85%
    send_usage_in_groups(&local, "dave@example.com", engineering, 1_000, 1).await; // 6,000: 30%
    send_usage_in_groups(&local, "erin@example.com", engineering, 17_000, 1).await; // 22,000: 110%
    send_usage(&local, "carol@example.com", 4_000, 1).await; // 9,000 today: 90% of the default
    send_usage(&local, "<b>mallory</b>@example.com", 10_000, 1).await; // 15,000: 150%, alert only

    let (status, _, grant) = local
        .send(
            Method::POST,
            "/unblocks/erin@example.com",
            &admin,
            &[],
            Some(&json!({"duration": "24h", "reason": "release week"})),
        )
        .await;
    assert_eq!(status, 201, "{grant}");
    // /check agrees with what the widget will say about alice.
    let (_, _, check) = local
        .send(
            Method::GET,
            "/check",
            &local.token("alice@example.com", engineering),
            &[],
            None,
        )
        .await;
    assert_eq!(check["allowed"], false, "{check}");

    let html = tokio::task::block_in_place(|| {
        invoke(
            &local,
            vec![
                event("quota-status", json!({})),
                event("quota-status", json!({"limit": 2})),
            ],
        )
    });
    let (board, short) = (&html[0], &html[1]);
    assert!(
        board.contains("1 blocked, 4 at 80% or more of a limit, of 6 users with usage in"),
        "{board}"
    );
    // Refused first, then by the highest share of a limit: alice, mallory, erin, carol, bob.
    let position = |needle: &str| {
        board
            .find(needle)
            .unwrap_or_else(|| panic!("{needle} missing: {board}"))
    };
    let order = [
        "alice@example.com",
        "&lt;b&gt;mallory&lt;/b&gt;@example.com",
        "erin@example.com",
        "carol@example.com",
        "bob@example.com",
    ]
    .map(position);
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{order:?}: {board}");
    assert!(
        !board.contains("dave@example.com"),
        "30% is not shown: {board}"
    );
    let row = |identity: &str| {
        let start = position(identity);
        &board[start..start + board[start..].find("</tr>").unwrap()]
    };
    let alice = row("alice@example.com");
    assert!(
        alice.contains("group engineering") && alice.contains(">blocked<"),
        "{alice}"
    );
    assert!(
        alice.contains("monthly token: 25K of 20K tokens (125.0%)"),
        "{alice}"
    );
    let erin = row("erin@example.com");
    assert!(
        erin.contains("unblocked until ") && erin.contains("22K of 20K tokens (110.0%)"),
        "{erin}"
    );
    let carol = row("carol@example.com");
    assert!(
        carol.contains(">default<") && carol.contains("near a limit"),
        "{carol}"
    );
    assert!(
        carol.contains("daily token: 9K of 10K tokens (90.0%)"),
        "{carol}"
    );
    let mallory = row("&lt;b&gt;mallory&lt;/b&gt;@example.com");
    assert!(
        mallory.contains("over (alert only)") && mallory.contains("(150.0%)"),
        "{mallory}"
    );
    assert!(
        row("bob@example.com").contains("17K of 20K tokens (85.0%)"),
        "{board}"
    );
    assert!(!board.contains("<b>"), "{board}");

    assert!(
        short.contains("alice@example.com") && short.contains("mallory"),
        "{short}"
    );
    assert!(!short.contains("erin@example.com"), "limit 2: {short}");
    assert!(short.contains("and 3 more"), "{short}");

    // Administrators asking about one user get the same groups without naming them.
    let (_, _, usage) = local
        .send(Method::GET, "/usage/bob@example.com", &admin, &[], None)
        .await;
    assert_eq!(usage["groups"], json!(["engineering"]), "{usage}");
    assert_eq!(usage["groups_source"], "telemetry");
    assert_eq!(usage["check"]["policy"]["identifier"], "engineering");
    assert_eq!(usage["check"]["usage"]["monthly_percent"], 85.0, "{usage}");
    let (_, _, given) = local
        .send(
            Method::GET,
            "/resolve?email=bob@example.com&groups=ops",
            &admin,
            &[],
            None,
        )
        .await;
    assert_eq!(
        (&given["groups"], &given["groups_source"]),
        (&json!(["ops"]), &json!("given"))
    );
    assert_eq!(given["effective"]["identifier"], "default", "{given}");
    let (_, _, none) = local
        .send(
            Method::GET,
            "/resolve?email=carol@example.com",
            &admin,
            &[],
            None,
        )
        .await;
    assert_eq!(
        (&none["groups"], &none["groups_source"]),
        (&json!([]), &json!("none"))
    );
    let text = tokio::task::block_in_place(|| {
        ccwb_e2e::cli::Ccwb::with_token(&local.url, &admin)
            .ok(&["quota", "show", "alice@example.com"])
            .stdout
    });
    assert!(
        text.contains("engineering (from the user's latest telemetry; --groups to try others)")
            && text.contains("BLOCKED"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_empty_range_says_so() {
    let local = Local::start();
    let mut empty = event("total-tokens", json!({}));
    empty["widgetContext"]["timeRange"] =
        json!({"start": 1_600_000_000_000_i64, "end": 1_600_086_400_000_i64});
    let html = tokio::task::block_in_place(|| invoke(&local, vec![empty]));
    assert!(
        html[0].contains("No token usage in this time range."),
        "{}",
        html[0]
    );
}

/// Chromium, which `.ci/run` installs (Debian's `chromium`).
fn chromium() -> std::path::PathBuf {
    let path = std::path::PathBuf::from("/usr/bin/chromium");
    assert!(
        path.exists(),
        "/usr/bin/chromium is missing: install Debian's chromium package (`apt-get install chromium`; .ci/run does)"
    );
    path
}

#[tokio::test(flavor = "multi_thread")]
async fn the_local_dashboard_shows_every_widget_to_administrators_only() {
    let local = Local::start();
    send_usage(&local, "alice@example.com", 10_000, 120).await;
    let (status, _) = local.get("/dashboard", None).await;
    assert_eq!(status, 401);
    let user = local.token("dev@example.com", &[]);
    let response = reqwest::get(format!("{}/dashboard?token={user}", local.url))
        .await
        .unwrap();
    assert_eq!(response.status(), 403);

    let admin = local.admin_token();
    let page = reqwest::Client::new()
        .get(format!("{}/dashboard?days=3", local.url))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for widget in [
        "total-tokens",
        "tokens-by-model",
        "cost-by-model",
        "top-users",
        "active-users",
        "cache-efficiency",
        "lines-of-code",
        "commits-and-prs",
        "code-acceptance",
        "active-hours",
    ] {
        assert!(
            page.contains(&format!(">{widget}</h2>")),
            "{widget} missing"
        );
    }
    assert!(page.contains("15,000 tokens"), "{page}");
    assert!(page.contains("last 3 days"));

    // A real browser draws it: a headless Chromium screenshot, kept for CI.
    let artifacts = ccwb_e2e::repo_root().join("target/test-artifacts");
    std::fs::create_dir_all(&artifacts).unwrap();
    let shot = artifacts.join("dashboard.png");
    let _ = std::fs::remove_file(&shot);
    let profile = ccwb_e2e::temp_dir("chromium");
    let url = format!("{}/dashboard?token={admin}", local.url);
    let output = tokio::task::block_in_place(|| {
        Command::new(chromium())
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--window-size=1200,1000",
            ])
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg(format!("--screenshot={}", shot.display()))
            .arg(&url)
            .output()
            .expect("run chromium")
    });
    assert!(
        shot.exists(),
        "no screenshot: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    println!("dashboard screenshot: {}", shot.display());
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&shot).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut pixels).unwrap();
    let colours: std::collections::BTreeSet<&[u8]> = pixels[..info.buffer_size()]
        .chunks(info.color_type.samples())
        .collect();
    assert!(
        colours.len() > 20,
        "the screenshot is (nearly) blank: {} colours",
        colours.len()
    );
}
