//! The identity provider's endpoints: explicit ones from the config, else OIDC discovery, else
//! the well-known paths of the provider type.

use ccwb_api_client::signin::{self, SignIn};

use crate::config::{Profile, ProviderType};
use crate::error::Error;

/// The browser sign-in for `profile`, endpoints resolved.
pub async fn sign_in(profile: &Profile) -> Result<SignIn, Error> {
    let (authorization_endpoint, token_endpoint, issuer) =
        match (&profile.authorization_endpoint, &profile.token_endpoint) {
            (Some(authorize), Some(token)) => {
                (authorize.clone(), token.clone(), profile.issuer.clone())
            }
            _ => endpoints(profile).await?,
        };
    Ok(SignIn {
        authorization_endpoint,
        token_endpoint,
        client_id: profile.client_id.clone(),
        client_secret: profile.client_secret.clone(),
        issuer,
        redirect_port: profile.redirect_port,
        scope: scope(profile.provider_type).to_owned(),
    })
}

/// Scopes asked for. `offline_access` is how Okta, Entra ID, Auth0 and most OpenID Providers
/// grant a refresh token; Google and Cognito refuse or ignore it and issue one anyway.
fn scope(provider: ProviderType) -> &'static str {
    match provider {
        ProviderType::Google | ProviderType::Cognito => "openid email profile",
        _ => "openid email profile offline_access",
    }
}

async fn endpoints(profile: &Profile) -> Result<(String, String, Option<String>), Error> {
    let discovery_issuer = profile
        .issuer
        .clone()
        .unwrap_or_else(|| profile.base_url.clone());
    let discovered = signin::discover(&discovery_issuer).await;
    match discovered {
        Ok(found) => Ok((
            found.authorization_endpoint,
            found.token_endpoint,
            Some(found.issuer),
        )),
        Err(err) => match fallback(profile) {
            Some((authorize, token)) => Ok((authorize, token, profile.issuer.clone())),
            None => Err(Error::SignIn(format!(
                "{err}; set \"authorization_endpoint\" and \"token_endpoint\" in config.json if the provider has no discovery document"
            ))),
        },
    }
}

/// The provider type's documented endpoints, for when discovery is unreachable.
fn fallback(profile: &Profile) -> Option<(String, String)> {
    let base = profile.base_url.as_str();
    Some(match profile.provider_type {
        ProviderType::Okta => (
            format!("{base}/oauth2/v1/authorize"),
            format!("{base}/oauth2/v1/token"),
        ),
        ProviderType::Auth0 => (format!("{base}/authorize"), format!("{base}/oauth/token")),
        ProviderType::Azure => {
            let tenant = base.trim_end_matches("/v2.0");
            (
                format!("{tenant}/oauth2/v2.0/authorize"),
                format!("{tenant}/oauth2/v2.0/token"),
            )
        }
        ProviderType::Cognito => (
            format!("{base}/oauth2/authorize"),
            format!("{base}/oauth2/token"),
        ),
        ProviderType::Google => (
            "https://accounts.google.com/o/oauth2/v2/auth".to_owned(),
            "https://oauth2.googleapis.com/token".to_owned(),
        ),
        ProviderType::Generic => return None,
    })
}
