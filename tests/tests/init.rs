//! `ccwb init` as a new administrator meets it: the wizard in a real terminal (tmux) for a new
//! profile and for an update, `--non-interactive` with every flag and with missing or bad ones
//! (a clear error, nothing written), against the local stack's dev issuer (its discovery
//! document read live).

// Dependencies are judged on the library target; this test uses only some of them.
#![allow(unused_crate_dependencies)]

use std::path::Path;

use ccwb_e2e::cli::Ccwb;
use ccwb_e2e::terminal::Terminal;
use ccwb_e2e::{Local, assert_contains, assert_fields, bin};
use serde_json::{Value, json};

fn config(ccwb: &Ccwb) -> Value {
    let text = std::fs::read_to_string(ccwb.config_dir.join("config.json")).expect("config.json");
    serde_json::from_str(&text).expect("config.json is JSON")
}

fn config_text(dir: &Path) -> Option<String> {
    std::fs::read_to_string(dir.join("config.json")).ok()
}

#[test]
fn non_interactive_takes_every_answer_from_flags_and_refuses_bad_ones_writing_nothing() {
    let local = Local::start();
    let ccwb = Ccwb::new();
    let every = [
        "--profile",
        "corp",
        "--endpoint",
        &local.url,
        "init",
        "--non-interactive",
        "--provider-type",
        "generic",
        "--issuer",
        &local.url,
        "--client-id",
        "claude-code",
        "--federation",
        "cognito",
        "--region",
        "us-west-2",
        "--bedrock-regions",
        "us-west-2,us-east-1",
        "--model",
        "us.anthropic.claude-sonnet-5-5",
        "--small-fast-model",
        "global.anthropic.claude-haiku-5-5",
        "--restrict-models",
        "true",
        "--max-session-hours",
        "4",
        "--monthly-limit",
        "50M",
        "--burst-percent",
        "20",
        "--enforcement",
        "block",
        "--daily-enforcement",
        "alert",
        "--fail-mode",
        "closed",
        "--check-interval",
        "15",
        "--alert-email",
        "ops@example.com",
        "--allowed-ips",
        "203.0.113.0/24, 2001:db8::/32",
        "--analytics",
        "false",
        "--name",
        "corp-ai",
    ];
    let mut json_args = vec!["-o", "json"];
    json_args.extend(every);
    let saved = ccwb.ok(&json_args);
    assert_contains(&saved.stderr, &["discovery document read"]);
    assert_eq!(saved.json()["profile"], "corp");
    let written = config(&ccwb);
    assert_eq!(written["current"], "corp");
    let profile = &written["profiles"]["corp"];
    assert_eq!(profile["endpoint"], local.url.as_str());
    assert_eq!(profile["issuer"], local.url.as_str());
    assert_eq!(profile["client_id"], "claude-code");
    assert_eq!(profile["region"], "us-west-2");
    // 50M / 30 × 1.2 is derived, so the daily limit is not stored: a new monthly limit moves it.
    let quota = json!({
        "monthly_token_limit": 50_000_000, "daily_token_limit": null, "burst_percent": 20,
        "enforcement_mode": "block", "daily_enforcement_mode": "alert",
        "fail_mode": "closed", "check_interval_minutes": 15,
    });
    assert_fields(
        &profile["deployment"],
        &json!({
            "name": "corp-ai", "provider_type": "generic", "federation": "cognito",
            "bedrock_regions": ["us-west-2", "us-east-1"],
            "model": "us.anthropic.claude-sonnet-5-5",
            "small_fast_model": "global.anthropic.claude-haiku-5-5",
            "restrict_models": true, "max_session_seconds": 4 * 3600, "session_name_claim": "sub",
            "quota": quota, "alert_email": "ops@example.com",
            "distribution_allowed_ips": ["203.0.113.0/24", "2001:db8::/32"], "analytics": false,
        }),
    );

    // An update with one flag keeps every other answer.
    let before = config(&ccwb);
    let updated = ccwb.ok(&[
        "--profile",
        "corp",
        "init",
        "--non-interactive",
        "--monthly-limit",
        "80M",
    ]);
    assert_contains(&updated.stderr, &["Updating profile"]);
    let mut expected = before.clone();
    expected["profiles"]["corp"]["deployment"]["quota"]["monthly_token_limit"] = 80_000_000.into();
    assert_eq!(config(&ccwb), expected);

    // Bad answers: exit 2 naming the flag (1 for an unreachable issuer), nothing written.
    let unchanged = config_text(&ccwb.config_dir);
    let cases: [(&[&str], i32, &str); 9] = [
        (
            &["--region", "Mars"],
            2,
            "--region: \"Mars\" is not an AWS region",
        ),
        (&["--monthly-limit", "lots"], 2, "--monthly-limit"),
        (
            &["--model", "eu.anthropic.claude-opus-5-5"],
            2,
            "--model \"eu.anthropic.claude-opus-5-5\": eu. profiles cannot be called",
        ),
        (
            &["--bedrock-regions", "us-west-2,eu-west-1"],
            2,
            "eu-west-1 is not in geography us",
        ),
        (&["--allowed-ips", "10.0.0.1/8"], 2, "--allowed-ips"),
        (
            &["--session-name-claim", "email"],
            2,
            "only Google's tokens let IAM check the e-mail",
        ),
        (
            &["--provider-type", "auth0", "--federation", "direct"],
            2,
            "use --federation cognito",
        ),
        (&["--max-session-hours", "13"], 2, "--max-session-hours"),
        (
            &["--issuer", "http://127.0.0.1:9"],
            1,
            "discovery document could not be read",
        ),
    ];
    for (extra, code, needle) in cases {
        let mut args = vec!["--profile", "corp", "init", "--non-interactive"];
        args.extend_from_slice(extra);
        let run = ccwb.run(&args);
        assert_eq!(run.code, Some(code), "{extra:?}: {}", run.stderr);
        assert!(run.stderr.contains(needle), "{extra:?}: {}", run.stderr);
        assert_eq!(config_text(&ccwb.config_dir), unchanged, "{extra:?} wrote");
    }

    // A new profile needs the identity provider; a script must say --non-interactive.
    let fresh = Ccwb::new();
    let missing = fresh.run(&["init", "--non-interactive", "--issuer", &local.url]);
    missing.assert_refused(2, &["--client-id is required with --non-interactive"]);
    let no_terminal = fresh.run(&["init"]);
    no_terminal.assert_refused(2, &["--non-interactive"]);
    assert_eq!(config_text(&fresh.config_dir), None, "nothing written");
}

#[test]
fn the_wizard_in_a_terminal_creates_a_profile_then_updates_it() {
    let local = Local::start();
    let ccwb = Ccwb::new();
    let config_dir = ccwb.config_dir.display().to_string();
    let env = [
        ("CCWB_CONFIG_DIR", config_dir.as_str()),
        ("TERM", "xterm-256color"),
        ("PATH", "/usr/bin:/bin"),
    ];
    let wizard = Terminal::start(&bin("ccwb"), &["init"], &env, &ccwb.config_dir);
    wizard.answer("Profile name [default]:", "wiz");
    // The providers are listed in order; the last is any other OpenID Provider.
    wizard.wait_for("Identity provider:");
    wizard.keys(&["Down", "Down", "Down", "Down", "Down", "Enter"]);
    wizard.answer("issuer URL (https://…)", &local.url);
    wizard.answer("OAuth client id", "claude-code");
    wizard.wait_for("discovery document read");
    wizard.wait_for("Federation:");
    wizard.keys(&["Enter"]);
    wizard.answer("AWS region of the deployment [", "eu-west-1");
    wizard.answer(
        "Regions developers may call Bedrock in",
        "eu-west-1,eu-central-1",
    );
    wizard.wait_for("Claude Code's model:");
    wizard.keys(&["Enter"]);
    wizard.wait_for("Small/fast model (background work):");
    wizard.keys(&["Enter"]);
    wizard.wait_for("Allow developers only these two models");
    wizard.keys(&["y"]);
    wizard.answer("Longest AWS session, hours (1-12) [8]:", "");
    wizard.answer("Default monthly token limit per developer", "300M");
    wizard.answer("Burst for the daily limit", "");
    wizard.answer("Default daily token limit [11M]:", "");
    wizard.wait_for("When the monthly limit is reached:");
    wizard.keys(&["Down", "Enter"]);
    wizard.wait_for("When the daily limit is reached:");
    wizard.keys(&["Enter"]);
    wizard.wait_for("When the quota API does not answer:");
    wizard.keys(&["Enter"]);
    wizard.answer("Minutes between quota checks", "");
    wizard.answer("Alert e-mail (empty: none)", "alerts@example.com");
    wizard.answer("Download links work only from", "");
    wizard.wait_for("Athena reports over the usage and audit archive?");
    wizard.keys(&["Enter"]);
    wizard.answer("Deployment name", "");
    let screen = wizard.wait_for("Saved profile \"wiz\"");
    assert_eq!(wizard.exit_code(), 0, "{screen}");
    drop(wizard);

    let written = config(&ccwb);
    assert_eq!(written["current"], "wiz");
    let profile = &written["profiles"]["wiz"];
    assert_eq!(profile["issuer"], local.url.as_str());
    assert_eq!(profile["region"], "eu-west-1");
    let quota = json!({"monthly_token_limit": 300_000_000,
        "enforcement_mode": "block", "daily_enforcement_mode": "block"});
    assert_fields(
        &profile["deployment"],
        &json!({"provider_type": "generic", "federation": "direct", "name": "ccwb",
            "bedrock_regions": ["eu-west-1", "eu-central-1"], "restrict_models": true,
            "model": "eu.anthropic.claude-opus-5-5", "small_fast_model": "eu.anthropic.claude-haiku-5-5",
            "quota": quota, "alert_email": "alerts@example.com"}),
    );

    // Re-run: every answer is offered as saved; Enter keeps it, one is changed.
    let before = written.clone();
    let update = Terminal::start(&bin("ccwb"), &["init"], &env, &ccwb.config_dir);
    update.answer("Profile name [wiz]:", "");
    update.wait_for("Updating profile \"wiz\"");
    update.wait_for("Identity provider:");
    update.keys(&["Enter"]);
    update.answer(&format!("issuer URL (https://…) [{}]", local.url), "");
    update.answer(
        "OAuth client id (public client, authorization code + PKCE) [claude-code]",
        "",
    );
    update.wait_for("Federation:");
    update.keys(&["Enter"]);
    update.answer("AWS region of the deployment [eu-west-1]", "");
    update.answer("Bedrock in (comma-separated) [eu-west-1,eu-central-1]", "");
    update.wait_for("Claude Code's model:");
    update.keys(&["Enter"]);
    update.wait_for("Small/fast model (background work):");
    update.keys(&["Enter"]);
    update.wait_for("(the role refuses others)? [Y/n]");
    update.keys(&["Enter"]);
    update.answer("Longest AWS session, hours (1-12) [8]:", "");
    update.answer("(e.g. 300M; 0: no default policy) [300M]:", "");
    update.answer(
        "Burst for the daily limit, % over a thirtieth of the monthly one [10]:",
        "15",
    );
    update.answer("Default daily token limit [11.5M]:", "");
    update.wait_for("When the monthly limit is reached:");
    update.keys(&["Enter"]);
    update.wait_for("When the daily limit is reached:");
    update.keys(&["Enter"]);
    update.wait_for("When the quota API does not answer:");
    update.keys(&["Enter"]);
    update.answer("(0: every time) [30]:", "");
    update.answer("Alert e-mail (empty: none) [alerts@example.com]", "");
    update.answer("Download links work only from", "");
    update.wait_for("Athena reports over the usage and audit archive? [Y/n]");
    update.keys(&["Enter"]);
    update.answer(
        "Deployment name (prefix of stacks, tables, buckets) [ccwb]",
        "",
    );
    let screen = update.wait_for("Updated profile \"wiz\"");
    assert_eq!(update.exit_code(), 0, "{screen}");

    let mut expected = before;
    expected["profiles"]["wiz"]["deployment"]["quota"]["burst_percent"] = 15.into();
    assert_eq!(config(&ccwb), expected, "only the burst changed");
}
