//! The whole journey with the real Claude Code CLI: an administrator makes a package with
//! `ccwb package`, a developer installs it with its own `install.sh` into a fresh HOME, and
//! `claude` (npm `@anthropic-ai/claude-code`, pinned) signs in through `credential-process`,
//! calls Bedrock (a local stand-in that records which credentials it was called with) and sends
//! its telemetry to the local API, where the exact tokens are counted once. A block policy then
//! stops the next run before Bedrock sees anything and the developer is told why in Claude
//! Code's own sign-in box; an unblock lets them back in; `ccwb cleanup` restores the settings.

// Dependencies are judged on the library target; this test uses only some of them.
#![allow(unused_crate_dependencies)]
#![cfg(unix)]

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use ccwb_e2e::bedrock::{Bedrock, Call, Usage};
use ccwb_e2e::claude_code::{self, OFFLINE};
use ccwb_e2e::cli::{Ccwb, Run};
use ccwb_e2e::terminal::Terminal;
use ccwb_e2e::{Local, bin, moto, temp_dir};
use serde_json::{Value, json};

const PROFILE: &str = "ClaudeCode";
const DEVELOPER: &str = "dev@example.com";
const ANSWER: &str = "Hello from the Bedrock stand-in.";
const USAGE: Usage = Usage {
    input: 1_200,
    output: 42,
    cache_read: 3_000,
    cache_write: 500,
};
/// The developer's own settings: every byte of them must survive the install and the cleanup.
const THEIR_SETTINGS: &str = "{\n  \"cleanupPeriodDays\": 45,\n  \"env\": {\"MY_TOOL_HOME\": \"/opt/tool\"},\n  \"permissions\": {\"allow\": [\"Bash(ls:*)\"]}\n}\n";

/// One developer computer with a package installed from the local stack.
struct Machine {
    local: Local,
    admin: Ccwb,
    bedrock: Bedrock,
    home: PathBuf,
    project: PathBuf,
}

impl Machine {
    /// The administrator packages for the local stack; the developer installs it.
    fn installed() -> Self {
        let local = Local::start();
        let admin = Ccwb::with_token(&local.url, &local.admin_token());
        admin.create_context(
            "local",
            &local.url,
            &local.url,
            "ccwb-local",
            Some("us-east-1"),
        );
        let dist = temp_dir("claude-dist");
        let binary = ccwb_e2e::host_binary_arg();
        let built = admin.package(
            &binary,
            &dist,
            "arn:aws:iam::123456789012:role/ClaudeCodeBedrock",
            &["--quota-check-interval", "0", "--quota-fail-mode", "closed"],
        );
        let package = PathBuf::from(built["dir"].as_str().expect("package dir"));

        let home = temp_dir("claude-home");
        let project = home.join("project");
        std::fs::create_dir_all(home.join(".claude")).expect(".claude");
        std::fs::create_dir_all(&project).expect("project");
        std::fs::write(home.join(".claude/settings.json"), THEIR_SETTINGS).expect("settings");
        let install = Command::new("sh")
            .arg(package.join("install.sh"))
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", &home)
            .stdin(Stdio::null())
            .output()
            .expect("run install.sh");
        let run = Run::from(install);
        assert_eq!(
            run.code,
            Some(0),
            "install.sh:\n{}\n{}",
            run.stdout,
            run.stderr
        );

        Self {
            local,
            admin,
            bedrock: Bedrock::start(ANSWER, USAGE),
            home,
            project,
        }
    }

    /// `ccwb doctor --installed`, as the developer runs it.
    fn doctor(&self) -> Run {
        let mut command = Command::new(ccwb_e2e::bin("ccwb"));
        command.args(["doctor", "--installed"]);
        self.env(&mut command);
        Run::from(command.output().expect("run ccwb doctor"))
    }

    fn settings(&self) -> Value {
        let text = std::fs::read_to_string(self.home.join(".claude/settings.json"))
            .expect("settings.json");
        serde_json::from_str(&text).expect("settings JSON")
    }

    /// The environment of a developer's shell: only the HOME the installer wrote into, plus
    /// where Bedrock and STS are (the stand-in, moto), a "browser" that completes the dev
    /// issuer's sign-in, and Claude Code's offline switches.
    fn env(&self, command: &mut Command) {
        command
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", &self.home)
            .env("TERM", "xterm-256color")
            .env("ANTHROPIC_BEDROCK_BASE_URL", &self.bedrock.url)
            .env("AWS_ENDPOINT_URL_STS", moto())
            .env("BROWSER", "curl -sfL -o /dev/null")
            // Exports every second instead of every minute, so a short run exports too.
            .env("OTEL_METRIC_EXPORT_INTERVAL", "1000")
            .envs(OFFLINE)
            .current_dir(&self.project);
    }

    /// `claude -p PROMPT`, to completion.
    fn claude(&self, prompt: &str) -> Run {
        let mut command = Command::new(claude_code::claude());
        command.args(["-p", prompt]);
        self.env(&mut command);
        let child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start claude");
        let output = child.wait_with_output().expect("claude");
        output.into()
    }

    /// The access key of the credentials credential-process issued and cached.
    fn issued_access_key(&self) -> String {
        let path = self
            .home
            .join(".cache/claude-code-with-bedrock")
            .join(format!("{PROFILE}.json"));
        let cache: Value =
            serde_json::from_str(&std::fs::read_to_string(&path).expect("credential cache"))
                .expect("cache JSON");
        cache["credentials"]["AccessKeyId"]
            .as_str()
            .unwrap_or_else(|| panic!("no credentials cached: {cache}"))
            .to_owned()
    }

    /// The developer's usage this month (`GET /usage`), once it has `tokens` in all.
    fn usage_reaching(&self, tokens: u64) -> Value {
        let deadline = Instant::now() + Duration::from_secs(30);
        let runtime = tokio::runtime::Runtime::new().expect("runtime");
        let token = self.local.admin_token();
        loop {
            let (status, usage) =
                runtime.block_on(self.local.get(&format!("/usage/{DEVELOPER}"), Some(&token)));
            assert_eq!(status, 200, "{usage}");
            let total = usage["month"]["total_tokens"].as_u64().unwrap_or_default();
            if total >= tokens || Instant::now() > deadline {
                return usage;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    fn ccwb(&self, args: &[&str]) -> Run {
        self.admin.ok(args)
    }
}

/// What Claude Code must report: the stand-in's counts once per streamed answer, by model.
fn expected_by_model(calls: &[Call]) -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    for call in calls.iter().filter(|c| c.is_stream()) {
        let model = call.model().expect("model in path");
        *out.entry(model).or_default() += 1;
    }
    out
}

fn per_answer() -> u64 {
    USAGE.input + USAGE.output + USAGE.cache_read + USAGE.cache_write
}

/// What one streamed answer costs in micro-dollars at `model`'s list prices (per million
/// tokens: input, output, cache read, cache write), as ccwb and Claude Code both price it.
fn answer_cost_micros(model: &str) -> u64 {
    let (input, output, cache_read, cache_write) = match model {
        m if m.ends_with("claude-opus-5-5") => (4.0, 20.0, 0.2, 5.0),
        m if m.ends_with("claude-haiku-5-5") => (0.1, 0.5, 0.01, 0.125),
        other => panic!("no expected price for {other}: add it here"),
    };
    (USAGE.input as f64 * input
        + USAGE.output as f64 * output
        + USAGE.cache_read as f64 * cache_read
        + USAGE.cache_write as f64 * cache_write)
        .round() as u64
}

/// A dollar amount of the API, in micro-dollars.
fn micros(value: &Value) -> Option<u64> {
    value.as_f64().map(|dollars| (dollars * 1e6).round() as u64)
}

/// Checks the month's usage is exactly the stand-in's counts times the answers, per model, and
/// its cost both as ccwb prices it and as Claude Code reported it.
fn assert_counted(usage: &Value, answers: &BTreeMap<String, u64>) {
    let total: u64 = answers.values().sum::<u64>() * per_answer();
    assert_eq!(
        usage["month"]["total_tokens"].as_u64(),
        Some(total),
        "exactly once: {usage:#}"
    );
    let cost: u64 = answers
        .iter()
        .map(|(model, count)| answer_cost_micros(model) * count)
        .sum();
    assert_eq!(micros(&usage["month"]["cost"]), Some(cost), "{usage:#}");
    assert_eq!(
        micros(&usage["month"]["claude_code_cost"]),
        Some(cost),
        "Claude Code's own figure agrees: {usage:#}"
    );
    let models = usage["month"]["models"].as_object().expect("models");
    for (model, count) in answers {
        // Claude Code reports the model id it called Bedrock with.
        let counted = models
            .get(model)
            .unwrap_or_else(|| panic!("{model} in {usage:#}"));
        for (field, per) in [
            ("input_tokens", USAGE.input),
            ("output_tokens", USAGE.output),
            ("cache_read_tokens", USAGE.cache_read),
            ("cache_write_tokens", USAGE.cache_write),
        ] {
            assert_eq!(
                counted[field].as_u64(),
                Some(per * count),
                "{model} {field}: {usage:#}"
            );
        }
    }
}

#[test]
fn a_developer_installed_from_the_package_is_metered_and_enforced() {
    let machine = Machine::installed();

    // What the installer wrote: Bedrock, telemetry to our API, and our helpers; theirs kept.
    let settings = machine.settings();
    let env = &settings["env"];
    assert_eq!(env["CLAUDE_CODE_USE_BEDROCK"], "1");
    assert_eq!(env["AWS_PROFILE"], PROFILE);
    assert_eq!(env["ANTHROPIC_MODEL"], "us.anthropic.claude-opus-5-5");
    assert_eq!(env["CLAUDE_CODE_ENABLE_TELEMETRY"], "1");
    assert_eq!(env["OTEL_EXPORTER_OTLP_PROTOCOL"], "http/protobuf");
    assert_eq!(
        env["OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"],
        format!("{}/v1/metrics", machine.local.url)
    );
    assert_eq!(env["MY_TOOL_HOME"], "/opt/tool");
    assert_eq!(settings["cleanupPeriodDays"], 45);
    assert_eq!(settings["permissions"], json!({"allow": ["Bash(ls:*)"]}));

    // The developer's own look at the installation finds nothing wrong.
    let doctor = machine.doctor();
    assert_eq!(doctor.code, Some(0), "{}\n{}", doctor.stdout, doctor.stderr);
    for expected in [
        "✓ package config:",
        "✓ program:",
        "✓ AWS profile:",
        "✓ identity provider:",
        "✓ API:",
        "✓ Claude Code telemetry: metrics go to the API",
        "✓ Claude Code settings:",
    ] {
        assert!(
            doctor.stdout.contains(expected),
            "{expected}:\n{}",
            doctor.stdout
        );
    }

    // First run: signs in (the "browser" completes it), calls Bedrock, is metered.
    let first = machine.claude("Say hello");
    assert_eq!(
        first.code,
        Some(0),
        "claude:\n{}\n{}",
        first.stdout,
        first.stderr
    );
    assert!(first.stdout.contains(ANSWER), "{}", first.stdout);
    let calls = machine.bedrock.calls();
    let answers = expected_by_model(&calls);
    assert!(!answers.is_empty(), "a streamed answer: {calls:?}");
    let key = machine.issued_access_key();
    for call in &calls {
        assert_eq!(
            call.access_key.as_deref(),
            Some(key.as_str()),
            "Bedrock was called with credential-process's credentials: {call:?}"
        );
    }
    let total = answers.values().sum::<u64>() * per_answer();
    let usage = machine.usage_reaching(total);
    assert_counted(&usage, &answers);

    // A block below that usage: the next run gets no credentials and Bedrock sees nothing.
    machine.ccwb(&["quota", "set-user", DEVELOPER, "-m", "1000", "-e", "block"]);
    let seen = machine.bedrock.calls().len();
    let blocked = machine.claude("Say hello again");
    assert_ne!(blocked.code, Some(0), "{}", blocked.stdout);
    assert!(
        blocked.stdout.contains("Could not load AWS credentials"),
        "{}\n{}",
        blocked.stdout,
        blocked.stderr
    );
    assert!(!blocked.stdout.contains(ANSWER));
    assert_eq!(
        machine.bedrock.calls().len(),
        seen,
        "Bedrock saw no request"
    );

    // An interactive session shows why, in Claude Code's sign-in box (awsAuthRefresh).
    let screen = interactive_screen(&machine, "monthly token limit");
    assert!(screen.contains("blocked"), "{screen}");
    assert!(
        screen.contains(&format!("Policy: user {DEVELOPER}")),
        "{screen}"
    );
    assert!(
        screen.contains("1,000 tokens"),
        "the limit is named:\n{screen}"
    );

    // An unblock lets the developer back in (once the remembered refusal has aged).
    machine.ccwb(&[
        "quota",
        "unblock",
        DEVELOPER,
        "--duration",
        "1h",
        "--reason",
        "e2e deadline",
    ]);
    std::thread::sleep(Duration::from_secs(11));
    let again = machine.claude("Say hello once more");
    assert_eq!(again.code, Some(0), "{}\n{}", again.stdout, again.stderr);
    assert!(again.stdout.contains(ANSWER), "{}", again.stdout);
    let answers = expected_by_model(&machine.bedrock.calls());
    let usage = machine.usage_reaching(answers.values().sum::<u64>() * per_answer());
    assert_counted(&usage, &answers);

    // Telemetry switched off by hand: doctor names it and its fix, and the fix works. (The
    // installer's files are put back afterwards, so that cleanup below meets its own work.)
    let settings_file = machine.home.join(".claude/settings.json");
    let record_file = machine
        .home
        .join("claude-code-with-bedrock")
        .join(ccwb_install::RECORD_FILE);
    let installed = (
        std::fs::read(&settings_file).expect("settings"),
        std::fs::read(&record_file).expect("install record"),
    );
    let mut edited = machine.settings();
    if let Some(env) = edited["env"].as_object_mut() {
        env.remove("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT");
    }
    std::fs::write(
        &settings_file,
        serde_json::to_string_pretty(&edited).expect("JSON"),
    )
    .expect("settings");
    let broken = machine.doctor();
    assert_eq!(broken.code, Some(1), "{}", broken.stdout);
    assert!(
        broken.stdout.contains("✗ Claude Code telemetry:")
            && broken.stdout.contains(
                "env.OTEL_EXPORTER_OTLP_METRICS_ENDPOINT is not set (usage is not metered)"
            ),
        "{}",
        broken.stdout
    );
    let fix = broken
        .stdout
        .lines()
        .find_map(|l| l.trim().strip_prefix("fix: run: "))
        .expect("a command to run");
    let mut words = fix.split(' ');
    let mut repair = Command::new(words.next().expect("program"));
    repair.args(words);
    machine.env(&mut repair);
    let repaired = Run::from(repair.output().expect("run the fix"));
    assert_eq!(repaired.code, Some(0), "{fix}: {}", repaired.stderr);
    assert_eq!(machine.doctor().code, Some(0), "fixed");
    std::fs::write(&settings_file, &installed.0).expect("settings");
    std::fs::write(&record_file, &installed.1).expect("install record");

    // ccwb cleanup restores the developer's settings file byte for byte.
    let cleanup = Command::new(bin("ccwb"))
        .args(["cleanup", "--force"])
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", &machine.home)
        .env("CCWB_CONFIG_DIR", machine.home.join("ccwb-config"))
        .stdin(Stdio::null())
        .output()
        .expect("ccwb cleanup");
    let cleanup = Run::from(cleanup);
    assert_eq!(cleanup.code, Some(0), "{}", cleanup.stderr);
    assert_eq!(
        std::fs::read_to_string(machine.home.join(".claude/settings.json")).expect("settings"),
        THEIR_SETTINGS
    );
}

#[test]
fn json_exports_are_counted_once_across_runs() {
    let machine = Machine::installed();
    // A developer who prefers JSON exports (Claude Code's other OTLP encoding).
    let path = machine.home.join(".claude/settings.json");
    let text = std::fs::read_to_string(&path).expect("settings");
    std::fs::write(&path, text.replace("http/protobuf", "http/json")).expect("settings");

    for prompt in ["One", "Two"] {
        let run = machine.claude(prompt);
        assert_eq!(run.code, Some(0), "{}\n{}", run.stdout, run.stderr);
        assert!(run.stdout.contains(ANSWER));
    }
    let answers = expected_by_model(&machine.bedrock.calls());
    assert!(answers.values().sum::<u64>() >= 2, "{answers:?}");
    let usage = machine.usage_reaching(answers.values().sum::<u64>() * per_answer());
    // Let any late or repeated export arrive: still counted once.
    std::thread::sleep(Duration::from_secs(3));
    let usage_later = machine.usage_reaching(0);
    assert_eq!(
        usage["month"], usage_later["month"],
        "nothing counted twice"
    );
    assert_counted(&usage_later, &answers);
}

/// Starts `claude` in a real terminal (tmux), waits until the screen shows `needle`, and returns
/// the screen.
fn interactive_screen(machine: &Machine, needle: &str) -> String {
    claude_code::skip_onboarding(&machine.home, &machine.project);
    let mut command = Command::new("env");
    machine.env(&mut command);
    let vars: Vec<(String, String)> = command
        .get_envs()
        .filter_map(|(k, v)| Some((k.to_str()?.to_owned(), v?.to_str()?.to_owned())))
        .collect();
    let env: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let claude = Terminal::start(&claude_code::claude(), &[], &env, &machine.project);
    claude.wait_for_within(needle, Duration::from_secs(60))
}
