//! The Claude Code settings a package gives a developer: Bedrock through the package's AWS
//! profile, the models, telemetry to the ccwb API with the sign-in as its header, and the
//! sign-in helper that shows why credentials were refused.

use std::path::PathBuf;

pub use ccwb_api::METRICS_PATH;

/// The file beside the installed program that records what the installer merged into Claude
/// Code's settings, for `ccwb cleanup`.
pub const RECORD_FILE: &str = "claude-settings.installed.json";

/// What the settings are made from (the package's `config.json` profile and where the program
/// was installed).
#[derive(Debug, Clone, Default)]
pub struct Input<'a> {
    /// The installed program as one command word (quoted for the shell where needed).
    pub program: &'a str,
    /// The AWS profile (and config.json profile) name.
    pub profile: &'a str,
    /// `AWS_REGION` for Claude Code: where Bedrock is called.
    pub region: &'a str,
    /// `ANTHROPIC_MODEL`, an inference profile id such as `us.anthropic.claude-opus-5-5`.
    pub model: Option<&'a str>,
    /// The small/fast model (`ANTHROPIC_DEFAULT_HAIKU_MODEL`, and `ANTHROPIC_SMALL_FAST_MODEL`
    /// for Claude Code versions that read only that).
    pub small_fast_model: Option<&'a str>,
    /// The ccwb API; without it no telemetry is configured (and nothing is metered).
    pub api_endpoint: Option<&'a str>,
    /// `AWS_CONFIG_FILE` for Claude Code, when the AWS profile lives in a file of the
    /// installation's own (managed installs, for every user of the computer).
    pub aws_config_file: Option<&'a str>,
}

/// One setting: a key path in `settings.json` (`["env", "AWS_PROFILE"]`) and its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting {
    /// Object keys from the top of the file, e.g. `["otelHeadersHelper"]`.
    pub key: Vec<String>,
    /// The value (every setting we write is a string).
    pub value: String,
}

impl Setting {
    fn env(name: &str, value: &str) -> Self {
        Self {
            key: vec!["env".to_owned(), name.to_owned()],
            value: value.to_owned(),
        }
    }

    fn top(name: &str, value: String) -> Self {
        Self {
            key: vec![name.to_owned()],
            value,
        }
    }

    /// `env.AWS_PROFILE`, as people write it.
    pub fn dotted(&self) -> String {
        self.key.join(".")
    }
}

/// Every setting the installer writes, in the order they are added to a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaudeSettings {
    /// The settings.
    pub settings: Vec<Setting>,
}

impl ClaudeSettings {
    /// The settings for `input`.
    pub fn new(input: &Input<'_>) -> Self {
        let mut settings = vec![
            Setting::env("CLAUDE_CODE_USE_BEDROCK", "1"),
            Setting::env("AWS_PROFILE", input.profile),
            Setting::env("AWS_REGION", input.region),
        ];
        if let Some(file) = input.aws_config_file {
            settings.push(Setting::env("AWS_CONFIG_FILE", file));
        }
        if let Some(model) = input.model {
            settings.push(Setting::env("ANTHROPIC_MODEL", model));
        }
        if let Some(model) = input.small_fast_model {
            settings.push(Setting::env("ANTHROPIC_DEFAULT_HAIKU_MODEL", model));
            settings.push(Setting::env("ANTHROPIC_SMALL_FAST_MODEL", model));
        }
        if let Some(api) = input.api_endpoint {
            let endpoint = format!("{}{METRICS_PATH}", api.trim_end_matches('/'));
            settings.extend([
                Setting::env("CLAUDE_CODE_ENABLE_TELEMETRY", "1"),
                Setting::env("OTEL_METRICS_EXPORTER", "otlp"),
                Setting::env("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"),
                Setting::env("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", &endpoint),
            ]);
            settings.push(Setting::top(
                "otelHeadersHelper",
                format!(
                    "{} --otel-headers --profile {}",
                    input.program, input.profile
                ),
            ));
        }
        settings.push(Setting::top(
            "awsAuthRefresh",
            format!(
                "{} --auth-refresh --profile {}",
                input.program, input.profile
            ),
        ));
        Self { settings }
    }

    /// The settings as a JSON document of their own (what a new `settings.json` holds).
    pub fn to_json(&self) -> serde_json::Value {
        let mut root = serde_json::Map::new();
        for setting in &self.settings {
            let value = serde_json::Value::from(setting.value.clone());
            // Settings are top-level keys or keys of one object (`env`), never deeper.
            match setting.key.as_slice() {
                [key] => {
                    root.insert(key.clone(), value);
                }
                [parent, key] => {
                    let entry = root
                        .entry(parent.clone())
                        .or_insert_with(|| serde_json::json!({}));
                    if let serde_json::Value::Object(object) = entry {
                        object.insert(key.clone(), value);
                    }
                }
                _ => {}
            }
        }
        serde_json::Value::Object(root)
    }
}

/// `path` as one word of a command line Claude Code runs through the shell (`sh -c` on Linux
/// and macOS; on Windows double quotes): plain paths stay as they are.
pub fn command_word(path: &str, windows: bool) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "_./+,:@%-".contains(c);
    if windows {
        let plain_windows = |c: char| plain(c) || c == '\\';
        if path.chars().all(plain_windows) {
            path.to_owned()
        } else {
            format!("\"{path}\"")
        }
    } else if path.chars().all(plain) {
        path.to_owned()
    } else {
        format!("'{}'", path.replace('\'', "'\\''"))
    }
}

/// Where Claude Code reads system-wide managed settings on `os` (`std::env::consts::OS`):
/// settings there override the user's own and cannot be switched off by them.
pub fn managed_settings_file(os: &str) -> PathBuf {
    let dir = match os {
        "macos" => "/Library/Application Support/ClaudeCode",
        "windows" => r"C:\Program Files\ClaudeCode",
        _ => "/etc/claude-code",
    };
    let separator = if os == "windows" { '\\' } else { '/' };
    PathBuf::from(format!("{dir}{separator}managed-settings.json"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> Input<'static> {
        Input {
            program: "/home/dev/claude-code-with-bedrock/credential-process",
            profile: "ClaudeCode",
            region: "us-east-1",
            model: Some("us.anthropic.claude-opus-5-5"),
            small_fast_model: Some("us.anthropic.claude-haiku-5-5"),
            api_endpoint: Some("https://api.example.com/"),
            aws_config_file: None,
        }
    }

    #[test]
    fn telemetry_goes_to_the_api_with_the_sign_in_as_header() {
        let json = ClaudeSettings::new(&input()).to_json();
        let env = &json["env"];
        assert_eq!(env["CLAUDE_CODE_USE_BEDROCK"], "1");
        assert_eq!(env["CLAUDE_CODE_ENABLE_TELEMETRY"], "1");
        assert_eq!(env["OTEL_METRICS_EXPORTER"], "otlp");
        assert_eq!(env["OTEL_EXPORTER_OTLP_PROTOCOL"], "http/protobuf");
        assert_eq!(
            env["OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"],
            "https://api.example.com/v1/metrics"
        );
        assert_eq!(env["ANTHROPIC_MODEL"], "us.anthropic.claude-opus-5-5");
        assert_eq!(
            env["ANTHROPIC_DEFAULT_HAIKU_MODEL"],
            "us.anthropic.claude-haiku-5-5"
        );
        assert_eq!(
            json["otelHeadersHelper"],
            "/home/dev/claude-code-with-bedrock/credential-process --otel-headers --profile ClaudeCode"
        );
        assert_eq!(
            json["awsAuthRefresh"],
            "/home/dev/claude-code-with-bedrock/credential-process --auth-refresh --profile ClaudeCode"
        );
        assert!(env.get("AWS_CONFIG_FILE").is_none());
    }

    #[test]
    fn without_an_api_nothing_is_sent_anywhere() {
        let json = ClaudeSettings::new(&Input {
            api_endpoint: None,
            model: None,
            small_fast_model: None,
            ..input()
        })
        .to_json();
        assert!(json.get("otelHeadersHelper").is_none());
        assert!(json["env"].get("CLAUDE_CODE_ENABLE_TELEMETRY").is_none());
        assert!(json["env"].get("ANTHROPIC_MODEL").is_none());
        assert!(json.get("awsAuthRefresh").is_some());
    }

    #[test]
    fn programs_are_one_shell_word() {
        let rows = [
            (
                "/opt/ccwb/credential-process",
                false,
                "/opt/ccwb/credential-process",
            ),
            ("/home/a b/cp", false, "'/home/a b/cp'"),
            ("/home/it's/cp", false, "'/home/it'\\''s/cp'"),
            ("/home/$x/cp", false, "'/home/$x/cp'"),
            (r"C:\Users\dev\cp.exe", true, r"C:\Users\dev\cp.exe"),
            (
                r"C:\Program Files\cp.exe",
                true,
                r#""C:\Program Files\cp.exe""#,
            ),
        ];
        for (path, windows, word) in rows {
            assert_eq!(command_word(path, windows), word, "{path}");
        }
    }

    #[test]
    fn managed_settings_live_where_claude_code_reads_them() {
        let rows = [
            ("linux", "/etc/claude-code/managed-settings.json"),
            (
                "macos",
                "/Library/Application Support/ClaudeCode/managed-settings.json",
            ),
            (
                "windows",
                r"C:\Program Files\ClaudeCode\managed-settings.json",
            ),
        ];
        for (os, path) in rows {
            assert_eq!(managed_settings_file(os), PathBuf::from(path), "{os}");
        }
    }
}
