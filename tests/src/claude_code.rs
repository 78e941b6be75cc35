//! The real Claude Code CLI (npm `@anthropic-ai/claude-code`, pinned in `tests/claude-code`),
//! installed once with `npm ci` like the OpenID Provider fixture, and run as a developer would:
//! with only what a package's installer wrote in its HOME, plus the address of the Bedrock
//! stand-in and the switches that keep it off the network.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::{npm_ci, repo_root};

/// Switches that keep Claude Code off the network (updates, error reports, product analytics,
/// other non-essential traffic). OpenTelemetry metrics are not affected by them.
pub const OFFLINE: [(&str, &str); 4] = [
    ("DISABLE_AUTOUPDATER", "1"),
    ("DISABLE_ERROR_REPORTING", "1"),
    ("DISABLE_TELEMETRY", "1"),
    ("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1"),
];

/// The `claude` program for this computer, installed on first use.
pub fn claude() -> PathBuf {
    static INSTALLED: Mutex<bool> = Mutex::new(false);
    let dir = repo_root().join("tests/claude-code");
    let program = dir.join(format!(
        "node_modules/@anthropic-ai/claude-code-{}/claude",
        platform()
    ));
    let mut installed = INSTALLED.lock().unwrap_or_else(|e| e.into_inner());
    if !*installed && !program.is_file() {
        // The platform package carries the native program; its postinstall is not needed.
        npm_ci(&dir, &["--ignore-scripts"]);
    }
    *installed = true;
    assert!(
        program.is_file(),
        "{} is missing after npm ci",
        program.display()
    );
    program
}

fn platform() -> &'static str {
    match (std::env::consts::OS, std::env::consts::ARCH) {
        ("macos", "aarch64") => "darwin-arm64",
        ("macos", _) => "darwin-x64",
        (_, "aarch64") => "linux-arm64",
        _ => "linux-x64",
    }
}

/// Marks `project` as trusted and onboarding as done in `home`'s `~/.claude.json`, as a developer's
/// first interactive start would, so an interactive session opens straight at the prompt.
pub fn skip_onboarding(home: &Path, project: &Path) {
    let state = serde_json::json!({
        "hasCompletedOnboarding": true,
        "theme": "dark",
        "projects": {
            project.display().to_string(): {
                "hasTrustDialogAccepted": true,
                "hasCompletedProjectOnboarding": true
            }
        }
    });
    std::fs::write(home.join(".claude.json"), state.to_string()).expect("write .claude.json");
}
