//! ccwb-local refuses to start, loudly, when it cannot do its job.

// Dependencies are judged on the library target; this test uses only some of them.
#![allow(unused_crate_dependencies)]

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use ccwb_e2e::{AWS_ENV, LocalOptions, bin, free_port, local_command, spawn_supervised, temp_dir};

/// Runs a command to completion (within 60 s) and returns exit code and stderr.
fn run(mut command: Command) -> (Option<i32>, String) {
    let err_path = temp_dir("stderr").join("stderr.log");
    command
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&err_path).expect("stderr file"));
    let mut child = spawn_supervised(command).expect("spawn");
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        assert!(Instant::now() < deadline, "did not exit within 60 s");
        std::thread::sleep(Duration::from_millis(50));
    };
    (
        status.code(),
        std::fs::read_to_string(err_path).unwrap_or_default(),
    )
}

#[test]
fn unreachable_aws_endpoint_exits_non_zero_naming_it() {
    let endpoint = format!("http://127.0.0.1:{}", free_port());
    let command = local_command(
        &endpoint,
        &temp_dir("state"),
        "nomoto",
        &LocalOptions::default(),
    );
    let (code, stderr) = run(command);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains(&endpoint), "names the endpoint: {stderr}");
    assert!(stderr.contains("Error:"), "{stderr}");
}

#[test]
fn missing_identity_provider_or_aws_endpoint_is_a_usage_error() {
    let mut no_idp = Command::new(bin("ccwb-local"));
    no_idp
        .args(["serve", "--aws-endpoint", "http://127.0.0.1:1"])
        .envs(AWS_ENV);
    let (code, stderr) = run(no_idp);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("--dev-issuer") && stderr.contains("--issuer"),
        "{stderr}"
    );

    let mut no_endpoint = Command::new(bin("ccwb-local"));
    no_endpoint
        .args(["serve", "--dev-issuer"])
        .env_remove("AWS_ENDPOINT_URL");
    let (code, stderr) = run(no_endpoint);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("--aws-endpoint"), "{stderr}");

    let mut issuer_without_audience = Command::new(bin("ccwb-local"));
    issuer_without_audience.args([
        "serve",
        "--aws-endpoint",
        "http://127.0.0.1:1",
        "--issuer",
        "https://idp.example.com",
    ]);
    let (code, stderr) = run(issuer_without_audience);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("--audience"), "{stderr}");
}

#[test]
fn invalid_function_settings_stop_the_start() {
    let options = LocalOptions {
        env: vec![("CCWB_ADMIN_GROUPS".into(), " , ".into())],
        ..LocalOptions::default()
    };
    let command = local_command(ccwb_e2e::moto(), &temp_dir("state"), "badcfg", &options);
    let (code, stderr) = run(command);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("CCWB_ADMIN_GROUPS"), "{stderr}");
}

#[test]
fn token_command_without_a_dev_issuer_says_what_to_run() {
    let mut command = Command::new(bin("ccwb-local"));
    command
        .args(["token", "--email", "a@example.com", "--state-dir"])
        .arg(temp_dir("empty"));
    let (code, stderr) = run(command);
    assert_eq!(code, Some(1));
    assert!(stderr.contains("ccwb-local serve --dev-issuer"), "{stderr}");
}

#[test]
fn resources_are_created_idempotently() {
    // Two servers on one stack name: the second finds every resource and starts all the same.
    let stack = format!("idem{}", free_port());
    let state = temp_dir("state");
    for _ in 0..2 {
        let mut command = local_command(ccwb_e2e::moto(), &state, &stack, &LocalOptions::default());
        command.stdout(Stdio::piped()).stderr(Stdio::null());
        let mut child = spawn_supervised(command).expect("spawn");
        let mut line = String::new();
        let stdout = child.stdout.take().expect("stdout");
        std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut line).expect("line");
        assert!(line.starts_with("ccwb-local ready on "), "{line:?}");
        child.kill().expect("kill");
        child.wait().expect("wait");
    }
}
