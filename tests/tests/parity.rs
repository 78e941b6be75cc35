//! Parity with the original ccwb's command reference: administrators type its commands and flags
//! from memory, so every one of them must parse and do its job here. [`FLAGS`] and
//! [`EXAMPLES`] are taken from the reference (`000_dd5c0474d5a73d5a.txt`, the CLI reference)
//! and the administrator guide (`001_cbc91b5af11139a4.txt`) in the project's shared reference
//! folder; when that folder is at hand (`CCWB_REFERENCE_DIR`, else `../shared/reference`
//! beside the repository) a test reads them again and checks that nothing was left out. The
//! other tests drive the flags that do more than parse against the local stack.

// Dependencies are judged on the library target; this test uses only some of them.
#![allow(unused_crate_dependencies)]

use std::path::{Path, PathBuf};

use ccwb_e2e::bedrock::{Bedrock, Usage};
use ccwb_e2e::cli::{Ccwb, Run};
use ccwb_e2e::credential_process::Developer;
use ccwb_e2e::{Local, assert_contains, repo_root, sha256_hex, temp_dir};
use serde_json::{Value, json};

/// The options of `quota set-user`, which `set-group` and `set-default` share.
const SET_FLAGS: &[&str] = &[
    "--monthly-limit",
    "-m",
    "--daily-limit",
    "-d",
    "--enforcement",
    "-e",
    "--disabled",
    "--profile",
    "-p",
];

/// Every command of the reference with the flags its "Options" list (a flag of ours, or a
/// visible alias, must be in the command's `--help`). `quota set-group` and `set-default`
/// take "the same as set-user"; `cleanup --credentials-only` is from the guide.
const FLAGS: &[(&str, &[&str])] = &[
    ("init", &["--profile"]),
    ("deploy", &["--profile", "--dry-run", "--show-commands"]),
    (
        "test",
        &["--profile", "-p", "--full", "--quota-only", "--quota-api"],
    ),
    (
        "package",
        &[
            "--target-platform",
            "--distribute",
            "--expires-hours",
            "--profile",
        ],
    ),
    (
        "builds",
        &[
            "--profile",
            "--limit",
            "--project",
            "--status",
            "--download",
        ],
    ),
    (
        "distribute",
        &[
            "--expires-hours",
            "--get-latest",
            "--profile",
            "--package-path",
            "--build-profile",
            "--timestamp",
            "--latest",
            "--allowed-ips",
            "--show-qr",
        ],
    ),
    ("status", &["--profile", "--json", "--detailed"]),
    ("cleanup", &["--force", "--profile", "--credentials-only"]),
    ("quota set-user", SET_FLAGS),
    ("quota set-group", SET_FLAGS),
    ("quota set-default", SET_FLAGS),
    ("quota list", &["--type", "--profile", "-p"]),
    ("quota delete", &["--profile", "-p"]),
    ("quota show", &["--profile", "-p", "--groups"]),
    ("quota usage", &["--profile", "-p"]),
    (
        "quota unblock",
        &["--duration", "--reason", "--profile", "-p"],
    ),
    (
        "quota export",
        &["--type", "-t", "--stdout", "--profile", "-p"],
    ),
    (
        "quota import",
        &[
            "--skip-existing",
            "--update",
            "--dry-run",
            "--type",
            "-t",
            "--auto-daily",
            "--burst",
            "--profile",
            "-p",
        ],
    ),
    ("context list", &[]),
    ("context current", &[]),
    ("context use", &[]),
    ("context show", &["--json"]),
    ("config validate", &[]),
    // `--output FILE` is read as `--file FILE` (our --output is the global output format).
    (
        "config export",
        &["--output", "--include-secrets", "--file"],
    ),
    ("config import", &["--overwrite", "--set-active"]),
    ("destroy", &["--profile", "--force"]),
];

/// Every example command line of the reference and the guide (after `poetry run ccwb`), less
/// those that show placeholders only (`quota set-user <email> [options]`).
const EXAMPLES: &[&str] = &[
    "deploy",
    "deploy auth",
    "deploy quota",
    "deploy --show-commands",
    "deploy --dry-run",
    "test",
    "test --quota-only",
    "test --quota-only --quota-api https://staging-api.example.com/prod",
    "test --quota-api https://my-api.execute-api.us-east-1.amazonaws.com/prod",
    "test --full",
    "package",
    "builds",
    "builds --profile production",
    "builds --status abc12345",
    "builds --status latest --download",
    "builds --limit 20",
    "builds --status latest",
    "builds --status <build-id>",
    "distribute",
    "distribute --latest",
    "distribute --timestamp 2024-11-14-083022",
    "distribute --expires-hours=72",
    "distribute --expires-hours 72",
    "distribute --get-latest",
    "distribute --show-qr",
    "status",
    "status --detailed",
    "status --json",
    "cleanup",
    "cleanup --credentials-only",
    "quota set-user alice@example.com -m 5M -e block",
    "quota set-user alice@company.com --monthly-limit 300M --enforcement block",
    "quota set-user alice@company.com --monthly-limit 300M --daily-limit 15M --enforcement block",
    "quota set-group engineering -m 20M -d 1M -e alert",
    "quota set-group engineering --monthly-limit 500M --enforcement alert",
    "quota set-default -m 225M -e alert",
    "quota set-default --monthly-limit 225M --enforcement block",
    "quota list",
    "quota list --type user",
    "quota list --type group",
    "quota delete user alice@example.com",
    "quota delete user alice@company.com",
    "quota delete group engineering",
    "quota delete default default",
    "quota show alice@company.com",
    "quota show alice@company.com --groups engineering,senior-devs",
    "quota usage alice@company.com",
    "quota unblock alice@example.com --duration 24h --reason \"Emergency project deadline\"",
    "quota unblock alice@company.com --duration 24h --reason \"Deadline for project X\"",
    "quota export policies.json",
    "quota export policies.csv",
    "quota export users.json --type user",
    "quota export --stdout > backup.json",
    "quota import policies.json --skip-existing",
    "quota import policies.csv --update",
    "quota import policies.json --dry-run",
    "quota import all-policies.csv --type user --update",
    "quota import users.csv --auto-daily --burst 15",
    "quota import policies.csv --update --auto-daily --burst 10",
    "context list",
    "context current",
    "context use production",
    "context use development",
    "context use prod",
    "context show",
    "context show production",
    "context show prod",
    "context show --json",
    "config validate",
    "config validate production",
    "config validate all",
    "config export",
    "config export production --output prod-config.json",
    "config export --include-secrets",
    "config import prod-config.json",
    "config import config.json staging",
    "config import config.json --set-active",
    "config import config.json production --overwrite",
    "destroy",
    "destroy auth",
    "destroy --force",
    "init",
];

/// The words of a command line as a shell splits them (double quotes group), up to a `>`.
fn words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let (mut word, mut quoted) = (String::new(), false);
    for c in line.chars() {
        match c {
            '"' => quoted = !quoted,
            ' ' if !quoted => words.extend((!word.is_empty()).then(|| std::mem::take(&mut word))),
            _ => word.push(c),
        }
    }
    words.extend((!word.is_empty()).then_some(word));
    words.into_iter().take_while(|w| w != ">").collect()
}

/// Whether `help` names `flag` as a flag (`-p, --profile <NAME>`, `[aliases: --project]`).
fn mentions(help: &str, flag: &str) -> bool {
    help.match_indices(flag).any(|(i, _)| {
        let before = help[..i].chars().next_back().unwrap_or(' ');
        let after = help[i + flag.len()..].chars().next().unwrap_or(' ');
        matches!(before, ' ' | ',' | '[' | '`' | '(')
            && matches!(after, ' ' | ',' | ']' | '=' | '\n' | '`' | ')')
    })
}

#[test]
fn every_flag_of_the_reference_is_in_its_commands_help() {
    let ccwb = Ccwb::new();
    for (command, flags) in FLAGS {
        let mut args = words(command);
        args.push("--help".into());
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let help = ccwb.ok(&args).stdout;
        for flag in *flags {
            assert!(
                mentions(&help, flag),
                "ccwb {command} --help has no {flag}:\n{help}"
            );
        }
    }
}

#[test]
fn every_example_of_the_reference_parses() {
    // Parsed up to a trailing --help: every flag and value is checked, nothing runs.
    let ccwb = Ccwb::new();
    for line in EXAMPLES {
        let mut args = words(line);
        args.push("--help".into());
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let run = ccwb.run(&args);
        assert_eq!(run.code, Some(0), "ccwb {line}: {}", run.stderr);
        assert!(
            run.stdout.contains("Usage: ccwb"),
            "ccwb {line}: {}",
            run.stdout
        );
    }
}

/// The reference folder, when it is at hand.
fn reference_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("CCWB_REFERENCE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("../shared/reference"));
    dir.join("000_dd5c0474d5a73d5a.txt")
        .is_file()
        .then_some(dir)
}

#[test]
fn the_lists_above_hold_everything_the_reference_names() {
    let Some(dir) = reference_dir() else {
        eprintln!("skipped: no reference folder (set CCWB_REFERENCE_DIR)");
        return;
    };
    let text = |name: &str| std::fs::read_to_string(dir.join(name)).expect("reference text");
    let (cli, guide) = (
        text("000_dd5c0474d5a73d5a.txt"),
        text("001_cbc91b5af11139a4.txt"),
    );
    // Options: "### `quota set-user` - …" then "- `--monthly-limit, -m <tokens>` - …".
    let mut command = String::new();
    for line in cli.lines() {
        if let Some(rest) = line.strip_prefix("### `") {
            command = rest.split('`').next().unwrap_or_default().to_owned();
        } else if let Some(rest) = line.strip_prefix("- `-") {
            let spec = format!("-{}", rest.split('`').next().unwrap_or_default());
            let listed = FLAGS.iter().find(|(c, _)| *c == command);
            for flag in spec.split([' ', ',']).filter(|w| w.starts_with('-')) {
                assert!(
                    listed.is_some_and(|(_, flags)| flags.contains(&flag)),
                    "{command} {flag} is not in FLAGS"
                );
            }
        }
    }
    // Examples: every `poetry run ccwb …` line, continuations joined.
    let mut inside = false;
    let mut lines = Vec::new();
    for line in cli.lines() {
        if line.starts_with("```") {
            inside = !inside;
        } else if inside {
            lines.extend(
                line.trim()
                    .strip_prefix("poetry run ccwb ")
                    .map(str::to_owned),
            );
        }
    }
    let guide = guide.replace("\\\n", " ");
    for line in guide.lines() {
        if let Some((_, rest)) = line.split_once("poetry run ccwb ") {
            let rest = rest.split(['`', '#']).next().unwrap_or_default();
            lines.push(rest.split_whitespace().collect::<Vec<_>>().join(" "));
        }
    }
    for line in lines {
        // Synopses such as `quota set-user <email> [options]` show placeholders only.
        let synopsis = line.contains('[') || line.contains("<command>") || line.ends_with('>');
        let known = EXAMPLES.iter().any(|e| words(e) == words(&line));
        assert!(synopsis || known, "example {line:?} is not in EXAMPLES");
    }
}

/// A profile for `local` with an admin token in the environment, and a dist folder.
fn admin(local: &Local) -> (Ccwb, PathBuf) {
    let ccwb = Ccwb::with_token(&local.url, &local.admin_token());
    ccwb.create_context(
        "corp",
        &local.url,
        &local.url,
        "ccwb-local",
        Some("eu-west-1"),
    );
    (ccwb, temp_dir("dist"))
}

/// A stand-in for a built credential-process where packaging does not run it.
fn fake_binary(dir: &Path) -> String {
    let path = dir.join("credential-process");
    std::fs::write(&path, b"#!/bin/sh\nexit 0\n").unwrap();
    format!("linux-x64={}", path.display())
}

fn tokio_run<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(future)
}

#[test]
fn status_detailed_shows_the_profile_and_checks_it_against_the_deployment() {
    let local = Local::start();
    let (ccwb, _) = admin(&local);
    let version = env!("CARGO_PKG_VERSION");
    tokio_run(local.create_stack(
        &format!("{}-quota", local.stack),
        &[
            ("ApiEndpoint", &local.url),
            ("Issuer", &local.url),
            ("Audience", "claude-code"),
            ("Version", version),
            ("CheckFunctionName", "parity-check-fn"),
        ],
    ));

    let json = ccwb.ok(&["status", "--json"]).json();
    assert_eq!(json, ccwb.ok(&["-o", "json", "status"]).json());
    assert!(json.get("checks").is_none(), "{json}");

    let summary = ccwb.ok(&["status"]).stdout;
    assert!(
        summary.contains("parity-check-fn") && !summary.contains("CheckFunctionName"),
        "{summary}"
    );
    let detailed = ccwb.ok(&["status", "--detailed"]).stdout;
    for expected in [
        "Profile",
        "corp",
        "CheckFunctionName",
        "ok    API endpoint",
        "ok    issuer",
        "ok    version",
        // The profile's client id is not an audience of the API: sign-ins would be refused.
        "FAIL  client id",
        "the API accepts tokens for claude-code, not ccwb-local",
        "ok    health",
        "-analytics not deployed",
    ] {
        assert!(detailed.contains(expected), "{expected}:\n{detailed}");
    }
    let detailed = ccwb.ok(&["status", "--detailed", "--json"]).json();
    assert_eq!(detailed["profile"]["name"], "corp");
    assert_eq!(detailed["profile"]["endpoint"], local.url.as_str());
    assert_eq!(detailed["stacks"], json["stacks"]);
    let outcome = |name: &str| {
        detailed["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name)
            .map(|c| c["outcome"].clone())
    };
    assert_eq!(outcome("API endpoint"), Some(json!("pass")));
    assert_eq!(outcome("client id"), Some(json!("fail")));
}

#[test]
fn config_import_renames_overwrites_and_sets_the_current_profile() {
    let from = Ccwb::new();
    from.create_context(
        "prod",
        "https://api.example.com",
        "https://idp.example.com",
        "cli",
        Some("eu-west-1"),
    );
    from.create_context(
        "dev",
        "http://127.0.0.1:8787",
        "https://idp.example.com",
        "cli",
        None,
    );
    // The original's spelling writes the file; ours too.
    let file = from.config_dir.join("prod-config.json");
    let run = from.ok(&[
        "config",
        "export",
        "prod",
        "--output",
        file.to_str().unwrap(),
    ]);
    assert_eq!(run.stdout, "", "the export went to the file");
    let exported: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(exported["profiles"]["prod"]["region"], "eu-west-1");
    assert_eq!(exported["profiles"].as_object().unwrap().len(), 1);
    let all = from.config_dir.join("all.json");
    from.ok(&["config", "export", "--file", all.to_str().unwrap()]);

    let to = Ccwb::new();
    to.create_context(
        "local",
        "http://127.0.0.1:8787",
        "https://idp.example.com",
        "cli",
        None,
    );
    let file = file.to_str().unwrap();
    to.ok(&["config", "import", file, "staging", "--set-active"]);
    assert_eq!(to.ok(&["context", "current"]).stdout.trim(), "staging");
    let shown = to.ok(&["context", "show", "--json"]).json();
    assert_eq!(shown, to.ok(&["-o", "json", "context", "show"]).json());
    assert_eq!(shown["region"], "eu-west-1");

    let refused = to.run(&["config", "import", file, "staging"]);
    assert_eq!(refused.code, Some(2));
    assert!(refused.stderr.contains("--overwrite"), "{}", refused.stderr);
    // The local profile is replaced by prod's settings, and made current.
    to.ok(&[
        "config",
        "import",
        file,
        "local",
        "--overwrite",
        "--set-active",
    ]);
    assert_eq!(to.ok(&["context", "current"]).stdout.trim(), "local");
    let local = to.ok(&["-o", "json", "context", "show", "local"]).json();
    assert_eq!(local["endpoint"], "https://api.example.com");

    // A new name is for one profile; --set-active with several needs the file's current.
    let several = to.run(&["config", "import", all.to_str().unwrap(), "other"]);
    assert_eq!(several.code, Some(2), "{}", several.stderr);
    to.ok(&[
        "config",
        "import",
        all.to_str().unwrap(),
        "--overwrite",
        "--set-active",
    ]);
    // `ccwb context create` made dev the current profile there.
    assert_eq!(
        to.ok(&["context", "current"]).stdout.trim(),
        "dev",
        "the file's current"
    );
}

/// An installation as `install.sh` leaves it in `home`, with a program that records how it is
/// run; returns the record file.
fn installed(home: &Path, profile: &str) -> PathBuf {
    let dir = home.join("claude-code-with-bedrock");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::create_dir_all(home.join(".aws")).unwrap();
    let calls = home.join("calls");
    let program = dir.join("credential-process");
    std::fs::write(
        &program,
        format!("#!/bin/sh\necho \"$@\" >> '{}'\n", calls.display()),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&program, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    std::fs::write(dir.join("config.json"), "{}").unwrap();
    let section = format!(
        "[profile {profile}]\ncredential_process = {} --profile {profile}\nregion = eu-west-1\n",
        program.display()
    );
    std::fs::write(home.join(".aws/config"), section).unwrap();
    calls
}

fn cleanup(home: &Path, args: &[&str], ccwb_profile: Option<&str>) -> Run {
    let mut command = std::process::Command::new(ccwb_e2e::bin("ccwb"));
    command
        .arg("cleanup")
        .args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .stdin(std::process::Stdio::null());
    if let Some(profile) = ccwb_profile {
        command.env("CCWB_PROFILE", profile);
    }
    command.output().unwrap().into()
}

#[test]
fn cleanup_credentials_only_clears_the_cache_and_keeps_the_installation() {
    let home = temp_dir("parity-home");
    let calls = installed(&home, "ClaudeCode");
    let aws_config = std::fs::read_to_string(home.join(".aws/config")).unwrap();

    let done = cleanup(&home, &["--credentials-only", "--force"], None);
    assert_eq!(done.code, Some(0), "{}", done.stderr);
    assert_eq!(
        std::fs::read_to_string(&calls).unwrap().trim(),
        "--clear-cache --profile ClaudeCode"
    );
    assert!(
        home.join("claude-code-with-bedrock/credential-process")
            .is_file()
    );
    assert!(home.join("claude-code-with-bedrock/config.json").is_file());
    assert_eq!(
        std::fs::read_to_string(home.join(".aws/config")).unwrap(),
        aws_config
    );
    assert_contains(&done.stderr, &["--credentials-only"]);

    // --profile names the AWS profile here, as in the original; CCWB_PROFILE does not.
    let other = temp_dir("parity-home");
    installed(&other, "Team");
    let dry = cleanup(&other, &["--profile", "Team", "--dry-run"], None);
    assert!(dry.stderr.contains("[profile Team]"), "{}", dry.stderr);
    let by_env = cleanup(&other, &["--dry-run"], Some("Team"));
    assert!(
        by_env.stderr.contains("of profile ClaudeCode")
            && !by_env.stderr.contains("[profile Team]"),
        "CCWB_PROFILE is a ccwb profile, not the AWS one: {}",
        by_env.stderr
    );
    let full = cleanup(&other, &["--profile", "Team", "--force"], None);
    assert_eq!(full.code, Some(0), "{}", full.stderr);
    assert!(!other.join("claude-code-with-bedrock").exists());
}

fn package(ccwb: &Ccwb, dist: &Path, extra: &[&str]) -> Value {
    let binary = fake_binary(&ccwb.config_dir);
    let mut args = vec![
        "-o",
        "json",
        "package",
        "--target-platform",
        "linux-x64,macos-intel",
        "--binary",
        &binary,
        "--dist",
        dist.to_str().unwrap(),
        "--federated-role-arn",
        "arn:aws:iam::123456789012:role/ClaudeCode",
    ];
    args.extend(extra);
    let run = ccwb.ok(&args);
    // Macos-intel is macos-x64.
    assert_contains(&run.stderr, &["skipped macos-x64"]);
    run.json()
}

fn download(url: &str) -> Vec<u8> {
    reqwest::blocking::get(url)
        .unwrap()
        .bytes()
        .unwrap()
        .to_vec()
}

#[test]
fn package_distribute_and_distribute_package_path_publish_the_exact_build() {
    let local = Local::start();
    let (ccwb, dist) = admin(&local);
    let refused = ccwb.run(&["package", "--expires-hours", "12"]);
    assert_eq!(refused.code, Some(2), "--expires-hours needs --distribute");

    let built = package(&ccwb, &dist, &["--distribute", "--expires-hours", "12"]);
    let zip = std::fs::read(built["zip"].as_str().unwrap()).unwrap();
    let record = &built["distribution"];
    assert_eq!(record["sha256"], sha256_hex(&zip).as_str(), "{built}");
    assert_eq!(
        sha256_hex(&download(record["url"].as_str().unwrap())),
        sha256_hex(&zip)
    );
    let hours = time::OffsetDateTime::parse(
        record["expires_at"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap()
        - time::OffsetDateTime::now_utc();
    assert!(
        hours.whole_hours() >= 11 && hours.whole_hours() <= 12,
        "{record}"
    );

    // The build folder itself, or the folder of builds as the original's --package-path dist.
    let dir = built["dir"].as_str().unwrap();
    let given = ccwb
        .ok(&["-o", "json", "distribute", "--package-path", dir])
        .json();
    assert_eq!(given["sha256"], record["sha256"]);
    let root = ccwb
        .ok(&[
            "-o",
            "json",
            "distribute",
            "--package-path",
            dist.to_str().unwrap(),
            "--latest",
        ])
        .json();
    assert_eq!(root["sha256"], record["sha256"]);
    let both = ccwb.run(&["distribute", "--package-path", dir, "--latest"]);
    assert_eq!(both.code, Some(2), "{}", both.stderr);
    // The original's timestamp form finds our folder.
    let timestamp = Path::new(dir)
        .file_name()
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    let original = format!(
        "{}-{}-{}-{}",
        &timestamp[0..4],
        &timestamp[4..6],
        &timestamp[6..8],
        &timestamp[9..15]
    );
    let named = ccwb
        .ok(&[
            "-o",
            "json",
            "distribute",
            "--dist",
            dist.to_str().unwrap(),
            "--build-profile",
            "corp",
            "--timestamp",
            &original,
        ])
        .json();
    assert_eq!(named["sha256"], record["sha256"]);
}

#[test]
fn builds_lists_platforms_with_their_fixes_and_packages_and_downloads_the_published_one() {
    let local = Local::start();
    let (ccwb, dist) = admin(&local);
    let dist_arg = dist.to_str().unwrap();
    let empty = ccwb.ok(&["builds", "--dist", dist_arg]).stdout;
    assert!(
        empty.contains("No packages in") && empty.contains("windows-x64"),
        "{empty}"
    );

    let built = package(&ccwb, &dist, &["--distribute"]);
    let listed = ccwb.ok(&["builds", "--dist", dist_arg, "--json"]).json();
    assert_eq!(
        listed,
        ccwb.ok(&["-o", "json", "builds", "--dist", dist_arg])
            .json()
    );
    let platforms = listed["platforms"].as_array().unwrap();
    assert_eq!(platforms.len(), 5);
    for p in platforms {
        // Each platform builds here with something, or says how to add it (a binary from
        // elsewhere always works).
        let fixes = p["fixes"].to_string();
        assert!(
            p["builds_with"].is_string()
                || fixes.contains(&format!(
                    "--binary {}=PATH",
                    p["platform"].as_str().unwrap()
                )),
            "{p}"
        );
    }
    assert_eq!(listed["packages"][0]["dir"], built["dir"]);
    assert_eq!(listed["packages"][0]["platforms"], json!(["linux-x64"]));
    let none = ccwb.json(&["builds", "--dist", dist_arg, "--project", "nobody"]);
    assert_eq!(none["packages"], json!([]));

    let status = ccwb
        .ok(&["builds", "--dist", dist_arg, "--status", "latest"])
        .stdout;
    assert!(
        status.contains("ok    checksums") && status.contains("ccwb distribute --package-path"),
        "{status}"
    );
    let name = built["dir"].as_str().unwrap().rsplit('/').next().unwrap();
    let by_name = ccwb.json(&["builds", "--dist", dist_arg, "--status", name]);
    assert_eq!(by_name["package"]["dir"], built["dir"]);

    // Another computer gets exactly what developers download, as a build folder of its own.
    let elsewhere = temp_dir("dist-elsewhere");
    let fetched = ccwb
        .ok(&[
            "-o",
            "json",
            "builds",
            "--dist",
            elsewhere.to_str().unwrap(),
            "--status",
            "latest",
            "--download",
        ])
        .json();
    let dir = PathBuf::from(fetched["package"]["dir"].as_str().unwrap());
    assert_eq!(fetched["checks"][0]["outcome"], "pass", "{fetched}");
    assert_eq!(
        dir.file_name(),
        Path::new(built["dir"].as_str().unwrap()).file_name()
    );
    assert_eq!(
        std::fs::read(dir.join("config.json")).unwrap(),
        std::fs::read(Path::new(built["dir"].as_str().unwrap()).join("config.json")).unwrap()
    );
    let republished = ccwb
        .ok(&[
            "-o",
            "json",
            "distribute",
            "--package-path",
            dir.to_str().unwrap(),
        ])
        .json();
    assert_eq!(
        republished["sha256"], built["distribution"]["sha256"],
        "the same zip, byte for byte"
    );
    let again = ccwb.ok(&[
        "builds",
        "--dist",
        elsewhere.to_str().unwrap(),
        "--download",
    ]);
    assert_contains(&again.stderr, &["is the published package already"]);
}

#[test]
fn test_quota_api_points_the_checks_at_another_api() {
    let local = Local::start();
    let ccwb = Ccwb::with_token("http://127.0.0.1:9", &local.admin_token());
    ccwb.create_context(
        "corp",
        "http://127.0.0.1:9",
        &local.url,
        "ccwb-local",
        Some("eu-west-1"),
    );
    let unreachable = ccwb.run(&["-o", "json", "test", "--quota-only"]);
    assert_eq!(unreachable.code, Some(1), "nothing answers on port 9");
    let report = ccwb
        .ok(&[
            "-o",
            "json",
            "test",
            "--quota-only",
            "--quota-api",
            &local.url,
        ])
        .json();
    let names: Vec<&str> = report
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["outcome"] == "pass")
        .filter_map(|c| c["name"].as_str())
        .collect();
    assert_eq!(
        names,
        ["quota /check", "quota policy round trip"],
        "{report}"
    );
}

#[test]
fn test_full_signs_in_as_a_developer_and_calls_bedrock_in_every_allowed_region() {
    const ROLE: &str = "arn:aws:iam::123456789012:role/ClaudeCode";
    let local = Local::start();
    let (ccwb, dist) = admin(&local);
    // The profile's deployment, as `ccwb init` and `ccwb deploy` leave it: two regions.
    let path = ccwb.config_dir.join("config.json");
    let mut config: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    config["profiles"]["corp"]["deployment"] = json!({
        "name": "ccwb", "provider_type": "generic", "federation": "direct",
        "bedrock_regions": ["eu-west-1", "eu-central-1"],
        "model": "eu.anthropic.claude-opus-5-5", "small_fast_model": "eu.anthropic.claude-haiku-5-5",
        "max_session_seconds": 28800, "federated_role_arn": ROLE,
    });
    std::fs::write(&path, config.to_string()).unwrap();
    let binary = ccwb_e2e::host_binary_arg();
    ccwb.ok(&[
        "package",
        "--binary",
        &binary,
        "--dist",
        dist.to_str().unwrap(),
    ]);

    let bedrock = Bedrock::start("ok", Usage::SMALLEST);
    let developer = Developer::new(&local.aws_endpoint);
    let child = ccwb
        .command(&[
            "-o",
            "json",
            "test",
            "--full",
            "--latest",
            "--dist",
            dist.to_str().unwrap(),
        ])
        .env("HOME", &developer.home)
        .env("XDG_CONFIG_HOME", developer.home.join("config"))
        .env("XDG_CACHE_HOME", developer.home.join("cache"))
        .env("BROWSER", developer.home.join("browser.sh"))
        .env("AWS_ENDPOINT_URL", &local.aws_endpoint)
        .env("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", &bedrock.url)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env_remove("AWS_PROFILE")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let url = developer.wait_for_browser(1);
    assert!(developer.play_dev_issuer(&url).contains("Signed in"));
    let run: Run = child.wait_with_output().unwrap().into();
    assert_eq!(run.code, Some(0), "{}\n{}", run.stdout, run.stderr);
    let report = run.json();
    let check = |name: &str| {
        report
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name)
            .cloned()
            .unwrap_or_else(|| panic!("no {name}: {report}"))
    };
    for name in [
        "checksums",
        "quota policy round trip",
        "developer sign-in ClaudeCode",
        "Bedrock eu-west-1",
        "Bedrock eu-central-1",
    ] {
        assert_eq!(check(name)["outcome"], "pass", "{name}: {report}");
    }
    assert!(
        check("Bedrock eu-west-1")["detail"]
            .as_str()
            .unwrap()
            .contains("eu.anthropic.claude-opus-5-5 answered")
    );
    // Both calls were signed with the developer's credentials from STS, not the admin's.
    let calls = bedrock.calls();
    assert_eq!(calls.len(), 2, "{calls:?}");
    for call in &calls {
        assert_eq!(call.path, "/model/eu.anthropic.claude-opus-5-5/invoke");
        let key = call.access_key.clone().unwrap_or_default();
        assert!(!key.is_empty() && key != "testing", "{call:?}");
    }
    // The sign-in is cached as an installed copy's would be.
    assert!(developer.cache_dir.join("ClaudeCode.json").is_file());
}
