//! `ccwb`: the administrator's command line. See `ccwb --help`.

mod account;
mod audit;
mod cleanup;
mod cli;
mod contexts;
mod deploy;
mod distribute;
mod error;
mod login;
mod models;
mod output;
mod package;
mod policy_file;
mod profile;
mod quota;
mod session;
mod smoke;
mod status;
mod tokens;

use std::process::ExitCode;

use clap::Parser;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    match cli::run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("Error: {err}");
            if let Some(hint) = err.hint() {
                eprintln!("hint: {hint}");
            }
            ExitCode::from(err.exit_code())
        }
    }
}
