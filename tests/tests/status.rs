//! `GET /status` and `ccwb status` against CloudFormation stacks created in moto, and the
//! `ccwb deploy` / `ccwb destroy` plumbing (offline: a dry run synthesises the CDK app).

// Dependencies are judged on the library target; this test uses only some of them.
#![allow(unused_crate_dependencies)]

use ccwb_e2e::cli::Ccwb;
use ccwb_e2e::{Local, repo_root};
use serde_json::json;

#[tokio::test(flavor = "multi_thread")]
async fn status_reports_stacks_outputs_functions_and_tables() {
    let local = Local::start();
    let admin = local.admin_token();

    // Nothing deployed yet: the stacks are reported missing, the tables as they are.
    let (status, body) = local.get("/status", Some(&admin)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["deployment"], local.stack.as_str());
    let stacks = body["stacks"].as_array().unwrap();
    assert_eq!(
        stacks.iter().map(|s| s["name"].clone()).collect::<Vec<_>>(),
        vec![
            json!(format!("{}-auth", local.stack)),
            json!(format!("{}-quota", local.stack)),
            json!(format!("{}-analytics", local.stack))
        ]
    );
    assert!(stacks.iter().all(|s| s["status"] == "NOT_FOUND"), "{body}");
    let tables = body["tables"].as_array().unwrap();
    assert_eq!(tables.len(), 3);
    assert!(tables.iter().all(|t| t["status"] == "ACTIVE"), "{body}");

    let (status, _) = local
        .get("/status", Some(&local.token("dev@example.com", &[])))
        .await;
    assert_eq!(status, 403);

    // Stacks as the CDK app names them, with its outputs; a policy to count.
    local
        .create_stack(
            &format!("{}-quota", local.stack),
            &[
                ("ApiUrl", "https://abc.execute-api.us-east-1.amazonaws.com"),
                ("Version", "0.1.0"),
                ("CheckFunctionName", "ccwb-quota-CheckFunction-1"),
                ("SweeperFunctionName", "ccwb-quota-SweeperFunction-1"),
            ],
        )
        .await;
    local
        .create_stack(&format!("{}-analytics", local.stack), &[])
        .await;
    local
        .create_stack(
            &format!("{}-auth", local.stack),
            &[("FederatedRoleArn", "arn:aws:iam::123456789012:role/x")],
        )
        .await;
    local
        .seed_policy("group", "eng", json!({"monthly_token_limit": 1000}))
        .await;

    let (status, body) = local.get("/status", Some(&admin)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["stacks"][0]["status"], "CREATE_COMPLETE",
        "the auth stack: {body}"
    );
    let quota = &body["stacks"][1];
    assert_eq!(quota["status"], "CREATE_COMPLETE", "{body}");
    assert_eq!(
        quota["outputs"]["ApiUrl"],
        "https://abc.execute-api.us-east-1.amazonaws.com"
    );
    assert!(
        quota["updated_at"]
            .as_str()
            .is_some_and(|t| t.ends_with('Z'))
    );
    assert_eq!(body["stacks"][2]["status"], "CREATE_COMPLETE");
    assert_eq!(
        body["functions"],
        json!([
            {"id": "Check", "function_name": "ccwb-quota-CheckFunction-1", "version": "0.1.0"},
            {"id": "Sweeper", "function_name": "ccwb-quota-SweeperFunction-1", "version": "0.1.0"},
        ])
    );
    let policies = body["tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == local.policies_table().as_str())
        .unwrap()
        .clone();
    assert_eq!(policies["item_count"], 1, "{body}");

    // The CLI shows the same, as a table and as JSON.
    let ccwb = Ccwb::with_token(&local.url, &admin);
    let table = ccwb.ok(&["status"]).stdout;
    for expected in [
        "CREATE_COMPLETE",
        "ApiUrl",
        "ccwb-quota-CheckFunction-1",
        &local.policies_table(),
    ] {
        assert!(table.contains(expected), "{table}");
    }
    let json_out = ccwb.ok(&["-o", "json", "status"]).json();
    assert_eq!(json_out["stacks"], body["stacks"]);
}

#[test]
fn deploy_dry_run_synthesises_with_the_profile_and_destroy_needs_confirmation() {
    // As a new administrator: `ccwb init` (the issuer is not reachable offline), then a dry run.
    let ccwb = Ccwb::new();
    ccwb.ok(&[
        "--profile",
        "prod",
        "--endpoint",
        "https://api.example.com",
        "init",
        "--non-interactive",
        "--provider-type",
        "generic",
        "--issuer",
        "https://idp.example.com",
        "--client-id",
        "cc-client",
        "--skip-discovery-check",
        "--region",
        "eu-west-1",
        "--bedrock-regions",
        "eu-west-1,eu-central-1",
    ]);
    let cdk_dir = repo_root().join("cdk");
    let cdk_dir = cdk_dir.to_str().unwrap();

    let refused = ccwb.run(&["destroy", "--cdk-dir", cdk_dir]);
    assert_eq!(refused.code, Some(2), "{}", refused.stderr);
    assert!(
        refused.stderr.contains("refusing to destroy") && refused.stderr.contains("--force"),
        "{}",
        refused.stderr
    );

    let bad = ccwb.run(&[
        "deploy",
        "--dry-run",
        "--cdk-dir",
        cdk_dir,
        "-c",
        "nonsense",
    ]);
    assert_eq!(bad.code, Some(2), "{}", bad.stderr);
    assert!(bad.stderr.contains("KEY=VALUE"), "{}", bad.stderr);

    let dry = ccwb.run(&[
        "deploy",
        "--dry-run",
        "--cdk-dir",
        cdk_dir,
        "--name",
        "drytest",
        "-c",
        "placeholderCode=true",
    ]);
    assert_eq!(dry.code, Some(0), "{}\n{}", dry.stdout, dry.stderr);
    assert!(
        dry.stderr.contains("issuer=https://idp.example.com")
            && dry.stderr.contains("audience=cc-client")
            && dry.stderr.contains("AWS_REGION=eu-west-1")
            && dry.stderr.contains("Dry run"),
        "{}",
        dry.stderr
    );
    let template = std::fs::read_to_string(repo_root().join("cdk/cdk.out/Quota.template.json"))
        .expect("synthesised quota template");
    assert!(template.contains("https://idp.example.com"));
    assert!(
        template.contains("drytest-policies"),
        "the --name reached the app"
    );
    assert!(template.contains("cc-client"));

    // The auth stack: the developers' role, trusted only through the issuer's OIDC provider
    // for this client id, with Bedrock only in the chosen regions.
    let auth: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(repo_root().join("cdk/cdk.out/Auth.template.json"))
            .expect("synthesised auth template"),
    )
    .expect("JSON template");
    let resources = auth["Resources"].as_object().expect("resources");
    let of_type = |kind: &str| {
        resources
            .values()
            .filter(|r| r["Type"] == kind)
            .cloned()
            .collect::<Vec<_>>()
    };
    let providers = of_type("AWS::IAM::OIDCProvider");
    assert_eq!(providers.len(), 1, "{auth}");
    assert_eq!(providers[0]["Properties"]["Url"], "https://idp.example.com");
    let roles = of_type("AWS::IAM::Role");
    assert_eq!(roles.len(), 1, "{auth}");
    let role = roles[0].to_string();
    for expected in [
        "sts:AssumeRoleWithWebIdentity",
        "idp.example.com:aud",
        "cc-client",
        "sts:RoleSessionName",
        "${idp.example.com:sub}",
        "aws:RequestedRegion",
        "eu-central-1",
        "bedrock:InvokeModelWithResponseStream",
    ] {
        assert!(role.contains(expected), "{expected}: {role}");
    }
    assert!(auth["Outputs"]["FederatedRoleArn"].is_object(), "{auth}");
}
