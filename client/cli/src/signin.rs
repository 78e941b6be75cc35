//! Signing in a profile: the shared OpenID sign-in of `ccwb_api_client::signin`, with the
//! profile's issuer and client, and the tokens kept as [`StoredTokens`].

use ccwb_api_client::ApiError;
use ccwb_api_client::signin::{self, SignIn};

use crate::error::CliError;
use crate::output::Out;
use crate::profile::Profile;
use crate::tokens::StoredTokens;

/// Sign-in failures read as `sign-in failed: …`; anything else keeps its API error.
fn login_error(err: ApiError) -> CliError {
    match err {
        ApiError::SignIn(message) => CliError::Login(message),
        other => CliError::Api(other),
    }
}

/// Signs in through the browser; `open_browser` false only prints the URL (on `out`'s stderr,
/// with what is happening).
pub async fn login(
    profile_name: &str,
    profile: &Profile,
    open_browser: bool,
    out: &mut Out<'_>,
) -> Result<StoredTokens, CliError> {
    let (issuer, client_id) = match (&profile.issuer, &profile.client_id) {
        (Some(issuer), Some(client_id)) => (issuer.clone(), client_id.clone()),
        _ => {
            return Err(CliError::Config(format!(
                "profile {profile_name:?} has no issuer and client_id: add them with `ccwb context create {profile_name} --endpoint … --issuer … --client-id …`"
            )));
        }
    };
    let discovery = signin::discover(&issuer).await.map_err(login_error)?;
    let request = SignIn {
        authorization_endpoint: discovery.authorization_endpoint,
        token_endpoint: discovery.token_endpoint.clone(),
        client_id: client_id.clone(),
        client_secret: profile.client_secret.clone(),
        issuer: Some(discovery.issuer),
        redirect_port: profile.redirect_port.unwrap_or(0),
        scope: "openid email profile".into(),
    };
    let mut said = Ok(());
    let tokens = request
        .run(|url| {
            said = (|| {
                out.note(format!("Sign in at:\n  {url}"))?;
                if open_browser && !signin::open_browser(url.as_str()) {
                    out.note("(could not open a browser: open the address above yourself)")?;
                }
                out.note("Waiting for the sign-in to finish (up to 5 minutes)…")
            })();
        })
        .await
        .map_err(login_error)?;
    said?;
    Ok(StoredTokens {
        expires_at: tokens.expires_at,
        id_token: tokens.id_token,
        refresh_token: tokens.refresh_token,
        token_endpoint: discovery.token_endpoint,
        client_id,
    })
}

/// Gets a fresh id token with the refresh token.
pub async fn refresh(stored: &StoredTokens, profile: &Profile) -> Result<StoredTokens, CliError> {
    let refresh_token = stored
        .refresh_token
        .as_deref()
        .ok_or_else(|| CliError::NotSignedIn(": the sign-in has expired".into()))?;
    let tokens = signin::refresh(
        &stored.token_endpoint,
        &stored.client_id,
        profile.client_secret.as_deref(),
        refresh_token,
    )
    .await
    .map_err(|e| CliError::NotSignedIn(format!(": the sign-in could not be renewed ({e})")))?;
    Ok(StoredTokens {
        expires_at: tokens.expires_at,
        id_token: tokens.id_token,
        refresh_token: tokens.refresh_token,
        token_endpoint: stored.token_endpoint.clone(),
        client_id: stored.client_id.clone(),
    })
}

/// The claims of an id token (unverified; the API verifies).
pub fn claims(token: &str) -> Result<serde_json::Value, CliError> {
    signin::claims(token).map_err(login_error)
}
