//! `credential-process`: signs a developer in with the organisation's identity provider, checks
//! their Claude Code quota, and prints AWS credentials in the `credential_process` format.

mod cache;
mod config;
mod credentials;
mod error;
mod federation;
mod flow;
mod provider;
mod quota;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

use crate::error::Error;
use crate::flow::Flow;

/// Sign in with your organisation's identity provider and print AWS credentials for Claude Code
/// (an AWS `credential_process`).
///
/// Reads config.json beside this program, else in your config directory
/// (~/.config/claude-code-with-bedrock/ on Linux). Cached credentials are printed at once; the
/// quota is checked again every `quota_check_interval` minutes. Everything but the
/// credentials goes to stderr.
#[derive(Debug, Parser)]
#[command(name = "credential-process", version)]
struct Args {
    /// The profile in config.json to use.
    #[arg(long, default_value = "ClaudeCode")]
    profile: String,
    /// Remove the cached credentials and sign-in of the profile (sign out), then exit.
    #[arg(long, conflicts_with_all = ["otel_headers", "check_quota", "explain"])]
    clear_cache: bool,
    /// Print {"Authorization":"Bearer <id token>"} for Claude Code's otelHeadersHelper.
    #[arg(long, conflicts_with_all = ["check_quota", "explain"])]
    otel_headers: bool,
    /// Print the quota API's /check answer for you as JSON.
    #[arg(long, conflicts_with = "explain")]
    check_quota: bool,
    /// Show which config file and profile are used, the cache's state and what a run would do
    /// (no secrets).
    #[arg(long)]
    explain: bool,
}

fn main() -> ExitCode {
    let args = match Args::try_parse() {
        Ok(args) => args,
        Err(err) if !err.use_stderr() => {
            // --help and --version.
            let _ = err.print();
            return ExitCode::SUCCESS;
        }
        Err(err) => {
            let text = err.to_string();
            let first = text
                .lines()
                .next()
                .unwrap_or_default()
                .trim_start_matches("error: ");
            eprintln!("Error: {first} (see credential-process --help)");
            return ExitCode::FAILURE;
        }
    };
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("Error: {err}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &Args) -> Result<(), Error> {
    let loaded = config::load(&args.profile)?;
    for warning in &loaded.warnings {
        if !args.explain {
            eprintln!("Warning: {warning}");
        }
    }
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let flow = Flow::new(loaded, now)?;
    if args.explain {
        return print(&flow.explain());
    }
    if args.clear_cache {
        if flow.clear()? {
            eprintln!(
                "Removed the cached credentials and sign-in of profile {:?}.",
                args.profile
            );
        } else {
            eprintln!("Nothing cached for profile {:?}.", args.profile);
        }
        return Ok(());
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Output(format!("cannot start: {e}")))?;
    runtime.block_on(async {
        if args.otel_headers {
            let token = flow.current_id_token().await?;
            let headers = serde_json::json!({ "Authorization": format!("Bearer {token}") });
            print(&format!("{headers}\n"))
        } else if args.check_quota {
            let response = flow.check_quota().await?;
            let text = serde_json::to_string_pretty(&response)
                .map_err(|e| Error::Output(e.to_string()))?;
            print(&format!("{text}\n"))
        } else {
            let credentials = flow.credentials().await?;
            let text =
                serde_json::to_string(&credentials).map_err(|e| Error::Output(e.to_string()))?;
            print(&format!("{text}\n"))
        }
    })
}

/// Writes to stdout in one piece and flushes (a reader must never see half the JSON).
fn print(text: &str) -> Result<(), Error> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| Error::Output(e.to_string()))
}
