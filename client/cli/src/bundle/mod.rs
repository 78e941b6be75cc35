//! A package directory as `ccwb package` lays it out and `ccwb distribute` and `ccwb test` find
//! it again: `dist/<profile>/<timestamp>/` with one `credential-process-<platform>` per
//! platform, its `SHA256SUMS`, and the reproducible zip of it all.

use std::io::Write;
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::error::CliError;

mod selection;

pub use selection::{BuildSelection, our_timestamp};

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

/// Whether a package's file is run (its programs and `install.sh`).
fn executable(name: &str) -> bool {
    name.starts_with("credential-process") || name == "install.sh"
}

/// The zip of a package directory, byte for byte the same for the same files: names sorted,
/// times fixed at 1980-01-01, modes 0755 for programs and scripts and 0644 for the rest.
pub fn zip_dir(dir: &Path) -> Result<Vec<u8>, CliError> {
    use zip::write::SimpleFileOptions;
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let zip_error = |e: zip::result::ZipError| CliError::Output(format!("zip: {e}"));
    for name in files(dir)? {
        let options = SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .last_modified_time(zip::DateTime::DEFAULT)
            .unix_permissions(if executable(&name) { 0o755 } else { 0o644 });
        writer
            .start_file(format!("{ZIP_FOLDER}/{name}"), options)
            .map_err(zip_error)?;
        let bytes = std::fs::read(dir.join(&name)).map_err(|e| io_error(dir, e))?;
        writer.write_all(&bytes).map_err(|e| io_error(dir, e))?;
    }
    Ok(writer.finish().map_err(zip_error)?.into_inner())
}

/// Unpacks a package zip as [`zip_dir`] makes it into the new folder `dir`, programs and
/// scripts executable; refuses anything outside the zip's one folder.
pub fn unzip_into(bytes: &[u8], dir: &Path) -> Result<(), CliError> {
    let zip_error = |e: zip::result::ZipError| CliError::Input(format!("not a package zip: {e}"));
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(zip_error)?;
    std::fs::create_dir_all(dir).map_err(|e| io_error(dir, e))?;
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).map_err(zip_error)?;
        let name = entry.name().map_err(zip_error)?.into_owned();
        let file = name
            .strip_prefix(ZIP_FOLDER)
            .and_then(|n| n.strip_prefix('/'))
            .filter(|n| !n.is_empty() && !n.starts_with('.') && !n.contains(['/', '\\']))
            .ok_or_else(|| CliError::Input(format!("not a package zip: it holds {name:?}")))?;
        let path = dir.join(file);
        std::fs::File::create(&path)
            .and_then(|mut out| std::io::copy(&mut entry, &mut out))
            .map_err(|e| io_error(&path, e))?;
        #[cfg(unix)]
        if executable(file) {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))
                .map_err(|e| io_error(&path, e))?;
        }
    }
    Ok(())
}

/// The platforms a package directory carries, from its binaries' names.
pub fn platforms_in(dir: &Path) -> Vec<String> {
    TARGETS
        .iter()
        .filter(|(platform, _)| dir.join(binary_name(platform)).is_file())
        .map(|(platform, _)| (*platform).to_owned())
        .collect()
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
}
