//! A package directory as `ccwb package` lays it out and `ccwb distribute` and `ccwb test` find
//! it again: `dist/<profile>/<timestamp>/` with one `credential-process-<platform>` per
//! platform, its `SHA256SUMS`, and the reproducible zip of it all.

use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::error::CliError;

/// Platforms a package can carry, with their Rust target.
pub const TARGETS: [(&str, &str); 5] = [
    ("linux-x64", "x86_64-unknown-linux-gnu"),
    ("linux-arm64", "aarch64-unknown-linux-gnu"),
    ("macos-arm64", "aarch64-apple-darwin"),
    ("macos-x64", "x86_64-apple-darwin"),
    ("windows-x64", "x86_64-pc-windows-gnu"),
];

/// The folder every file sits in inside the zip (unzipping makes one folder, not a mess).
const ZIP_FOLDER: &str = "claude-code-with-bedrock";

/// `credential-process-<platform>` (`.exe` on Windows).
pub fn binary_name(platform: &str) -> String {
    if platform.starts_with("windows") {
        format!("credential-process-{platform}.exe")
    } else {
        format!("credential-process-{platform}")
    }
}

/// An I/O error naming its file.
pub fn io_error(path: &Path, err: std::io::Error) -> CliError {
    CliError::Output(format!("{}: {err}", path.display()))
}

/// Hex SHA-256 of bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The files of a package directory, sorted by name.
fn files(dir: &Path) -> Result<Vec<String>, CliError> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map_err(|e| io_error(dir, e))?
        .filter_map(Result::ok)
        .filter(|e| e.path().is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    Ok(names)
}

/// `SHA256SUMS` of every file in `dir` (as `sha256sum` prints it).
pub fn sha256sums(dir: &Path) -> Result<String, CliError> {
    let mut out = String::new();
    for name in files(dir)? {
        if name == "SHA256SUMS" {
            continue;
        }
        let bytes = std::fs::read(dir.join(&name)).map_err(|e| io_error(dir, e))?;
        out.push_str(&format!("{}  {name}\n", sha256_hex(&bytes)));
    }
    Ok(out)
}

/// The zip of a package directory, byte for byte the same for the same files: names sorted,
/// times fixed at 1980-01-01, modes 0755 for programs and scripts and 0644 for the rest.
pub fn zip_dir(dir: &Path) -> Result<Vec<u8>, CliError> {
    use zip::write::SimpleFileOptions;
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let zip_error = |e: zip::result::ZipError| CliError::Output(format!("zip: {e}"));
    for name in files(dir)? {
        let executable = name.starts_with("credential-process") || name == "install.sh";
        let options = SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .last_modified_time(zip::DateTime::DEFAULT)
            .unix_permissions(if executable { 0o755 } else { 0o644 });
        writer
            .start_file(format!("{ZIP_FOLDER}/{name}"), options)
            .map_err(zip_error)?;
        let bytes = std::fs::read(dir.join(&name)).map_err(|e| io_error(dir, e))?;
        writer.write_all(&bytes).map_err(|e| io_error(dir, e))?;
    }
    Ok(writer.finish().map_err(zip_error)?.into_inner())
}

/// The platforms a package directory carries, from its binaries' names.
pub fn platforms_in(dir: &Path) -> Vec<String> {
    TARGETS
        .iter()
        .filter(|(platform, _)| dir.join(binary_name(platform)).is_file())
        .map(|(platform, _)| (*platform).to_owned())
        .collect()
}

/// Which build `ccwb package` made to use.
#[derive(Debug, Clone, Default)]
pub struct BuildSelection {
    /// Where `ccwb package` wrote builds (default `dist`).
    pub dist: PathBuf,
    /// The newest build.
    pub latest: bool,
    /// `--build-profile`.
    pub build_profile: Option<String>,
    /// `--timestamp`.
    pub timestamp: Option<String>,
}

impl BuildSelection {
    /// The selection the flags `--dist`, `--latest`, `--build-profile` and `--timestamp` make
    /// (each command words and combines them its own way).
    pub fn new(
        dist: &Path,
        latest: bool,
        build_profile: Option<&str>,
        timestamp: Option<&str>,
    ) -> Self {
        Self {
            dist: dist.to_path_buf(),
            latest,
            build_profile: build_profile.map(str::to_owned),
            timestamp: timestamp.map(str::to_owned),
        }
    }

    /// The build directory: named, newest, or chosen from a list when `interactive` (a person
    /// at a terminal) and there is more than one.
    pub fn choose(&self, interactive: bool) -> Result<PathBuf, CliError> {
        match (&self.build_profile, &self.timestamp) {
            (Some(profile), Some(timestamp)) => {
                let dir = self.dist.join(profile).join(timestamp);
                return if dir.is_dir() {
                    Ok(dir)
                } else {
                    Err(CliError::Input(format!(
                        "no build at {}: see the builds with `ls {}`",
                        dir.display(),
                        self.dist.display()
                    )))
                };
            }
            (None, None) => {}
            _ => {
                return Err(CliError::Usage(
                    "--build-profile and --timestamp go together".into(),
                ));
            }
        }
        let mut builds = self.builds();
        if builds.is_empty() {
            return Err(CliError::Input(format!(
                "no builds in {}: run `ccwb package` first",
                self.dist.display()
            )));
        }
        if self.latest || !interactive || builds.len() == 1 {
            return Ok(builds.swap_remove(0));
        }
        let labels: Vec<String> = builds
            .iter()
            .map(|p| {
                p.strip_prefix(&self.dist)
                    .unwrap_or(p)
                    .display()
                    .to_string()
            })
            .collect();
        let choice = dialoguer::Select::new()
            .with_prompt("Which build?")
            .items(&labels)
            .default(0)
            .interact()
            .map_err(|e| CliError::Input(format!("no build chosen: {e}")))?;
        Ok(builds.swap_remove(choice))
    }

    /// Every finished build under `dist/`, newest first (a `.partial` one is not finished).
    fn builds(&self) -> Vec<PathBuf> {
        let subdirs = |dir: &Path| -> Vec<PathBuf> {
            std::fs::read_dir(dir)
                .into_iter()
                .flatten()
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.is_dir())
                .collect()
        };
        let mut builds: Vec<PathBuf> = subdirs(&self.dist)
            .iter()
            .flat_map(|profile| subdirs(profile))
            .filter(|p| {
                !p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with('.'))
            })
            .collect();
        // Newest first: timestamps sort as text; across profiles the folder's own time decides.
        builds.sort_by_key(|p| {
            std::cmp::Reverse((
                p.file_name().map(|n| n.to_os_string()),
                p.metadata().and_then(|m| m.modified()).ok(),
            ))
        });
        builds
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_names_follow_the_original_layout() {
        assert_eq!(binary_name("linux-x64"), "credential-process-linux-x64");
        assert_eq!(
            binary_name("windows-x64"),
            "credential-process-windows-x64.exe"
        );
    }

    #[test]
    fn the_newest_finished_build_is_chosen() {
        let dist = std::env::temp_dir().join(format!("ccwb-bundle-{}", std::process::id()));
        for dir in [
            "p/20260101-000000",
            "p/20260301-000000",
            "p/.20260401-000000.partial",
        ] {
            std::fs::create_dir_all(dist.join(dir)).unwrap();
        }
        let selection = BuildSelection {
            dist: dist.clone(),
            ..BuildSelection::default()
        };
        assert_eq!(
            selection.choose(false).unwrap(),
            dist.join("p/20260301-000000")
        );
        let named = BuildSelection {
            build_profile: Some("p".into()),
            timestamp: Some("1999".into()),
            ..selection
        };
        assert!(
            named
                .choose(false)
                .unwrap_err()
                .to_string()
                .contains("no build at")
        );
        std::fs::remove_dir_all(dist).unwrap();
    }
}
