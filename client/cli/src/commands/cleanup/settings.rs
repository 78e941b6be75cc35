//! Taking the installer's entries out of Claude Code's settings when the install kept no
//! record of them (packages from before the record): found by what they say.

use serde_json::Value;

/// Removes the installer's Claude Code settings: `env.AWS_PROFILE` naming `profile` (with the
/// `CLAUDE_CODE_USE_BEDROCK` and `AWS_REGION` written beside it) and an `otelHeadersHelper`
/// running `program`. `None` when there is nothing of the installer's.
pub fn remove_settings(mut settings: Value, profile: &str, program: &str) -> Option<Value> {
    let map = settings.as_object_mut()?;
    let mut changed = false;
    if map
        .get("otelHeadersHelper")
        .and_then(Value::as_str)
        .is_some_and(|helper| helper.contains(program))
    {
        map.remove("otelHeadersHelper");
        changed = true;
    }
    if let Some(env) = map.get_mut("env").and_then(Value::as_object_mut)
        && env.get("AWS_PROFILE").and_then(Value::as_str) == Some(profile)
    {
        for key in ["AWS_PROFILE", "CLAUDE_CODE_USE_BEDROCK", "AWS_REGION"] {
            env.remove(key);
        }
        changed = true;
        if env.is_empty() {
            map.remove("env");
        }
    }
    changed.then_some(settings)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const PROGRAM: &str = "/home/dev/claude-code-with-bedrock/credential-process";

    #[test]
    fn settings_lose_only_the_installers_entries() {
        let helper = format!("\"{PROGRAM}\" --otel-headers --profile ClaudeCode");
        let installed = json!({
            "env": {"CLAUDE_CODE_USE_BEDROCK": "1", "AWS_PROFILE": "ClaudeCode", "AWS_REGION": "eu-west-1"},
            "otelHeadersHelper": helper,
        });
        assert_eq!(
            remove_settings(installed, "ClaudeCode", PROGRAM),
            Some(json!({}))
        );
        let merged = json!({
            "env": {"CLAUDE_CODE_USE_BEDROCK": "1", "AWS_PROFILE": "ClaudeCode", "AWS_REGION": "eu-west-1", "EDITOR": "vim"},
            "otelHeadersHelper": helper,
            "model": "opus",
        });
        assert_eq!(
            remove_settings(merged, "ClaudeCode", PROGRAM),
            Some(json!({"env": {"EDITOR": "vim"}, "model": "opus"}))
        );
        let theirs = json!({"env": {"AWS_PROFILE": "other"}, "otelHeadersHelper": "/bin/helper"});
        assert_eq!(remove_settings(theirs, "ClaudeCode", PROGRAM), None);
        assert_eq!(remove_settings(json!([1]), "ClaudeCode", PROGRAM), None);
    }
}
