//! `ccwb`: the administrator's command line. See `ccwb --help`, and [`commands`] for where
//! each command lives.

// Doc comments of the arguments are the `--help` text, where `<placeholders>` are meant literally.
#![allow(rustdoc::invalid_html_tags)]

mod aws;
mod bundle;
mod cdk;
mod cli;
mod commands;
mod deployment;
mod error;
mod models;
mod output;
mod profile;
mod session;
mod signin;
mod tokens;

use std::io::Write;
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let (mut stdout, mut stderr) = (std::io::stdout(), std::io::stderr());
    let mut out = output::Out::terminal(cli.output, &mut stdout, &mut stderr);
    let result = cli.run(&mut out).await;
    let _ = stdout.flush();
    match result {
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
