//! `ccwb builds`: the original ccwb listed its CodeBuild Windows builds here. Ours builds every
//! program on this computer (`ccwb package`), so this says what that means: per platform,
//! whether this computer builds it and with what, or the commands that add it; and the
//! packages already built under dist/, which `ccwb distribute` and `ccwb test` choose from.
//! `--status` shows one package with its files checked; `--download` brings the package
//! published last into dist/, byte for byte what developers download.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::bundle::{
    BuildSelection, TARGETS, io_error, our_timestamp, platforms_in, sha256_hex, unzip_into, zip_dir,
};
use crate::commands::package::host::{Capability, Host};
use crate::commands::test::{Check, checksums, print_checks};
use crate::error::CliError;
use crate::output::{Format, Out};
use crate::session::Session;

/// Arguments of `ccwb builds`.
#[derive(Debug, Clone, clap::Args)]
pub struct BuildsArgs {
    /// Where `ccwb package` writes builds.
    #[arg(long, default_value = "dist", value_name = "DIR")]
    pub dist: PathBuf,
    /// How many packages to list, newest first.
    #[arg(long, default_value_t = 10, value_name = "N")]
    pub limit: usize,
    /// Only the packages of this profile folder under dist/ (the original's CodeBuild
    /// --project).
    #[arg(long, visible_alias = "project", value_name = "NAME")]
    pub build_profile: Option<String>,
    /// One package in detail, its files checked against SHA256SUMS: `latest`, a timestamp,
    /// or PROFILE/TIMESTAMP.
    #[arg(long, value_name = "ID")]
    pub status: Option<String>,
    /// Download the package published last (`ccwb distribute`) into
    /// dist/<profile>/<timestamp>/, checked against its SHA-256, and show it as --status does.
    #[arg(long)]
    pub download: bool,
    /// The ccwb source tree `ccwb package` builds from (default: found from here).
    #[arg(long, value_name = "DIR")]
    pub source: Option<PathBuf>,
    /// JSON on stdout (the same as `-o json builds`).
    #[arg(long)]
    pub json: bool,
}

/// One package under dist/.
#[derive(Debug, Clone, Serialize)]
struct Package {
    profile: String,
    timestamp: String,
    dir: PathBuf,
    platforms: Vec<String>,
    bytes: u64,
}

impl Package {
    fn of(dir: &Path) -> Self {
        let name = |p: Option<&Path>| {
            p.and_then(Path::file_name)
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        };
        let bytes = std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .filter_map(Result::ok)
            .filter_map(|e| e.metadata().ok())
            .filter(std::fs::Metadata::is_file)
            .map(|m| m.len())
            .sum();
        Self {
            profile: name(dir.parent()),
            timestamp: name(Some(dir)),
            dir: dir.to_path_buf(),
            platforms: platforms_in(dir),
            bytes,
        }
    }
}

impl BuildsArgs {
    /// Lists the platforms and packages, or shows (after `--download`, the downloaded) one.
    pub async fn run(self, session: &Session, out: &mut Out<'_>) -> Result<(), CliError> {
        if self.json {
            out.format = Format::Json;
        }
        if self.download {
            if self.status.as_deref().is_some_and(|s| s != "latest") {
                return Err(CliError::Usage(
                    "--download shows the package it downloads: give no other --status".into(),
                ));
            }
            let dir = self.download(session, out).await?;
            return show(&dir, out);
        }
        let selection = BuildSelection::new(&self.dist, false, None, None);
        let builds: Vec<PathBuf> = selection
            .builds()
            .into_iter()
            .filter(|b| match &self.build_profile {
                Some(profile) => b.parent().and_then(Path::file_name) == Some(profile.as_ref()),
                None => true,
            })
            .collect();
        if let Some(id) = &self.status {
            return show(&find(&builds, &self.dist, id)?, out);
        }
        let host = Host::probe(self.source.as_deref());
        let platforms: Vec<Capability> = TARGETS
            .iter()
            .map(|(platform, target)| host.capability(platform, target))
            .collect();
        let packages: Vec<Package> = builds
            .iter()
            .take(self.limit)
            .map(|b| Package::of(b))
            .collect();
        if out.is_json() {
            return out.json(&serde_json::json!({"platforms": platforms, "packages": packages}));
        }
        render(&platforms, &packages, &self.dist, out)
    }

    /// Downloads the latest published package into dist/ (unless it is there already) and
    /// returns its folder.
    async fn download(&self, session: &Session, out: &mut Out<'_>) -> Result<PathBuf, CliError> {
        let record = session.client(out).await?.latest_distribution().await?;
        let filename = record.key.rsplit('/').next().unwrap_or_default();
        let (profile, timestamp) =
            names_of(filename).unwrap_or_else(|| ("downloaded".into(), record.id.clone()));
        let dir = self.dist.join(&profile).join(&timestamp);
        let failed =
            |e: reqwest::Error| CliError::Input(format!("cannot download {}: {e}", record.id));
        let bytes = reqwest::get(&record.url)
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(failed)?
            .bytes()
            .await
            .map_err(failed)?;
        if sha256_hex(&bytes) != record.sha256 {
            return Err(CliError::Input(format!(
                "the download of {} does not match its SHA-256 {}: not kept",
                record.id, record.sha256
            )));
        }
        if dir.exists() {
            return if sha256_hex(&zip_dir(&dir)?) == record.sha256 {
                out.note(format!(
                    "{} is the published package already.",
                    dir.display()
                ))?;
                Ok(dir)
            } else {
                Err(CliError::Input(format!(
                    "{} exists and is not the published package {}: packages are never overwritten",
                    dir.display(),
                    record.id
                )))
            };
        }
        let base = self.dist.join(&profile);
        let staging = base.join(format!(".{timestamp}.partial"));
        let _ = std::fs::remove_dir_all(&staging);
        unzip_into(&bytes, &staging)?;
        std::fs::rename(&staging, &dir).map_err(|e| io_error(&dir, e))?;
        let zip = base.join(format!("{timestamp}.zip"));
        std::fs::write(&zip, &bytes).map_err(|e| io_error(&zip, e))?;
        out.note(format!(
            "Downloaded {} (published {} by {}) into {}",
            record.id,
            crate::output::time(record.created_at),
            record.created_by,
            dir.display()
        ))?;
        Ok(dir)
    }
}

/// The profile and timestamp of a package named as `ccwb distribute` names it
/// (`claude-code-<profile>-<YYYYMMDD-HHMMSS>.zip`).
fn names_of(filename: &str) -> Option<(String, String)> {
    let rest = filename
        .strip_prefix("claude-code-")?
        .strip_suffix(".zip")?;
    let (profile, timestamp) = rest.split_at_checked(rest.len().checked_sub(15)?)?;
    let profile = profile.strip_suffix('-').filter(|p| !p.is_empty())?;
    let shaped = timestamp.len() == 15
        && timestamp.char_indices().all(|(i, c)| match i {
            8 => c == '-',
            _ => c.is_ascii_digit(),
        });
    shaped.then(|| (profile.to_owned(), timestamp.to_owned()))
}

/// The package `id` names: `latest`, a timestamp, or PROFILE/TIMESTAMP.
fn find(builds: &[PathBuf], dist: &Path, id: &str) -> Result<PathBuf, CliError> {
    if let Some((profile, timestamp)) = id.split_once('/') {
        return BuildSelection::new(dist, false, Some(profile), Some(timestamp)).choose(false);
    }
    let named = |b: &&PathBuf| {
        let name = b.file_name().map(|n| n.to_string_lossy().into_owned());
        id == "latest" || name.as_deref() == Some(id) || name == our_timestamp(id)
    };
    builds.iter().find(named).cloned().ok_or_else(|| {
        CliError::Input(format!(
            "no package {id:?} in {}: `ccwb builds` lists them",
            dist.display()
        ))
    })
}

/// One package: where, platforms, files, and its files against SHA256SUMS.
fn show(dir: &Path, out: &mut Out<'_>) -> Result<(), CliError> {
    let package = Package::of(dir);
    let checks: Vec<Check> = vec![checksums(dir)];
    if out.is_json() {
        return out.json(&serde_json::json!({"package": package, "checks": checks}));
    }
    let display = dir.display();
    out.fields(&[
        (
            "Package",
            format!("{}/{}", package.profile, package.timestamp),
        ),
        ("Folder", display.to_string()),
        ("Platforms", package.platforms.join(", ")),
        ("Size", format!("{:.1} MB", package.bytes as f64 / 1e6)),
        (
            "Test",
            format!(
                "ccwb test --build-profile {} --timestamp {}",
                package.profile, package.timestamp
            ),
        ),
        (
            "Publish",
            format!("ccwb distribute --package-path {display}"),
        ),
    ])?;
    print_checks(&checks, out)
}

/// The platforms (with what, or what to run) and the packages for people.
fn render(
    platforms: &[Capability],
    packages: &[Package],
    dist: &Path,
    out: &mut Out<'_>,
) -> Result<(), CliError> {
    out.line("Platforms this computer builds (ccwb package --target):")?;
    for c in platforms {
        match &c.builds_with {
            Some(how) => out.line(format!("  {:<12} yes  {how}", c.platform))?,
            None => {
                out.line(format!(
                    "  {:<12} no   {}",
                    c.platform,
                    c.missing.join("; ")
                ))?;
                for fix in &c.fixes {
                    out.line(format!("  {:<12}      → {fix}", ""))?;
                }
            }
        }
    }
    out.line("")?;
    if packages.is_empty() {
        return out.line(format!(
            "No packages in {} yet: ccwb package builds one.",
            dist.display()
        ));
    }
    out.line(format!("Packages in {} (newest first):", dist.display()))?;
    let rows = packages.iter().map(|p| {
        vec![
            format!("{}/{}", p.profile, p.timestamp),
            p.platforms.join(", "),
            format!("{:.1} MB", p.bytes as f64 / 1e6),
        ]
    });
    out.table(&["Package", "Platforms", "Size"], rows.collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::Captured;

    #[test]
    fn published_names_give_back_profile_and_timestamp() {
        assert_eq!(
            names_of("claude-code-corp-eu-20260101-120000.zip"),
            Some(("corp-eu".into(), "20260101-120000".into()))
        );
        assert_eq!(names_of("claude-code-20260101-120000.zip"), None);
        assert_eq!(names_of("other.zip"), None);
    }

    #[test]
    fn platforms_that_cannot_be_built_show_the_commands_that_add_them() {
        let platforms = vec![
            Capability {
                platform: "linux-x64",
                target: "x86_64-unknown-linux-gnu",
                builds_with: Some("cargo".into()),
                missing: Vec::new(),
                fixes: Vec::new(),
            },
            Capability {
                platform: "windows-x64",
                target: "x86_64-pc-windows-gnu",
                builds_with: None,
                missing: vec!["no mingw".into()],
                fixes: vec!["rustup target add x86_64-pc-windows-gnu".into()],
            },
        ];
        let mut captured = Captured::default();
        render(
            &platforms,
            &[],
            Path::new("dist"),
            &mut captured.out(Format::Table),
        )
        .unwrap();
        let text = captured.stdout();
        assert!(text.contains("  linux-x64    yes  cargo\n"), "{text}");
        assert!(text.contains("  windows-x64  no   no mingw\n"), "{text}");
        assert!(
            text.contains("→ rustup target add x86_64-pc-windows-gnu"),
            "{text}"
        );
        assert!(text.contains("No packages in dist yet"), "{text}");
    }
}
