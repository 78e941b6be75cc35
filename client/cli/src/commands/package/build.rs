//! The programs of a package: which platforms (ours and the original ccwb's names), prebuilt
//! binaries (`--binary`), running the build that [`super::host::Host`] chose, and writing the
//! package's files.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::bundle::{TARGETS, io_error};
use crate::error::CliError;

/// The Mac and Linux platform of this computer's architecture (for the original ccwb's
/// `macos` and `linux`).
pub(super) fn this_arch(os: &str) -> &'static str {
    match (os, std::env::consts::ARCH == "aarch64") {
        ("macos", true) => "macos-arm64",
        ("macos", false) => "macos-x64",
        (_, true) => "linux-arm64",
        (_, false) => "linux-x64",
    }
}

/// A platform by our name or the original ccwb's (`macos-intel`, `windows`, and `linux` and
/// `macos` for this computer's architecture), with its Rust target.
pub fn platform(name: &str) -> Option<(&'static str, &'static str)> {
    let ours = match name {
        "macos-intel" => "macos-x64",
        "windows" => "windows-x64",
        "linux" | "macos" => this_arch(name),
        other => other,
    };
    TARGETS.iter().find(|(p, _)| *p == ours).copied()
}

/// The platforms asked for with `--target` (all by default), with their Rust targets.
pub fn wanted_targets(
    requested: Option<&[String]>,
) -> Result<Vec<(&'static str, &'static str)>, CliError> {
    let Some(requested) = requested else {
        return Ok(TARGETS.to_vec());
    };
    if requested.iter().any(|t| t == "all") {
        return Ok(TARGETS.to_vec());
    }
    let mut wanted = Vec::new();
    for name in requested {
        let found = platform(name).ok_or_else(|| {
            let names: Vec<&str> = TARGETS.iter().map(|(p, _)| *p).collect();
            CliError::Usage(format!(
                "--target {name:?}: expected all or some of {} (or macos-intel, windows, linux, macos)",
                names.join(", ")
            ))
        })?;
        if !wanted.contains(&found) {
            wanted.push(found);
        }
    }
    Ok(wanted)
}

/// `--binary PLATFORM=PATH` by platform, each path checked to be a file.
pub fn prebuilt(binaries: &[String]) -> Result<BTreeMap<&'static str, PathBuf>, CliError> {
    let mut out = BTreeMap::new();
    for entry in binaries {
        let (name, path) = entry.split_once('=').ok_or_else(|| {
            CliError::Usage(format!("--binary {entry:?}: expected PLATFORM=PATH"))
        })?;
        let (known, _) = platform(name)
            .ok_or_else(|| CliError::Usage(format!("--binary {entry:?}: unknown platform")))?;
        let path = PathBuf::from(path);
        if !path.is_file() {
            return Err(CliError::Input(format!(
                "--binary {entry:?}: {} is not a file",
                path.display()
            )));
        }
        out.insert(known, path);
    }
    Ok(out)
}

/// Runs the build; the binary's path, or why it failed.
pub(super) fn run(
    command: &mut Command,
    source: &Path,
    platform: &str,
    target: &str,
) -> Result<PathBuf, String> {
    let status = command
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !status.success() {
        return Err(format!("cargo failed for {target} (output above)"));
    }
    let exe = if platform.starts_with("windows") {
        "credential-process.exe"
    } else {
        "credential-process"
    };
    let target_dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| source.join("target"));
    Ok(target_dir.join(target).join("release").join(exe))
}

/// Writes a package file (no secrets: readable by everyone, as the zip is).
pub fn write(path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    std::fs::File::create(path)
        .and_then(|mut f| f.write_all(bytes))
        .map_err(|e| io_error(path, e))
}

/// Sets a package file's Unix mode (a no-op elsewhere).
pub fn set_mode(path: &Path, mode: u32) -> Result<(), CliError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
            .map_err(|e| io_error(path, e))?;
    }
    #[cfg(not(unix))]
    let _ = (path, mode);
    Ok(())
}

/// Copies a program into the package as an executable.
pub fn copy_executable(from: &Path, to: &Path) -> Result<(), CliError> {
    std::fs::copy(from, to).map_err(|e| io_error(from, e))?;
    set_mode(to, 0o755)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_are_checked_and_the_original_names_are_ours() {
        assert!(wanted_targets(Some(&["beos".to_owned()])).is_err());
        assert_eq!(wanted_targets(Some(&["all".to_owned()])).unwrap().len(), 5);
        assert_eq!(
            wanted_targets(Some(&["linux-arm64".to_owned()])).unwrap(),
            vec![("linux-arm64", "aarch64-unknown-linux-gnu")]
        );
        let original: Vec<String> = ["macos-intel", "windows", "macos-x64"]
            .map(str::to_owned)
            .to_vec();
        assert_eq!(
            wanted_targets(Some(&original)).unwrap(),
            vec![
                ("macos-x64", "x86_64-apple-darwin"),
                ("windows-x64", "x86_64-pc-windows-gnu")
            ]
        );
        assert!(platform("linux").is_some_and(|(p, _)| p.starts_with("linux-")));
        assert!(platform("macos").is_some_and(|(p, _)| p.starts_with("macos-")));
    }
}
