//! `make bench`: the figures the design budgets, measured against the real local stack.
//! Prints numbers; asserts nothing (machines here are shared and noisy).

use std::time::{Duration, Instant};

use ccwb_e2e::{Local, moto};

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index].as_secs_f64() * 1000.0
}

#[tokio::main]
async fn main() {
    let requests: usize = std::env::var("BENCH_REQUESTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(2000);
    moto();

    let started = Instant::now();
    let local = Local::start();
    let startup = started.elapsed();
    println!(
        "ccwb-local start to ready (provisioning against moto): {:.0} ms",
        startup.as_secs_f64() * 1000.0
    );

    let token = local.token("bench@example.com", &["eng", "ops", "ccwb-admins"]);
    let client = reqwest::Client::new();
    let url = format!("{}/me", local.url);
    // Warm up connections and the JWKS path.
    for _ in 0..50 {
        client
            .get(&url)
            .bearer_auth(&token)
            .send()
            .await
            .expect("warm-up");
    }
    let mut latencies = Vec::with_capacity(requests);
    let total = Instant::now();
    for _ in 0..requests {
        let start = Instant::now();
        let response = client
            .get(&url)
            .bearer_auth(&token)
            .send()
            .await
            .expect("request");
        assert!(
            response.status().is_success(),
            "GET /me failed: {}",
            response.status()
        );
        response.bytes().await.expect("body");
        latencies.push(start.elapsed());
    }
    let elapsed = total.elapsed();
    latencies.sort();
    println!(
        "GET /me through ccwb-local (JWT verify + event + handler), {requests} sequential requests: \
         p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms, {:.0} req/s",
        percentile(&latencies, 0.50),
        percentile(&latencies, 0.99),
        percentile(&latencies, 1.0),
        requests as f64 / elapsed.as_secs_f64()
    );
}
