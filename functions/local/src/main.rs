//! `ccwb-local`: the ccwb API on one machine. See `ccwb-local --help`.

// Dependencies are judged on the library target; this binary uses only some of them.
#![allow(unused_crate_dependencies)]

mod authorizer;
mod cli;
mod dashboard;
mod dev_issuer;
mod dev_key;
mod error;
mod event;
mod heal;
mod jwks;
mod oauth;
mod provision;
mod routes;
mod server;
mod stacks;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,aws_config=warn,aws_smithy_runtime=warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
    match cli::run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            let _ = writeln!(std::io::stderr(), "Error: {err}");
            ExitCode::FAILURE
        }
    }
}
