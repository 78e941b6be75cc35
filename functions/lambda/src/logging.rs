//! Logging for Lambda functions: JSON lines on stdout, which CloudWatch Logs indexes.

use tracing_subscriber::EnvFilter;

/// Installs JSON logging, filtered by `RUST_LOG` (default `info`). Call once from `main`.
pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(filter)
        .with_current_span(false)
        .without_time() // CloudWatch stamps every line itself.
        .init();
}
