//! Arguments and dispatch.

use std::path::PathBuf;

use ccwb_core::{Mode, PolicyType, TokenAmount, Usd};
use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};
use clap_complete::Shell;

use crate::error::CliError;
use crate::output::Output;
use crate::session::Context;

/// Administer Claude Code with Amazon Bedrock: who may use how much, and what developers'
/// machines are told before they get AWS credentials.
#[derive(Debug, Parser)]
#[command(name = "ccwb", version, propagate_version = true)]
pub struct Cli {
    /// The profile to use (see `ccwb context list`); defaults to the current one.
    #[arg(
        long,
        short = 'p',
        env = "CCWB_PROFILE",
        global = true,
        value_name = "NAME"
    )]
    pub profile: Option<String>,
    /// The ccwb API, overriding the profile's (e.g. http://127.0.0.1:8787).
    #[arg(long, env = "CCWB_ENDPOINT", global = true, value_name = "URL")]
    pub endpoint: Option<String>,
    /// Output for people (table) or scripts (json).
    #[arg(long, short = 'o', value_enum, default_value_t = Output::Table, global = true)]
    pub output: Output,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Sign in to the profile's identity provider in the browser (authorization code + PKCE).
    Login {
        /// Print the sign-in address instead of opening a browser.
        #[arg(long)]
        no_browser: bool,
    },
    /// Forget the profile's stored sign-in.
    Logout,
    /// Show who the API thinks you are: identity, groups, and whether you are an administrator.
    Whoami,
    /// Quota policies: set, inspect, import and export.
    Quota {
        /// The quota command.
        #[command(subcommand)]
        command: QuotaCommand,
    },
    /// The audit trail of administrative changes, newest first.
    Audit {
        /// Oldest: a span back from now (7d, 24h, 30m), a date, or RFC 3339.
        #[arg(long, default_value = "7d")]
        since: String,
        /// Newest: a date or RFC 3339 (default now).
        #[arg(long)]
        until: Option<String>,
        /// Only changes by this administrator.
        #[arg(long)]
        actor: Option<String>,
        /// Only targets containing this text (an e-mail, a group, `policy/group/eng`).
        #[arg(long)]
        target: Option<String>,
        /// Only actions starting with this text (`policy.`, `unblock.grant`).
        #[arg(long)]
        action: Option<String>,
        /// At most this many events.
        #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..=100_000))]
        limit: u32,
    },
    /// Profiles: which deployment the commands talk to.
    Context {
        /// The context command.
        #[command(subcommand)]
        command: ContextCommand,
    },
    /// Check, export and import profile configuration.
    Config {
        /// The config command.
        #[command(subcommand)]
        command: ConfigCommand,
    },
    /// The deployment: stacks and their outputs, function versions, tables (GET /status).
    Status,
    /// Deploy the CDK app in cdk/ with the profile's issuer, client id and region.
    ///
    /// Needs AWS credentials and the Lambda binaries (`make build-lambdas`). `--dry-run`
    /// synthesises the templates (cdk-nag included) and changes nothing.
    Deploy {
        /// Only this stack (its dependencies too); default: all.
        #[arg(value_enum)]
        stack: Option<crate::deploy::Stack>,
        /// Synthesise and check, deploy nothing.
        #[arg(long)]
        dry_run: bool,
        /// Where the CDK app, its location, and extra context are.
        #[command(flatten)]
        target: TargetArgs,
    },
    /// Delete the deployment's stacks (asks for confirmation; protected tables and buckets stay).
    Destroy {
        /// Only this stack; default: all.
        #[arg(value_enum)]
        stack: Option<crate::deploy::Stack>,
        /// Do not ask (required when stdin is not a terminal).
        #[arg(long)]
        force: bool,
        /// Where the CDK app, its location, and extra context are.
        #[command(flatten)]
        target: TargetArgs,
    },
    /// Build the installer package developers get: credential-process for each platform that
    /// can be built here, config.json from the profile, install scripts, README, SHA256SUMS,
    /// and a reproducible zip, under dist/<profile>/<timestamp>/.
    Package(crate::package::PackageOptions),
    /// Upload a package built by `ccwb package`, publish it, and print its download link.
    Distribute {
        /// The newest build (without it: a list to choose from on a terminal, else the newest).
        #[arg(long, conflicts_with_all = ["build_profile", "get_latest"])]
        latest: bool,
        /// The build's profile folder under dist/ (with --timestamp).
        #[arg(long, requires = "timestamp", value_name = "NAME")]
        build_profile: Option<String>,
        /// The build's timestamp folder (with --build-profile).
        #[arg(long, requires = "build_profile", value_name = "TIMESTAMP")]
        timestamp: Option<String>,
        /// Hours the download link lives (1-168).
        #[arg(long, default_value_t = 48, value_parser = clap::value_parser!(u32).range(1..=168))]
        expires_hours: u32,
        /// Only show the latest published package and its link.
        #[arg(long)]
        get_latest: bool,
        /// Also print the link as a QR code.
        #[arg(long)]
        show_qr: bool,
        /// Only these networks may download (CIDR, comma-separated); the deployment must
        /// enforce a restriction (`-c distributionAllowedIps=…` at deploy).
        #[arg(long, value_delimiter = ',', value_name = "CIDRS")]
        allowed_ips: Option<Vec<String>>,
        /// Where `ccwb package` wrote builds.
        #[arg(long, default_value = "dist", value_name = "DIR")]
        dist: PathBuf,
    },
    /// Test a package as developers will meet it (files against SHA256SUMS, config.json,
    /// installers, the program for this computer reading its config), then the quota API
    /// (`/check`, and a throw-away policy created, read, resolved and deleted). Exit 1 if any
    /// check fails.
    Test {
        /// The newest build (the default; a list to choose from only on a terminal without it).
        #[arg(long, conflicts_with = "build_profile")]
        latest: bool,
        /// The build's profile folder under dist/ (with --timestamp).
        #[arg(long, requires = "timestamp", value_name = "NAME")]
        build_profile: Option<String>,
        /// The build's timestamp folder (with --build-profile).
        #[arg(long, requires = "build_profile", value_name = "TIMESTAMP")]
        timestamp: Option<String>,
        /// Where `ccwb package` wrote builds.
        #[arg(long, default_value = "dist", value_name = "DIR")]
        dist: PathBuf,
        /// Only the quota API checks (no package).
        #[arg(long, conflicts_with = "skip_quota")]
        quota_only: bool,
        /// Only the package checks (no API calls).
        #[arg(long)]
        skip_quota: bool,
    },
    /// Remove what a package's installer put on this computer: the program and config.json,
    /// the AWS profile, the Claude Code settings it wrote, and the cached sign-in. Profiles and
    /// settings that point elsewhere are left alone. Honours CCWB_INSTALL_DIR, AWS_CONFIG_FILE
    /// and CLAUDE_CONFIG_DIR as the installers do.
    Cleanup {
        /// The AWS profile the package installed.
        #[arg(long, default_value = "ClaudeCode", value_name = "NAME")]
        aws_profile: String,
        /// Show what would be removed, and change nothing.
        #[arg(long)]
        dry_run: bool,
        /// Do not ask (required when stdin is not a terminal).
        #[arg(long)]
        force: bool,
    },
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    Completions {
        /// The shell.
        shell: Shell,
    },
}

/// Options of `deploy` and `destroy`.
#[derive(Debug, Args)]
pub struct TargetArgs {
    /// The deployment name: prefix of stacks, tables and buckets (default `ccwb`).
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// The CDK app (default: `cdk/` here or in a parent directory).
    #[arg(long, env = "CCWB_CDK_DIR", value_name = "DIR")]
    pub cdk_dir: Option<PathBuf>,
    /// Extra CDK context, e.g. `-c deletionProtection=false` (repeatable).
    #[arg(long = "context", short = 'c', value_name = "KEY=VALUE")]
    pub context: Vec<String>,
}

impl TargetArgs {
    fn target(self) -> crate::deploy::Target {
        crate::deploy::Target {
            cdk_dir: self.cdk_dir,
            name: self.name,
            context: self.context,
        }
    }
}

/// `ccwb quota …`.
#[derive(Debug, Subcommand)]
pub enum QuotaCommand {
    /// Create a user's policy, or change only the given settings of an existing one.
    SetUser {
        /// The user's e-mail address.
        email: String,
        /// Limits and modes.
        #[command(flatten)]
        limits: LimitArgs,
    },
    /// Create a group's policy, or change only the given settings of an existing one.
    SetGroup {
        /// The group name, as the identity provider sends it.
        group: String,
        /// Limits and modes.
        #[command(flatten)]
        limits: LimitArgs,
    },
    /// Create the default policy, or change only the given settings.
    SetDefault {
        /// Limits and modes.
        #[command(flatten)]
        limits: LimitArgs,
    },
    /// List policies.
    List {
        /// Only this type.
        #[arg(long, short = 't', value_enum)]
        r#type: Option<TypeArg>,
    },
    /// Show a user's effective policy, every applicable policy, and why.
    Show {
        /// The user's e-mail address.
        email: String,
        /// The user's groups (comma-separated), as their token would carry them [default: the
        /// groups of the user's latest telemetry this month]
        #[arg(long, short = 'g', value_delimiter = ',')]
        groups: Vec<String>,
    },
    /// Show a user's usage this month and today against the effective limits.
    Usage {
        /// The user's e-mail address.
        email: String,
        /// The user's groups (comma-separated) [default: the groups of the user's latest
        /// telemetry this month]
        #[arg(long, short = 'g', value_delimiter = ',')]
        groups: Vec<String>,
    },
    /// Delete a policy (asks first on a terminal unless --force).
    Delete {
        /// user, group or default.
        #[arg(value_enum)]
        r#type: TypeArg,
        /// E-mail, group name, or `default`.
        identifier: String,
        /// Do not ask.
        #[arg(long, short = 'f')]
        force: bool,
    },
    /// Your own quota decision and usage (what credential-process sees).
    Status,
    /// Let a blocked user through for a while, or revoke that with --revoke.
    Unblock {
        /// The user's e-mail address.
        email: String,
        /// How long: Nh (1-168), Nd (1-7) or until-reset (next month start, at most 7 days).
        #[arg(long, default_value = "24h", conflicts_with = "revoke")]
        duration: String,
        /// Why (kept in the history and the audit trail).
        #[arg(long, required_unless_present = "revoke")]
        reason: Option<String>,
        /// Revoke the unblock in force instead.
        #[arg(long)]
        revoke: bool,
    },
    /// A user's unblock in force and every unblock ever granted.
    Unblocks {
        /// The user's e-mail address.
        email: String,
    },
    /// Export policies to a .json or .csv file, or to standard output.
    ///
    /// CSV: every cell is in double quotes, and a cell that starts with =, +, -, @, a tab or a
    /// carriage return (which a spreadsheet would run as a formula), or with ', gets one ' in
    /// front, so spreadsheets show it as text. `ccwb quota import` removes that ', so the file
    /// reads back exactly as exported.
    Export {
        /// The file; its extension chooses the format.
        #[arg(required_unless_present = "stdout", conflicts_with = "stdout")]
        file: Option<PathBuf>,
        /// Write to standard output instead.
        #[arg(long)]
        stdout: bool,
        /// Format for standard output.
        #[arg(long, value_enum, default_value_t = FileFormat::Json)]
        format: FileFormat,
        /// Only this type.
        #[arg(long, short = 't', value_enum)]
        r#type: Option<TypeArg>,
    },
    /// Import policies from a .json or .csv file.
    ///
    /// CSV: one leading ' is removed from every cell, the mark `ccwb quota export` puts before a
    /// value starting with =, +, -, @, a tab, a carriage return or ' so that spreadsheets do not
    /// run it as a formula. In a file written by hand, write '' for a value that starts with '.
    Import {
        /// The file; its extension chooses the format.
        file: PathBuf,
        /// Leave policies that already exist alone.
        #[arg(long, conflicts_with = "update")]
        skip_existing: bool,
        /// Replace policies that already exist.
        #[arg(long)]
        update: bool,
        /// Report what would happen without writing.
        #[arg(long)]
        dry_run: bool,
        /// Only rows of this type.
        #[arg(long, short = 't', value_enum)]
        r#type: Option<TypeArg>,
        /// Fill missing daily limits from the monthly one: monthly / 30 × (1 + burst%).
        #[arg(long)]
        auto_daily: bool,
        /// Burst percentage for --auto-daily (0 to 100).
        #[arg(long, default_value_t = 10, requires = "auto_daily", value_parser = clap::value_parser!(u8).range(0..=100))]
        burst: u8,
    },
}

/// Limits and modes of `set-user`, `set-group` and `set-default`.
#[derive(Debug, Clone, Default, Args)]
pub struct LimitArgs {
    /// Tokens per month, like 300M or 1.5B (0 = no limit).
    #[arg(long, short = 'm', value_name = "TOKENS")]
    pub monthly_limit: Option<TokenAmount>,
    /// Tokens per day, like 15M (0 = no limit).
    #[arg(
        long,
        short = 'd',
        value_name = "TOKENS",
        conflicts_with = "clear_daily"
    )]
    pub daily_limit: Option<TokenAmount>,
    /// What the monthly limits do when reached.
    #[arg(long, short = 'e', value_enum)]
    pub enforcement: Option<ModeArg>,
    /// What the daily limits do when reached.
    #[arg(long, value_enum)]
    pub daily_enforcement: Option<ModeArg>,
    /// US dollars per month, like 250 or 99.50.
    #[arg(long, visible_alias = "monthly-cost-limit", value_name = "USD")]
    pub budget: Option<Usd>,
    /// US dollars per day.
    #[arg(long, value_name = "USD")]
    pub daily_budget: Option<Usd>,
    /// Turn the policy off (it stays stored).
    #[arg(long, conflicts_with = "enabled")]
    pub disabled: bool,
    /// Turn the policy on.
    #[arg(long)]
    pub enabled: bool,
    /// Remove the daily token limit.
    #[arg(long)]
    pub clear_daily: bool,
    /// Remove both cost limits.
    #[arg(long, conflicts_with_all = ["budget", "daily_budget"])]
    pub clear_cost: bool,
}

/// Policy types on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TypeArg {
    /// A user's policy.
    User,
    /// A group's policy.
    Group,
    /// The default policy.
    Default,
}

impl From<TypeArg> for PolicyType {
    fn from(arg: TypeArg) -> Self {
        match arg {
            TypeArg::User => Self::User,
            TypeArg::Group => Self::Group,
            TypeArg::Default => Self::Default,
        }
    }
}

/// Enforcement modes on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ModeArg {
    /// Warn, keep access.
    Alert,
    /// Deny access.
    Block,
}

impl From<ModeArg> for Mode {
    fn from(arg: ModeArg) -> Self {
        match arg {
            ModeArg::Alert => Self::Alert,
            ModeArg::Block => Self::Block,
        }
    }
}

/// File formats for export and import.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FileFormat {
    /// `{"version": "1.0", "policies": [...]}`.
    Json,
    /// One row per policy, with a header.
    Csv,
}

/// `ccwb context …`.
#[derive(Debug, Subcommand)]
pub enum ContextCommand {
    /// List profiles; the current one is marked.
    List,
    /// Print the current profile's name.
    Current,
    /// Make a profile the current one.
    Use {
        /// The profile.
        name: String,
    },
    /// Show a profile (the current one by default); secrets are masked.
    Show {
        /// The profile.
        name: Option<String>,
    },
    /// Create or replace a profile.
    Create {
        /// Its name (letters, digits, `-`, `_`, `.`).
        name: String,
        /// The ccwb API.
        #[arg(long)]
        endpoint: String,
        /// The OpenID issuer to sign in with.
        #[arg(long)]
        issuer: Option<String>,
        /// The CLI's OAuth client id at that issuer.
        #[arg(long)]
        client_id: Option<String>,
        /// The AWS region of the deployment.
        #[arg(long)]
        region: Option<String>,
        /// Fixed loopback port for the sign-in redirect.
        #[arg(long)]
        redirect_port: Option<u16>,
        /// Do not make it the current profile.
        #[arg(long)]
        no_use: bool,
    },
    /// Delete a profile and its stored sign-in.
    Delete {
        /// The profile.
        name: String,
    },
}

/// `ccwb config …`.
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Check a profile (or `all`): fields, and that its identity provider answers.
    Validate {
        /// A profile name, or `all`; the current profile by default.
        target: Option<String>,
    },
    /// Print profiles as JSON (secrets left out unless --include-secrets).
    Export {
        /// One profile; all by default.
        name: Option<String>,
        /// Include client secrets.
        #[arg(long)]
        include_secrets: bool,
    },
    /// Add profiles from a file written by `ccwb config export`.
    Import {
        /// The file.
        file: PathBuf,
        /// Replace profiles that exist with the same name.
        #[arg(long)]
        force: bool,
    },
}

/// Runs a parsed command line.
pub async fn run(cli: Cli) -> Result<(), CliError> {
    let ctx = Context {
        profile: cli.profile.clone(),
        endpoint: cli.endpoint.clone(),
    };
    let output = cli.output;
    match cli.command {
        Command::Completions { shell } => {
            clap_complete::generate(shell, &mut Cli::command(), "ccwb", &mut std::io::stdout());
            Ok(())
        }
        Command::Test {
            latest,
            build_profile,
            timestamp,
            dist,
            quota_only,
            skip_quota,
        } => {
            let build = crate::distribute::BuildSelection {
                dist,
                latest,
                build_profile,
                timestamp,
            };
            crate::smoke::run(&ctx, output, &build, quota_only, skip_quota).await
        }
        Command::Cleanup {
            aws_profile,
            dry_run,
            force,
        } => crate::cleanup::run(&aws_profile, dry_run, force, output),
        Command::Login { no_browser } => crate::account::login(&ctx, !no_browser).await,
        Command::Logout => crate::account::logout(&ctx),
        Command::Whoami => crate::account::whoami(&ctx, output).await,
        Command::Quota { command } => crate::quota::run(&ctx, output, command).await,
        Command::Context { command } => crate::contexts::run(command, output),
        Command::Audit {
            since,
            until,
            actor,
            target,
            action,
            limit,
        } => {
            let query = crate::audit::AuditQuery {
                since,
                until,
                actor,
                target,
                action,
                limit,
            };
            crate::audit::run(&ctx, output, query).await
        }
        Command::Config { command } => crate::contexts::config(command).await,
        Command::Status => crate::status::run(&ctx, output).await,
        Command::Package(options) => {
            let built = crate::package::package(&ctx, &options)?;
            eprintln!(
                "Package for {} in {}
Zip: {}
Next: ccwb distribute --latest",
                built.platforms.join(", "),
                built.dir.display(),
                built.zip.display()
            );
            if output == Output::Json {
                crate::output::print_json(&serde_json::json!({
                    "dir": built.dir, "zip": built.zip, "platforms": built.platforms,
                }))?;
            }
            Ok(())
        }
        Command::Distribute {
            latest,
            build_profile,
            timestamp,
            expires_hours,
            get_latest,
            show_qr,
            allowed_ips,
            dist,
        } => {
            let options = crate::distribute::DistributeOptions {
                build: crate::distribute::BuildSelection {
                    dist,
                    latest,
                    build_profile,
                    timestamp,
                },
                expires_hours: Some(expires_hours),
                get_latest,
                show_qr,
                allowed_ips,
            };
            crate::distribute::run(&ctx, output, &options).await
        }
        Command::Deploy {
            stack,
            dry_run,
            target,
        } => crate::deploy::deploy(&ctx, &target.target(), stack, dry_run),
        Command::Destroy {
            stack,
            force,
            target,
        } => crate::deploy::destroy(&ctx, &target.target(), stack, force),
    }
}
