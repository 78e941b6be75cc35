//! `ccwb config import`: adds the profiles of a `ccwb config export` file, each checked, none
//! replaced without `--overwrite`; optionally under another name, and made the current one.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::error::CliError;
use crate::output::Out;
use crate::profile::{Config, Profile, check_name};
use crate::tokens;

/// Arguments of `ccwb config import`.
#[derive(Debug, Clone, clap::Args)]
pub struct ImportArgs {
    /// The file.
    pub file: PathBuf,
    /// Import the file's one profile under this name instead of its own.
    pub name: Option<String>,
    /// Replace profiles that exist with the same name (their stored sign-in is forgotten when
    /// the issuer or client id changes).
    #[arg(long, visible_alias = "overwrite")]
    pub force: bool,
    /// Make the imported profile the current one (with several: the file's current one).
    #[arg(long)]
    pub set_active: bool,
}

impl ImportArgs {
    /// Adds the file's profiles; nothing is written unless every one of them is fine.
    pub fn run(self, out: &mut Out<'_>) -> Result<(), CliError> {
        let file = &self.file;
        let mut config = Config::load()?;
        let text = std::fs::read_to_string(file)
            .map_err(|e| CliError::Input(format!("cannot read {}: {e}", file.display())))?;
        let incoming: Config = serde_json::from_str(&text).map_err(|e| {
            CliError::Input(format!("{}: not a ccwb config export: {e}", file.display()))
        })?;
        let (profiles, active) = self.incoming(incoming)?;
        let mut replaced = Vec::new();
        for (name, profile) in &profiles {
            check_name(name)?;
            let problems = profile.problems();
            if !problems.is_empty() {
                return Err(CliError::Input(format!(
                    "profile {name:?}: {}",
                    problems.join("; ")
                )));
            }
            match config.profiles.get(name) {
                Some(_) if !self.force => {
                    return Err(CliError::Usage(format!(
                        "profile {name:?} exists; pass --overwrite to replace it"
                    )));
                }
                Some(old) if signs_in_elsewhere(old, profile) => replaced.push(name.clone()),
                _ => {}
            }
        }
        let count = profiles.len();
        config.profiles.extend(profiles);
        if active.is_some() {
            config.current = active.clone();
        } else if config.current.is_none() {
            config.current = config.profiles.keys().next().cloned();
        }
        out.tightened(config.save()?)?;
        for name in &replaced {
            tokens::delete(name)?;
        }
        out.note(format!("Imported {count} profile(s)."))?;
        if let Some(name) = active {
            out.note(format!("Current profile: {name}"))?;
        }
        Ok(())
    }

    /// The profiles to add (renamed to `NAME` if given), and the one to make current.
    fn incoming(
        &self,
        incoming: Config,
    ) -> Result<(BTreeMap<String, Profile>, Option<String>), CliError> {
        let mut profiles = incoming.profiles;
        if let Some(name) = &self.name {
            if profiles.len() != 1 {
                let names: Vec<&String> = profiles.keys().collect();
                return Err(CliError::Usage(format!(
                    "{} holds {} profiles ({names:?}): a new name is for a file of one (export one with `ccwb config export NAME`)",
                    self.file.display(),
                    profiles.len()
                )));
            }
            let profile = profiles.into_values().next();
            profiles = profile.map(|p| (name.clone(), p)).into_iter().collect();
        }
        if !self.set_active {
            return Ok((profiles, None));
        }
        let active = match (profiles.len(), incoming.current) {
            (1, _) => profiles.keys().next().cloned(),
            (_, Some(current)) if profiles.contains_key(&current) => Some(current),
            _ => {
                return Err(CliError::Usage(format!(
                    "--set-active: {} holds several profiles and names none current; import, then `ccwb context use NAME`",
                    self.file.display()
                )));
            }
        };
        Ok((profiles, active))
    }
}

/// Whether a stored sign-in for `old` would be worthless for `new`.
fn signs_in_elsewhere(old: &Profile, new: &Profile) -> bool {
    old.issuer != new.issuer || old.client_id != new.client_id
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(name: Option<&str>, set_active: bool) -> ImportArgs {
        ImportArgs {
            file: PathBuf::from("export.json"),
            name: name.map(str::to_owned),
            force: false,
            set_active,
        }
    }

    fn export(names: &[&str], current: Option<&str>) -> Config {
        Config {
            current: current.map(str::to_owned),
            profiles: names
                .iter()
                .map(|n| ((*n).to_owned(), Profile::default()))
                .collect(),
        }
    }

    #[test]
    fn a_single_profile_can_be_renamed_and_made_current() {
        let (profiles, active) = args(Some("staging"), true)
            .incoming(export(&["prod"], None))
            .unwrap();
        assert_eq!(profiles.keys().collect::<Vec<_>>(), ["staging"]);
        assert_eq!(active.as_deref(), Some("staging"));
        let (_, active) = args(None, true)
            .incoming(export(&["a", "b"], Some("b")))
            .unwrap();
        assert_eq!(active.as_deref(), Some("b"));
        assert!(
            args(Some("x"), false)
                .incoming(export(&["a", "b"], None))
                .is_err()
        );
        assert!(
            args(None, true)
                .incoming(export(&["a", "b"], None))
                .is_err()
        );
        assert_eq!(
            args(None, false)
                .incoming(export(&["a"], Some("a")))
                .unwrap()
                .1,
            None
        );
    }
}
