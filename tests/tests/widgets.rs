//! The `ccwb-widgets` Lambda binary, invoked as CloudWatch invokes a custom widget (through a
//! Runtime API stub), drawing telemetry ingested through the real `POST /v1/metrics`.

// Dependencies are judged on the library target; this test uses only some of them.
#![allow(unused_crate_dependencies)]

use std::process::Command;

use ccwb_e2e::lambda_runtime::{Answer, RuntimeApi};
use ccwb_e2e::otlp::{self, sum};
use ccwb_e2e::{Local, assert_contains};
use serde_json::{Value, json};

/// Telemetry for `email`: tokens of two models, lines, a commit, edit decisions, and $0.10 that
/// Claude Code reports for the Opus model.
async fn send_usage(local: &Local, email: &str, input: u64, lines: u64) {
    send_usage_in_groups(local, email, &[], input, lines).await;
}

/// [`send_usage`] with a token naming `groups`.
async fn send_usage_in_groups(local: &Local, email: &str, groups: &[&str], input: u64, lines: u64) {
    let token = local.token(email, groups);
    let t = otlp::now_nanos();
    let p = |value: u64, attributes: &[(&str, &str)]| otlp::int_point(t - 10, t, value, attributes);
    let cost = otlp::double_point(t - 10, t, json!(0.1), &[("model", "claude-opus-4-1")]);
    let body = json!({"resourceMetrics": [{"scopeMetrics": [{"metrics": [
        sum("claude_code.token.usage", vec![
            p(input, &[("type", "input"), ("model", "claude-sonnet-4-5")]),
            p(1_000, &[("type", "output"), ("model", "claude-opus-4-1")]),
            p(4_000, &[("type", "cacheRead"), ("model", "claude-sonnet-4-5")]),
        ]),
        sum("claude_code.cost.usage", vec![cost]),
        sum("claude_code.lines_of_code.count", vec![p(lines, &[("type", "added")])]),
        sum("claude_code.commit.count", vec![p(1, &[])]),
        sum("claude_code.code_edit_tool.decision", vec![
            p(3, &[("decision", "accept"), ("language", "Rust")]),
            p(1, &[("decision", "reject"), ("language", "Rust")]),
        ]),
    ]}]}]});
    let (status, answer) = local.post("/v1/metrics", &token, &body).await;
    assert_eq!((status, &answer), (200, &json!({})), "{answer}");
}

/// Invokes the widget binary once per event, as Lambda would; the HTML of each answer.
fn invoke(local: &Local, events: Vec<Value>) -> Vec<String> {
    RuntimeApi::run("ccwb-widgets", local, events)
        .into_iter()
        .map(|answer| match answer {
            Some(Answer::Response(Value::String(html))) => html,
            other => panic!("widget answered {other:?}"),
        })
        .collect()
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
    assert_contains(total, &["27,001 tokens", "<svg"]);
    assert_contains(
        top,
        &["alice@example.com", "15,000", "bob@example.com", "7,000"],
    );
    assert!(
        !top.contains("evil.example"),
        "limit 2 keeps the two largest: {top}"
    );
    assert!(active.contains("3 distinct users"), "{active}");
    assert_contains(
        models,
        &["claude-sonnet-4-5", "24,001", "claude-opus-4-1", "3,000"],
    );
    assert_contains(lines, &["151 added"]);
    assert_contains(commits, &["3 commits"]);
    assert_contains(acceptance, &["Rust", "75%"]);
    assert_contains(cache, &["12,000", "50.0%"]);
    assert_contains(unknown, &["unknown widget", "top-users"]);
    assert_contains(bad_limit, &["params.limit"]);

    // Ours: Opus 4.1 3 × 1,000 output × $75/M = $0.225; Sonnet 4.5 12,001 input × $3/M +
    // 12,000 cache reads × $0.30/M = $0.039603. Claude Code reported 3 × $0.10 for Opus.
    assert_contains(
        costs,
        &[
            "$0.26 from tokens at our prices; Claude Code reports $0.30",
            ">$0.23 (Claude Code $0.30)<",
            ">$0.04<",
        ],
    );
    // All 27,001 tokens were sent this hour, so this hour is the busiest.
    assert_contains(hours, &["(27,001 tokens), times in UTC"]);
    // Hostile names from tokens and telemetry stay text everywhere.
    assert_contains(
        everyone,
        &["&lt;script&gt;alert(1)&lt;/script&gt;@evil.example"],
    );
    for page in &html {
        assert!(!page.contains("<script"), "{page}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn quota_status_shows_who_is_blocked_or_near_a_limit_under_which_policy() {
    let local = Local::start();
    let admin = local.admin_token();
    for (path, body) in [
        (
            "/policies/group/engineering",
            json!({"monthly_token_limit": 20_000, "enforcement_mode": "block"}),
        ),
        (
            "/policies/default/default",
            json!({"daily_token_limit": 10_000, "daily_enforcement_mode": "alert"}),
        ),
    ] {
        let (status, answer) = local.put(path, &admin, &body).await;
        assert!((200..300).contains(&status), "{path}: {answer}");
    }
    // Each send is the input tokens given + 1,000 output + 4,000 cache read.
    let engineering = &["engineering"];
    send_usage_in_groups(&local, "alice@example.com", engineering, 20_000, 1).await; // 25,000: 125%
    send_usage_in_groups(&local, "bob@example.com", engineering, 12_000, 1).await; // 17,000: 85%
    send_usage_in_groups(&local, "dave@example.com", engineering, 1_000, 1).await; // 6,000: 30%
    send_usage_in_groups(&local, "erin@example.com", engineering, 17_000, 1).await; // 22,000: 110%
    send_usage(&local, "carol@example.com", 4_000, 1).await; // 9,000 today: 90% of the default
    send_usage(&local, "<b>mallory</b>@example.com", 10_000, 1).await; // 15,000: 150%, alert only

    let (status, grant) = local
        .unblock(&admin, "erin@example.com", "24h", "release week")
        .await;
    assert_eq!(status, 201, "{grant}");
    // /check agrees with what the widget will say about alice.
    let alice = local.token("alice@example.com", engineering);
    let (_, check) = local.get("/check", Some(&alice)).await;
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
    for (identity, parts) in [
        (
            "alice@example.com",
            &[
                "group engineering",
                ">blocked<",
                "monthly token: 25K of 20K tokens (125.0%)",
            ][..],
        ),
        (
            "erin@example.com",
            &["unblocked until ", "22K of 20K tokens (110.0%)"],
        ),
        (
            "carol@example.com",
            &[
                ">default<",
                "near a limit",
                "daily token: 9K of 10K tokens (90.0%)",
            ],
        ),
        (
            "&lt;b&gt;mallory&lt;/b&gt;@example.com",
            &["over (alert only)", "(150.0%)"],
        ),
        ("bob@example.com", &["17K of 20K tokens (85.0%)"]),
    ] {
        assert_contains(row(identity), parts);
    }
    assert!(!board.contains("<b>"), "{board}");

    assert_contains(short, &["alice@example.com", "mallory", "and 3 more"]);
    assert!(!short.contains("erin@example.com"), "limit 2: {short}");

    // Administrators asking about one user get the same groups without naming them.
    let (_, usage) = local.get("/usage/bob@example.com", Some(&admin)).await;
    assert_eq!(usage["groups"], json!(["engineering"]), "{usage}");
    assert_eq!(usage["groups_source"], "telemetry");
    assert_eq!(usage["check"]["policy"]["identifier"], "engineering");
    assert_eq!(usage["check"]["usage"]["monthly_percent"], 85.0, "{usage}");
    let (_, given) = local
        .get("/resolve?email=bob@example.com&groups=ops", Some(&admin))
        .await;
    assert_eq!(
        (&given["groups"], &given["groups_source"]),
        (&json!(["ops"]), &json!("given"))
    );
    assert_eq!(given["effective"]["identifier"], "default", "{given}");
    let (_, none) = local
        .get("/resolve?email=carol@example.com", Some(&admin))
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
    assert_contains(
        &text,
        &[
            "engineering (from the user's latest telemetry; --groups to try others)",
            "BLOCKED",
        ],
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

/// Chromium, which `make test` installs when it can (tools/prerequisites.sh; Debian's `chromium`).
fn chromium() -> std::path::PathBuf {
    let path = std::path::PathBuf::from("/usr/bin/chromium");
    assert!(
        path.exists(),
        "/usr/bin/chromium is missing: install Debian's chromium package (`apt-get install chromium`; `make test` does when it runs as root or with sudo)"
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
    assert_contains(&page, &["15,000 tokens", "last 3 days"]);

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
