//! `ccwb context show`: one profile, its secret masked.

use crate::error::CliError;
use crate::output::Out;
use crate::profile::{Config, Profile};

/// Arguments of `ccwb context show`.
#[derive(Debug, Clone, clap::Args)]
pub struct ShowArgs {
    /// The profile.
    pub name: Option<String>,
}

impl ShowArgs {
    /// Shows the named profile, or the current one.
    pub fn run(self, out: &mut Out<'_>) -> Result<(), CliError> {
        let (name, profile) = Config::load()?.resolve(self.name.as_deref())?;
        render(&name, profile.masked(), out)
    }
}

/// The profile's fields, or JSON.
fn render(name: &str, profile: Profile, out: &mut Out<'_>) -> Result<(), CliError> {
    if out.is_json() {
        return out.json(&profile);
    }
    out.fields(&[
        ("Profile", name.to_owned()),
        ("Endpoint", profile.endpoint),
        ("Issuer", profile.issuer.unwrap_or_default()),
        ("Client id", profile.client_id.unwrap_or_default()),
        ("Client secret", profile.client_secret.unwrap_or_default()),
        ("Region", profile.region.unwrap_or_default()),
        (
            "Redirect port",
            profile
                .redirect_port
                .map(|p| p.to_string())
                .unwrap_or_default(),
        ),
    ])
}
