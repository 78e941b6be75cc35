//! What this computer has for building `credential-process` ([`Host`]: the source tree,
//! cargo, rustup's targets, cargo-zigbuild in `.venv`, mingw), and per platform with what it
//! builds (cargo-zigbuild for glibc 2.17 Linux, the host's cargo, mingw for Windows, a Mac for
//! macOS) or what it lacks and the commands that add it ([`Host::capability`], which `ccwb
//! builds` shows).

use std::path::{Path, PathBuf};
use std::process::Command;

use super::build::{run, this_arch};
use crate::error::CliError;
use crate::output::Out;

/// How one platform is built here.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Tool {
    /// `cargo zigbuild` with the zig and cargo-zigbuild of `.venv/bin` (this folder).
    Zigbuild(PathBuf),
    /// `cargo build` with the toolchain on PATH.
    Cargo,
}

/// Whether this computer builds one platform, with what, or what it lacks and how to add it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Capability {
    /// The platform (`linux-arm64`).
    pub platform: &'static str,
    /// Its Rust target.
    pub target: &'static str,
    /// With what it is built here; `None`: it cannot be.
    pub builds_with: Option<String>,
    /// Why it cannot be built here.
    pub missing: Vec<String>,
    /// Commands that make it buildable here, or bring a binary built elsewhere.
    pub fixes: Vec<String>,
}

/// What this computer has for building `credential-process`: the source tree, cargo, the Rust
/// targets rustup has installed, cargo-zigbuild in `.venv`, mingw.
#[derive(Debug, Clone)]
pub struct Host {
    source: Result<PathBuf, String>,
    cargo: bool,
    /// `None`: no rustup.
    targets: Option<Vec<String>>,
    zigbuild: Option<PathBuf>,
    mingw: bool,
}

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
}

impl Host {
    /// Looks at this computer (with the source tree `source`, else the one around the current
    /// directory).
    pub fn probe(source: Option<&Path>) -> Self {
        let source = match source {
            Some(dir) => Ok(dir.to_path_buf()),
            None => std::env::current_dir()
                .map_err(|e| e.to_string())
                .and_then(|here| {
                    here.ancestors()
                        .find(|d| d.join("client/credential-process/Cargo.toml").is_file())
                        .map(Path::to_path_buf)
                        .ok_or_else(|| "no ccwb source here or in a parent directory".to_owned())
                }),
        };
        let targets = Command::new("rustup")
            .args(["target", "list", "--installed"])
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| {
                let text = String::from_utf8_lossy(&o.stdout).into_owned();
                text.lines().map(str::to_owned).collect()
            });
        let zigbuild = source
            .as_ref()
            .ok()
            .map(|s| s.join(".venv/bin"))
            .filter(|bin| bin.join("cargo-zigbuild").is_file());
        Self {
            source,
            cargo: on_path("cargo"),
            targets,
            zigbuild,
            mingw: on_path("x86_64-w64-mingw32-gcc"),
        }
    }

    /// What this computer builds `platform` with, or what it lacks and how to add it.
    pub fn capability(&self, platform: &'static str, target: &'static str) -> Capability {
        let (builds_with, missing, mut fixes) = match self.plan(platform, target) {
            Ok(Tool::Zigbuild(_)) => (
                Some("cargo-zigbuild from .venv (runs on glibc 2.17 and later)".into()),
                Vec::new(),
                Vec::new(),
            ),
            Ok(Tool::Cargo) if platform.starts_with("linux") => (
                Some(
                    "cargo (links this computer's glibc; cargo-zigbuild would target 2.17)".into(),
                ),
                Vec::new(),
                Vec::new(),
            ),
            Ok(Tool::Cargo) if platform.starts_with("windows") => {
                (Some("cargo with mingw-w64".into()), Vec::new(), Vec::new())
            }
            Ok(Tool::Cargo) => (Some("cargo".into()), Vec::new(), Vec::new()),
            Err((missing, fixes)) => (None, missing, fixes),
        };
        if builds_with.is_none() {
            fixes.push(format!(
                "ccwb package --binary {platform}=PATH (a credential-process built elsewhere for {target})"
            ));
        }
        Capability {
            platform,
            target,
            builds_with,
            missing,
            fixes,
        }
    }

    /// The tool that builds `platform` here, or what is missing and the commands that add it.
    fn plan(&self, platform: &str, target: &str) -> Result<Tool, (Vec<String>, Vec<String>)> {
        let mut missing = Vec::new();
        let mut fixes = Vec::new();
        let on_mac = std::env::consts::OS == "macos";
        if platform.starts_with("macos") && !on_mac {
            // Nothing here helps: the only ways are a Mac or its binary.
            missing.push("macOS programs are built on a Mac".into());
            fixes.push(format!(
                "on a Mac: rustup target add {target} && cargo build --release -p credential-process --target {target}"
            ));
            return Err((missing, fixes));
        }
        if let Err(e) = &self.source {
            missing.push(e.clone());
            fixes.push("run ccwb inside the ccwb source tree, or pass --source DIR".into());
        }
        if !self.cargo {
            missing.push("cargo is not on PATH".into());
            fixes.push("install Rust: https://rustup.rs".into());
        }
        let native = platform == this_arch(std::env::consts::OS)
            && matches!(std::env::consts::OS, "linux" | "macos");
        let has_target = match &self.targets {
            Some(installed) => installed.iter().any(|t| t == target),
            None => native,
        };
        if !has_target {
            missing.push(format!("the Rust target {target} is not installed"));
            fixes.push(match self.targets {
                Some(_) => format!("rustup target add {target}"),
                None => {
                    format!("install rustup (https://rustup.rs), then: rustup target add {target}")
                }
            });
        }
        let tool = match platform {
            "linux-x64" | "linux-arm64" => match &self.zigbuild {
                Some(bin) => Some(Tool::Zigbuild(bin.clone())),
                None if native => Some(Tool::Cargo),
                None => {
                    missing
                        .push("cross builds for Linux need cargo-zigbuild and zig in .venv".into());
                    fixes.push("python3 -m venv .venv && .venv/bin/pip install -r tools/requirements-deploy.txt".into());
                    None
                }
            },
            "macos-arm64" | "macos-x64" => Some(Tool::Cargo),
            "windows-x64" if self.mingw => Some(Tool::Cargo),
            "windows-x64" => {
                missing.push("mingw-w64 (x86_64-w64-mingw32-gcc) is not on PATH".into());
                fixes.push(if std::env::consts::OS == "macos" {
                    "brew install mingw-w64".into()
                } else {
                    "sudo apt-get install gcc-mingw-w64-x86-64 (Debian, Ubuntu)".into()
                });
                None
            }
            _ => {
                missing.push("unknown platform".into());
                None
            }
        };
        match tool {
            Some(tool) if missing.is_empty() => Ok(tool),
            _ => Err((missing, fixes)),
        }
    }

    /// Builds `credential-process` for one platform (cargo's output passes through), or says
    /// why it cannot be built here (`Ok(Err(reason))`: the platform is skipped, the package
    /// goes on).
    pub fn build(
        &self,
        platform: &str,
        target: &str,
        out: &mut Out<'_>,
    ) -> Result<Result<PathBuf, String>, CliError> {
        let tool = match self.plan(platform, target) {
            Ok(tool) => tool,
            Err((missing, fixes)) => {
                return Ok(Err(format!(
                    "{} ({})",
                    missing.join("; "),
                    fixes.join("; ")
                )));
            }
        };
        let Ok(source) = &self.source else {
            return Ok(Err("no ccwb source".into()));
        };
        let mut command = Command::new("cargo");
        command.current_dir(source);
        match tool {
            Tool::Zigbuild(bin) => {
                let path = std::env::var_os("PATH").unwrap_or_default();
                let mut paths = vec![bin];
                paths.extend(std::env::split_paths(&path));
                match std::env::join_paths(paths) {
                    Ok(joined) => command.env("PATH", joined),
                    Err(e) => return Ok(Err(e.to_string())),
                };
                // zig links against glibc 2.17, so the binary runs on old distributions too.
                command.args(["zigbuild", "--target", &format!("{target}.2.17")]);
            }
            Tool::Cargo => {
                command.args(["build", "--target", target]);
            }
        }
        command.args([
            "--release",
            "-p",
            "credential-process",
            "--bin",
            "credential-process",
        ]);
        out.note(format!(
            "Building credential-process for {platform} ({target})…"
        ))?;
        Ok(run(&mut command, source, platform, target))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_missing_comes_with_the_commands_that_add_it() {
        let bare = Host {
            source: Ok(PathBuf::from("/src/ccwb")),
            cargo: true,
            targets: Some(Vec::new()),
            zigbuild: None,
            mingw: false,
        };
        let windows = bare.capability("windows-x64", "x86_64-pc-windows-gnu");
        assert_eq!(windows.builds_with, None);
        assert!(
            windows
                .fixes
                .contains(&"rustup target add x86_64-pc-windows-gnu".to_owned()),
            "{windows:?}"
        );
        assert!(
            windows.fixes.iter().any(|f| f.contains("mingw")),
            "{windows:?}"
        );
        assert!(
            windows
                .fixes
                .iter()
                .any(|f| f.contains("ccwb package --binary windows-x64=PATH")),
            "{windows:?}"
        );
        let arm = bare.capability("linux-arm64", "aarch64-unknown-linux-gnu");
        if this_arch(std::env::consts::OS) != "linux-arm64" {
            assert!(
                arm.fixes
                    .iter()
                    .any(|f| f.contains("requirements-deploy.txt")),
                "{arm:?}"
            );
        }
        let equipped = Host {
            targets: Some(vec![
                "aarch64-unknown-linux-gnu".into(),
                "x86_64-pc-windows-gnu".into(),
            ]),
            zigbuild: Some(PathBuf::from("/src/ccwb/.venv/bin")),
            mingw: true,
            ..bare
        };
        for (platform, target) in [
            ("linux-arm64", "aarch64-unknown-linux-gnu"),
            ("windows-x64", "x86_64-pc-windows-gnu"),
        ] {
            let found = equipped.capability(platform, target);
            assert!(
                found.builds_with.is_some() && found.fixes.is_empty(),
                "{found:?}"
            );
        }
    }
}
