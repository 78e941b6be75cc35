//! The command line's top level: the global options, the list of commands with their help, and
//! dispatch to each command's module (which owns its arguments, see [`crate::commands`]).

use clap::{CommandFactory, Parser, Subcommand};

use crate::commands::{
    audit, builds, cleanup, completions, config, context, deploy, destroy, distribute, doctor,
    init, login, logout, package, quota, status, test, whoami,
};
use crate::error::CliError;
use crate::output::{Format, Out};
use crate::session::Session;

/// Administer Claude Code with Amazon Bedrock: who may use how much, and what developers'
/// machines are told before they get AWS credentials.
#[derive(Debug, Parser)]
#[command(name = "ccwb", version, propagate_version = true)]
pub struct Cli {
    /// The profile to use (see `ccwb context list`); defaults to $CCWB_PROFILE, else the
    /// current one. For `ccwb cleanup` it names the AWS profile to remove, as in the original
    /// ccwb.
    #[arg(long, short = 'p', global = true, value_name = "NAME")]
    pub profile: Option<String>,
    /// The ccwb API, overriding the profile's (e.g. http://127.0.0.1:8787).
    #[arg(long, env = "CCWB_ENDPOINT", global = true, value_name = "URL")]
    pub endpoint: Option<String>,
    /// Output for people (table) or scripts (json).
    #[arg(long, short = 'o', value_enum, default_value_t = Format::Table, global = true)]
    pub output: Format,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Configure a deployment in a profile, asking step by step: identity provider (its
    /// discovery document checked live), federation, regions, models, quota defaults, alerts,
    /// download restrictions, analytics. Every question has a flag; `--non-interactive` takes
    /// them all. Creates nothing in AWS: `ccwb deploy` does.
    Init(init::InitArgs),
    /// Sign in to the profile's identity provider in the browser (authorization code + PKCE).
    Login(login::LoginArgs),
    /// Forget the profile's stored sign-in.
    Logout,
    /// Show who the API thinks you are: identity, groups, and whether you are an administrator.
    Whoami,
    /// Quota policies: set, inspect, import and export.
    Quota {
        /// The quota command.
        #[command(subcommand)]
        command: quota::QuotaCommand,
    },
    /// The audit trail of administrative changes, newest first.
    Audit(audit::AuditArgs),
    /// Profiles: which deployment the commands talk to.
    Context {
        /// The context command.
        #[command(subcommand)]
        command: context::ContextCommand,
    },
    /// Check, export and import profile configuration.
    Config {
        /// The config command.
        #[command(subcommand)]
        command: config::ConfigCommand,
    },
    /// The deployment: stacks and their outputs, function versions, tables (GET /status);
    /// `--detailed` adds the profile and whether it agrees with the deployment.
    Status(status::StatusArgs),
    /// Deploy the CDK app in cdk/ with the profile's settings (from `ccwb init`): the auth,
    /// analytics and quota stacks, in that order; then store the API endpoint and the
    /// developers' role or identity pool in the profile and create the default policy.
    ///
    /// Needs AWS credentials and the Lambda binaries (`make build-lambdas`). `--dry-run`
    /// synthesises the templates (cdk-nag included) and changes nothing; `--show-commands`
    /// prints the commands instead of running them.
    Deploy(deploy::DeployArgs),
    /// Delete the deployment's stacks, quota then analytics then auth (asks for confirmation;
    /// protected tables and buckets stay, and are listed).
    Destroy(destroy::DestroyArgs),
    /// Build the installer package developers get: credential-process for each platform that
    /// can be built here, config.json from the profile, install scripts, README, SHA256SUMS,
    /// and a reproducible zip, under dist/<profile>/<timestamp>/; `--distribute` then publishes
    /// it as `ccwb distribute` does.
    Package(package::PackageArgs),
    /// Upload a package built by `ccwb package`, publish it, and print its download link.
    Distribute(distribute::DistributeArgs),
    /// Which platforms this computer can build packages for (with what, or the commands that
    /// add one), and the packages built under dist/; `--status` checks one, `--download`
    /// fetches the package published last. (The original ccwb listed CodeBuild builds here.)
    Builds(builds::BuildsArgs),
    /// Test a package as developers will meet it (files against SHA256SUMS, config.json,
    /// installers, the program for this computer reading its config), then the quota API
    /// (`/check`, and a throw-away policy created, read, resolved and deleted); `--full` adds
    /// the developer's real sign-in, AWS credentials and a Bedrock call in every allowed
    /// region. Exit 1 if any check fails.
    Test(test::TestArgs),
    /// Remove what a package's installer put on this computer: the program and config.json,
    /// the AWS profile, the Claude Code settings it wrote, and the cached sign-in. Profiles and
    /// settings that point elsewhere are left alone; `--credentials-only` clears only the cached
    /// credentials and sign-in. Honours CCWB_INSTALL_DIR, AWS_CONFIG_FILE and CLAUDE_CONFIG_DIR
    /// as the installers do.
    Cleanup(cleanup::CleanupArgs),
    /// Tell what is wrong, a line a check with its fix: tools, the profile, the identity
    /// provider, the API and its stacks, the developers' role or identity pool against the
    /// provider and client id, Bedrock's models in each allowed region, and (with
    /// `--installed`, or when a package is installed here) Claude Code's settings. Exit 1 when
    /// anything fails.
    Doctor(doctor::DoctorArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    Completions(completions::CompletionsArgs),
}

impl Cli {
    /// Parses the process's command line (exiting with clap's message when it is wrong). A
    /// line in the original ccwb's spelling that ours cannot read as it is (`config export
    /// --output FILE`) is read as ours would spell it.
    pub fn parse() -> Self {
        Self::parse_args(std::env::args_os().collect())
    }

    /// [`Cli::parse`] of `args` (the program's name first).
    fn parse_args(args: Vec<std::ffi::OsString>) -> Self {
        match Self::try_parse_from(&args) {
            Ok(cli) => cli,
            Err(err) => match config::original_spelling(&args) {
                Some(fixed) => Self::try_parse_from(fixed).unwrap_or_else(|e| e.exit()),
                None => err.exit(),
            },
        }
    }

    /// The session the command runs with: `--profile` (else `CCWB_PROFILE`) and `--endpoint`.
    pub fn session(&self) -> Session {
        let from_env = || {
            std::env::var("CCWB_PROFILE")
                .ok()
                .filter(|p| !p.trim().is_empty())
        };
        Session {
            profile: self.profile.clone().or_else(from_env),
            endpoint: self.endpoint.clone(),
        }
    }

    /// Runs the command, writing to `out`.
    pub async fn run(self, out: &mut Out<'_>) -> Result<(), CliError> {
        let session = self.session();
        match self.command {
            Command::Init(args) => args.run(&session, out).await,
            Command::Login(args) => args.run(&session, out).await,
            Command::Logout => logout::run(&session, out),
            Command::Whoami => whoami::run(&session, out).await,
            Command::Quota { command } => command.run(&session, out).await,
            Command::Audit(args) => args.run(&session, out).await,
            Command::Context { command } => command.run(out),
            Command::Config { command } => command.run(out).await,
            Command::Status(args) => args.run(&session, out).await,
            Command::Deploy(args) => args.run(&session, out).await,
            Command::Destroy(args) => args.run(&session, out),
            Command::Package(args) => args.run(&session, out).await,
            Command::Distribute(args) => args.run(&session, out).await,
            Command::Builds(args) => args.run(&session, out).await,
            Command::Test(args) => args.run(&session, out).await,
            Command::Cleanup(args) => args.run(self.profile.as_deref(), out),
            Command::Doctor(args) => args.run(&session, out).await,
            Command::Completions(args) => args.run(&mut Cli::command(), out),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn the_original_config_export_output_file_is_read_as_file() {
        let args = [
            "ccwb",
            "-p",
            "prod",
            "config",
            "export",
            "--output",
            "prod.json",
        ];
        let cli = Cli::parse_args(args.iter().map(Into::into).collect());
        assert_eq!(cli.output, Format::Table);
        assert!(
            format!("{:?}", cli.command).contains("file: Some(\"prod.json\")"),
            "{:?}",
            cli.command
        );
    }
}
