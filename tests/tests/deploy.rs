//! `ccwb deploy` after `ccwb init`, without an AWS account: the stacks' outputs read back from
//! CloudFormation (moto) into the profile, the developers' role checked in IAM and the identity
//! pool in Cognito (moto), the default policy created through the API (ccwb-local), and
//! `ccwb package` then taking the role, models and settings from the profile.

// Dependencies are judged on the library target; this test uses only some of them.
#![allow(unused_crate_dependencies)]

use std::process::Command;

use ccwb_e2e::cli::{Ccwb, Run};
use ccwb_e2e::{Local, LocalOptions, assert_contains, temp_dir};
use serde_json::{Value, json};

/// An administrator with AWS credentials for moto and a token for the API.
struct Admin<'a> {
    ccwb: &'a Ccwb,
    local: &'a Local,
    token: &'a str,
}

impl<'a> Admin<'a> {
    fn new(ccwb: &'a Ccwb, local: &'a Local, token: &'a str) -> Self {
        Self { ccwb, local, token }
    }

    /// `ccwb args…`.
    fn run(&self, args: &[&str]) -> Run {
        let mut command: Command = self.ccwb.command_with_aws(self.local, self.token, args);
        command.output().expect("run ccwb").into()
    }
}

fn profile(ccwb: &Ccwb, name: &str) -> Value {
    let text = std::fs::read_to_string(ccwb.config_dir.join("config.json")).expect("config.json");
    let config: Value = serde_json::from_str(&text).expect("JSON");
    config["profiles"][name].clone()
}

#[tokio::test(flavor = "multi_thread")]
async fn deploy_stores_the_stacks_outputs_and_creates_the_default_policy_once() {
    let local = Local::start();
    let admin = local.admin_token();
    let ccwb = Ccwb::new();
    let as_admin = Admin::new(&ccwb, &local, &admin);
    let name = local.stack.clone();
    ccwb.init_local(
        &local,
        "corp",
        &name,
        &[
            "--monthly-limit",
            "60M",
            "--enforcement",
            "block",
            "--fail-mode",
            "closed",
        ],
    );
    assert_eq!(
        profile(&ccwb, "corp")["endpoint"],
        "",
        "no API before deploy"
    );

    let trust = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"Federated": "arn:aws:iam::123456789012:oidc-provider/idp.example.com"},
        "Action": ["sts:AssumeRoleWithWebIdentity", "sts:TagSession"]}]});
    let role = local
        .create_role(&format!("{name}-bedrock-developers"), &trust)
        .await;
    local
        .create_stack(
            &format!("{name}-auth"),
            &[("FederationType", "direct"), ("FederatedRoleArn", &role)],
        )
        .await;
    local
        .create_stack(&format!("{name}-quota"), &[("ApiEndpoint", &local.url)])
        .await;

    let first = as_admin.run(&["deploy", "--outputs-only"]);
    first.assert_exit(0, &[&format!("role {role}")]);
    assert_contains(&first.stderr, &["Created the default policy"]);
    let saved = profile(&ccwb, "corp");
    assert_eq!(saved["endpoint"], local.url.as_str());
    assert_eq!(saved["deployment"]["federated_role_arn"], role.as_str());

    let (status, policy) = local.get("/policies/default/default", Some(&admin)).await;
    assert_eq!(status, 200, "{policy}");
    assert_eq!(policy["monthly_token_limit"], 60_000_000);
    assert_eq!(policy["daily_token_limit"], 2_200_000, "60M / 30 + 10%");
    assert_eq!(policy["enforcement_mode"], "block");

    // A second deploy leaves the policy as administrators may have changed it since.
    let again = as_admin.run(&["deploy", "--outputs-only"]);
    assert_eq!(again.code, Some(0), "{}", again.stderr);
    assert!(again.stderr.contains("left as it is"), "{}", again.stderr);
    let (_, unchanged) = local.get("/policies/default/default", Some(&admin)).await;
    assert_eq!(unchanged["version"], policy["version"]);

    // The package takes the role, region, models and quota settings from the profile.
    let dist = temp_dir("dist");
    let binary = dist.join("credential-process");
    std::fs::write(&binary, b"stand-in").unwrap();
    let built = ccwb
        .ok(&[
            "-o",
            "json",
            "package",
            "--target",
            "linux-x64",
            "--binary",
            &format!("linux-x64={}", binary.display()),
            "--dist",
            dist.to_str().unwrap(),
        ])
        .json();
    let dir = built["dir"].as_str().expect("package dir");
    let config: Value =
        serde_json::from_str(&std::fs::read_to_string(format!("{dir}/config.json")).unwrap())
            .unwrap();
    let developer = &config["ClaudeCode"];
    assert_eq!(developer["federated_role_arn"], role.as_str());
    assert_eq!(developer["federation_type"], "direct");
    assert_eq!(developer["issuer"], local.url.as_str());
    assert_eq!(developer["aws_region"], "us-east-1");
    assert_eq!(developer["quota_api_endpoint"], local.url.as_str());
    assert_eq!(developer["quota_fail_mode"], "closed");
    assert_eq!(developer["max_session_duration"], 28_800);
    assert_eq!(developer["claude_model"], "us.anthropic.claude-opus-5-5");
    assert_eq!(
        developer["role_session_name_claim"], "sub",
        "the role pins it"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_role_that_is_not_there_stops_the_write_back_and_cognito_stores_the_pool() {
    let local = Local::start();
    let admin = local.admin_token();
    let ccwb = Ccwb::new();
    let as_admin = Admin::new(&ccwb, &local, &admin);

    let ghost = format!("{}g", local.stack);
    ccwb.init_local(&local, "ghost", &ghost, &[]);
    local
        .create_stack(
            &format!("{ghost}-auth"),
            &[(
                "FederatedRoleArn",
                "arn:aws:iam::123456789012:role/no-such-role",
            )],
        )
        .await;
    let before = std::fs::read_to_string(ccwb.config_dir.join("config.json")).unwrap();
    let refused = as_admin.run(&["--profile", "ghost", "deploy", "--outputs-only"]);
    refused.assert_refused(
        1,
        &["cannot read role arn:aws:iam::123456789012:role/no-such-role"],
    );
    assert_eq!(
        std::fs::read_to_string(ccwb.config_dir.join("config.json")).unwrap(),
        before,
        "nothing stored"
    );

    let pooled = format!("{}c", local.stack);
    ccwb.init_local(&local, "pooled", &pooled, &["--federation", "cognito"]);
    let pool = local
        .create_identity_pool(
            &pooled,
            "arn:aws:iam::123456789012:oidc-provider/idp.example.com",
        )
        .await;
    local
        .create_stack(
            &format!("{pooled}-auth"),
            &[("FederationType", "cognito"), ("IdentityPoolId", &pool)],
        )
        .await;
    let stored = as_admin.run(&["--profile", "pooled", "deploy", "--outputs-only"]);
    stored.assert_exit(0, &[&format!("identity pool {pool}")]);
    let saved = profile(&ccwb, "pooled");
    assert_eq!(saved["deployment"]["identity_pool_id"], pool.as_str());
    assert_eq!(saved["deployment"].get("federated_role_arn"), None);
    // No quota stack.
    assert_contains(&stored.stderr, &["is not deployed (yet)"]);
}

#[test]
fn show_commands_prints_one_command_a_stack_in_order_and_runs_nothing() {
    let ccwb = Ccwb::new();
    ccwb.ok(&[
        "--profile",
        "corp",
        "init",
        "--non-interactive",
        "--provider-type",
        "okta",
        "--issuer",
        "dev-1.okta.com",
        "--client-id",
        "cc",
        "--skip-discovery-check",
        "--region",
        "eu-west-1",
        "--bedrock-regions",
        "eu-west-1,eu-central-1",
        "--restrict-models",
        "true",
    ]);
    let cdk_dir = ccwb_e2e::repo_root().join("cdk");
    let shown = ccwb.ok(&[
        "deploy",
        "--show-commands",
        "--cdk-dir",
        cdk_dir.to_str().unwrap(),
    ]);
    let lines: Vec<&str> = shown.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{}", shown.stdout);
    for (line, stack) in lines.iter().zip(["Auth", "Analytics", "Quota"]) {
        assert!(line.contains("cdk deploy "), "{line}");
        assert!(line.contains(&format!(" {stack} ")), "{stack}: {line}");
        assert!(line.contains("--exclusively"), "{line}");
        for context in [
            "-c issuer=https://dev-1.okta.com",
            "-c audience=cc",
            "-c bedrockRegions=eu-west-1,eu-central-1",
            "-c allowedModels=eu.anthropic.claude-opus-5-5,eu.anthropic.claude-haiku-5-5",
            "-c providerType=okta",
            "-c stackName=ccwb",
            "AWS_REGION=eu-west-1",
        ] {
            assert!(line.contains(context), "{context}: {line}");
        }
    }
    assert_contains(&shown.stderr, &["ccwb deploy --outputs-only"]);
}

/// `make run`'s local stack (`serve --dev-issuer --stacks`) as the README walks it: `init`, then
/// `deploy --outputs-only` reads the stand-in stacks, `package` needs no ARN, and `doctor` finds
/// the role trusting the dev issuer for the client id (moto has no Bedrock: the models are
/// skipped, not failed).
#[test]
fn the_local_stacks_fill_the_profile_so_no_arn_is_typed() {
    let options = LocalOptions::default().with_args(&["--dev-issuer", "--stacks"]);
    let local = Local::start_with(options);
    let admin = local.admin_token();
    let ccwb = Ccwb::new();
    let name = local.stack.clone();
    let mut init = vec!["--profile", &name, "init", "--non-interactive"];
    init.extend(["--provider-type", "generic", "--issuer", &local.url]);
    init.extend([
        "--client-id",
        "ccwb-local",
        "--region",
        "us-east-1",
        "--name",
        &name,
    ]);
    ccwb.ok(&init);
    let as_admin = Admin::new(&ccwb, &local, &admin);
    as_admin
        .run(&["--profile", &name, "deploy", "--outputs-only"])
        .assert_exit(0, &[]);
    let saved = profile(&ccwb, &name);
    let role = format!("arn:aws:iam::123456789012:role/{name}-bedrock-developers");
    assert_eq!(saved["deployment"]["federated_role_arn"], role.as_str());
    assert_eq!(saved["endpoint"], local.url.as_str());

    let dist = temp_dir("dist-local-stacks");
    let binary = dist.join("credential-process");
    std::fs::write(&binary, b"stand-in").unwrap();
    let target = format!("linux-x64={}", binary.display());
    let mut package = vec!["--profile", &name, "package", "--target", "linux-x64"];
    package.extend(["--binary", &target, "--dist", dist.to_str().unwrap()]);
    let built = ccwb.json(&package);
    let dir = built["dir"].as_str().expect("package dir");
    let config: Value =
        serde_json::from_str(&std::fs::read_to_string(format!("{dir}/config.json")).unwrap())
            .unwrap();
    assert_eq!(config["ClaudeCode"]["federated_role_arn"], role.as_str());
    assert_eq!(config["ClaudeCode"]["client_id"], "ccwb-local");

    let doctor: Run = ccwb
        .command_with_aws(&local, &admin, &["--profile", &name, "doctor"])
        .env("HOME", temp_dir("doctor-local-home"))
        .output()
        .expect("run ccwb doctor")
        .into();
    assert_eq!(doctor.code, Some(0), "{}\n{}", doctor.stdout, doctor.stderr);
    assert!(!doctor.stdout.contains('✗'), "{}", doctor.stdout);
    assert_contains(
        &doctor.stdout,
        &[
            &format!("✓ stack {name}-auth: CREATE_COMPLETE"),
            &format!(
                "✓ role trust: {role} trusts {} for client id ccwb-local",
                local.url
            ),
            "does not serve Bedrock",
        ],
    );
}
