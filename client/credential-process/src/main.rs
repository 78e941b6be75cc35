//! `credential-process`: the AWS `credential_process` helper that signs a developer in and checks
//! their quota before handing out credentials. Sign-in and credentials arrive with their issue;
//! until then it refuses clearly instead of printing anything AWS tools could mistake for
//! credentials.

use std::process::ExitCode;

use clap::Parser;

/// Sign in to your organisation and print AWS credentials for Claude Code (AWS credential_process).
#[derive(Debug, Parser)]
#[command(name = "credential-process", version)]
struct Args {
    /// The profile in config.json to use.
    #[arg(long, default_value = "ClaudeCode")]
    profile: String,
}

fn main() -> ExitCode {
    let args = Args::parse();
    eprintln!(
        "Error: credential-process cannot sign in yet (profile {:?}): this build has no sign-in support",
        args.profile
    );
    ExitCode::FAILURE
}
