//! Where a package's installer put things on this computer, decided as the installers decide
//! it: from the same environment variables, with the same defaults.

use std::path::{Path, PathBuf};

use crate::error::CliError;

/// Files the installer puts into its folder (`aws-config` only for managed installs).
pub const INSTALLED_FILES: [&str; 5] = [
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

#[cfg(test)]
mod tests {
    use super::*;

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
