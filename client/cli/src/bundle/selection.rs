//! Which build of `ccwb package` a command uses: named (`--build-profile` and `--timestamp`,
//! also in the original ccwb's timestamp form), given as a folder (`--package-path`), the
//! newest, or chosen from a list.

use std::path::{Path, PathBuf};

use super::platforms_in;
use crate::error::CliError;

/// Whether `dir` is a build folder of `ccwb package` (its `SHA256SUMS` or a program in it),
/// rather than a folder of builds such as `dist/`.
pub fn is_build_dir(dir: &Path) -> bool {
    dir.join("SHA256SUMS").is_file() || !platforms_in(dir).is_empty()
}

/// The original ccwb's timestamp form `2024-11-14-083022` as ours, `20241114-083022`.
pub fn our_timestamp(timestamp: &str) -> Option<String> {
    let b = timestamp.as_bytes();
    let digits = |range: std::ops::Range<usize>| b[range].iter().all(u8::is_ascii_digit);
    let original = b.len() == 17
        && [b[4], b[7], b[10]] == [b'-', b'-', b'-']
        && digits(0..4)
        && digits(5..7)
        && digits(8..10)
        && digits(11..17);
    original.then(|| {
        format!(
            "{}{}{}-{}",
            &timestamp[0..4],
            &timestamp[5..7],
            &timestamp[8..10],
            &timestamp[11..17]
        )
    })
}

/// Which build `ccwb package` made to use.
#[derive(Debug, Clone, Default)]
pub struct BuildSelection {
    /// Where `ccwb package` wrote builds (default `dist`).
    pub dist: PathBuf,
    /// A build folder given as it is (`ccwb distribute --package-path`).
    pub build_dir: Option<PathBuf>,
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
            build_dir: None,
        }
    }

    /// `--package-path DIR` as the original ccwb meant it, and more: a build folder is used as
    /// it is; any other folder is where builds are (as `--dist`).
    pub fn with_package_path(mut self, path: Option<&Path>) -> Result<Self, CliError> {
        let Some(path) = path else {
            return Ok(self);
        };
        if !path.is_dir() {
            return Err(CliError::Input(format!(
                "--package-path {}: no such folder",
                path.display()
            )));
        }
        if !is_build_dir(path) {
            self.dist = path.to_path_buf();
            return Ok(self);
        }
        if self.latest || self.build_profile.is_some() || self.timestamp.is_some() {
            return Err(CliError::Usage(format!(
                "--package-path {} is a build folder: it takes no --latest, --build-profile or --timestamp",
                path.display()
            )));
        }
        self.build_dir = Some(path.to_path_buf());
        Ok(self)
    }

    /// The build directory: named, newest, or chosen from a list when `interactive` (a person
    /// at a terminal) and there is more than one.
    pub fn choose(&self, interactive: bool) -> Result<PathBuf, CliError> {
        if let Some(dir) = &self.build_dir {
            return Ok(dir.clone());
        }
        match (&self.build_profile, &self.timestamp) {
            (Some(profile), Some(timestamp)) => {
                let mut dir = self.dist.join(profile).join(timestamp);
                if let Some(ours) = our_timestamp(timestamp).filter(|_| !dir.is_dir()) {
                    dir = self.dist.join(profile).join(ours);
                }
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
    pub fn builds(&self) -> Vec<PathBuf> {
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
        let original_form = BuildSelection {
            timestamp: Some("2026-03-01-000000".into()),
            ..named
        };
        assert_eq!(
            original_form.choose(false).unwrap(),
            dist.join("p/20260301-000000")
        );
        // A build folder is taken as it is; a folder of builds is where to look.
        let build = dist.join("p/20260101-000000");
        std::fs::write(build.join("SHA256SUMS"), "").unwrap();
        let given = BuildSelection::default()
            .with_package_path(Some(&build))
            .unwrap();
        assert_eq!(given.choose(false).unwrap(), build);
        let root = BuildSelection::default()
            .with_package_path(Some(&dist))
            .unwrap();
        assert_eq!(root.choose(false).unwrap(), dist.join("p/20260301-000000"));
        let latest = BuildSelection {
            latest: true,
            ..BuildSelection::default()
        };
        assert!(latest.with_package_path(Some(&build)).is_err());
        std::fs::remove_dir_all(dist).unwrap();
    }
}
