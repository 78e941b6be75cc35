//! `ccwb doctor` against the local stack: healthy (every line ✓, exit 0), then with each fault
//! injected — the identity provider down, the API down, a role trusting another client id, a
//! model Bedrock does not offer — each a ✗ line naming the fault with its fix, exit 1.
//! The installed side (`--installed`) is walked in the Claude Code journey (claude_code.rs),
//! where a real package is installed.

// Dependencies are judged on the library target; this test uses only some of them.
#![allow(unused_crate_dependencies)]

use std::process::Command;

use ccwb_e2e::bedrock::{Bedrock, Usage};
use ccwb_e2e::cli::{Ccwb, Run};
use ccwb_e2e::{Local, assert_contains, temp_dir};
use serde_json::{Value, json};

const HAIKU: &str = "us.anthropic.claude-haiku-5-5";

/// `ccwb doctor` as an administrator with AWS credentials for moto, Bedrock's control plane
/// the stand-in, and a token for the API.
struct Doctor<'a> {
    ccwb: &'a Ccwb,
    local: &'a Local,
    bedrock: &'a Bedrock,
    token: &'a str,
}

impl Doctor<'_> {
    /// `ccwb <globals> doctor`.
    fn run(&self, globals: &[&str]) -> Run {
        self.run_with(globals, &[])
    }

    /// `ccwb <globals> doctor <own>`.
    fn run_with(&self, globals: &[&str], own: &[&str]) -> Run {
        let mut full = globals.to_vec();
        full.push("doctor");
        full.extend_from_slice(own);
        let mut command: Command = self.ccwb.command_with_aws(self.local, self.token, &full);
        command
            .env("HOME", temp_dir("doctor-home"))
            .env("AWS_ENDPOINT_URL_BEDROCK", &self.bedrock.url);
        command.output().expect("run ccwb doctor").into()
    }
}

fn trust(issuer_path: &str, client_id: &str) -> Value {
    json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"Federated": format!("arn:aws:iam::123456789012:oidc-provider/{issuer_path}")},
        "Action": ["sts:AssumeRoleWithWebIdentity", "sts:TagSession"],
        "Condition": {"StringEquals": {format!("{issuer_path}:aud"): client_id}}}]})
}

/// A deployment `name` of the local stack in moto: role (trusting `client_id`), stacks, and a
/// profile of that name set up by init and deploy.
async fn deployed(ccwb: &Ccwb, local: &Local, admin: &str, name: &str, client_id: &str) {
    let issuer_path = local.url.trim_start_matches("http://");
    let role = local
        .create_role(
            &format!("{name}-bedrock-developers"),
            &trust(issuer_path, client_id),
        )
        .await;
    local
        .create_stack(&format!("{name}-auth"), &[("FederatedRoleArn", &role)])
        .await;
    let models = [
        "--bedrock-regions",
        "us-east-1,us-west-2",
        "--small-fast-model",
        HAIKU,
    ];
    ccwb.init_local(local, name, name, &models);
    let mut command = ccwb.command(&["--profile", name, "deploy", "--outputs-only"]);
    command
        .env("AWS_ENDPOINT_URL", &local.aws_endpoint)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("CCWB_TOKEN", admin);
    let run: Run = command.output().expect("run ccwb deploy").into();
    assert_eq!(run.code, Some(0), "{}", run.stderr);
}

fn line<'a>(run: &'a Run, start: &str) -> &'a str {
    run.stdout
        .lines()
        .find(|l| l.starts_with(start))
        .unwrap_or_else(|| panic!("no line starting {start:?}:\n{}", run.stdout))
}

// A plain test: the Bedrock stand-in runs on a runtime of its own, which may not be started or
// dropped inside another.
#[test]
fn a_healthy_deployment_passes_and_each_fault_is_named_with_its_fix() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let local = Local::start();
    let admin = local.admin_token();
    let bedrock = Bedrock::start("ok", Usage::SMALLEST);
    let ccwb = Ccwb::new();
    let doctor = Doctor {
        ccwb: &ccwb,
        local: &local,
        bedrock: &bedrock,
        token: &admin,
    };
    let name = local.stack.clone();
    // The API's /status reports the quota and analytics stacks of the local deployment.
    runtime.block_on(async {
        local
            .create_stack(&format!("{name}-quota"), &[("ApiEndpoint", &local.url)])
            .await;
        local.create_stack(&format!("{name}-analytics"), &[]).await;
        deployed(&ccwb, &local, &admin, &name, "claude-code").await;
    });

    let healthy = doctor.run(&["--profile", &name]);
    assert_eq!(
        healthy.code,
        Some(0),
        "{}\n{}",
        healthy.stdout,
        healthy.stderr
    );
    assert!(!healthy.stdout.contains('✗'), "{}", healthy.stdout);
    for expected in [
        format!("✓ profile: {name}: valid"),
        format!(
            "✓ identity provider: {}: discovery and 1 signing key(s) read",
            local.url
        ),
        format!("✓ API: {} answers", local.url),
        "✓ signed in: admin@example.com, an administrator".to_owned(),
        format!("✓ stack {name}-quota: CREATE_COMPLETE"),
        format!(
            "✓ role trust: arn:aws:iam::123456789012:role/{name}-bedrock-developers trusts {}",
            local.url
        ),
        "✓ model us.anthropic.claude-opus-5-5 in us-east-1: inference profile active".to_owned(),
        format!("✓ model {HAIKU} in us-west-2: inference profile active"),
    ] {
        assert!(
            healthy.stdout.contains(&expected),
            "{expected}:\n{}",
            healthy.stdout
        );
    }
    let json = doctor.run(&["--profile", &name, "-o", "json"]);
    let report: Value = serde_json::from_str(&json.stdout).expect("JSON report");
    assert_eq!(report["ok"], true);
    assert!(
        report["checks"].as_array().is_some_and(|c| c.len() >= 8),
        "{report}"
    );

    // The API down: the endpoint of a closed port.
    let api_down = doctor.run(&["--profile", &name, "--endpoint", "http://127.0.0.1:9"]);
    assert_eq!(api_down.code, Some(1), "{}", api_down.stdout);
    assert!(line(&api_down, "✗ API:").contains("cannot reach http://127.0.0.1:9"));
    assert_contains(&api_down.stdout, &["fix: check the endpoint"]);
    assert!(api_down.stderr.contains("failed"), "{}", api_down.stderr);

    // A model withdrawn from Bedrock.
    bedrock.withdraw(HAIKU);
    let no_model = doctor.run(&["--profile", &name]);
    assert_eq!(no_model.code, Some(1), "{}", no_model.stdout);
    assert!(
        line(&no_model, &format!("✗ model {HAIKU} in us-east-1:"))
            .contains("ResourceNotFoundException"),
        "{}",
        no_model.stdout
    );

    // A role trusting another client id.
    let other = format!("{name}x");
    runtime.block_on(deployed(&ccwb, &local, &admin, &other, "someone-else"));
    let wrong_client = doctor.run(&["--profile", &other]);
    assert_eq!(wrong_client.code, Some(1), "{}", wrong_client.stdout);
    assert!(
        line(&wrong_client, "✗ role trust:").contains("does not name client id \"claude-code\""),
        "{}",
        wrong_client.stdout
    );
    assert_contains(&wrong_client.stdout, &["ccwb deploy auth"]);

    // The identity provider down: a profile whose issuer no longer answers.
    let config_file = ccwb.config_dir.join("config.json");
    let mut config: Value =
        serde_json::from_str(&std::fs::read_to_string(&config_file).unwrap()).unwrap();
    config["profiles"][&name]["issuer"] = json!("http://127.0.0.1:9");
    std::fs::write(&config_file, config.to_string()).unwrap();
    let idp_down = doctor.run(&["--profile", &name]);
    assert_eq!(idp_down.code, Some(1), "{}", idp_down.stdout);
    assert!(
        line(&idp_down, "✗ identity provider:")
            .contains("http://127.0.0.1:9/.well-known/openid-configuration"),
        "{}",
        idp_down.stdout
    );
    let report: Value =
        serde_json::from_str(&doctor.run_with(&["--profile", &name], &["--json"]).stdout)
            .expect("JSON report");
    assert_eq!(report["ok"], false);
    assert!(
        report["checks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["name"] == "identity provider"
                && c["outcome"] == "fail"
                && c["fix"].is_string()),
        "{report}"
    );
}
