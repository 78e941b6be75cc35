//! `credential-process`: signs a developer in with the organisation's identity provider, checks
//! their Claude Code quota, and prints AWS credentials in the `credential_process` format.

// Doc comments of the arguments are the `--help` text, where `<placeholders>` are meant literally.
#![allow(rustdoc::invalid_html_tags)]

mod cache;
mod claude_settings;
mod config;
mod error;
mod federation;
mod flow;
mod provider;
mod quota;
mod show_claims;

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
    #[arg(long, conflicts_with_all = ["otel_headers", "check_quota", "show_claims", "explain", "auth_refresh", "install_claude_settings"])]
    clear_cache: bool,
    /// Print {"Authorization":"Bearer <id token>"} for Claude Code's otelHeadersHelper: a token
    /// with more than 35 minutes left, renewed silently when needed; never opens a browser.
    #[arg(long, conflicts_with_all = ["check_quota", "show_claims", "explain", "auth_refresh", "install_claude_settings"])]
    otel_headers: bool,
    /// For Claude Code's awsAuthRefresh: sign in if needed and get credentials, telling you on
    /// stdout (Claude Code shows it) why access is refused when it is.
    #[arg(long, conflicts_with_all = ["check_quota", "show_claims", "explain", "install_claude_settings"])]
    auth_refresh: bool,
    /// Merge this profile's Claude Code settings (Bedrock, models, telemetry, helpers) into
    /// your settings.json, keeping everything else; what the installers run.
    #[arg(long, conflicts_with_all = ["check_quota", "show_claims", "explain"])]
    install_claude_settings: bool,
    /// With --install-claude-settings: write the system-wide managed settings instead
    /// (administrator rights needed; users cannot switch them off).
    #[arg(long, requires = "install_claude_settings")]
    managed: bool,
    /// With --install-claude-settings: the settings file to merge into.
    #[arg(long, value_name = "FILE", requires = "install_claude_settings")]
    settings_file: Option<std::path::PathBuf>,
    /// With --install-claude-settings: AWS_CONFIG_FILE for Claude Code (the AWS profile's file).
    #[arg(long, value_name = "FILE", requires = "install_claude_settings")]
    aws_config_file: Option<String>,
    /// Print the quota API's /check answer for you as JSON.
    #[arg(long, conflicts_with_all = ["show_claims", "explain"])]
    check_quota: bool,
    /// Show the claims of your id token (never the token) and what the API derives from them:
    /// your identity and the claim it comes from, your groups, whether they make you an
    /// administrator (under config.json's identity_claims, admin_groups and unverified_email,
    /// else the API's defaults). Signs in only when no sign-in is cached or it cannot be
    /// renewed. The first thing to look at when a policy does not apply; exits 1 when the
    /// token names nobody, saying which claim is missing.
    #[arg(long, conflicts_with = "explain")]
    show_claims: bool,
    /// With --show-claims: print JSON for scripts (identity, groups and admin as /me has them).
    #[arg(long, requires = "show_claims")]
    json: bool,
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
    if args.install_claude_settings {
        let options = claude_settings::Options {
            managed: args.managed,
            settings_file: args.settings_file.clone(),
            aws_config_file: args.aws_config_file.clone(),
        };
        return print(&claude_settings::install(&loaded, &options)?);
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
        if args.auth_refresh {
            let flow = flow.with_notices(quota::Notices::Stdout);
            let credentials = flow.credentials().await?;
            print(&format!(
                "Signed in for profile {:?}; AWS credentials valid until {}.\n",
                flow.loaded().name,
                credentials.expiration
            ))
        } else if args.otel_headers {
            let token = flow.otel_id_token().await?;
            let headers = serde_json::json!({ "Authorization": format!("Bearer {token}") });
            print(&format!("{headers}\n"))
        } else if args.show_claims {
            let token = flow.current_id_token().await?;
            let reading =
                show_claims::Reading::new(&token, &flow.loaded().profile.api_claims, now)?;
            print(&if args.json {
                reading.json()
            } else {
                reading.text()
            })?;
            reading.outcome()
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
