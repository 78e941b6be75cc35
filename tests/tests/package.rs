//! `ccwb package` then `ccwb distribute` against the local stack: the package's layout and
//! checksums, reproducible zips, and a published link that downloads the exact package.

// Dependencies are judged on the library target; this test uses only some of them.
#![allow(unused_crate_dependencies)]

use std::collections::BTreeMap;
use std::io::Read;

use ccwb_e2e::cli::Ccwb;
use ccwb_e2e::{Local, assert_contains, temp_dir};
use serde_json::Value;
use sha2::{Digest, Sha256};

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A profile for `local` with an admin token in the environment, and a dist folder.
fn admin(local: &Local) -> (Ccwb, std::path::PathBuf) {
    let ccwb = Ccwb::with_token(&local.url, &local.admin_token());
    ccwb.create_context(
        "corp",
        &local.url,
        "https://idp.example.com",
        "claude-code",
        Some("eu-west-1"),
    );
    (ccwb, temp_dir("dist"))
}

/// A stand-in for a built credential-process: packaging does not run it, and a real debug
/// build is large enough to make zipping the slow part of the test.
fn fake_binary(dir: &std::path::Path) -> std::path::PathBuf {
    let path = dir.join("credential-process");
    let bytes: Vec<u8> = (0..200_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    std::fs::write(&path, bytes).unwrap();
    path
}

fn package(ccwb: &Ccwb, dist: &std::path::Path) -> Value {
    let binary = format!("linux-x64={}", fake_binary(&ccwb.config_dir).display());
    ccwb.package(
        &binary,
        dist,
        "arn:aws:iam::123456789012:role/ClaudeCode",
        &[
            "--target",
            "linux-x64,macos-arm64",
            "--quota-fail-mode",
            "closed",
        ],
    )
}

fn zip_entries(bytes: &[u8]) -> BTreeMap<String, (u32, Vec<u8>)> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip");
    let mut out = BTreeMap::new();
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).unwrap();
        let mut content = Vec::new();
        file.read_to_end(&mut content).unwrap();
        out.insert(
            file.name().expect("entry name").into_owned(),
            (file.unix_mode().unwrap_or(0) & 0o777, content),
        );
    }
    out
}

#[test]
fn package_then_distribute_gives_a_link_to_the_exact_package() {
    let local = Local::start();
    let (ccwb, dist) = admin(&local);

    let first = package(&ccwb, &dist);
    assert_eq!(first["platforms"], serde_json::json!(["linux-x64"]));
    let dir = std::path::PathBuf::from(first["dir"].as_str().unwrap());
    let zip_path = std::path::PathBuf::from(first["zip"].as_str().unwrap());

    // Layout, config without secrets, and checksums that hold.
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "README.md",
            "SHA256SUMS",
            "config.json",
            "credential-process-linux-x64",
            "install.ps1",
            "install.sh"
        ]
    );
    let config: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("config.json")).unwrap()).unwrap();
    assert_eq!(
        config,
        serde_json::json!({"ClaudeCode": {
            "issuer": "https://idp.example.com", "client_id": "claude-code",
            "aws_region": "eu-west-1", "quota_api_endpoint": local.url,
            "federation_type": "direct",
            "federated_role_arn": "arn:aws:iam::123456789012:role/ClaudeCode",
            "quota_fail_mode": "closed",
            // The region's geography (eu-west-1: eu) picks the default models.
            "claude_model": "eu.anthropic.claude-opus-5-5",
            "claude_small_fast_model": "eu.anthropic.claude-haiku-5-5"}})
    );
    let sums = std::fs::read_to_string(dir.join("SHA256SUMS")).unwrap();
    assert_eq!(sums.lines().count(), 5);
    for line in sums.lines() {
        let (digest, name) = line.split_once("  ").unwrap();
        assert_eq!(
            sha256_hex(&std::fs::read(dir.join(name)).unwrap()),
            digest,
            "{name}"
        );
    }
    let install = std::fs::read_to_string(dir.join("install.sh")).unwrap();
    assert!(!install.contains("@PROFILE@") && install.contains("ClaudeCode"));

    // The zip: one folder, fixed modes, and the same bytes when packaged again.
    let zip_bytes = std::fs::read(&zip_path).unwrap();
    let entries = zip_entries(&zip_bytes);
    assert_eq!(
        entries["claude-code-with-bedrock/credential-process-linux-x64"].0,
        0o755
    );
    assert_eq!(entries["claude-code-with-bedrock/config.json"].0, 0o644);
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let second = package(&ccwb, &dist);
    assert_ne!(second["dir"], first["dir"]);
    let again = std::fs::read(second["zip"].as_str().unwrap()).unwrap();
    assert_eq!(
        sha256_hex(&again),
        sha256_hex(&zip_bytes),
        "reproducible zip"
    );

    // Distribute the newest build; the printed link downloads exactly its zip.
    let run = ccwb.ok(&[
        "-o",
        "json",
        "distribute",
        "--latest",
        "--expires-hours",
        "12",
        "--dist",
        dist.to_str().unwrap(),
    ]);
    let record = run.json();
    assert_eq!(record["sha256"], sha256_hex(&zip_bytes).as_str());
    let downloaded = reqwest::blocking::get(record["url"].as_str().unwrap())
        .unwrap()
        .bytes()
        .unwrap();
    assert_eq!(sha256_hex(&downloaded), sha256_hex(&zip_bytes));

    let latest = ccwb.ok(&["distribute", "--get-latest", "--show-qr"]);
    assert!(latest.stdout.contains(record["url"].as_str().unwrap()));
    assert!(
        latest.stderr.contains('█') || latest.stderr.contains('▀'),
        "QR code"
    );

    // A download restriction this deployment does not enforce is refused, not ignored.
    let dist = dist.to_str().unwrap();
    let refused = ccwb.run(&[
        "distribute",
        "--latest",
        "--allowed-ips",
        "203.0.113.0/24",
        "--dist",
        dist,
    ]);
    refused.assert_refused(1, &["does not restrict"]);
}

#[test]
fn package_refuses_what_it_cannot_do() {
    let local = Local::start();
    let (ccwb, dist) = admin(&local);
    let dist = dist.to_str().unwrap();
    let binary = format!("linux-x64={}", fake_binary(&ccwb.config_dir).display());
    let no_federation = ccwb.run(&["package", "--binary", &binary, "--dist", dist]);
    no_federation.assert_refused(2, &["--federated-role-arn"]);

    let nothing = ccwb.run(&[
        "package",
        "--target",
        "macos-arm64",
        "--dist",
        dist,
        "--federated-role-arn",
        "arn:aws:iam::1:role/x",
    ]);
    nothing.assert_refused(1, &["no platform could be built", "macos-arm64"]);
    let empty = ccwb.run(&["distribute", "--latest", "--dist", dist]);
    empty.assert_refused(1, &["ccwb package"]);
}

#[test]
fn ccwb_test_checks_the_package_and_the_quota_api_and_names_what_is_wrong() {
    let local = Local::start();
    let (ccwb, dist) = admin(&local);
    // The real credential-process for this computer, so `ccwb test` runs it on the package.
    let binary = ccwb_e2e::host_binary_arg();
    let built = ccwb.package(
        &binary,
        &dist,
        "arn:aws:iam::123456789012:role/ClaudeCode",
        &[],
    );
    let dir = std::path::PathBuf::from(built["dir"].as_str().unwrap());

    let report = ccwb
        .ok(&[
            "-o",
            "json",
            "test",
            "--latest",
            "--dist",
            dist.to_str().unwrap(),
        ])
        .json();
    let outcome = |name: &str| {
        report
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name)
            .unwrap_or_else(|| panic!("no check {name}: {report}"))
            .clone()
    };
    for name in [
        "package",
        "checksums",
        "config.json",
        "installers",
        "program",
        "program reads profile ClaudeCode",
        "quota /check",
        "quota policy round trip",
    ] {
        assert_eq!(outcome(name)["outcome"], "pass", "{name}: {report}");
    }
    assert!(
        outcome("program reads profile ClaudeCode")["detail"]
            .as_str()
            .unwrap()
            .contains("arn:aws:iam::123456789012:role/ClaudeCode"),
        "{report}"
    );
    // The throw-away policy is gone again.
    let policies = ccwb.ok(&["-o", "json", "quota", "list"]).json();
    assert!(!policies.to_string().contains("ccwb-test-"), "{policies}");

    // A damaged package fails, naming the file; exit 1.
    std::fs::write(dir.join("install.sh"), "#!/bin/sh\necho changed\n").unwrap();
    let damaged = ccwb.run(&[
        "test",
        "--latest",
        "--skip-quota",
        "--dist",
        dist.to_str().unwrap(),
    ]);
    assert_eq!(damaged.code, Some(1), "{}", damaged.stdout);
    assert!(
        damaged.stdout.contains("FAIL  checksums")
            && damaged.stdout.contains("install.sh does not match"),
        "{}",
        damaged.stdout
    );
    assert_contains(&damaged.stderr, &["1 of 6 checks failed"]);
}
