//! Which endpoint and token a command uses: flags and environment first, then the profile and
//! its stored (and, when needed, refreshed) sign-in.

use ccwb_api_client::ApiClient;

use crate::error::CliError;
use crate::login;
use crate::profile::{Config, Profile};
use crate::tokens;

/// Seconds of validity an id token must still have to be used as is.
const MIN_VALIDITY_SECS: i64 = 60;

/// The global options every command shares.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// `--profile` / `CCWB_PROFILE`.
    pub profile: Option<String>,
    /// `--endpoint` / `CCWB_ENDPOINT`.
    pub endpoint: Option<String>,
}

impl Context {
    /// The selected profile, if any is configured (an explicit `--profile` must exist).
    pub fn profile(&self) -> Result<Option<(String, Profile)>, CliError> {
        let config = Config::load()?;
        if self.profile.is_none() && config.current.is_none() {
            return Ok(None);
        }
        config.resolve(self.profile.as_deref()).map(Some)
    }

    /// A client of the API with a usable token.
    pub async fn client(&self) -> Result<ApiClient, CliError> {
        let profile = self.profile()?;
        let endpoint = self
            .endpoint
            .clone()
            .or_else(|| profile.as_ref().map(|(_, p)| p.endpoint.clone()))
            .ok_or(CliError::NoEndpoint)?;
        let token = match env_token() {
            Some(token) => token,
            None => match &profile {
                Some((name, profile)) => profile_token(name, profile).await?,
                None => {
                    return Err(CliError::NotSignedIn(
                        ": no CCWB_TOKEN and no profile".into(),
                    ));
                }
            },
        };
        Ok(ApiClient::new(&endpoint, token)?)
    }
}

fn env_token() -> Option<String> {
    std::env::var("CCWB_TOKEN")
        .ok()
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
}

/// The profile's id token, refreshed (and stored again) when it is about to expire.
pub async fn profile_token(name: &str, profile: &Profile) -> Result<String, CliError> {
    let stored = tokens::load(name)?
        .ok_or_else(|| CliError::NotSignedIn(format!(" to profile {name:?}")))?;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    if stored.expires_at - now > MIN_VALIDITY_SECS {
        return Ok(stored.id_token);
    }
    let fresh = login::refresh(&stored, profile).await?;
    tokens::save(name, &fresh)?;
    Ok(fresh.id_token)
}
