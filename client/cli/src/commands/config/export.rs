//! `ccwb config export`: profiles as JSON, the client secrets left out unless asked for.

use std::collections::BTreeMap;

use crate::error::CliError;
use crate::output::Out;
use crate::profile::Config;

/// Arguments of `ccwb config export`.
#[derive(Debug, Clone, clap::Args)]
pub struct ExportArgs {
    /// One profile; all by default.
    pub name: Option<String>,
    /// Include client secrets.
    #[arg(long)]
    pub include_secrets: bool,
}

impl ExportArgs {
    /// Prints the export (always JSON: it is read back by `ccwb config import`).
    pub fn run(self, out: &mut Out<'_>) -> Result<(), CliError> {
        out.json(&self.export(Config::load()?)?)
    }

    /// What `config` exports under these arguments.
    fn export(&self, config: Config) -> Result<Config, CliError> {
        let mut export = match &self.name {
            Some(name) => {
                let (name, profile) = config.resolve(Some(name))?;
                Config {
                    current: None,
                    profiles: BTreeMap::from([(name, profile)]),
                }
            }
            None => config,
        };
        if !self.include_secrets {
            for profile in export.profiles.values_mut() {
                profile.client_secret = None;
            }
        }
        Ok(export)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::Profile;

    #[test]
    fn secrets_stay_behind_unless_asked_for() {
        let config = Config {
            current: Some("prod".into()),
            profiles: BTreeMap::from([
                ("dev".to_owned(), Profile::default()),
                (
                    "prod".to_owned(),
                    Profile {
                        client_secret: Some("s3cret".into()),
                        ..Profile::default()
                    },
                ),
            ]),
        };
        let args = |name: Option<&str>, include_secrets| ExportArgs {
            name: name.map(str::to_owned),
            include_secrets,
        };
        let all = args(None, false).export(config.clone()).unwrap();
        assert_eq!(all.profiles.len(), 2);
        assert_eq!(all.profiles["prod"].client_secret, None);
        let one = args(Some("prod"), true).export(config).unwrap();
        assert_eq!(one.current, None);
        assert_eq!(one.profiles.keys().collect::<Vec<_>>(), ["prod"]);
        assert_eq!(
            one.profiles["prod"].client_secret.as_deref(),
            Some("s3cret")
        );
    }
}
