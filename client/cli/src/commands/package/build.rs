//! The programs of a package: which platforms, prebuilt binaries (`--binary`), and building
//! `credential-process` for a platform here (cargo-zigbuild for glibc 2.17 Linux, the host's
//! cargo, mingw for Windows, a Mac for macOS), or why it cannot be.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::bundle::{TARGETS, io_error};
use crate::error::CliError;
use crate::output::Out;

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
    requested
        .iter()
        .map(|name| {
            TARGETS
                .iter()
                .find(|(platform, _)| platform == name)
                .copied()
                .ok_or_else(|| {
                    let names: Vec<&str> = TARGETS.iter().map(|(p, _)| *p).collect();
                    CliError::Usage(format!(
                        "--target {name:?}: expected all or some of {}",
                        names.join(", ")
                    ))
                })
        })
        .collect()
}

/// `--binary PLATFORM=PATH` by platform, each path checked to be a file.
pub fn prebuilt(binaries: &[String]) -> Result<BTreeMap<&'static str, PathBuf>, CliError> {
    let mut out = BTreeMap::new();
    for entry in binaries {
        let (platform, path) = entry.split_once('=').ok_or_else(|| {
            CliError::Usage(format!("--binary {entry:?}: expected PLATFORM=PATH"))
        })?;
        let known = TARGETS
            .iter()
            .find(|(p, _)| *p == platform)
            .map(|(p, _)| *p)
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

/// Finds the ccwb source tree (the workspace holding `client/credential-process`).
fn source_dir(given: Option<&Path>) -> Result<PathBuf, String> {
    if let Some(dir) = given {
        return Ok(dir.to_path_buf());
    }
    let here = std::env::current_dir().map_err(|e| e.to_string())?;
    here.ancestors()
        .find(|dir| dir.join("client/credential-process/Cargo.toml").is_file())
        .map(Path::to_path_buf)
        .ok_or_else(|| {
            "no ccwb source here or in a parent directory (pass --source, or --binary PLATFORM=PATH)"
                .to_owned()
        })
}

fn installed_targets() -> Vec<String> {
    Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
}

/// Builds `credential-process` for one platform (cargo's output passes through), or says why
/// it cannot be built here (`Ok(Err(reason))`: the platform is skipped, the package goes on).
pub fn build(
    source: Option<&Path>,
    platform: &str,
    triple: &str,
    out: &mut Out<'_>,
) -> Result<Result<PathBuf, String>, CliError> {
    let (mut command, source) = match command(source, platform, triple) {
        Ok(found) => found,
        Err(reason) => return Ok(Err(reason)),
    };
    out.note(format!(
        "Building credential-process for {platform} ({triple})…"
    ))?;
    Ok(run(&mut command, &source, platform, triple))
}

/// The cargo command that builds for `platform`, and the source tree it runs in.
fn command(
    source: Option<&Path>,
    platform: &str,
    triple: &str,
) -> Result<(Command, PathBuf), String> {
    let source = source_dir(source)?;
    let host_linux_x64 = cfg!(all(target_os = "linux", target_arch = "x86_64"));
    let host_macos = cfg!(target_os = "macos");
    let zigbuild = source.join(".venv/bin/cargo-zigbuild");
    let mut command = Command::new("cargo");
    command.current_dir(&source);
    match platform {
        "linux-x64" | "linux-arm64" => {
            if !installed_targets().iter().any(|t| t == triple) {
                return Err(format!(
                    "Rust target {triple} is not installed (rustup target add {triple})"
                ));
            }
            if zigbuild.is_file() {
                // zig links against glibc 2.17, so the binary runs on old distributions too.
                let path = std::env::var_os("PATH").unwrap_or_default();
                let mut paths = vec![source.join(".venv/bin")];
                paths.extend(std::env::split_paths(&path));
                command
                    .env(
                        "PATH",
                        std::env::join_paths(paths).map_err(|e| e.to_string())?,
                    )
                    .args(["zigbuild", "--target", &format!("{triple}.2.17")]);
            } else if platform == "linux-x64" && host_linux_x64 {
                command.args(["build", "--target", triple]);
            } else {
                return Err("cross builds need cargo-zigbuild in .venv (.venv/bin/pip install -r tools/requirements-deploy.txt)".into());
            }
        }
        "macos-arm64" | "macos-x64" => {
            if !host_macos {
                return Err(
                    "macOS binaries are built on a Mac (or pass --binary with one built there)"
                        .into(),
                );
            }
            command.args(["build", "--target", triple]);
        }
        "windows-x64" => {
            if !on_path("x86_64-w64-mingw32-gcc") {
                return Err("needs mingw-w64 (x86_64-w64-mingw32-gcc) and the Rust target x86_64-pc-windows-gnu".into());
            }
            if !installed_targets().iter().any(|t| t == triple) {
                return Err(format!(
                    "Rust target {triple} is not installed (rustup target add {triple})"
                ));
            }
            command.args(["build", "--target", triple]);
        }
        _ => return Err("unknown platform".into()),
    }
    command.args([
        "--release",
        "-p",
        "credential-process",
        "--bin",
        "credential-process",
    ]);
    Ok((command, source))
}

/// Runs the build; the binary's path, or why it failed.
fn run(
    command: &mut Command,
    source: &Path,
    platform: &str,
    triple: &str,
) -> Result<PathBuf, String> {
    let status = command
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !status.success() {
        return Err(format!("cargo failed for {triple} (output above)"));
    }
    let exe = if platform.starts_with("windows") {
        "credential-process.exe"
    } else {
        "credential-process"
    };
    let target_dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| source.join("target"));
    Ok(target_dir.join(triple).join("release").join(exe))
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
    fn targets_are_checked() {
        assert!(wanted_targets(Some(&["beos".to_owned()])).is_err());
        assert_eq!(wanted_targets(Some(&["all".to_owned()])).unwrap().len(), 5);
        assert_eq!(
            wanted_targets(Some(&["linux-arm64".to_owned()])).unwrap(),
            vec![("linux-arm64", "aarch64-unknown-linux-gnu")]
        );
    }
}
