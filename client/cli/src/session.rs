//! Which endpoint and token a command uses: flags and environment first, then the profile and
//! its stored (and, when needed, refreshed) sign-in.

use ccwb_api_client::ApiClient;

use crate::error::CliError;
use crate::output::Out;
use crate::profile::{Config, Profile};
use crate::{signin, tokens};

/// Seconds of validity an id token must still have to be used as is.
const MIN_VALIDITY_SECS: i64 = 60;

/// The global options every command shares.
#[derive(Debug, Clone, Default)]
pub struct Session {
    /// `--profile` / `CCWB_PROFILE`.
    pub profile: Option<String>,
    /// `--endpoint` / `CCWB_ENDPOINT`.
    pub endpoint: Option<String>,
}

impl Session {
    /// The selected profile, if any is configured (an explicit `--profile` must exist).
    pub fn profile(&self) -> Result<Option<(String, Profile)>, CliError> {
        let config = Config::load()?;
        if self.profile.is_none() && config.current.is_none() {
            return Ok(None);
        }
        config.resolve(self.profile.as_deref()).map(Some)
    }

    /// The selected profile, or `missing` as the error when none is.
    pub fn require_profile(&self, missing: &str) -> Result<(String, Profile), CliError> {
        self.profile()?
            .ok_or_else(|| CliError::Config(missing.to_owned()))
    }

    /// A client of the API with a usable token (a renewed sign-in is stored again, which may
    /// warn on `out`).
    pub async fn client(&self, out: &mut Out<'_>) -> Result<ApiClient, CliError> {
        let profile = self.profile()?;
        let endpoint = self
            .endpoint
            .clone()
            .or_else(|| profile.as_ref().map(|(_, p)| p.endpoint.clone()))
            .filter(|e| !e.is_empty())
            .ok_or(CliError::NoEndpoint)?;
        let token = match env_token() {
            Some(token) => token,
            None => match &profile {
                Some((name, profile)) => profile_token(name, profile, out).await?,
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
async fn profile_token(
    name: &str,
    profile: &Profile,
    out: &mut Out<'_>,
) -> Result<String, CliError> {
    let stored = tokens::load(name)?
        .ok_or_else(|| CliError::NotSignedIn(format!(" to profile {name:?}")))?;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    if stored.expires_at - now > MIN_VALIDITY_SECS {
        return Ok(stored.id_token);
    }
    let fresh = signin::refresh(&stored, profile).await?;
    out.tightened(tokens::save(name, &fresh)?)?;
    Ok(fresh.id_token)
}
