//! Arguments and dispatch.

use clap::{CommandFactory, Parser, Subcommand, ValueEnum};
use clap_complete::Shell;

use ccwb_api_client::{ApiClient, ApiError};

/// Administer Claude Code with Amazon Bedrock: who may use how much, and what developers'
/// machines are told before they get AWS credentials.
#[derive(Debug, Parser)]
#[command(name = "ccwb", version, propagate_version = true)]
pub struct Cli {
    /// The ccwb API, e.g. http://127.0.0.1:8787 for the local stack.
    #[arg(long, env = "CCWB_ENDPOINT", global = true, value_name = "URL")]
    pub endpoint: Option<String>,
    /// Output for people (table) or scripts (json).
    #[arg(long, value_enum, default_value_t = Output::Table, global = true)]
    pub output: Output,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Output {
    /// Aligned tables with human-readable numbers.
    Table,
    /// Exact JSON, as the API returns it.
    Json,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show who the API thinks you are: identity, groups, and whether you are an administrator.
    Whoami,
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    Completions {
        /// The shell.
        shell: Shell,
    },
}

/// A failure of a command, with a hint when one helps.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// No endpoint configured.
    #[error("no API endpoint: pass --endpoint or set CCWB_ENDPOINT")]
    NoEndpoint,
    /// No token available.
    #[error("not signed in: no token available")]
    NoToken,
    /// The API call failed.
    #[error(transparent)]
    Api(#[from] ApiError),
    /// Output could not be written.
    #[error("cannot write output: {0}")]
    Output(String),
}

impl CliError {
    /// What the user can do about it.
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            Self::NoEndpoint => Some("with `make run`, the local API is at http://127.0.0.1:8787"),
            Self::NoToken | Self::Api(ApiError::Unauthorized) => Some(
                "set CCWB_TOKEN to an id token (locally: `target/debug/ccwb-local token --email you@example.com`)",
            ),
            Self::Api(ApiError::Unreachable { .. }) => {
                Some("check the endpoint; for the local stack run `make run`")
            }
            _ => None,
        }
    }
}

/// Runs a parsed command line.
pub async fn run(cli: Cli) -> Result<(), CliError> {
    match cli.command {
        Command::Completions { shell } => {
            clap_complete::generate(shell, &mut Cli::command(), "ccwb", &mut std::io::stdout());
            Ok(())
        }
        Command::Whoami => crate::whoami::run(&client(cli.endpoint.as_deref())?, cli.output).await,
    }
}

/// The API client for the configured endpoint and token.
fn client(endpoint: Option<&str>) -> Result<ApiClient, CliError> {
    let endpoint = endpoint.ok_or(CliError::NoEndpoint)?;
    let token = std::env::var("CCWB_TOKEN")
        .ok()
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
        .ok_or(CliError::NoToken)?;
    Ok(ApiClient::new(endpoint, token)?)
}
