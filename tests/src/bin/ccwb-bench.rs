//! `make bench`: the figures the design budgets, measured against the real local stack.
//! Prints numbers; asserts nothing (machines here are shared and noisy).

// Dependencies are judged on the library target; this binary uses only some of them.
#![allow(unused_crate_dependencies)]

use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use ccwb_e2e::credential_process::Developer;
use ccwb_e2e::otlp;
use ccwb_e2e::proxy::RecordingProxy;
use ccwb_e2e::{AWS_ENV, Local, LocalOptions, bin, free_port, moto, spawn_supervised};
use serde_json::json;

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index].as_secs_f64() * 1000.0
}

fn count(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(default)
}

/// Sequential GETs of `path`; returns sorted latencies and the wall time.
async fn measure(local: &Local, path: &str, token: &str, n: usize) -> (Vec<Duration>, Duration) {
    let client = reqwest::Client::new();
    let url = format!("{}{path}", local.url);
    for _ in 0..50 {
        client
            .get(&url)
            .bearer_auth(token)
            .send()
            .await
            .expect("warm-up");
    }
    let mut latencies = Vec::with_capacity(n);
    let total = Instant::now();
    for _ in 0..n {
        let start = Instant::now();
        let response = send_ok(client.get(&url).bearer_auth(token), path).await;
        response.bytes().await.expect("body");
        latencies.push(start.elapsed());
    }
    let wall = total.elapsed();
    latencies.sort();
    (latencies, wall)
}

/// Sends `request`, asserting a success status (`what` names it when not).
async fn send_ok(request: reqwest::RequestBuilder, what: &str) -> reqwest::Response {
    let response = request
        .send()
        .await
        .unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        response.status().is_success(),
        "{what}: {}",
        response.status()
    );
    response
}

/// The size of the file at `path` in megabytes (0 when it cannot be read).
fn megabytes(path: &std::path::Path) -> f64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0) as f64 / 1e6
}

fn report(label: &str, latencies: &[Duration], wall: Duration) {
    println!(
        "{label}: n={} p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms, {:.0} req/s",
        latencies.len(),
        percentile(latencies, 0.50),
        percentile(latencies, 0.99),
        percentile(latencies, 1.0),
        latencies.len() as f64 / wall.as_secs_f64()
    );
}

/// Process start → first `GET /runtime/invocation/next` of the `ccwb-check` Lambda binary,
/// against a minimal Lambda Runtime API stub.
fn lambda_init(runs: usize) -> Vec<Duration> {
    let (tx, rx) = mpsc::channel::<Instant>();
    let app = axum::Router::new().route(
        "/2018-06-01/runtime/invocation/next",
        axum::routing::get(move || {
            let _ = tx.send(Instant::now());
            // Never answer: the function waits for work, and the bench kills it.
            std::future::pending::<()>()
        }),
    );
    let address = ccwb_e2e::serve(app);
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let mut command = Command::new(bin("ccwb-check"));
        command
            .envs(AWS_ENV)
            .env("AWS_ENDPOINT_URL", moto())
            .env("AWS_LAMBDA_RUNTIME_API", address.to_string())
            .env("AWS_LAMBDA_FUNCTION_NAME", "ccwb-check")
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env("AWS_LAMBDA_LOG_STREAM_NAME", "bench")
            .env("AWS_LAMBDA_LOG_GROUP_NAME", "bench")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let start = Instant::now();
        let mut child = spawn_supervised(command).expect("start ccwb-check");
        match rx.recv_timeout(Duration::from_secs(10)) {
            Ok(at) => times.push(at - start),
            Err(_) => eprintln!("ccwb-check never asked for an invocation"),
        }
        let _ = child.kill();
        let _ = child.wait();
    }
    times.sort();
    times
}

/// CPU per decision in the handler's pure part: resolution over three groups, the decision, and
/// rendering the response JSON.
fn decision_cpu(iterations: u32) -> Duration {
    use ccwb_core::{CurrentUsage, Mode, Policy, PolicyType, TokenAmount, UsageTotals, Usd};
    let groups: Vec<Policy> = ["eng", "ops", "contractors"]
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let mut p = Policy::new(PolicyType::Group, *name);
            p.monthly_token_limit = Some(TokenAmount(100_000_000 * (i as u64 + 1)));
            p.daily_cost_limit = Some(Usd(50_000_000));
            p.daily_enforcement_mode = Mode::Block;
            p
        })
        .collect();
    let usage = CurrentUsage {
        month: UsageTotals {
            tokens: 90_000_000,
            cost: Usd(20_000_000),
        },
        day: UsageTotals {
            tokens: 5_000_000,
            cost: Usd(45_000_000),
        },
    };
    let now = time::OffsetDateTime::now_utc();
    let start = Instant::now();
    let mut bytes = 0;
    for _ in 0..iterations {
        let resolution = ccwb_core::resolve(None, groups.clone(), None);
        let decision = ccwb_core::decide(&resolution, &usage, None, now);
        let body =
            serde_json::to_string(&ccwb_api::CheckResponse::from(&decision)).unwrap_or_default();
        bytes += body.len();
    }
    std::hint::black_box(bytes);
    start.elapsed() / iterations
}

/// `ccwb quota import` of `rows` new policies from a CSV file: wall time and AWS requests.
fn import_bench(local: &Local, proxy: &RecordingProxy, rows: usize) {
    let dir = ccwb_e2e::temp_dir("bench-import");
    let file = dir.join("policies.csv");
    let mut csv = String::from("type,identifier,monthly_token_limit,enforcement_mode\n");
    for i in 0..rows {
        csv.push_str(&format!(
            "user,user{i:05}@example.com,{}M,block\n",
            100 + i % 400
        ));
    }
    std::fs::write(&file, csv).expect("write csv");
    let ccwb = ccwb_e2e::cli::Ccwb::with_token(&local.url, &local.admin_token());
    proxy.clear();
    let start = Instant::now();
    let run = ccwb.run(&["quota", "import", file.to_str().unwrap_or_default()]);
    let wall = start.elapsed();
    if run.code != Some(0) {
        eprintln!("import failed: {}{}", run.stdout, run.stderr);
        return;
    }
    let actions = proxy.actions();
    let by = |suffix: &str| actions.iter().filter(|a| a.ends_with(suffix)).count();
    println!(
        "ccwb quota import of {rows} policies: {:.1} s ({:.0} rows/s); DynamoDB requests: {} BatchWriteItem (25 items: 12 policies + their audit events), {} BatchGetItem, {} other (audit delivery to Firehose)",
        wall.as_secs_f64(),
        rows as f64 / wall.as_secs_f64(),
        by("BatchWriteItem"),
        by("BatchGetItem"),
        actions.len() - by("BatchWriteItem") - by("BatchGetItem"),
    );
}

/// `POST /v1/metrics` of `requests` requests of 100 token-usage points each (25 sessions × 4 token
/// types, new times every request): points per second, and DynamoDB requests per request.
async fn ingest_bench(local: &Local, proxy: &RecordingProxy, requests: usize) {
    let token = local.token("ingest-bench@example.com", &[]);
    let client = reqwest::Client::new();
    let base = otlp::now_nanos() - 3_600_000_000_000;
    let body = |r: usize| {
        let at = base + r as u64 * 1_000_000_000;
        let points: Vec<serde_json::Value> = (0..25)
            .flat_map(|session| {
                let session = format!("s{session}");
                ["input", "output", "cacheRead", "cacheCreation"].map(|token_type| {
                    let attributes = [
                        ("type", token_type),
                        ("model", "claude-sonnet-4-5"),
                        ("session.id", session.as_str()),
                    ];
                    otlp::int_point(at - 1, at, 1000, &attributes)
                })
            })
            .collect();
        otlp::request(vec![otlp::sum("claude_code.token.usage", points)])
    };
    proxy.clear();
    let start = Instant::now();
    let url = format!("{}/v1/metrics", local.url);
    for r in 0..requests {
        send_ok(
            client.post(&url).bearer_auth(&token).json(&body(r)),
            "ingest",
        )
        .await;
    }
    let wall = start.elapsed();
    let actions = proxy.actions();
    let by = |suffix: &str| actions.iter().filter(|a| a.ends_with(suffix)).count();
    println!(
        "POST /v1/metrics, {requests} requests of 100 points: {:.0} points/s; per request {:.1} DynamoDB requests ({:.1} TransactWriteItems, {:.1} BatchGetItem)",
        (requests * 100) as f64 / wall.as_secs_f64(),
        actions.len() as f64 / requests as f64,
        by("TransactWriteItems") as f64 / requests as f64,
        by("BatchGetItem") as f64 / requests as f64,
    );
}

fn main() {
    // The bench reads moto itself (the widget renders): test credentials for this process, set
    // before any thread exists.
    for (name, value) in AWS_ENV {
        // SAFETY: single-threaded here; the runtime starts below.
        unsafe { std::env::set_var(name, value) };
    }
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(bench());
}

async fn bench() {
    println!(
        "/check decision CPU (resolve 3 groups + decide + render JSON): {:.1} µs per check (budget: well under 1 ms)",
        decision_cpu(20_000).as_secs_f64() * 1e6
    );
    let requests = count("BENCH_REQUESTS", 1000);
    let proxy = RecordingProxy::start(moto());

    let started = Instant::now();
    let local = Local::start_with(LocalOptions::default().with_aws_endpoint(&proxy.url));
    println!(
        "ccwb-local start to ready (provisioning against moto): {:.0} ms",
        started.elapsed().as_secs_f64() * 1000.0
    );

    // A user in three groups, two with policies, and usage for this month and today.
    for (group, fields) in [
        ("eng", json!({"monthly_token_limit": 300_000_000})),
        (
            "ops",
            json!({"monthly_cost_limit": 500, "enforcement_mode": "block"}),
        ),
    ] {
        local.seed_policy("group", group, fields).await;
    }
    let token = local.token("bench@example.com", &["eng", "ops", "contractors"]);

    let (latencies, wall) = measure(&local, "/me", &token, requests).await;
    report(
        "GET /me    through ccwb-local (JWT verify + event + handler)",
        &latencies,
        wall,
    );

    proxy.clear();
    let (latencies, wall) = measure(&local, "/check", &token, requests).await;
    let actions = proxy.actions();
    report(
        "GET /check through ccwb-local into moto, 3 groups",
        &latencies,
        wall,
    );
    let checks = requests + 50;
    let other: Vec<&String> = actions
        .iter()
        .filter(|a| !a.ends_with("BatchGetItem"))
        .collect();
    println!(
        "DynamoDB requests per check: {:.2} ({} BatchGetItem over {checks} checks, {} other)",
        actions.len() as f64 / checks as f64,
        actions.len() - other.len(),
        other.len()
    );

    let init = lambda_init(count("BENCH_INIT_RUNS", 20));
    if !init.is_empty() {
        println!(
            "ccwb-check Lambda init (process start to first Runtime API next), {} runs: p50 {:.1} ms, max {:.1} ms (budget 50 ms)",
            init.len(),
            percentile(&init, 0.5),
            percentile(&init, 1.0)
        );
    }

    import_bench(&local, &proxy, count("BENCH_IMPORT_ROWS", 10_000));
    ingest_bench(&local, &proxy, count("BENCH_INGEST_REQUESTS", 50)).await;

    // Blocking throughout (the sign-in plays the browser with a blocking client).
    tokio::task::block_in_place(|| {
        credential_process_bench(&local, count("BENCH_CREDENTIAL_RUNS", 300));
    });
    widgets_cpu(count("BENCH_WIDGET_USERS", 1000));
    widgets_bench(&local, &proxy, count("BENCH_WIDGET_MOTO_USERS", 50)).await;
    revocation_bench(&proxy, count("BENCH_REVOCATION_TRIALS", 10)).await;
    reconcile_bench(&proxy, count("BENCH_REVOCATION_USERS", 500)).await;
    lambda_sizes();

    println!(
        "ccwb-check binary: {:.1} MB (release, unzipped)",
        megabytes(&bin("ccwb-check"))
    );
}

/// credential-process on its cached path (what runs at every AWS credential refresh): wall
/// time of the real binary, process start to exit, after one sign-in; then with a quota check
/// on every run (`quota_check_interval: 0`).
fn credential_process_bench(local: &Local, runs: usize) {
    let dev = Developer::new(moto());
    let profile = |interval: u64| {
        json!({
            "issuer": local.url, "client_id": "ccwb-local", "aws_region": "us-east-1",
            "federated_role_arn": "arn:aws:iam::123456789012:role/ClaudeCode",
            "redirect_port": free_port(), "quota_api_endpoint": local.url,
            "quota_check_interval": interval,
        })
    };
    dev.write_config(json!({"Cached": profile(30), "Checked": profile(0)}));
    for (name, count) in [("Cached", 1), ("Checked", 2)] {
        let child = dev.spawn(&["--profile", name]);
        let run = dev.finish_with_dev_issuer(child, count);
        if run.code != Some(0) {
            eprintln!("credential-process sign-in failed: {}", run.stderr);
            return;
        }
    }
    for (name, label) in [
        ("Cached", "cached credentials"),
        ("Checked", "cached credentials + GET /check"),
    ] {
        let mut times = Vec::with_capacity(runs);
        for _ in 0..runs {
            let started = Instant::now();
            let output = dev
                .command(&["--profile", name])
                .output()
                .expect("run credential-process");
            times.push(started.elapsed());
            assert!(output.status.success(), "credential-process failed");
        }
        times.sort();
        println!(
            "credential-process, {label}, {runs} runs: p50 {:.1} ms, p99 {:.1} ms (target: a few ms; the original Python build took hundreds of ms)",
            percentile(&times, 0.5),
            percentile(&times, 0.99)
        );
    }
    println!(
        "credential-process binary: {:.1} MB (release; the original shipped 60-80 MB)",
        megabytes(&bin("credential-process"))
    );
}

/// The deployable size of each Lambda built by `make build-lambdas`: the bootstrap deflated as
/// a zip stores it (budget: 5 MB each).
fn lambda_sizes() {
    let dir = ccwb_e2e::repo_root().join("target").join("lambda");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        println!("Lambda zips: none in target/lambda (run `make build-lambdas` first)");
        return;
    };
    let mut names: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
    names.sort();
    for path in names {
        let Ok(binary) = std::fs::read(path.join("bootstrap")) else {
            continue;
        };
        let mut encoder =
            flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
        let zipped = std::io::Write::write_all(&mut encoder, &binary)
            .and_then(|()| encoder.finish())
            .map(|z| z.len())
            .unwrap_or(0);
        println!(
            "Lambda {}: {:.1} MB zipped ({:.1} MB unzipped; budget 5 MB zipped)",
            path.file_name().unwrap_or_default().to_string_lossy(),
            zipped as f64 / 1e6,
            binary.len() as f64 / 1e6
        );
    }
}

/// Every widget's drawing over 30 days of `users` users' rollups held in memory: the function's
/// own time per render, apart from reading (p50 of 20).
fn widgets_cpu(users: usize) {
    let today = time::OffsetDateTime::now_utc();
    let days: Vec<ccwb_store::DayRollup> = (0..30)
        .map(|d| {
            let counters = |pairs: &[(&str, u64)]| -> ccwb_store::Counters {
                pairs.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect()
            };
            ccwb_store::DayRollup {
                day: ccwb_core::Day::of(today - time::Duration::days(29 - d)),
                users: (0..users)
                    .map(|u| {
                        (
                            format!("user{u:04}@example.com"),
                            counters(&[
                                ("input_tokens", 1000 + u as u64),
                                ("output_tokens", 300),
                                ("cache_read_tokens", 5000),
                                ("total_tokens", 6300 + u as u64),
                                ("cost_micros", 20_000),
                                ("activity#commit.count", 1),
                                ("activity#lines_of_code.count#added", 40),
                                ("activity#code_edit_tool.decision#accept#Rust", 3),
                            ]),
                        )
                    })
                    .collect(),
                models: ["claude-sonnet-4-5", "claude-opus-4-1", "claude-haiku-4-5"]
                    .iter()
                    .map(|m| {
                        (
                            (*m).to_owned(),
                            counters(&[
                                ("input_tokens", 1000),
                                ("cache_read_tokens", 4000),
                                ("total_tokens", 5000),
                                ("cost_micros", 9000),
                            ]),
                        )
                    })
                    .collect(),
                hours: std::array::from_fn(|h| 1000 * h as u64),
            }
        })
        .collect();
    let prices = ccwb_core::PriceTable::default();
    let quota_status = ccwb_widgets::quota_status::NAME;
    for (widget, _) in ccwb_widgets::widgets::WIDGETS {
        let request = ccwb_widgets::WidgetRequest {
            widget: widget.to_owned(),
            limit: 10,
            start: today - time::Duration::days(29),
            end: today,
            width: 600,
            height: 300,
            dark: false,
            utc_offset_minutes: 60,
            timezone: "Europe/Paris".to_owned(),
        };
        let mut times = Vec::new();
        for _ in 0..20 {
            let started = Instant::now();
            if widget == quota_status {
                // Every user decided (a group policy with a block limit and a default), then
                // the table of those needing attention.
                let html = ccwb_widgets::quota_status::render(&request, &quota_board(users, today));
                assert!(html.contains("<table"), "{html}");
            } else {
                let html = ccwb_widgets::widgets::render(&request, &days, &prices);
                assert!(html.is_ok(), "{widget}");
            }
            times.push(started.elapsed());
        }
        times.sort();
        let what = if widget == quota_status {
            format!("deciding and drawing {users} users of the month")
        } else {
            format!("drawing 30 days x {users} users")
        };
        println!(
            "widget {widget:<17} {what}: p50 {:.2} ms",
            percentile(&times, 0.5)
        );
    }
}

/// The quota-status board of `users` users of the month rollup (`user{u:04}@example.com` with
/// (6,300 + u) x 30 tokens, in group `eng`, limit 230K: all of them at 80% or more, the worst case).
fn quota_board(users: usize, now: time::OffsetDateTime) -> ccwb_widgets::quota_status::Board {
    use ccwb_core::{Group, Mode, Policy, PolicyType, TokenAmount, UsageTotals, Usd};
    let book = ccwb_core::PolicyBook::new([
        Policy {
            monthly_token_limit: Some(TokenAmount(230_000)),
            enforcement_mode: Mode::Block,
            ..Policy::new(PolicyType::Group, "eng")
        },
        Policy {
            daily_token_limit: Some(TokenAmount(100_000)),
            ..Policy::new(PolicyType::Default, "default")
        },
    ]);
    let month: Vec<ccwb_store::MonthUser> = (0..users)
        .map(|u| ccwb_store::MonthUser {
            identity: format!("user{u:04}@example.com"),
            groups: Group::parse("eng").into_iter().collect(),
            totals: UsageTotals {
                tokens: (6300 + u as u64) * 30,
                cost: Usd(600_000),
            },
        })
        .collect();
    let standings = ccwb_widgets::quota_status::standings(
        &month,
        &Default::default(),
        &book,
        &Default::default(),
        now,
    );
    ccwb_widgets::quota_status::Board {
        month: ccwb_core::Day::of(now).month(),
        users,
        standings,
    }
}

/// Every widget through the store, over 30 days of `users` users' rollups in moto (and 4 models
/// x 16 shards per day): DynamoDB requests per render, and wall time (moto-bound: a Python
/// server answering each Query; DynamoDB answers in milliseconds).
async fn widgets_bench(local: &Local, proxy: &RecordingProxy, users: usize) {
    let today = time::OffsetDateTime::now_utc();
    let mut items = Vec::new();
    for d in 0..30 {
        let day = ccwb_core::Day::of(today - time::Duration::days(d));
        for u in 0..users {
            items.push(json!({"PutRequest": {"Item": {
                "pk": {"S": format!("ROLLUP#DAY#{day}")}, "sk": {"S": format!("USER#user{u:04}@example.com")},
                "input_tokens": {"N": (1000 + u).to_string()}, "output_tokens": {"N": "300"},
                "cache_read_tokens": {"N": "5000"}, "total_tokens": {"N": (6300 + u).to_string()},
                "cost_micros": {"N": "20000"}, "activity#commit.count": {"N": "1"},
                "activity#lines_of_code.count#added": {"N": "40"},
                "activity#code_edit_tool.decision#accept#Rust": {"N": "3"}}}}));
        }
        if d == 0 {
            let month = ccwb_core::Day::of(today).month();
            for u in 0..users {
                items.push(json!({"PutRequest": {"Item": {
                    "pk": {"S": format!("ROLLUP#MONTH#{month}")}, "sk": {"S": format!("USER#user{u:04}@example.com")},
                    "total_tokens": {"N": ((6300 + u) * 30).to_string()}, "cost_micros": {"N": "600000"},
                    "groups": {"L": [{"S": "eng"}]}}}}));
            }
        }
        for m in [
            "claude-sonnet-4-5",
            "claude-opus-4-1",
            "claude-haiku-4-5",
            "claude-sonnet-4",
        ] {
            for shard in 0..16 {
                items.push(json!({"PutRequest": {"Item": {
                    "pk": {"S": format!("ROLLUP#DAY#{day}")}, "sk": {"S": format!("MODEL#{m}#S{shard:02}")},
                    "input_tokens": {"N": "1000"}, "total_tokens": {"N": "1500"}, "cost_micros": {"N": "9000"}}}}));
            }
        }
    }
    let started = Instant::now();
    for chunk in items.chunks(25) {
        ccwb_e2e::aws::call(
            &local.aws_endpoint,
            "DynamoDB_20120810.BatchWriteItem",
            "dynamodb",
            json!({"RequestItems": {local.usage_table(): chunk}}),
        )
        .await;
    }
    // quota-status: the users' group policy, all of them at 80% or more of it (the worst case:
    // every user's unblock is read).
    let eng = json!({"monthly_token_limit": 230_000, "enforcement_mode": "block"});
    local.seed_policy("group", "eng", eng).await;
    println!(
        "widgets: seeded {} rollup items (30 days, {users} users) in {:.1} s",
        items.len(),
        started.elapsed().as_secs_f64()
    );
    let sdk = ccwb_store::aws::load_sdk_config(Some(&proxy.url)).await;
    let names = ccwb_store::ResourceNames::from_lookup(|n| {
        (n == "CCWB_STACK_NAME").then(|| local.stack.clone())
    });
    let store = ccwb_store::DynamoStore::new(&sdk, names);
    let prices = ccwb_core::PriceTable::default();
    let end = today.unix_timestamp() * 1000;
    for (widget, _) in ccwb_widgets::widgets::WIDGETS {
        let event = json!({"widgetContext": {"params": {"widget": widget, "limit": 10},
            "width": 600, "height": 300,
            "timeRange": {"start": end - 29 * 86_400_000_i64, "end": end}}});
        let mut times = Vec::new();
        proxy.clear();
        for _ in 0..5 {
            let started = Instant::now();
            match ccwb_widgets::render_event(&store, &event, &prices).await {
                Ok(serde_json::Value::String(html))
                    if html.contains("<svg") || html.contains("<table") => {}
                other => {
                    eprintln!("widget {widget} did not render: {other:?}");
                    return;
                }
            }
            times.push(started.elapsed());
        }
        let requests = proxy.actions().len() as f64 / 5.0;
        times.sort();
        println!(
            "widget {widget:<17} read+draw 30 days x {users} users from moto: p50 {:.0} ms, {requests:.0} DynamoDB requests per render",
            percentile(&times, 0.5)
        );
    }
}

/// The figures revocation is judged by: how long after the export that crosses a block limit
/// the deny is in the role's policies (ccwb-local, reconciling every 5 s as `make run` does),
/// DynamoDB requests per metered invocation, and the worst-case overshoot each mechanism
/// allows, from those delays.
async fn revocation_bench(proxy: &RecordingProxy, trials: usize) {
    let local = Local::start_with(
        LocalOptions::default()
            .with_args(&["--dev-issuer", "--stacks"])
            .with_aws_endpoint(&proxy.url),
    );
    let admin = local.admin_token();
    local
        .create_policy(
            "/policies/group/bench-limited",
            &admin,
            &json!({"monthly_token_limit": 1000, "enforcement_mode": "block"}),
        )
        .await;
    let client = reqwest::Client::new();
    let mut delays = Vec::with_capacity(trials);
    for trial in 0..trials {
        // Crossings spread over the timer's period: one right after each deny would always
        // land just after a tick and measure the whole period.
        tokio::time::sleep(Duration::from_millis((trial as u64 * 1_700) % 5_000)).await;
        let email = format!("revoke{trial}@example.com");
        let token = local.token(&email, &["bench-limited"]);
        let at = otlp::now_nanos();
        let attributes = [
            ("type", "input"),
            ("model", "claude-sonnet-4-5"),
            ("session.id", "s"),
        ];
        let point = otlp::int_point(at - 1, at, 1500, &attributes);
        let body = otlp::request(vec![otlp::sum("claude_code.token.usage", vec![point])]);
        let url = format!("{}/v1/metrics", local.url);
        send_ok(
            client.post(&url).bearer_auth(&token).json(&body),
            "crossing export",
        )
        .await;
        let crossed = Instant::now();
        let wanted = format!("*:{email}");
        loop {
            if local.role_denies().await.contains(&wanted) {
                delays.push(crossed.elapsed());
                break;
            }
            if crossed.elapsed() > Duration::from_secs(120) {
                eprintln!("{email}: no deny within 120 s");
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    delays.sort();
    let (p50, max) = (percentile(&delays, 0.5), percentile(&delays, 1.0));
    println!(
        "revocation: crossing export answered → deny in the role's policy, {trials} users (ccwb-local, reconcile every 5 s): p50 {:.2} s, max {:.2} s (target: within 60 s)",
        p50 / 1000.0,
        max / 1000.0
    );

    // The meter: one delivery of 100 invocations of a session /check named, then one of 1.
    let email = "metered@example.com";
    let token = local.token(email, &[]);
    local.get("/check", Some(&token)).await;
    let role = local.names().federated_role;
    let records = |from: usize, n: usize| -> Vec<String> {
        (from..from + n)
            .map(|i| ccwb_e2e::invocation_logs::record(&format!("bench-{i}"), &role, email))
            .collect()
    };
    for (from, n) in [(0, 100), (100, 1)] {
        let delivery = ccwb_e2e::invocation_logs::delivery("DATA_MESSAGE", &records(from, n));
        proxy.clear();
        let answers = tokio::task::block_in_place(|| {
            ccwb_e2e::lambda_runtime::RuntimeApi::run("ccwb-meter", &local, vec![delivery])
        });
        let dynamo = proxy
            .actions()
            .iter()
            .filter(|a| a.starts_with("DynamoDB"))
            .count();
        println!(
            "ccwb-meter, one delivery of {n} invocation record(s): {dynamo} DynamoDB requests ({:.2} per record); answer {:?}",
            dynamo as f64 / n as f64,
            answers.first().cloned().flatten()
        );
    }

    // Worst-case overshoot: what a user can spend between crossing a limit and the deny, at a
    // heavy Claude Code session's rate (an assumption, BENCH_TOKENS_PER_MINUTE).
    let rate = count("BENCH_TOKENS_PER_MINUTE", 250_000) as f64 / 60.0;
    let measured = max / 1000.0;
    // Inputs that cannot be measured here, as AWS documents or configures them.
    let export = 60.0; // Claude Code's metric export interval (OTEL_METRIC_EXPORT_INTERVAL default)
    let schedule = 60.0; // the sweeper's schedule, when the stream trigger is missed
    let propagation = 10.0; // IAM's eventual consistency for a policy change (usually seconds)
    let log_delivery = 300.0; // Bedrock invocation logs to CloudWatch Logs (minutes, undocumented)
    for (mechanism, seconds) in [
        (
            "credential expiry only, 8 h sessions (before quota-aware lifetimes)",
            8.0 * 3600.0,
        ),
        (
            "credential expiry, quota-aware lifetimes (worst: 3.75 h at 99%)",
            3.75 * 3600.0,
        ),
        (
            "revocation from telemetry (export + reconcile as measured + IAM)",
            export + measured + propagation,
        ),
        (
            "revocation from telemetry, stream trigger missed (export + schedule + IAM)",
            export + schedule + measured + propagation,
        ),
        (
            "revocation from the meter (log delivery + reconcile as measured + IAM)",
            log_delivery + measured + propagation,
        ),
    ] {
        println!(
            "overshoot after crossing, {mechanism}: {:.0} s → {:.1}M tokens at {:.0}k tokens/min",
            seconds,
            seconds * rate / 1e6,
            rate * 60.0 / 1000.0
        );
    }
}

/// One reconcile of `users` blocked users (a stack of its own, whose timer stays out of the
/// way): wall time, and DynamoDB and IAM requests.
async fn reconcile_bench(proxy: &RecordingProxy, users: usize) {
    let local = Local::start_with(
        LocalOptions::default()
            .with_args(&["--dev-issuer", "--stacks"])
            .with_env("CCWB_REVOCATION_SECONDS", "3600")
            .with_aws_endpoint(&proxy.url),
    );
    local
        .seed_policy(
            "group",
            "eng",
            json!({"monthly_token_limit": 10, "enforcement_mode": "block"}),
        )
        .await;
    let store = local.store().await;
    let groups = [ccwb_core::Group::parse("eng").expect("group")];
    let month = ccwb_e2e::aws::month_sk();
    let now = time::OffsetDateTime::now_utc();
    for i in 0..users {
        let identity = format!("blocked{i}@example.com");
        local.seed_usage(&identity, &month, 11, 0).await;
        let session = format!("{i:08}-1f2e-4d3c-8b7a-0123456789ab");
        use ccwb_store::RevocationStore as _;
        if let (Some(identity), Some(session)) = (
            ccwb_core::Identity::parse(&identity),
            ccwb_core::SessionName::parse(&session),
        ) && let Err(err) = store
            .note_blocked(&identity, &groups, &session, "monthly_exceeded", now)
            .await
        {
            eprintln!("note: {err}");
            return;
        }
    }
    let denies = ccwb_store::RoleDenies::new(&local.sdk(&proxy.url).await, &local.names());
    for run in ["first (writes every policy)", "again (nothing to change)"] {
        proxy.clear();
        let start = Instant::now();
        match ccwb_lambda::revocation::reconcile(&store, &denies, now).await {
            Ok(done) => {
                let wall = start.elapsed();
                let actions = proxy.actions();
                let dynamo = actions.iter().filter(|a| a.starts_with("DynamoDB")).count();
                println!(
                    "reconcile of {users} blocked users, {run}: {:.1} s; {dynamo} DynamoDB and {} IAM requests; {} policies written",
                    wall.as_secs_f64(),
                    actions.len() - dynamo,
                    done.policies_written
                );
            }
            Err(err) => eprintln!("reconcile failed: {err}"),
        }
    }
}
