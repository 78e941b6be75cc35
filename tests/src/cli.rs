//! Running the real `ccwb` binary with its own configuration directory.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::{Local, bin, temp_dir};

/// A `ccwb` user: a configuration directory, and optionally an endpoint and token in the
/// environment.
pub struct Ccwb {
    /// `CCWB_CONFIG_DIR`.
    pub config_dir: PathBuf,
    /// `CCWB_ENDPOINT`, if set.
    pub endpoint: Option<String>,
    /// `CCWB_TOKEN`, if set.
    pub token: Option<String>,
}

/// What a run printed and returned.
#[derive(Debug)]
pub struct Run {
    /// Exit code.
    pub code: Option<i32>,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(output: Output) -> Self {
        Self {
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

impl Run {
    /// Asserts that the run exited with `code` and that its standard error names every one of
    /// `parts`.
    #[track_caller]
    pub fn assert_exit(&self, code: i32, parts: &[&str]) {
        assert_eq!(self.code, Some(code), "{}", self.stderr);
        crate::assert_contains(&self.stderr, parts);
    }

    /// [`Self::assert_exit`] for a refusal (`code` is not 0).
    #[track_caller]
    pub fn assert_refused(&self, code: i32, parts: &[&str]) {
        assert_ne!(code, 0, "a refusal exits with an error code");
        self.assert_exit(code, parts);
    }

    /// Standard output as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}\nstderr: {}", self.stdout, self.stderr))
    }
}

impl Ccwb {
    /// `ccwb args…` as an administrator runs `deploy`, `doctor` and `status`: AWS credentials
    /// for the local stack's moto (which takes any), its endpoint, and `token` for the API.
    pub fn command_with_aws(&self, local: &crate::Local, token: &str, args: &[&str]) -> Command {
        let mut command = self.command(args);
        command
            .env("AWS_ENDPOINT_URL", &local.aws_endpoint)
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("CCWB_TOKEN", token);
        command
    }

    /// A user with a fresh configuration directory and nothing in the environment.
    pub fn new() -> Self {
        Self {
            config_dir: temp_dir("ccwb-config"),
            endpoint: None,
            token: None,
        }
    }

    /// A user calling `endpoint` with `token` from the environment.
    pub fn with_token(endpoint: &str, token: &str) -> Self {
        Self {
            endpoint: Some(endpoint.to_owned()),
            token: Some(token.to_owned()),
            ..Self::new()
        }
    }

    /// The command, ready to run.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(bin("ccwb"));
        command
            .args(args)
            .env("CCWB_CONFIG_DIR", &self.config_dir)
            .env_remove("CCWB_ENDPOINT")
            .env_remove("CCWB_TOKEN")
            .env_remove("CCWB_PROFILE")
            .env("BROWSER", "true");
        if let Some(endpoint) = &self.endpoint {
            command.env("CCWB_ENDPOINT", endpoint);
        }
        if let Some(token) = &self.token {
            command.env("CCWB_TOKEN", token);
        }
        command
    }

    /// `ccwb context create NAME --endpoint … --issuer … --client-id … [--region …]`, asserted.
    pub fn create_context(
        &self,
        name: &str,
        endpoint: &str,
        issuer: &str,
        client_id: &str,
        region: Option<&str>,
    ) -> Run {
        let mut args = vec![
            "context",
            "create",
            name,
            "--endpoint",
            endpoint,
            "--issuer",
            issuer,
            "--client-id",
            client_id,
        ];
        if let Some(region) = region {
            args.extend(["--region", region]);
        }
        self.ok(&args)
    }

    /// `ccwb --profile PROFILE init --non-interactive` for deployment `name` of `local`'s dev
    /// issuer (a generic OpenID Provider, client `claude-code`, in us-east-1) with the `more`
    /// answers, asserted.
    pub fn init_local(&self, local: &Local, profile: &str, name: &str, more: &[&str]) -> Run {
        let mut args = vec!["--profile", profile, "init", "--non-interactive"];
        args.extend(["--provider-type", "generic", "--client-id", "claude-code"]);
        args.extend([
            "--issuer",
            &local.url,
            "--region",
            "us-east-1",
            "--name",
            name,
        ]);
        args.extend(more);
        self.ok(&args)
    }

    /// `ccwb -o json package --binary BINARY --dist DIST --federated-role-arn ROLE more…`,
    /// asserted; the JSON it printed.
    pub fn package(
        &self,
        binary: &str,
        dist: &Path,
        role_arn: &str,
        more: &[&str],
    ) -> serde_json::Value {
        let dist = dist.to_str().expect("a UTF-8 dist path");
        let mut args = vec!["package", "--binary", binary, "--dist", dist];
        args.extend(["--federated-role-arn", role_arn]);
        args.extend(more);
        self.json(&args)
    }

    /// Runs `ccwb -o json args…` and asserts success; what it printed, as JSON.
    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        self.ok(&[&["-o", "json"], args].concat()).json()
    }

    /// Runs `ccwb args…` to completion.
    pub fn run(&self, args: &[&str]) -> Run {
        self.command(args).output().expect("run ccwb").into()
    }

    /// Runs and asserts success.
    pub fn ok(&self, args: &[&str]) -> Run {
        let run = self.run(args);
        assert_eq!(
            run.code,
            Some(0),
            "ccwb {args:?} failed:\n{}\n{}",
            run.stdout,
            run.stderr
        );
        run
    }
}

impl Default for Ccwb {
    fn default() -> Self {
        Self::new()
    }
}
