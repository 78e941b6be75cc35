//! `ccwb login`, `ccwb logout`, `ccwb whoami`.

use crate::error::CliError;
use crate::output::{Output, print_fields, print_json};
use crate::session::Context;
use crate::{login, tokens};

/// Signs in to the selected profile and stores the tokens.
pub async fn login(ctx: &Context, open_browser: bool) -> Result<(), CliError> {
    let (name, profile) = ctx.profile()?.ok_or_else(|| {
        CliError::Config("no profile selected: create one with `ccwb context create`".into())
    })?;
    let stored = login::login(&name, &profile, open_browser).await?;
    let claims = login::claims(&stored.id_token)?;
    tokens::save(&name, &stored)?;
    let who = claims["email"].as_str().unwrap_or("(no e-mail claim)");
    eprintln!("Signed in to {name} as {who}.");
    Ok(())
}

/// Forgets the stored sign-in of the selected profile.
pub fn logout(ctx: &Context) -> Result<(), CliError> {
    let (name, _) = ctx
        .profile()?
        .ok_or_else(|| CliError::Config("no profile selected".into()))?;
    if tokens::delete(&name)? {
        eprintln!("Signed out of {name}.");
    } else {
        eprintln!("Not signed in to {name}.");
    }
    Ok(())
}

/// Shows the caller as the API sees them.
pub async fn whoami(ctx: &Context, output: Output) -> Result<(), CliError> {
    let me = ctx.client().await?.me().await?;
    match output {
        Output::Json => print_json(&me),
        Output::Table => {
            let groups = if me.groups.is_empty() {
                "(none)".to_owned()
            } else {
                me.groups.join(", ")
            };
            print_fields(&[
                (
                    "Identity",
                    me.identity
                        .clone()
                        .unwrap_or_else(|| "(none in token)".into()),
                ),
                ("Groups", groups),
                ("Admin", if me.admin { "yes" } else { "no" }.to_owned()),
            ]);
            Ok(())
        }
    }
}
