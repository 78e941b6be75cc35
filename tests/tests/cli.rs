//! The `ccwb` binary against the local stack: exit codes 0/1/2 and what it prints.

use std::process::Command;

use ccwb_e2e::{Local, bin, free_port};
use serde_json::{Value, json};

fn ccwb(args: &[&str], token: Option<&str>) -> (Option<i32>, String, String) {
    let mut command = Command::new(bin("ccwb"));
    command
        .args(args)
        .env_remove("CCWB_ENDPOINT")
        .env_remove("CCWB_TOKEN");
    if let Some(token) = token {
        command.env("CCWB_TOKEN", token);
    }
    let output = command.output().expect("run ccwb");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn whoami_prints_the_caller_as_json_and_as_a_table() {
    let local = Local::start();
    let token = local.token("Ann@Example.com", &["ccwb-admins"]);
    let (code, stdout, stderr) = ccwb(
        &["whoami", "--endpoint", &local.url, "--output", "json"],
        Some(&token),
    );
    assert_eq!(code, Some(0), "{stderr}");
    let me: Value = serde_json::from_str(&stdout).expect("json output");
    assert_eq!(
        me,
        json!({"identity": "ann@example.com", "groups": ["ccwb-admins"], "admin": true})
    );

    let (code, stdout, _) = ccwb(&["whoami", "--endpoint", &local.url], Some(&token));
    assert_eq!(code, Some(0));
    assert!(
        stdout.contains("ann@example.com") && stdout.contains("yes"),
        "{stdout}"
    );
    assert!(!stdout.contains(&token), "the token is never printed");
}

#[test]
fn failures_exit_1_with_an_error_line_and_a_hint() {
    let local = Local::start();
    let (code, _, stderr) = ccwb(&["whoami", "--endpoint", &local.url], None);
    assert_eq!(code, Some(1));
    assert!(stderr.starts_with("Error: not signed in"), "{stderr}");
    assert!(stderr.contains("hint:"), "{stderr}");

    let (code, _, stderr) = ccwb(&["whoami", "--endpoint", &local.url], Some("garbage"));
    assert_eq!(code, Some(1));
    assert!(stderr.contains("401"), "{stderr}");

    let dead = format!("http://127.0.0.1:{}", free_port());
    let (code, _, stderr) = ccwb(&["whoami", "--endpoint", &dead], Some("x"));
    assert_eq!(code, Some(1));
    assert!(stderr.contains("cannot reach the API"), "{stderr}");

    let (code, _, stderr) = ccwb(&["whoami"], Some("x"));
    assert_eq!(code, Some(1));
    assert!(stderr.contains("CCWB_ENDPOINT"), "{stderr}");
}

#[test]
fn usage_errors_exit_2_and_completions_print_a_script() {
    let (code, _, stderr) = ccwb(&["whoami", "--output", "yaml"], None);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("yaml"), "{stderr}");
    let (code, stdout, _) = ccwb(&["completions", "bash"], None);
    assert_eq!(code, Some(0));
    assert!(
        stdout.contains("complete") && stdout.contains("whoami"),
        "{stdout}"
    );
}
