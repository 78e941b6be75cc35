//! The end-to-end harness: starts moto and ccwb-local as real processes on free ports, mints
//! tokens, and makes sure no child outlives the test process, even when a test panics or the
//! run is killed.

// Used by the benchmark (src/bin/ccwb-bench.rs), not by the harness itself.
use {ccwb_api as _, ccwb_core as _, ccwb_lambda as _, ccwb_widgets as _};
// The end-to-end tests' own dependencies (tests/*.rs), which the harness's unit tests do not use.
#[cfg(test)]
use {
    aws_sdk_sts as _, ccwb_install as _, csv as _, futures as _, opentelemetry_proto as _,
    png as _, prost as _, sha2 as _, zip as _,
};

pub mod api;
pub mod aws;
pub mod bedrock;
pub mod claude_code;
pub mod cli;
pub mod credential_process;
pub mod invocation_logs;
pub mod lambda_runtime;
pub mod oidc_provider;
pub mod otlp;
pub mod process;
pub mod proxy;
pub mod terminal;
pub mod tokens;

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

pub use api::{assert_contains, assert_fields, decision, error_message, get_json, strings};
pub use process::spawn_supervised;

/// Credentials and region for moto, which accepts any.
pub const AWS_ENV: [(&str, &str); 5] = [
    ("AWS_ACCESS_KEY_ID", "testing"),
    ("AWS_SECRET_ACCESS_KEY", "testing"),
    ("AWS_REGION", "us-east-1"),
    ("AWS_DEFAULT_REGION", "us-east-1"),
    ("AWS_EC2_METADATA_DISABLED", "true"),
];

/// The repository root.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(PathBuf::from)
        .unwrap_or_default()
}

/// A workspace binary built by `cargo build` (which `make test` runs before the tests).
pub fn bin(name: &str) -> PathBuf {
    // Test executables live in <target>/<profile>/deps, binaries (and the bench) one level up.
    let exe = std::env::current_exe().expect("test executable path");
    let mut dir = exe.parent().expect("target directory");
    if dir.ends_with("deps") {
        dir = dir.parent().expect("target directory");
    }
    let path = dir.join(name);
    assert!(
        path.exists(),
        "{} is missing: run `cargo build --workspace --bins` first (make test does)",
        path.display()
    );
    path
}

/// This computer's platform as packages name it (`linux-x64`, `linux-arm64`, `macos-arm64`,
/// `macos-x64`): the binary `install.sh` picks here is `credential-process-<platform>`.
pub fn host_platform() -> &'static str {
    match (std::env::consts::OS, std::env::consts::ARCH) {
        ("macos", "aarch64") => "macos-arm64",
        ("macos", _) => "macos-x64",
        (_, "aarch64") => "linux-arm64",
        _ => "linux-x64",
    }
}

/// The `ccwb package --binary` value that packages this computer's own credential-process.
pub fn host_binary_arg() -> String {
    format!(
        "{}={}",
        host_platform(),
        bin("credential-process").display()
    )
}

/// The permission bits of `path` (`0o755`, `0o600`...), panicking with the path on error.
#[cfg(unix)]
pub fn mode(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("stat {}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o7777
}

/// Asserts that `path` has exactly the permission bits `expected`.
#[cfg(unix)]
pub fn assert_mode(path: &std::path::Path, expected: u32) {
    let found = mode(path);
    assert_eq!(
        found,
        expected,
        "{} is {found:o}, not {expected:o}",
        path.display()
    );
}

/// `npm ci` in `dir` (a fixture's pinned `package-lock.json`), with `extra` arguments; panics with
/// npm's output when it fails.
pub fn npm_ci(dir: &std::path::Path, extra: &[&str]) {
    let output = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--prefer-offline"])
        .args(extra)
        .current_dir(dir)
        .output()
        .expect("run npm (is Node.js installed?)");
    assert!(
        output.status.success(),
        "npm ci in {} failed:\n{}{}",
        dir.display(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A fresh directory under the system temp dir.
pub fn temp_dir(label: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ccwb-e2e-{label}-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).expect("create temp dir");
    dir
}

/// The SHA-256 of `bytes` in lower-case hex, as packages and the distribution API write it.
pub fn sha256_hex(bytes: &[u8]) -> String {
    aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, bytes)
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A port nothing listens on right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// Serves `app` on a free loopback port from a thread and runtime of its own (tests block while
/// processes start, and a stand-in must keep answering meanwhile), for the life of the process;
/// returns the address it listens on.
pub fn serve(app: axum::Router) -> std::net::SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    let address = listener.local_addr().expect("listening address");
    listener.set_nonblocking(true).expect("nonblocking");
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
            let _ = axum::serve(listener, app).await;
        });
    });
    address
}

/// The moto server shared by every test in this process (each stack uses its own names).
pub fn moto() -> &'static str {
    // Kept for the life of the process; PR_SET_PDEATHSIG ends it with the process.
    static MOTO: OnceLock<Moto> = OnceLock::new();
    &MOTO.get_or_init(Moto::start).url
}

/// A moto server of a test's own (for tests that stop it), stopped when dropped.
pub struct Moto {
    /// Its URL.
    pub url: String,
    child: std::sync::Mutex<Child>,
}

impl Moto {
    /// Starts moto on a free port.
    pub fn start() -> Self {
        let (url, child) = start_moto();
        Self {
            url,
            child: std::sync::Mutex::new(child),
        }
    }

    /// Stops it (as an outage would).
    pub fn stop(&self) {
        if let Ok(mut child) = self.child.lock() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        self.stop();
    }
}

fn moto_server_path() -> PathBuf {
    if let Ok(path) = std::env::var("CCWB_MOTO_SERVER") {
        return PathBuf::from(path);
    }
    // moto from the project's .venv, with DynamoDB requests serialised as the real service
    // applies them atomically (tools/moto_serialised.py says why).
    if repo_root().join(".venv/bin/moto_server").exists() {
        repo_root().join("tools/moto-server")
    } else {
        PathBuf::from("moto_server")
    }
}

fn start_moto() -> (String, Child) {
    for _ in 0..3 {
        let port = free_port();
        let log =
            std::fs::File::create(std::env::temp_dir().join(format!("ccwb-e2e-moto-{port}.log")))
                .expect("moto log file");
        let mut command = Command::new(moto_server_path());
        command
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log handle"))
            .stderr(log);
        let mut child = spawn_supervised(command)
            .expect("start moto_server (make test installs it into .venv)");
        let url = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = child.try_wait() {
                break; // port taken between probe and bind: try another
            }
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return (url, child);
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = child.kill();
        let _ = child.wait();
    }
    panic!("moto_server did not start");
}

/// How to start ccwb-local.
#[derive(Debug, Clone, Default)]
pub struct LocalOptions {
    /// Extra command-line arguments after `serve` (default: `--dev-issuer`).
    pub args: Vec<String>,
    /// Extra environment variables.
    pub env: Vec<(String, String)>,
    /// State directory to reuse (default: a fresh one).
    pub state_dir: Option<PathBuf>,
    /// Port to listen on (default: any free one).
    pub port: Option<u16>,
    /// AWS endpoint (default: the shared moto).
    pub aws_endpoint: Option<String>,
}

impl LocalOptions {
    /// These options with the environment variable `name=value` added.
    pub fn with_env(mut self, name: &str, value: &str) -> Self {
        self.env.push((name.to_owned(), value.to_owned()));
        self
    }

    /// These options with `args` after `serve` instead of `--dev-issuer` (such as `--issuer`,
    /// `--audience` and `--jwks-url` for a real identity provider).
    pub fn with_args(mut self, args: &[&str]) -> Self {
        self.args = args.iter().map(|a| (*a).to_owned()).collect();
        self
    }

    /// These options against the AWS endpoint `url` (a moto of the test's own, a proxy).
    pub fn with_aws_endpoint(mut self, url: &str) -> Self {
        self.aws_endpoint = Some(url.to_owned());
        self
    }
}

/// A running ccwb-local, stopped when dropped.
pub struct Local {
    child: Child,
    /// The API base URL, e.g. `http://127.0.0.1:40123`.
    pub url: String,
    /// Its state directory.
    pub state_dir: PathBuf,
    /// The stack name, which prefixes its tables, bucket and parameters.
    pub stack: String,
    /// The AWS endpoint it uses.
    pub aws_endpoint: String,
}

impl Local {
    /// ccwb-local with the dev issuer against the shared moto.
    pub fn start() -> Self {
        Self::start_with(LocalOptions::default())
    }

    /// ccwb-local with `options` against the shared moto.
    pub fn start_with(options: LocalOptions) -> Self {
        let stack = format!("t{}", &uuid::Uuid::new_v4().simple().to_string()[..10]);
        let state_dir = options
            .state_dir
            .clone()
            .unwrap_or_else(|| temp_dir("state"));
        let aws_endpoint = options
            .aws_endpoint
            .clone()
            .unwrap_or_else(|| moto().to_owned());
        let mut command = local_command(&aws_endpoint, &state_dir, &stack, &options);
        command.stdout(Stdio::piped());
        let stderr_path = state_dir.join("ccwb-local.log");
        command.stderr(std::fs::File::create(&stderr_path).expect("log file"));
        let mut child = spawn_supervised(command).expect("start ccwb-local");

        let stdout = child.stdout.take().expect("stdout piped");
        let ready = process::ready_lines(stdout, "ccwb-local ready on ");
        match ready.recv_timeout(Duration::from_secs(60)) {
            Ok(url) => Self {
                child,
                url,
                state_dir,
                stack,
                aws_endpoint,
            },
            Err(_) => {
                let _ = child.kill();
                let log = std::fs::read_to_string(&stderr_path).unwrap_or_default();
                panic!("ccwb-local did not become ready:\n{log}");
            }
        }
    }

    /// An id token from this stack's dev issuer, minted by `ccwb-local token`.
    pub fn token(&self, email: &str, groups: &[&str]) -> String {
        let mut command = Command::new(bin("ccwb-local"));
        command.arg("token").arg("--state-dir").arg(&self.state_dir);
        command.args(["--email", email]);
        if !groups.is_empty() {
            command.args(["--groups", &groups.join(",")]);
        }
        let output = command.output().expect("run ccwb-local token");
        assert!(
            output.status.success(),
            "ccwb-local token failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout)
            .expect("utf-8 token")
            .trim()
            .to_owned()
    }

    /// An administrator's id token.
    pub fn admin_token(&self) -> String {
        self.token("admin@example.com", &["ccwb-admins"])
    }

    /// A request to the API with `token`, returning status, headers and JSON body.
    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        headers: &[(&str, &str)],
        body: Option<&serde_json::Value>,
    ) -> (u16, reqwest::header::HeaderMap, serde_json::Value) {
        let mut request = reqwest::Client::new()
            .request(method, format!("{}{path}", self.url))
            .bearer_auth(token);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.expect("request");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.json().await.unwrap_or(serde_json::Value::Null);
        (status, headers, body)
    }

    /// `GET path` with an optional bearer token; returns status and JSON body.
    pub async fn get(&self, path: &str, token: Option<&str>) -> (u16, serde_json::Value) {
        let mut request = reqwest::Client::new().get(format!("{}{path}", self.url));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("request");
        let status = response.status().as_u16();
        let body = response.json().await.unwrap_or(serde_json::Value::Null);
        (status, body)
    }
}

impl Drop for Local {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The `ccwb-local serve` command for a stack (not yet started).
pub fn local_command(
    aws_endpoint: &str,
    state_dir: &std::path::Path,
    stack: &str,
    options: &LocalOptions,
) -> Command {
    let mut command = Command::new(bin("ccwb-local"));
    command
        .arg("serve")
        .args(["--port", &options.port.unwrap_or(0).to_string()])
        .args(["--aws-endpoint", aws_endpoint])
        .arg("--state-dir")
        .arg(state_dir)
        .stdin(Stdio::null())
        .envs(AWS_ENV)
        .env("CCWB_STACK_NAME", stack)
        .env(
            "RUST_LOG",
            "debug,aws_config=warn,aws_smithy_runtime=warn,hyper=warn,aws_runtime=warn",
        )
        .env_remove("AWS_ENDPOINT_URL")
        .env_remove("CCWB_LOCAL_PORT");
    if options.args.is_empty() {
        command.arg("--dev-issuer");
    } else {
        command.args(&options.args);
    }
    command.envs(options.env.iter().map(|(k, v)| (k, v)));
    command
}
