//! Merging our settings into a `settings.json` and taking them out again, byte for byte.
//!
//! The file is first parsed strictly (serde_json) so an invalid one is refused before anything is
//! changed; edits are then made on jsonc-parser's concrete syntax tree, which keeps every other
//! byte (indentation, key order, escapes, how numbers are written).

use std::path::{Path, PathBuf};

use jsonc_parser::ParseOptions;
use jsonc_parser::cst::{CstInputValue, CstObject, CstRootNode};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::Error;
use crate::settings::{ClaudeSettings, Setting};

/// What the installer changed in one settings file: enough to put it back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Record {
    /// The settings file the installer merged into.
    pub settings_file: PathBuf,
    /// The installer created that file (it did not exist).
    pub created_file: bool,
    /// Objects the installer added (e.g. `env`), removed again when they end up empty.
    #[serde(default)]
    pub created_objects: Vec<String>,
    /// Every key the installer set, with what it held before.
    pub entries: Vec<RecordEntry>,
    /// The file as it was before the first install (`None`: there was none), and as the
    /// installer left it: while it is still exactly that, undo gives back the original bytes.
    #[serde(default)]
    pub original: Option<String>,
    /// What the installer wrote.
    #[serde(default)]
    pub installed: String,
}

/// One key the installer set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordEntry {
    /// Key path, e.g. `["env", "AWS_PROFILE"]`.
    pub key: Vec<String>,
    /// What the installer wrote.
    pub value: String,
    /// What the key held before the first install (`None`: it was absent).
    pub previous: Option<Value>,
}

/// The result of [`merge`].
#[derive(Debug, Clone, PartialEq)]
pub struct Merged {
    /// The new file content.
    pub text: String,
    /// Whether it differs from what was there.
    pub changed: bool,
    /// What to keep for [`undo`].
    pub record: Record,
}

/// The result of [`undo`].
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Undone {
    /// The file's new content; `None` when the installer created it and nothing else is left.
    pub text: Option<String>,
    /// Keys given their earlier value back.
    pub restored: Vec<String>,
    /// Keys the installer had added, removed.
    pub removed: Vec<String>,
    /// Keys left alone, with why (changed since the install).
    pub left: Vec<String>,
}

/// Merges `settings` into `existing` (the file's text, `None` when there is no file) at `file`.
/// `earlier` is the record of a previous install, so a re-install keeps knowing what the keys
/// held before the first one. An invalid file is refused and nothing is changed.
pub fn merge(
    existing: Option<&str>,
    settings: &ClaudeSettings,
    file: &Path,
    earlier: Option<&Record>,
) -> Result<Merged, Error> {
    let earlier = earlier.filter(|r| r.settings_file == file);
    let Some(text) = existing.filter(|t| !t.trim().is_empty()) else {
        let mut text = serde_json::to_string_pretty(&settings.to_json())
            .map_err(|e| Error::Invalid(e.to_string()))?;
        text.push('\n');
        let record = Record {
            settings_file: file.to_path_buf(),
            created_file: existing.is_none() || earlier.is_some_and(|r| r.created_file),
            created_objects: parents(settings),
            entries: settings
                .settings
                .iter()
                .map(|s| RecordEntry {
                    key: s.key.clone(),
                    value: s.value.clone(),
                    previous: None,
                })
                .collect(),
            original: match earlier {
                Some(r) if existing == Some(r.installed.as_str()) => r.original.clone(),
                _ => existing.map(str::to_owned),
            },
            installed: text.clone(),
        };
        return Ok(Merged {
            changed: existing != Some(text.as_str()),
            text,
            record,
        });
    };
    let (parsed, root, object) = parse_settings(text)?;

    let mut created_objects = Vec::new();
    for parent in parents(settings) {
        let exists = parsed.get(&parent).is_some();
        let ours_before = earlier.is_some_and(|r| r.created_objects.contains(&parent));
        if !exists || ours_before {
            created_objects.push(parent);
        }
    }
    let mut entries = Vec::new();
    for setting in &settings.settings {
        let current = lookup(&parsed, &setting.key);
        let still_ours = |entry: &&RecordEntry| {
            entry.key == setting.key && current == Some(&Value::String(entry.value.clone()))
        };
        let previous = match earlier.and_then(|r| r.entries.iter().find(still_ours)) {
            Some(entry) => entry.previous.clone(),
            None => current.cloned(),
        };
        if current != Some(&Value::String(setting.value.clone())) {
            set(&object, setting)?;
        }
        entries.push(RecordEntry {
            key: setting.key.clone(),
            value: setting.value.clone(),
            previous,
        });
    }
    let new_text = root.to_string();
    let original = match earlier {
        Some(r) if r.installed == text => r.original.clone(),
        _ => Some(text.to_owned()),
    };
    Ok(Merged {
        changed: new_text != text,
        record: Record {
            settings_file: file.to_path_buf(),
            created_file: earlier.is_some_and(|r| r.created_file),
            created_objects,
            entries,
            original,
            installed: new_text.clone(),
        },
        text: new_text,
    })
}

/// Takes what `record` says the installer set back out of `text`: a key still holding our
/// value gets its earlier value back (or goes, when it was absent); a key changed since is left.
pub fn undo(text: &str, record: &Record) -> Result<Undone, Error> {
    if !record.installed.is_empty() && text == record.installed {
        // Untouched since the install: the file as it was, byte for byte.
        return Ok(Undone {
            text: record.original.clone(),
            removed: record.entries.iter().map(|e| e.key.join(".")).collect(),
            ..Undone::default()
        });
    }
    let (parsed, root, object) = parse_settings(text)?;
    let mut undone = Undone::default();
    for entry in record.entries.iter().rev() {
        let name = entry.key.join(".");
        match lookup(&parsed, &entry.key) {
            None => {}
            Some(Value::String(value)) if *value == entry.value => {
                let Some(prop) = property(&object, &entry.key) else {
                    continue;
                };
                match &entry.previous {
                    Some(previous) => {
                        prop.set_value(input(previous));
                        undone.restored.push(name);
                    }
                    None => {
                        prop.remove();
                        undone.removed.push(name);
                    }
                }
            }
            Some(_) => undone.left.push(format!(
                "{name} was changed after the install, so it was left as it is"
            )),
        }
    }
    for parent in &record.created_objects {
        if let Some(child) = object.object_value(parent)
            && child.properties().is_empty()
            && let Some(prop) = object.get(parent)
        {
            prop.remove();
        }
    }
    undone.text = if record.created_file && object.properties().is_empty() {
        None
    } else {
        Some(root.to_string())
    };
    Ok(undone)
}

/// The objects settings live in (`env`), in order.
fn parents(settings: &ClaudeSettings) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for setting in &settings.settings {
        if let [parent, _] = setting.key.as_slice()
            && !out.contains(parent)
        {
            out.push(parent.clone());
        }
    }
    out
}

/// A settings file's text read both ways: strictly as JSON (what Claude Code would not read is
/// refused) and as the concrete syntax tree that is edited, with its top-level object.
fn parse_settings(text: &str) -> Result<(Value, CstRootNode, CstObject), Error> {
    let parsed = parse_strict(text)?;
    let root = parse_cst(text)?;
    let object = root
        .object_value()
        .ok_or_else(|| Error::Invalid("it does not hold a JSON object".into()))?;
    Ok((parsed, root, object))
}

fn parse_strict(text: &str) -> Result<Value, Error> {
    let value: Value = serde_json::from_str(text).map_err(|e| {
        Error::Invalid(format!(
            "it is not valid JSON ({e}); nothing was changed: fix it (or move it away) and run the installer again"
        ))
    })?;
    let Value::Object(map) = &value else {
        return Err(Error::Invalid(
            "it holds JSON that is not an object; nothing was changed".into(),
        ));
    };
    for (name, inner) in map {
        if name == "env" && !inner.is_object() {
            return Err(Error::Invalid(format!(
                "its \"env\" is {inner}, not an object of environment variables; nothing was changed"
            )));
        }
    }
    Ok(value)
}

fn parse_cst(text: &str) -> Result<CstRootNode, Error> {
    CstRootNode::parse(text, &ParseOptions::default())
        .map_err(|e| Error::Invalid(format!("it cannot be edited: {e}")))
}

fn lookup<'a>(value: &'a Value, key: &[String]) -> Option<&'a Value> {
    key.iter().try_fold(value, |v, k| v.get(k))
}

/// The property at `key` (one or two levels), if present.
fn property(object: &CstObject, key: &[String]) -> Option<jsonc_parser::cst::CstObjectProp> {
    match key {
        [name] => object.get(name),
        [parent, name] => object.object_value(parent)?.get(name),
        _ => None,
    }
}

fn set(object: &CstObject, setting: &Setting) -> Result<(), Error> {
    let value = CstInputValue::String(setting.value.clone());
    let (target, name) = match setting.key.as_slice() {
        [name] => (object.clone(), name),
        [parent, name] => {
            let child = match object.object_value(parent) {
                Some(child) => child,
                None => object
                    .append(parent, CstInputValue::Object(Vec::new()))
                    .object_value_or_set(),
            };
            (child, name)
        }
        _ => {
            return Err(Error::Invalid(format!(
                "setting {} is nested too deeply",
                setting.dotted()
            )));
        }
    };
    match target.get(name) {
        Some(prop) => prop.set_value(value),
        None => {
            target.append(name, value);
        }
    }
    Ok(())
}

/// A JSON value as jsonc-parser inserts it.
fn input(value: &Value) -> CstInputValue {
    match value {
        Value::Null => CstInputValue::Null,
        Value::Bool(b) => CstInputValue::Bool(*b),
        Value::Number(n) => CstInputValue::Number(n.to_string()),
        Value::String(s) => CstInputValue::String(s.clone()),
        Value::Array(items) => CstInputValue::Array(items.iter().map(input).collect()),
        Value::Object(map) => {
            CstInputValue::Object(map.iter().map(|(k, v)| (k.clone(), input(v))).collect())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::Input;

    const FILE: &str = "/home/dev/.claude/settings.json";

    fn settings() -> ClaudeSettings {
        ClaudeSettings::new(&Input {
            program: "/opt/ccwb/credential-process",
            profile: "ClaudeCode",
            region: "us-east-1",
            model: Some("us.anthropic.claude-opus-5-5"),
            small_fast_model: None,
            api_endpoint: Some("http://127.0.0.1:8787"),
            aws_config_file: None,
        })
    }

    fn merged(existing: Option<&str>, earlier: Option<&Record>) -> Merged {
        merge(existing, &settings(), Path::new(FILE), earlier).expect("merge")
    }

    /// A developer's own file: odd spacing, key order, number spellings, unicode escapes.
    const THEIRS: &str = "{\n    \"model\":   \"opus\",\n  \"env\": {\"AWS_REGION\": \"eu-west-1\", \"MY_VAR\": \"x\\u00e9\"},\n  \"cleanupPeriodDays\": 1.50e1,\n  \"permissions\": {\"allow\": [\"Bash(ls:*)\"]}\n}\n";

    #[test]
    fn a_new_file_holds_only_our_settings_and_undo_removes_it() {
        let merged = merged(None, None);
        assert!(merged.changed && merged.record.created_file);
        let value: Value = serde_json::from_str(&merged.text).expect("json");
        assert_eq!(value, settings().to_json());
        let undone = undo(&merged.text, &merged.record).expect("undo");
        assert_eq!(undone.text, None, "{undone:?}");
    }

    #[test]
    fn other_keys_keep_every_byte_and_undo_restores_the_file() {
        let merged = merged(Some(THEIRS), None);
        assert!(merged.changed);
        for kept in [
            "    \"model\":   \"opus\",",
            "\"MY_VAR\": \"x\\u00e9\"",
            "\"cleanupPeriodDays\": 1.50e1,",
            "\"permissions\": {\"allow\": [\"Bash(ls:*)\"]}",
        ] {
            assert!(merged.text.contains(kept), "{kept} in\n{}", merged.text);
        }
        let value: Value = serde_json::from_str(&merged.text).expect("valid JSON");
        assert_eq!(value["env"]["AWS_REGION"], "us-east-1");
        assert_eq!(value["env"]["MY_VAR"], "x\u{e9}");
        let region = merged
            .record
            .entries
            .iter()
            .find(|e| e.key == ["env", "AWS_REGION"])
            .expect("region entry");
        assert_eq!(region.previous, Some(Value::from("eu-west-1")));
        assert!(merged.record.created_objects.is_empty());

        let undone = undo(&merged.text, &merged.record).expect("undo");
        assert_eq!(
            undone.text.as_deref(),
            Some(THEIRS),
            "untouched: the very bytes"
        );

        // Edited since (a key of theirs added): our keys come out one by one.
        let edited = merged.text.replacen('{', "{\"theme\": \"dark\",", 1);
        let undone = undo(&edited, &merged.record).expect("undo");
        let restored: Value =
            serde_json::from_str(undone.text.as_deref().expect("file kept")).expect("json");
        let mut original: Value = serde_json::from_str(THEIRS).expect("json");
        original["theme"] = Value::from("dark");
        assert_eq!(restored, original);
        assert_eq!(undone.restored, vec!["env.AWS_REGION".to_owned()]);
        assert!(undone.left.is_empty());
    }

    #[test]
    fn merging_twice_changes_nothing_and_remembers_the_first_values() {
        let first = merged(Some(THEIRS), None);
        let second = merged(Some(&first.text), Some(&first.record));
        assert!(!second.changed);
        assert_eq!(second.text, first.text);
        assert_eq!(second.record, first.record);
        let undone = undo(&second.text, &second.record).expect("undo");
        let restored: Value = serde_json::from_str(&undone.text.expect("kept")).expect("json");
        assert_eq!(
            restored,
            serde_json::from_str::<Value>(THEIRS).expect("json")
        );
    }

    #[test]
    fn a_key_changed_after_the_install_is_left_alone() {
        let merged = merged(Some("{}"), None);
        let edited = merged.text.replace(
            "us.anthropic.claude-opus-5-5",
            "us.anthropic.claude-sonnet-5-5",
        );
        let undone = undo(&edited, &merged.record).expect("undo");
        let value: Value = serde_json::from_str(&undone.text.expect("kept")).expect("json");
        assert_eq!(
            value,
            serde_json::json!({"env": {"ANTHROPIC_MODEL": "us.anthropic.claude-sonnet-5-5"}})
        );
        assert_eq!(undone.left.len(), 1, "{:?}", undone.left);
        assert!(undone.left[0].starts_with("env.ANTHROPIC_MODEL"));
    }

    #[test]
    fn invalid_files_are_refused_with_the_reason() {
        for (text, needle) in [
            ("{\"env\": {", "not valid JSON"),
            ("{\"a\": 1,}", "not valid JSON"),
            ("// comment\n{}", "not valid JSON"),
            ("[1, 2]", "not an object"),
            ("{\"env\": \"AWS_PROFILE=x\"}", "\"env\" is"),
        ] {
            let err = merge(Some(text), &settings(), Path::new(FILE), None)
                .expect_err(text)
                .to_string();
            assert!(err.contains(needle), "{text}: {err}");
            assert!(err.contains("nothing was changed"), "{text}: {err}");
        }
    }

    #[test]
    fn an_empty_file_becomes_ours_but_is_kept_on_undo() {
        let merged = merged(Some("\n"), None);
        assert!(!merged.record.created_file);
        let undone = undo(&merged.text, &merged.record).expect("undo");
        assert_eq!(undone.text.as_deref(), Some("\n"));
    }
}
