//! `ccwb login`: signs in to the selected profile's identity provider and stores the tokens.

use crate::error::CliError;
use crate::output::Out;
use crate::session::Session;
use crate::{signin, tokens};

/// Arguments of `ccwb login`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct LoginArgs {
    /// Print the sign-in address instead of opening a browser.
    #[arg(long)]
    pub no_browser: bool,
}

impl LoginArgs {
    /// Signs in (authorization code + PKCE on a loopback redirect) and stores the tokens.
    pub async fn run(self, session: &Session, out: &mut Out<'_>) -> Result<(), CliError> {
        let (name, profile) = session
            .require_profile("no profile selected: create one with `ccwb context create`")?;
        let stored = signin::login(&name, &profile, !self.no_browser, out).await?;
        let claims = signin::claims(&stored.id_token)?;
        out.tightened(tokens::save(&name, &stored)?)?;
        let who = claims["email"].as_str().unwrap_or("(no e-mail claim)");
        out.note(format!("Signed in to {name} as {who}."))
    }
}
