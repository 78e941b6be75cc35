//! `ccwb context create`: creates or replaces a profile, checked first.

use crate::error::CliError;
use crate::output::Out;
use crate::profile::{Config, Profile, check_name};

/// Arguments of `ccwb context create`.
#[derive(Debug, Clone, clap::Args)]
pub struct CreateArgs {
    /// Its name (letters, digits, `-`, `_`, `.`).
    pub name: String,
    /// The ccwb API.
    #[arg(long)]
    pub endpoint: String,
    /// The OpenID issuer to sign in with.
    #[arg(long)]
    pub issuer: Option<String>,
    /// The CLI's OAuth client id at that issuer.
    #[arg(long)]
    pub client_id: Option<String>,
    /// The AWS region of the deployment.
    #[arg(long)]
    pub region: Option<String>,
    /// Fixed loopback port for the sign-in redirect.
    #[arg(long)]
    pub redirect_port: Option<u16>,
    /// Do not make it the current profile.
    #[arg(long)]
    pub no_use: bool,
}

impl CreateArgs {
    /// Saves the profile (current unless `--no-use` and another is).
    pub fn run(self, out: &mut Out<'_>) -> Result<(), CliError> {
        let name = self.name;
        check_name(&name)?;
        let profile = Profile {
            endpoint: self.endpoint,
            issuer: self.issuer,
            client_id: self.client_id,
            client_secret: None,
            region: self.region,
            redirect_port: self.redirect_port,
            deployment: None,
        };
        let problems = profile.problems();
        if !problems.is_empty() {
            return Err(CliError::Usage(format!(
                "profile {name:?}: {}",
                problems.join("; ")
            )));
        }
        let mut config = Config::load()?;
        let replaced = config.profiles.insert(name.clone(), profile).is_some();
        if !self.no_use || config.current.is_none() {
            config.current = Some(name.clone());
        }
        out.tightened(config.save()?)?;
        out.note(format!(
            "{} profile {name}{}.",
            if replaced { "Replaced" } else { "Created" },
            if config.current.as_deref() == Some(&name) {
                " (current)"
            } else {
                ""
            }
        ))
    }
}
