//! `credential-process` end to end: the real binary signs in with ccwb-local's dev issuer (the
//! test plays the browser), asks the real `/check`, and gets credentials from moto's STS or
//! Cognito identity pool. Recording proxies count every AWS and API request it makes.

// Dependencies are judged on the library target; this test uses only some of them.
#![allow(unused_crate_dependencies)]

use std::time::Duration;

use ccwb_e2e::credential_process::{Developer, wait};
use ccwb_e2e::oidc_provider::OidcProvider;
use ccwb_e2e::proxy::RecordingProxy;
use ccwb_e2e::tokens::Signer;
use ccwb_e2e::{Local, LocalOptions, assert_contains, free_port, moto, repo_root};
#[cfg(unix)]
use ccwb_e2e::{assert_mode, mode};
use serde_json::{Value, json};

const ROLE: &str = "arn:aws:iam::123456789012:role/ClaudeCode";
const PROFILE: &str = "ClaudeCode";

/// A profile signing in with `local`'s dev issuer, STS into [`ROLE`], the quota at `api`.
fn profile(local: &Local, api: Option<&str>, extra: Value) -> Value {
    let mut profile = json!({
        "issuer": local.url,
        "client_id": "ccwb-local",
        "aws_region": "us-east-1",
        "federated_role_arn": ROLE,
        "redirect_port": free_port(),
    });
    if let Some(api) = api {
        profile["quota_api_endpoint"] = json!(api);
    }
    for (key, value) in extra.as_object().expect("extra keys") {
        profile[key] = value.clone();
    }
    profile
}

/// A developer calling AWS at `aws` whose profile signs in with `local`'s dev issuer and checks
/// its quota API.
fn developer(local: &Local, aws: &str) -> Developer {
    let dev = Developer::new(aws);
    dev.write_config(json!({ PROFILE: profile(local, Some(&local.url), json!({})) }));
    dev
}

/// The local stack, moto and its API behind recording proxies, and a developer calling them.
fn recorded() -> (Local, RecordingProxy, RecordingProxy, Developer) {
    let local = Local::start();
    let aws = RecordingProxy::start(moto());
    let api = RecordingProxy::start(&local.url);
    let dev = Developer::new(&aws.url);
    (local, aws, api, dev)
}

fn assert_credentials(stdout: &str) -> Value {
    let value: Value = serde_json::from_str(stdout.trim())
        .unwrap_or_else(|e| panic!("stdout is not the credential JSON ({e}): {stdout:?}"));
    let keys: Vec<&str> = value
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys.len(),
        5,
        "exactly the credential_process keys: {value}"
    );
    assert_eq!(value["Version"], 1);
    for key in ["AccessKeyId", "SecretAccessKey", "SessionToken"] {
        assert!(
            value[key].as_str().is_some_and(|v| !v.is_empty()),
            "{key}: {value}"
        );
    }
    let expiration = value["Expiration"].as_str().expect("Expiration");
    let parsed =
        time::OffsetDateTime::parse(expiration, &time::format_description::well_known::Rfc3339)
            .expect("RFC 3339 Expiration");
    assert!(expiration.ends_with('Z'), "UTC: {expiration}");
    assert!(parsed > time::OffsetDateTime::now_utc());
    value
}

/// Seconds from now until the credentials expire.
fn lifetime(credentials: &Value) -> i64 {
    let expiration = credentials["Expiration"].as_str().expect("Expiration");
    let at =
        time::OffsetDateTime::parse(expiration, &time::format_description::well_known::Rfc3339)
            .expect("RFC 3339 Expiration");
    (at - time::OffsetDateTime::now_utc()).whole_seconds()
}

fn sts_calls(proxy: &RecordingProxy) -> usize {
    proxy
        .actions()
        .iter()
        .filter(|a| a.contains("POST"))
        .count()
}

fn month() -> String {
    let now = time::OffsetDateTime::now_utc();
    format!("MONTH#{:04}-{:02}", now.year(), u8::from(now.month()))
}

#[test]
fn first_run_signs_in_then_the_cache_serves_with_no_network_call() {
    let (local, aws, api, dev) = recorded();
    dev.write_config(json!({ PROFILE: profile(&local, Some(&api.url), json!({})) }));

    // First run: browser sign-in (a wrong `state` first: answered 400, sign-in goes on),
    // /check, STS.
    let child = dev.spawn(&[]);
    let url = dev.wait_for_browser(1);
    let callback = url::Url::parse(&url)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "redirect_uri")
        .map(|(_, v)| v.into_owned())
        .unwrap();
    let wrong = reqwest::blocking::get(format!("{callback}?code=x&state=wrong")).unwrap();
    assert_eq!(wrong.status(), 400);
    assert!(
        wrong
            .text()
            .unwrap()
            .contains("not the sign-in you started")
    );
    let first = dev.finish_with_dev_issuer(child, 1);
    assert_eq!(first.code, Some(0), "{}", first.stderr);
    let credentials = assert_credentials(&first.stdout);
    assert_eq!(sts_calls(&aws), 1, "{:?}", aws.actions());
    assert_eq!(api.actions(), vec!["GET /check"]);
    let cache = dev.cache(PROFILE);
    let id_token = cache["tokens"]["id_token"].as_str().unwrap().to_owned();
    for secret in [
        id_token.as_str(),
        credentials["SecretAccessKey"].as_str().unwrap(),
        credentials["SessionToken"].as_str().unwrap(),
    ] {
        assert!(!first.stderr.contains(secret), "a secret on stderr");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dev.cache_dir.join("ClaudeCode.json"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    // Second run: from the cache, no request anywhere, the cache untouched.
    let before = std::fs::read(dev.cache_dir.join("ClaudeCode.json")).unwrap();
    let second = dev.run(&["--profile", PROFILE]);
    assert_eq!(second.code, Some(0), "{}", second.stderr);
    assert_eq!(assert_credentials(&second.stdout), credentials);
    assert_eq!(second.stderr, "");
    assert_eq!(sts_calls(&aws), 1);
    assert_eq!(api.actions().len(), 1);
    assert_eq!(dev.browser_opened().len(), 1);
    assert_eq!(
        std::fs::read(dev.cache_dir.join("ClaudeCode.json")).unwrap(),
        before
    );

    // --explain: file, profile, state and next step, no secrets.
    let explain = dev.run(&["--explain"]);
    assert_eq!(explain.code, Some(0), "{}", explain.stderr);
    for expected in [
        dev.config_path.display().to_string(),
        "Profile:       ClaudeCode".to_owned(),
        "Credentials:   valid until".to_owned(),
        "refresh token saved".to_owned(),
        "Next run:      print the cached credentials".to_owned(),
    ] {
        assert!(explain.stdout.contains(&expected), "{}", explain.stdout);
    }
    assert!(!explain.stdout.contains(&id_token));
    assert!(
        !explain
            .stdout
            .contains(credentials["SecretAccessKey"].as_str().unwrap())
    );
}

#[test]
fn boto3_uses_it_as_an_aws_credential_process() {
    let local = Local::start();
    let dev = developer(&local, moto());
    let first = dev.spawn(&[]);
    assert_eq!(dev.finish_with_dev_issuer(first, 1).code, Some(0));

    // The same AWS config a developer writes; boto3 (installed with moto) reads it as the AWS
    // CLI does.
    let aws_config = dev.home.join("aws-config");
    std::fs::write(
        &aws_config,
        format!(
            "[profile claude]\ncredential_process = {} --profile {PROFILE}\nregion = us-east-1\n",
            ccwb_e2e::bin("credential-process").display()
        ),
    )
    .unwrap();
    let python = repo_root().join(".venv/bin/python");
    let mut command = std::process::Command::new(python);
    command
        .args([
            "-c",
            "import boto3, json; print(json.dumps(boto3.Session(profile_name='claude').client('sts').get_caller_identity()['Arn']))",
        ])
        .env("AWS_CONFIG_FILE", &aws_config)
        .env("AWS_SHARED_CREDENTIALS_FILE", dev.home.join("none"))
        .env("AWS_ENDPOINT_URL", moto())
        .env("HOME", &dev.home)
        .env("XDG_CONFIG_HOME", dev.home.join("config"))
        .env("XDG_CACHE_HOME", dev.home.join("cache"))
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env_remove("AWS_PROFILE");
    let output = command.output().expect("run python");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let arn = String::from_utf8_lossy(&output.stdout);
    assert!(
        arn.contains("assumed-role/ClaudeCode/dev@example.com"),
        "{arn}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn interval_zero_checks_every_run_and_a_block_exits_1_without_sts() {
    let (local, aws, api, dev) = recorded();
    dev.write_config(json!({
        PROFILE: profile(&local, Some(&api.url), json!({"quota_check_interval": 0}))
    }));
    let first = tokio::task::block_in_place(|| dev.finish_with_dev_issuer(dev.spawn(&[]), 1));
    assert_eq!(first.code, Some(0), "{}", first.stderr);
    let second = dev.run(&[]);
    assert_eq!(second.code, Some(0), "{}", second.stderr);
    assert_eq!(api.actions(), vec!["GET /check", "GET /check"]);
    assert_eq!(sts_calls(&aws), 1);

    // Far from every limit: the profile's maximum session (8 hours).
    let far = lifetime(&assert_credentials(&first.stdout));
    assert!((28_700..=28_800).contains(&far), "{far} s");

    // 99% of a block-mode limit: a warning banner, and the cached 8-hour credentials replaced
    // by ones that end before the limit is likely reached (at most 10/990 of the month so far,
    // halved: 3.75 hours on the 31st, STS's 15 minutes at the least).
    let admin = local.admin_token();
    let policy = json!({"monthly_token_limit": 1000, "enforcement_mode": "block"});
    let path = "/policies/user/dev@example.com";
    local.create_policy(path, &admin, &policy).await;
    local.seed_usage("dev@example.com", &month(), 990, 0).await;
    let warned = dev.run(&[]);
    assert_eq!(warned.code, Some(0), "{}", warned.stderr);
    let near = lifetime(&assert_credentials(&warned.stdout));
    assert!((850..=13_530).contains(&near), "{near} s");
    assert_contains(&warned.stderr, &["Claude Code quota warning"]);
    assert_eq!(sts_calls(&aws), 2);

    // Over the limit: exit 1 with the banner, no STS call, cached credentials gone.
    local.seed_usage("dev@example.com", &month(), 1200, 0).await;
    let blocked = dev.run(&[]);
    assert_eq!(blocked.code, Some(1), "{}", blocked.stderr);
    assert_eq!(blocked.stdout, "");
    assert_contains(
        &blocked.stderr,
        &[
            "Claude Code access blocked: monthly exceeded",
            "1,200 of 1,000 tokens (120%)",
            "Policy: user dev@example.com (block mode)",
            "Error: access blocked by quota policy (monthly_exceeded)",
        ],
    );
    assert_eq!(sts_calls(&aws), 2);
    assert!(dev.cache(PROFILE).get("credentials").is_none());
    assert!(dev.cache(PROFILE).get("tokens").is_some());

    // An unblock takes effect at the next run: new credentials, no browser.
    let (status, body) = local
        .unblock(&admin, "dev@example.com", "1h", "release day")
        .await;
    assert_eq!(status, 201, "{body}");
    let unblocked = dev.run(&[]);
    assert_eq!(unblocked.code, Some(0), "{}", unblocked.stderr);
    // Credentials end with the unblock (1 hour), when the block applies again.
    let until_unblock_ends = lifetime(&assert_credentials(&unblocked.stdout));
    assert!(
        (3_500..=3_600).contains(&until_unblock_ends),
        "{until_unblock_ends} s"
    );
    assert_eq!(sts_calls(&aws), 3);
    assert_eq!(dev.browser_opened().len(), 1);
}

#[test]
fn a_stopped_api_fails_open_or_closed_as_configured() {
    let local = Local::start();
    let aws = RecordingProxy::start(moto());
    let dead = format!("http://127.0.0.1:{}", free_port());
    let dev = Developer::new(&aws.url);
    dev.write_config(json!({
        "Open": profile(&local, Some(&dead), json!({"quota_fail_mode": "open"})),
        "Closed": profile(&local, Some(&dead), json!({"quota_fail_mode": "closed"})),
    }));

    let open = dev.finish_with_dev_issuer(dev.spawn(&["--profile", "Open"]), 1);
    assert_eq!(open.code, Some(0), "{}", open.stderr);
    assert_credentials(&open.stdout);
    assert!(
        open.stderr.contains("quota check unavailable") && open.stderr.contains("\"open\""),
        "{}",
        open.stderr
    );
    assert_eq!(sts_calls(&aws), 1);

    let closed = dev.finish_with_dev_issuer(dev.spawn(&["--profile", "Closed"]), 2);
    assert_eq!(closed.code, Some(1));
    assert_eq!(closed.stdout, "");
    let last = closed.stderr.trim_end().lines().last().unwrap_or_default();
    assert!(
        last.starts_with("Error: quota check failed") && last.contains("\"closed\""),
        "{}",
        closed.stderr
    );
    assert_eq!(sts_calls(&aws), 1, "closed: no STS call");
}

#[test]
fn five_concurrent_runs_share_one_sign_in() {
    let local = Local::start();
    let aws = RecordingProxy::start(moto());
    let dev = developer(&local, &aws.url);
    let children: Vec<_> = (0..5).map(|_| dev.spawn(&[])).collect();
    let url = dev.wait_for_browser(1);
    // Give the others time to reach the lock (they wait whatever the timing).
    std::thread::sleep(Duration::from_millis(300));
    assert!(dev.play_dev_issuer(&url).contains("Signed in"));
    let runs: Vec<_> = children.into_iter().map(wait).collect();
    let mut outputs = Vec::new();
    for run in &runs {
        assert_eq!(run.code, Some(0), "{}", run.stderr);
        outputs.push(assert_credentials(&run.stdout));
    }
    assert!(outputs.windows(2).all(|w| w[0] == w[1]), "same credentials");
    assert_eq!(dev.browser_opened().len(), 1, "one browser window");
    assert_eq!(sts_calls(&aws), 1, "one STS call: {:?}", aws.actions());
}

#[tokio::test(flavor = "multi_thread")]
async fn otel_headers_check_quota_refresh_and_clear_cache() {
    let local = Local::start();
    let dev = developer(&local, moto());

    // The helper runs in the background: with no sign-in it never opens a browser, prints
    // nothing and fails at once, and Claude Code asks again later.
    let unsigned = dev.run(&["--otel-headers"]);
    assert_eq!(unsigned.code, Some(1), "{}", unsigned.stdout);
    assert_eq!(unsigned.stdout, "");
    assert_contains(&unsigned.stderr, &["to sign in"]);
    assert!(
        dev.browser_opened().is_empty(),
        "no browser from the helper"
    );

    let child = dev.spawn(&[]);
    let signed_in = tokio::task::block_in_place(|| dev.finish_with_dev_issuer(child, 1));
    assert_eq!(signed_in.code, Some(0), "{}", signed_in.stderr);
    let run = dev.run(&["--otel-headers"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let headers: Value = serde_json::from_str(run.stdout.trim()).expect("headers JSON");
    let bearer = headers["Authorization"].as_str().expect("Authorization");
    let token = bearer.strip_prefix("Bearer ").expect("Bearer token");
    assert_eq!(headers.as_object().unwrap().len(), 1);
    let (status, me) = local.get("/me", Some(token)).await;
    assert_eq!(status, 200);
    assert_eq!(me["identity"], "dev@example.com");

    let check = dev.run(&["--check-quota"]);
    assert_eq!(check.code, Some(0), "{}", check.stderr);
    let check: Value = serde_json::from_str(&check.stdout).expect("check JSON");
    assert_eq!(check["allowed"], true);
    assert_eq!(check["reason"], "no_policy");

    // A token that would expire within Claude Code's 29 minutes of caching the headers (here
    // 20 minutes left) is renewed with the refresh token, without the browser; so is an
    // expired one.
    let cache_path = dev.cache_dir.join("ClaudeCode.json");
    for left in [20 * 60, -10] {
        let soon = ccwb_e2e::tokens::now() + left;
        let mut cache = dev.cache(PROFILE);
        cache["tokens"]["expires_at"] = json!(soon);
        std::fs::write(&cache_path, cache.to_string()).unwrap();
        let renewed = dev.run(&["--otel-headers"]);
        assert_eq!(renewed.code, Some(0), "{}", renewed.stderr);
        let expires = dev.cache(PROFILE)["tokens"]["expires_at"].as_i64().unwrap();
        assert!(
            expires > ccwb_e2e::tokens::now() + 35 * 60,
            "renewed to more than 35 minutes: {expires}"
        );
    }
    assert_eq!(dev.browser_opened().len(), 1);

    // With no refresh token, a short-lived one cannot be renewed silently: nothing printed.
    let mut cache = dev.cache(PROFILE);
    cache["tokens"]["expires_at"] = json!(ccwb_e2e::tokens::now() + 20 * 60);
    cache["tokens"]
        .as_object_mut()
        .unwrap()
        .remove("refresh_token");
    std::fs::write(&cache_path, cache.to_string()).unwrap();
    let stuck = dev.run(&["--otel-headers"]);
    assert_eq!(stuck.code, Some(1));
    assert_eq!(stuck.stdout, "");
    assert_eq!(dev.browser_opened().len(), 1);

    let cleared = dev.run(&["--clear-cache"]);
    assert_eq!(cleared.code, Some(0), "{}", cleared.stderr);
    assert!(cleared.stderr.contains("Removed"), "{}", cleared.stderr);
    assert!(!cache_path.exists());
    let explain = dev.run(&["--explain"]);
    assert!(
        explain.stdout.contains("Sign-in:       not signed in")
            && explain.stdout.contains("sign in through the browser"),
        "{}",
        explain.stdout
    );
}

#[test]
fn configuration_problems_are_one_clear_line_and_exit_1() {
    let dev = Developer::new(moto());
    let missing = dev.run(&[]);
    assert_eq!(missing.code, Some(1));
    assert!(
        missing
            .stderr
            .starts_with("Error: no config.json: looked in"),
        "{}",
        missing.stderr
    );

    let cases = [
        (
            json!({"client_id": "c", "aws_region": "us-east-1", "federated_role_arn": ROLE}),
            "\"provider_domain\" is required",
        ),
        (
            json!({"provider_domain": "idp.example.com", "aws_region": "us-east-1", "federated_role_arn": ROLE}),
            "\"client_id\" is required",
        ),
        (
            json!({"provider_domain": "idp.example.com", "client_id": "c", "aws_region": "us-east-1", "federated_role_arn": ROLE, "quota_fail_mode": "sometimes"}),
            "\"quota_fail_mode\" must be \"open\" or \"closed\"",
        ),
    ];
    for (profile, expected) in cases {
        dev.write_config(json!({ PROFILE: profile }));
        let run = dev.run(&[]);
        assert_eq!(run.code, Some(1), "{}", run.stderr);
        assert_eq!(run.stdout, "");
        assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
        assert!(run.stderr.contains(expected), "{}", run.stderr);
    }

    // The original installer's layout, an unknown key (warned about), another profile.
    dev.write_config_text(
        &json!({"Other": {"provider_domain": "idp.example.com", "client_id": "c",
            "aws_region": "us-east-1", "federated_role_arn": ROLE, "colour": "red"}})
        .to_string(),
    );
    let run = dev.run(&[]);
    assert_eq!(run.code, Some(1));
    assert!(
        run.stderr.contains("profile \"ClaudeCode\" is not in") && run.stderr.contains("Other"),
        "{}",
        run.stderr
    );
    let explain = dev.run(&["--profile", "Other", "--explain"]);
    assert_eq!(explain.code, Some(0), "{}", explain.stderr);
    assert!(explain.stdout.contains("unknown key \"colour\""));

    let bad_flag = dev.run(&["--bogus"]);
    assert_eq!(bad_flag.code, Some(1));
    assert_eq!(bad_flag.stderr.lines().count(), 1, "{}", bad_flag.stderr);
    assert!(bad_flag.stderr.starts_with("Error: "));
    let version = dev.run(&["--version"]);
    assert_eq!(version.code, Some(0));
    assert!(version.stdout.starts_with("credential-process "));
}

#[test]
fn cognito_identity_pool_federation() {
    let local = Local::start();
    let dev = Developer::new(moto());
    let pool = tokio::runtime::Runtime::new().unwrap().block_on(async {
        ccwb_e2e::aws::call(
            moto(),
            "AWSCognitoIdentityService.CreateIdentityPool",
            "cognito-identity",
            json!({"IdentityPoolName": "claude", "AllowUnauthenticatedIdentities": false,
                "OpenIdConnectProviderARNs": []}),
        )
        .await
    });
    let pool_id = pool["IdentityPoolId"].as_str().expect("pool id").to_owned();
    let mut cognito = profile(
        &local,
        None,
        json!({"federation_type": "cognito", "identity_pool_id": pool_id}),
    );
    cognito
        .as_object_mut()
        .unwrap()
        .remove("federated_role_arn");
    dev.write_config(json!({ PROFILE: cognito }));
    let run = dev.finish_with_dev_issuer(dev.spawn(&[]), 1);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_credentials(&run.stdout);
}

#[cfg(target_os = "linux")]
#[test]
fn keyring_storage_keeps_nothing_on_disk() {
    let local = Local::start();
    let aws = RecordingProxy::start(moto());
    let dev = Developer::new(&aws.url);
    // A profile name of its own: the kernel keyring is shared by the test processes.
    let name = format!("kr-{}", uuid::Uuid::new_v4().simple());
    dev.write_config(json!({
        &name: profile(&local, None, json!({"credential_storage": "keyring"}))
    }));
    let first = dev.finish_with_dev_issuer(dev.spawn(&["--profile", &name]), 1);
    assert_eq!(first.code, Some(0), "{}", first.stderr);
    let second = dev.run(&["--profile", &name]);
    assert_eq!(second.code, Some(0), "{}", second.stderr);
    assert_eq!(
        assert_credentials(&second.stdout),
        assert_credentials(&first.stdout)
    );
    assert_eq!(sts_calls(&aws), 1);
    let files: Vec<_> = std::fs::read_dir(&dev.cache_dir)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|f| f.ends_with(".json"))
        .collect();
    assert!(files.is_empty(), "no cache file: {files:?}");
    let cleared = dev.run(&["--profile", &name, "--clear-cache"]);
    assert!(cleared.stderr.contains("Removed"), "{}", cleared.stderr);
    let explain = dev.run(&["--profile", &name, "--explain"]);
    assert_contains(&explain.stdout, &["Credentials:   none cached"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_third_party_openid_provider_signs_in_and_the_api_accepts_its_tokens() {
    let provider = OidcProvider::start("claude-code", &["http://127.0.0.1/callback"]);
    let discovery: Value = reqwest::get(format!(
        "{}/.well-known/openid-configuration",
        provider.issuer
    ))
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let local = Local::start_with(LocalOptions {
        args: vec![
            "--issuer".into(),
            provider.issuer.clone(),
            "--audience".into(),
            "claude-code".into(),
            "--jwks-url".into(),
            discovery["jwks_uri"].as_str().unwrap().to_owned(),
        ],
        ..LocalOptions::default()
    });
    let aws = RecordingProxy::start(moto());
    let dev = Developer::new(&aws.url);
    dev.write_config(json!({ PROFILE: {
        "provider_domain": provider.issuer,
        "provider_type": "generic",
        "client_id": "claude-code",
        "aws_region": "us-east-1",
        "federation_type": "direct",
        "federated_role_arn": ROLE,
        "redirect_port": free_port(),
        "quota_api_endpoint": local.url,
        "quota_fail_mode": "closed",
    }}));
    let child = dev.spawn(&[]);
    let run = tokio::task::block_in_place(|| {
        let url = dev.wait_for_browser(1);
        provider.sign_in(&url, "interop@example.com");
        wait(child)
    });
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_credentials(&run.stdout);
    assert_eq!(sts_calls(&aws), 1);
    // The quota check ran with the provider's token (fail mode closed would have refused).
    let check = dev.run(&["--check-quota"]);
    assert_eq!(check.code, Some(0), "{}", check.stderr);
    assert_contains(&check.stdout, &["\"reason\": \"no_policy\""]);
}

#[cfg(unix)]
#[test]
fn under_umask_000_the_cache_directory_and_its_files_stay_private() {
    use std::os::unix::fs::PermissionsExt;
    use std::process::Stdio;

    let local = Local::start();
    let dev = Developer::new(moto());
    let settings = json!({"quota_check_interval": 0});
    dev.write_config(json!({ PROFILE: profile(&local, Some(&local.url), settings) }));
    let run_under_umask_000 = || {
        let mut command = ccwb_e2e::process::under_umask(&dev.command(&[]), "000");
        command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        command.spawn().expect("spawn credential-process")
    };
    let first = dev.finish_with_dev_issuer(run_under_umask_000(), 1);
    assert_eq!(first.code, Some(0), "{}", first.stderr);
    assert_credentials(&first.stdout);
    for dir in [dev.home.join("cache"), dev.cache_dir.clone()] {
        assert_mode(&dir, 0o700);
    }
    for name in ["ClaudeCode.json", "ClaudeCode.lock"] {
        let file = dev.cache_dir.join(name);
        assert_mode(&file, 0o600);
    }

    // A cache directory others can write to is made private again by the next run that writes
    // (a quota check at every run here), which says so on stderr; stdout stays the credentials.
    std::fs::set_permissions(&dev.cache_dir, std::fs::Permissions::from_mode(0o777)).unwrap();
    let second = wait(run_under_umask_000());
    assert_eq!(second.code, Some(0), "{}", second.stderr);
    assert_credentials(&second.stdout);
    assert_eq!(mode(&dev.cache_dir), 0o700);
    assert!(
        second
            .stderr
            .contains(&format!("Warning: {}", dev.cache_dir.display()))
            && second.stderr.contains("0777"),
        "{}",
        second.stderr
    );
}

/// The `/me` answer's fields of a `--show-claims --json` reading.
fn as_me(shown: &Value) -> Value {
    json!({"identity": shown["identity"], "groups": shown["groups"], "admin": shown["admin"]})
}

#[tokio::test(flavor = "multi_thread")]
async fn show_claims_signs_in_once_then_shows_from_the_cache_what_me_answers() {
    let (local, aws, api, dev) = recorded();
    dev.write_config(json!({
        "Lead": profile(&local, Some(&api.url), json!({})),
        "Member": profile(&local, Some(&api.url), json!({})),
    }));

    // Nothing cached: it signs in, the normal run's way (the browser), and asks nobody else.
    let child = dev.spawn(&["--profile", "Lead", "--show-claims"]);
    let first = tokio::task::block_in_place(|| {
        dev.finish_with_dev_issuer_as(child, 1, "Lead@Example.com", &["ccwb-admins", "team eng"])
    });
    assert_eq!(first.code, Some(0), "{}", first.stderr);
    assert_contains(
        &first.stdout,
        &[
            "Claims of the id token (the token and its signature are not shown):\n{\n",
            "\"email\": \"lead@example.com\"",
            "\nidentity: lead@example.com  (from claim email)\n",
            // Each group claim string is one group: `team eng` is not split.
            "\ngroups:   \"ccwb-admins\", \"team eng\"\n",
            "\nadmin:    yes  (admin groups: ccwb-admins, the API's default)\n",
            " min)\n",
        ],
    );
    let token = dev.cache("Lead")["tokens"]["id_token"]
        .as_str()
        .expect("cached id token")
        .to_owned();
    let signature = token.rsplit('.').next().expect("signature");
    for output in [&first.stdout, &first.stderr] {
        assert!(!output.contains(&token) && !output.contains(signature));
    }
    assert!(aws.actions().is_empty(), "{:?}", aws.actions());
    assert!(api.actions().is_empty(), "{:?}", api.actions());

    // Cached: no browser, no request, the cache untouched; and what /me answers for the token.
    let cache_file = dev.cache_dir.join("Lead.json");
    let before = std::fs::read(&cache_file).unwrap();
    let second = dev.run(&["--profile", "Lead", "--show-claims", "--json"]);
    assert_eq!(second.code, Some(0), "{}", second.stderr);
    let shown: Value = serde_json::from_str(&second.stdout).expect("--json is JSON");
    assert_eq!(dev.browser_opened().len(), 1);
    assert!(aws.actions().is_empty() && api.actions().is_empty());
    assert_eq!(std::fs::read(&cache_file).unwrap(), before);
    let (status, me) = local.get("/me", Some(&token)).await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(as_me(&shown), me);
    assert_eq!(
        me,
        json!({"identity": "lead@example.com", "groups": ["ccwb-admins", "team eng"], "admin": true})
    );
    assert_eq!(shown["identity_from"], json!(["email"]));
    assert_eq!(shown["claims"]["email"], "lead@example.com");
    assert_eq!(shown["admin_groups"], "ccwb-admins");
    assert!(
        shown["expires_in_seconds"].as_i64().unwrap() > 60,
        "{shown}"
    );
    assert!(!second.stdout.contains(signature));

    // Outside the admin groups: admin no, as /me says.
    let child = dev.spawn(&["--profile", "Member", "--show-claims"]);
    let member = tokio::task::block_in_place(|| {
        dev.finish_with_dev_issuer_as(child, 2, "member@example.com", &["eng"])
    });
    assert_eq!(member.code, Some(0), "{}", member.stderr);
    assert_contains(
        &member.stdout,
        &[
            "\nidentity: member@example.com  (from claim email)\n",
            "\ngroups:   \"eng\"\n",
            "\nadmin:    no  (admin groups: ccwb-admins, the API's default)\n",
        ],
    );
    let json = dev.run(&["--profile", "Member", "--show-claims", "--json"]);
    let shown: Value = serde_json::from_str(&json.stdout).expect("--json is JSON");
    let token = dev.cache("Member")["tokens"]["id_token"]
        .as_str()
        .expect("cached id token")
        .to_owned();
    let (_, me) = local.get("/me", Some(&token)).await;
    assert_eq!(as_me(&shown), me);
    assert_eq!(me["admin"], false);

    // --json only with --show-claims, which is a mode of its own.
    for args in [
        &["--json"][..],
        &["--show-claims", "--check-quota"],
        &["--show-claims", "--explain"],
        &["--show-claims", "--otel-headers"],
    ] {
        let refused = dev.run(args);
        assert_eq!(refused.code, Some(1), "{args:?}");
        assert!(refused.stderr.starts_with("Error: "), "{}", refused.stderr);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn show_claims_exits_1_naming_the_claim_when_the_token_names_nobody() {
    let local = Local::start();
    let dev = developer(&local, moto());
    let child = dev.spawn(&["--show-claims"]);
    let signed_in = tokio::task::block_in_place(|| dev.finish_with_dev_issuer(child, 1));
    assert_eq!(signed_in.code, Some(0), "{}", signed_in.stderr);

    let signer = Signer::for_local(&local).await;
    let mut unverified = signer.claims("dev@example.com");
    unverified["email_verified"] = json!(false);
    let cases = [
        (
            unverified,
            "Error: no identity: the id token's \"email\" is marked \"email_verified\": false, and an unverified address names nobody (unverified_email: deny, the API's default); have the address verified at the identity provider",
        ),
        (
            signer.claims_without("dev@example.com", "email"),
            "Error: no identity: the id token has none of the claims the API names users by as a non-blank string (identity_claims: email, the API's default); the identity provider must send one",
        ),
    ];
    for (claims, message) in cases {
        let token = signer.sign(&claims);
        dev.cache_id_token(PROFILE, &token);
        let run = dev.run(&["--show-claims"]);
        assert_eq!(run.code, Some(1), "{}", run.stdout);
        assert_eq!(run.stderr.trim_end(), message);
        // The claims are still shown, to see what is missing.
        assert_contains(
            &run.stdout,
            &["\"sub\": \"dev@example.com\"", "\nidentity: none  ("],
        );
        assert_eq!(dev.browser_opened().len(), 1, "from the cache");
        // The API names nobody either.
        assert_eq!(local.identity(&token).await, (200, Value::Null));
        let json = dev.run(&["--show-claims", "--json"]);
        assert_eq!(json.code, Some(1));
        let shown: Value = serde_json::from_str(&json.stdout).expect("--json is JSON");
        assert_eq!(shown["identity"], Value::Null);
        assert_eq!(
            shown["problem"].as_str(),
            message.strip_prefix("Error: no identity: ")
        );
    }
}

/// The ARN moto's STS names the holder of `credentials` by (GetCallerIdentity).
async fn caller_arn(credentials: &Value) -> String {
    let key = credentials["AccessKeyId"].as_str().expect("AccessKeyId");
    let answer = reqwest::Client::new()
        .post(moto())
        .header(
            "authorization",
            format!(
                "AWS4-HMAC-SHA256 Credential={key}/20260101/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=0"
            ),
        )
        .form(&[("Action", "GetCallerIdentity"), ("Version", "2011-06-15")])
        .send()
        .await
        .expect("GetCallerIdentity")
        .text()
        .await
        .expect("GetCallerIdentity answer");
    answer
        .split_once("<Arn>")
        .and_then(|(_, rest)| rest.split_once("</Arn>"))
        .map(|(arn, _)| arn.to_owned())
        .unwrap_or_else(|| panic!("no Arn in {answer}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pinned_role_session_name_is_the_tokens_sub_exactly() {
    let local = Local::start();
    let aws = RecordingProxy::start(moto());
    let dev = Developer::new(&aws.url);
    let pinned = profile(&local, None, json!({"role_session_name_claim": "sub"}));
    dev.write_config(json!({ PROFILE: pinned }));
    let first = tokio::task::block_in_place(|| dev.finish_with_dev_issuer(dev.spawn(&[]), 1));
    assert_eq!(first.code, Some(0), "{}", first.stderr);

    // A subject other than the address, with every punctuation mark STS allows: unchanged.
    let signer = Signer::for_local(&local).await;
    let mut claims = signer.claims("dev@example.com");
    let sub = "00uAbC_9+=,.@-x";
    claims["sub"] = json!(sub);
    dev.cache_id_token(PROFILE, &signer.sign(&claims));
    let run = dev.run(&[]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let arn = caller_arn(&assert_credentials(&run.stdout)).await;
    assert_eq!(
        arn,
        format!("arn:aws:sts::123456789012:assumed-role/ClaudeCode/{sub}")
    );

    // An Auth0 subject is no session name: refused before STS is asked, saying what to do.
    claims["sub"] = json!("auth0|5f7c8ec7");
    dev.cache_id_token(PROFILE, &signer.sign(&claims));
    let calls = sts_calls(&aws);
    let refused = dev.run(&[]);
    assert_eq!(refused.code, Some(1));
    assert_eq!(refused.stdout, "");
    assert_contains(
        &refused.stderr,
        &[
            "Error: the id token's \"sub\" claim \"auth0|5f7c8ec7\" is not a valid STS role session name",
            "role_session_name_claim",
            "Cognito federation",
        ],
    );
    assert_eq!(sts_calls(&aws), calls, "no STS call");

    // Without the key (older packages, hand-made roles): the e-mail, as before.
    let mut unpinned = profile(&local, None, json!({}));
    unpinned["redirect_port"] = pinned["redirect_port"].clone();
    dev.write_config(json!({ PROFILE: unpinned }));
    claims["sub"] = json!(sub);
    dev.cache_id_token(PROFILE, &signer.sign(&claims));
    let run = dev.run(&[]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let arn = caller_arn(&assert_credentials(&run.stdout)).await;
    assert!(arn.ends_with("/ClaudeCode/dev@example.com"), "{arn}");
}
