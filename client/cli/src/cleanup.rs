//! `ccwb cleanup`: removes what a package's installer put on this computer (the program and
//! config.json, the AWS profile, the Claude Code settings it wrote, the cached sign-in), and only
//! that: a profile or setting that points elsewhere is left with a note, never removed.

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::error::CliError;
use crate::output::Output;

/// Files the installer puts into its folder (`aws-config` only for managed installs).
const INSTALLED_FILES: [&str; 5] = [
    "credential-process",
    "credential-process.exe",
    "config.json",
    ccwb_install::RECORD_FILE,
    "aws-config",
];

/// Where the installer put things, as it decides them (the same environment variables).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Places {
    /// `$CCWB_INSTALL_DIR`, default `~/claude-code-with-bedrock`.
    pub install_dir: PathBuf,
    /// `$AWS_CONFIG_FILE`, default `~/.aws/config`.
    pub aws_config: PathBuf,
    /// `$CLAUDE_CONFIG_DIR/settings.json`, default `~/.claude/settings.json`.
    pub claude_settings: PathBuf,
}

impl Places {
    /// The places for this user, from the environment.
    pub fn from_env() -> Result<Self, CliError> {
        let home = directories::BaseDirs::new()
            .map(|d| d.home_dir().to_path_buf())
            .ok_or_else(|| CliError::Config("cannot find your home folder (set HOME)".into()))?;
        let from = |var: &str, default: PathBuf| {
            std::env::var_os(var)
                .filter(|v| !v.is_empty())
                .map(|v| expand_home(PathBuf::from(v), &home))
                .unwrap_or(default)
        };
        Ok(Self {
            install_dir: from("CCWB_INSTALL_DIR", home.join("claude-code-with-bedrock")),
            aws_config: from("AWS_CONFIG_FILE", home.join(".aws").join("config")),
            claude_settings: from("CLAUDE_CONFIG_DIR", home.join(".claude")).join("settings.json"),
        })
    }
}

/// `~/x` as the installers read it.
fn expand_home(path: PathBuf, home: &Path) -> PathBuf {
    match path.strip_prefix("~") {
        Ok(rest) => home.join(rest),
        Err(_) => path,
    }
}

/// One change cleanup makes.
#[derive(Debug, Clone, PartialEq)]
enum Step {
    /// Runs the installed program with `--clear-cache` (cached credentials, sign-in, keyring).
    ClearCache { program: PathBuf },
    /// Removes installed files, then the folder if nothing else is in it.
    RemoveFiles {
        dir: PathBuf,
        files: Vec<PathBuf>,
        dir_too: bool,
    },
    /// Writes the AWS config without the profile's section (`None`: the file held nothing else).
    AwsConfig {
        path: PathBuf,
        content: Option<String>,
    },
    /// Writes Claude Code settings without the installer's entries (`None`: nothing else).
    ClaudeSettings {
        path: PathBuf,
        content: Option<String>,
    },
}

impl Step {
    fn describe(&self, profile: &str) -> String {
        match self {
            Self::ClearCache { program } => format!(
                "clear the cached credentials and sign-in of profile {profile} ({} --clear-cache)",
                program.display()
            ),
            Self::RemoveFiles {
                dir,
                files,
                dir_too,
            } => {
                let names: Vec<String> = files
                    .iter()
                    .filter_map(|f| f.file_name().map(|n| n.to_string_lossy().into_owned()))
                    .collect();
                format!(
                    "remove {} from {}{}",
                    names.join(", "),
                    dir.display(),
                    if *dir_too { ", then the folder" } else { "" }
                )
            }
            Self::AwsConfig { path, content } => match content {
                Some(_) => format!(
                    "remove the {} section from {} (other profiles are kept)",
                    section_name(profile),
                    path.display()
                ),
                None => format!(
                    "remove {} (it holds only the {} section)",
                    path.display(),
                    section_name(profile)
                ),
            },
            Self::ClaudeSettings { path, content } => match content {
                Some(_) => format!(
                    "remove the installer's entries from {} (other settings are kept)",
                    path.display()
                ),
                None => format!(
                    "remove {} (it holds only the installer's settings)",
                    path.display()
                ),
            },
        }
    }
}

/// What cleanup would do, and what it leaves alone with why.
#[derive(Debug, Clone, Default, PartialEq)]
struct Plan {
    steps: Vec<Step>,
    left: Vec<String>,
}

/// The installed program in `dir`, if there is one.
fn installed_program(dir: &Path) -> Option<PathBuf> {
    ["credential-process", "credential-process.exe"]
        .iter()
        .map(|name| dir.join(name))
        .find(|p| p.is_file())
}

fn plan(places: &Places, profile: &str) -> Result<Plan, CliError> {
    let mut plan = Plan::default();
    let program = installed_program(&places.install_dir);
    // The path the installer wrote into the AWS profile and Claude Code settings.
    let program_text = places
        .install_dir
        .join("credential-process")
        .display()
        .to_string();

    if let Some(program) = &program {
        plan.steps.push(Step::ClearCache {
            program: program.clone(),
        });
    }
    if places.install_dir.is_dir() {
        let files: Vec<PathBuf> = INSTALLED_FILES
            .iter()
            .map(|name| places.install_dir.join(name))
            .filter(|p| p.is_file())
            .collect();
        let others: Vec<String> = read_dir_names(&places.install_dir)?
            .into_iter()
            .filter(|name| !INSTALLED_FILES.contains(&name.as_str()))
            .collect();
        if !others.is_empty() {
            plan.left.push(format!(
                "{} keeps {} (not the installer's)",
                places.install_dir.display(),
                others.join(", ")
            ));
        }
        if !files.is_empty() {
            plan.steps.push(Step::RemoveFiles {
                dir: places.install_dir.clone(),
                files,
                dir_too: others.is_empty(),
            });
        }
    }

    match read_optional(&places.aws_config)? {
        None => {}
        Some(text) => match remove_profile(&text, profile, &program_text) {
            Removal::Absent => {}
            Removal::NotOurs(command) => plan.left.push(format!(
                "the {} section of {} runs {command}, not this installation's program: left as it is",
                section_name(profile),
                places.aws_config.display()
            )),
            Removal::Removed(rest) => plan.steps.push(Step::AwsConfig {
                path: places.aws_config.clone(),
                content: (!rest.trim().is_empty()).then_some(rest),
            }),
        },
    }

    let record_path = places.install_dir.join(ccwb_install::RECORD_FILE);
    match read_optional(&record_path)? {
        Some(record) => plan_settings_from_record(&mut plan, &record_path, &record)?,
        None => plan_settings_by_guess(&mut plan, places, profile, &program_text)?,
    }
    Ok(plan)
}

/// Undoes exactly what the installer recorded it merged into Claude Code's settings.
fn plan_settings_from_record(
    plan: &mut Plan,
    record_path: &Path,
    text: &str,
) -> Result<(), CliError> {
    let record: ccwb_install::Record = serde_json::from_str(text)
        .map_err(|e| CliError::Config(format!("{} is damaged: {e}", record_path.display())))?;
    let path = record.settings_file.clone();
    let Some(current) = read_optional(&path)? else {
        return Ok(());
    };
    match ccwb_install::undo(&current, &record) {
        Err(e) => plan
            .left
            .push(format!("{}: {e}; left as it is", path.display())),
        Ok(undone) => {
            plan.left.extend(
                undone
                    .left
                    .iter()
                    .map(|why| format!("{}: {why}", path.display())),
            );
            if undone.text.as_deref() != Some(current.as_str()) {
                plan.steps.push(Step::ClaudeSettings {
                    path,
                    content: undone.text,
                });
            }
        }
    }
    Ok(())
}

/// Installs from packages that kept no record: the installer's keys, found by what they say.
fn plan_settings_by_guess(
    plan: &mut Plan,
    places: &Places,
    profile: &str,
    program_text: &str,
) -> Result<(), CliError> {
    let Some(text) = read_optional(&places.claude_settings)? else {
        return Ok(());
    };
    match serde_json::from_str::<Value>(&text) {
        Err(e) => plan.left.push(format!(
            "{} is not JSON ({e}): left as it is",
            places.claude_settings.display()
        )),
        Ok(settings) => {
            if let Some(rest) = remove_settings(settings, profile, program_text) {
                let content = match rest.as_object() {
                    Some(map) if map.is_empty() => None,
                    _ => Some(
                        serde_json::to_string_pretty(&rest)
                            .map_err(|e| CliError::Output(e.to_string()))?
                            + "\n",
                    ),
                };
                plan.steps.push(Step::ClaudeSettings {
                    path: places.claude_settings.clone(),
                    content,
                });
            }
        }
    }
    Ok(())
}

fn read_dir_names(dir: &Path) -> Result<Vec<String>, CliError> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| CliError::Config(format!("cannot read {}: {e}", dir.display())))?;
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    Ok(names)
}

fn read_optional(path: &Path) -> Result<Option<String>, CliError> {
    ccwb_install::files::read_optional(path)
        .map_err(|e| CliError::Config(format!("cannot read {}: {e}", path.display())))
}

/// `[profile NAME]`, or `[default]` for the default profile.
fn section_name(profile: &str) -> String {
    if profile == "default" {
        "[default]".into()
    } else {
        format!("[profile {profile}]")
    }
}

/// What removing a profile from an AWS config found.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Removal {
    /// No such section.
    Absent,
    /// A section whose `credential_process` is something else (shown).
    NotOurs(String),
    /// The config without the section(s).
    Removed(String),
}

/// Removes every `profile` section of an AWS config whose `credential_process` runs `program`
/// (as install.sh and install.ps1 write it). Comment lines inside the section are kept (they
/// may describe the next one), as is everything outside it, byte for byte.
fn remove_profile(config: &str, profile: &str, program: &str) -> Removal {
    let ours = |line: &str| {
        let inner = line.trim().trim_start_matches('[');
        let inner = inner.split(']').next().unwrap_or_default();
        let words: Vec<&str> = inner.split_whitespace().collect();
        words == ["profile", profile] || (profile == "default" && words == ["default"])
    };
    let lines: Vec<&str> = config.split_inclusive('\n').collect();
    // The sections: (first line, end line exclusive).
    let mut sections = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if lines[i].trim_start().starts_with('[') && ours(lines[i]) {
            let end = (i + 1..lines.len())
                .find(|j| lines[*j].trim_start().starts_with('['))
                .unwrap_or(lines.len());
            sections.push((i, end));
            i = end;
        } else {
            i += 1;
        }
    }
    if sections.is_empty() {
        return Removal::Absent;
    }
    for (start, end) in &sections {
        let command = lines[*start + 1..*end].iter().find_map(|line| {
            let (key, value) = line.split_once('=')?;
            (key.trim() == "credential_process").then(|| value.trim().to_owned())
        });
        match command {
            Some(command) if command.contains(program) => {}
            Some(command) => return Removal::NotOurs(command),
            None => return Removal::NotOurs("no credential_process".into()),
        }
    }
    let mut out = String::new();
    let mut last_end = 0;
    for (start, end) in &sections {
        for line in &lines[last_end..*start] {
            out.push_str(line);
        }
        for line in &lines[*start + 1..*end] {
            let t = line.trim();
            if t.starts_with('#') || t.starts_with(';') {
                out.push_str(line);
            }
        }
        last_end = *end;
    }
    for line in &lines[last_end..] {
        out.push_str(line);
    }
    // The blank line the installer put before a section it appended at the end goes too.
    if sections.last().is_some_and(|(_, end)| *end == lines.len()) {
        let kept = out.trim_end().len();
        out.truncate(kept);
        if !out.is_empty() {
            out.push('\n');
        }
    }
    Removal::Removed(out)
}

/// Removes the installer's Claude Code settings: `env.AWS_PROFILE` naming `profile` (with the
/// `CLAUDE_CODE_USE_BEDROCK` and `AWS_REGION` written beside it) and an `otelHeadersHelper`
/// running `program`. `None` when there is nothing of the installer's.
fn remove_settings(mut settings: Value, profile: &str, program: &str) -> Option<Value> {
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

/// An I/O error naming its file.
fn io(path: &Path) -> impl Fn(std::io::Error) -> String + '_ {
    move |e| format!("{}: {e}", path.display())
}

fn apply(step: &Step, profile: &str) -> Result<(), String> {
    match step {
        Step::ClearCache { program } => {
            let output = Command::new(program)
                .args(["--clear-cache", "--profile", profile])
                .output()
                .map_err(io(program))?;
            if !output.status.success() {
                return Err(format!(
                    "{} --clear-cache failed: {}",
                    program.display(),
                    String::from_utf8_lossy(&output.stderr).trim()
                ));
            }
            Ok(())
        }
        Step::RemoveFiles {
            dir,
            files,
            dir_too,
        } => {
            for file in files {
                std::fs::remove_file(file).map_err(io(file))?;
            }
            if *dir_too {
                std::fs::remove_dir(dir).map_err(io(dir))?;
            }
            Ok(())
        }
        Step::AwsConfig { path, content } | Step::ClaudeSettings { path, content } => match content
        {
            Some(text) => ccwb_install::files::write_atomic(path, text).map_err(io(path)),
            None => std::fs::remove_file(path).map_err(io(path)),
        },
    }
}

/// `ccwb cleanup`: shows what would be removed, asks (unless `force`), then removes it. Each
/// step is tried even if an earlier one failed; failures are listed and the exit is non-zero.
pub fn run(profile: &str, dry_run: bool, force: bool, output: Output) -> Result<(), CliError> {
    let places = Places::from_env()?;
    let plan = plan(&places, profile)?;
    let describe =
        |steps: &[Step]| -> Vec<String> { steps.iter().map(|s| s.describe(profile)).collect() };
    // The plan is shown when nothing will be done without another word: a dry run, or a
    // question; with --force the "Done:" lines say the same.
    let asking = !force && std::io::stdin().is_terminal();
    if output == Output::Table {
        if plan.steps.is_empty() {
            eprintln!("Nothing of profile {profile} to clean up on this computer.");
        } else if dry_run || asking {
            eprintln!("Cleanup {}:", if dry_run { "would" } else { "will" });
            for line in describe(&plan.steps) {
                eprintln!("  - {line}");
            }
        }
        for line in &plan.left {
            eprintln!("Left alone: {line}");
        }
    }
    if dry_run || plan.steps.is_empty() {
        if output == Output::Json {
            crate::output::print_json(&serde_json::json!({
                "dry_run": dry_run, "would_do": describe(&plan.steps), "left": plan.left,
            }))?;
        }
        return Ok(());
    }
    if !force {
        if !asking {
            return Err(CliError::Usage(
                "refusing to clean up without confirmation: pass --force (stdin is not a terminal), or --dry-run to see what would go".into(),
            ));
        }
        eprint!("Go on? [y/N] ");
        let _ = std::io::stderr().flush();
        let mut answer = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut answer)
            .map_err(|e| CliError::Input(e.to_string()))?;
        if !matches!(answer.trim(), "y" | "Y" | "yes" | "YES" | "Yes") {
            return Err(CliError::Cancelled);
        }
    }
    let mut done = Vec::new();
    let mut failed = Vec::new();
    for step in &plan.steps {
        match apply(step, profile) {
            Ok(()) => done.push(step.describe(profile)),
            Err(problem) => failed.push(problem),
        }
    }
    match output {
        Output::Json => crate::output::print_json(&serde_json::json!({
            "done": done, "failed": failed, "left": plan.left,
        }))?,
        Output::Table => {
            for line in &done {
                eprintln!("Done: {line}");
            }
        }
    }
    if failed.is_empty() {
        Ok(())
    } else {
        Err(CliError::Partial(format!(
            "cleanup could not finish: {}",
            failed.join("; ")
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const PROGRAM: &str = "/home/dev/claude-code-with-bedrock/credential-process";

    #[test]
    fn only_our_section_goes_and_everything_else_stays_byte_for_byte() {
        let before =
            "[default]\nregion = us-east-1\n\n# work account\n[profile work]\nregion = eu-west-1\n";
        let ours = format!(
            "\n[profile ClaudeCode]\ncredential_process = \"{PROGRAM}\" --profile ClaudeCode\nregion = eu-west-1\n"
        );
        // Appended at the end, as install.sh appends it.
        assert_eq!(
            remove_profile(&format!("{before}{ours}"), "ClaudeCode", PROGRAM),
            Removal::Removed(before.to_owned())
        );
        // In the middle, with a comment that describes the next section.
        let middle = format!(
            "[profile ClaudeCode]\ncredential_process = {PROGRAM} --profile ClaudeCode\n# work account\n[profile work]\nregion = eu-west-1\n"
        );
        assert_eq!(
            remove_profile(&middle, "ClaudeCode", PROGRAM),
            Removal::Removed("# work account\n[profile work]\nregion = eu-west-1\n".into())
        );
        // Alone: nothing is left.
        assert_eq!(
            remove_profile(ours.trim_start(), "ClaudeCode", PROGRAM),
            Removal::Removed(String::new())
        );
        assert_eq!(
            remove_profile(before, "ClaudeCode", PROGRAM),
            Removal::Absent
        );
    }

    #[test]
    fn a_section_running_something_else_is_not_ours() {
        let config = "[profile ClaudeCode]\ncredential_process = /opt/other/helper\n";
        assert_eq!(
            remove_profile(config, "ClaudeCode", PROGRAM),
            Removal::NotOurs("/opt/other/helper".into())
        );
        let sso = "[ profile  ClaudeCode ]\nsso_session = corp\n";
        assert!(matches!(
            remove_profile(sso, "ClaudeCode", PROGRAM),
            Removal::NotOurs(_)
        ));
        let default = format!("[default]\ncredential_process = {PROGRAM} --profile default\n");
        assert_eq!(
            remove_profile(&default, "default", PROGRAM),
            Removal::Removed(String::new())
        );
    }

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

    #[test]
    fn home_relative_paths_expand() {
        let home = Path::new("/home/dev");
        assert_eq!(
            expand_home(PathBuf::from("~/tools"), home),
            PathBuf::from("/home/dev/tools")
        );
        assert_eq!(
            expand_home(PathBuf::from("/opt/x"), home),
            PathBuf::from("/opt/x")
        );
    }
}
