//! `--install-claude-settings`: what the package's installers call to give Claude Code its
//! settings (Bedrock through this profile, the models, telemetry to the ccwb API, this program
//! as the headers and sign-in helper). The settings are merged into the developer's own
//! `settings.json`, or written as system-wide managed settings, with a backup of what was there
//! and a record beside this program that lets `ccwb cleanup` undo exactly this.

use std::path::{Path, PathBuf};

use ccwb_install::{ClaudeSettings, Input, RECORD_FILE, Record, files};

use crate::config::Loaded;
use crate::error::Error;

/// Where the settings go and what else they say.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// System-wide managed settings instead of the user's own.
    pub managed: bool,
    /// Write this file instead (tests, unusual layouts).
    pub settings_file: Option<PathBuf>,
    /// `AWS_CONFIG_FILE` for Claude Code (managed installs keep the AWS profile in a file of
    /// their own, for every user).
    pub aws_config_file: Option<String>,
}

/// Merges the settings and returns what to tell the developer.
pub fn install(loaded: &Loaded, options: &Options) -> Result<String, Error> {
    let exe = std::env::current_exe()
        .and_then(|p| p.canonicalize())
        .map_err(|e| Error::Output(format!("cannot find this program's path: {e}")))?;
    let dir = exe
        .parent()
        .map(Path::to_path_buf)
        .ok_or_else(|| Error::Output("this program is in no folder".into()))?;
    let program = ccwb_install::command_word(&exe.to_string_lossy(), cfg!(windows));
    let profile = &loaded.profile;
    let settings = ClaudeSettings::new(&Input {
        program: &program,
        profile: &loaded.name,
        region: &profile.aws_region,
        model: profile.claude_model.as_deref(),
        small_fast_model: profile.claude_small_fast_model.as_deref(),
        api_endpoint: profile.quota_api_endpoint.as_deref(),
        aws_config_file: options.aws_config_file.as_deref(),
    });
    let file = match (&options.settings_file, options.managed) {
        (Some(file), _) => file.clone(),
        (None, true) => ccwb_install::managed_settings_file(std::env::consts::OS),
        (None, false) => user_settings_file()?,
    };
    let record_path = dir.join(RECORD_FILE);
    let earlier = read_record(&record_path)?;
    let existing = read_optional(&file)?;
    let merged = ccwb_install::merge(existing.as_deref(), &settings, &file, earlier.as_ref())
        .map_err(|e| Error::Settings(format!("{}: {e}", file.display())))?;

    let mut lines = Vec::new();
    if merged.changed {
        let parent = file.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(parent).map_err(|e| denied(&file, options.managed, e))?;
        if let Some(old) = &existing {
            let backup = backup_path(&file);
            files::write_backup(&file, &backup, old)
                .map_err(|e| denied(&backup, options.managed, e))?;
            lines.push(format!(
                "Merged the Claude Code settings into {} (your other settings are kept; the old file is in {}).",
                file.display(),
                backup.display()
            ));
        } else {
            lines.push(format!("Created {}.", file.display()));
        }
        files::write_atomic(&file, &merged.text).map_err(|e| denied(&file, options.managed, e))?;
    } else {
        lines.push(format!(
            "The Claude Code settings in {} are already set up.",
            file.display()
        ));
    }
    let record =
        serde_json::to_string_pretty(&merged.record).map_err(|e| Error::Output(e.to_string()))?;
    files::write_atomic(&record_path, &(record + "\n"))
        .map_err(|e| denied(&record_path, options.managed, e))?;
    if profile.quota_api_endpoint.is_none() {
        lines.push(format!(
            "Warning: profile {:?} has no quota_api_endpoint, so Claude Code's usage is not sent anywhere and no quota applies.",
            loaded.name
        ));
    }
    if options.managed {
        lines.push(
            "These are managed settings: they apply to every user of this computer and cannot be switched off in their own settings."
                .into(),
        );
    }
    Ok(lines.join("\n") + "\n")
}

/// `$CLAUDE_CONFIG_DIR/settings.json`, else `~/.claude/settings.json`.
fn user_settings_file() -> Result<PathBuf, Error> {
    if let Some(dir) = std::env::var_os("CLAUDE_CONFIG_DIR").filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(dir).join("settings.json"));
    }
    let home = directories::BaseDirs::new()
        .map(|d| d.home_dir().to_path_buf())
        .ok_or_else(|| Error::Config("cannot find your home folder (set HOME)".into()))?;
    Ok(home.join(".claude").join("settings.json"))
}

fn read_optional(path: &Path) -> Result<Option<String>, Error> {
    files::read_optional(path)
        .map_err(|e| Error::Settings(format!("cannot read {}: {e}", path.display())))
}

fn read_record(path: &Path) -> Result<Option<Record>, Error> {
    let Some(text) = read_optional(path)? else {
        return Ok(None);
    };
    serde_json::from_str(&text).map(Some).map_err(|e| {
        Error::Settings(format!(
            "{} is damaged ({e}): remove it and run the installer again",
            path.display()
        ))
    })
}

fn denied(path: &Path, managed: bool, err: std::io::Error) -> Error {
    let hint = if managed && err.kind() == std::io::ErrorKind::PermissionDenied {
        if cfg!(windows) {
            " (managed settings need administrator rights: run PowerShell as administrator)"
        } else {
            " (managed settings need administrator rights: run sudo sh install.sh --managed)"
        }
    } else {
        ""
    };
    Error::Settings(format!("cannot write {}: {err}{hint}", path.display()))
}

/// `settings.json.<UTC time>.ccwb-backup` beside the file.
fn backup_path(file: &Path) -> PathBuf {
    let stamp = time::OffsetDateTime::now_utc()
        .format(time::macros::format_description!(
            "[year][month][day]T[hour][minute][second]Z"
        ))
        .unwrap_or_default();
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "settings.json".into());
    file.with_file_name(format!("{name}.{stamp}.ccwb-backup"))
}
