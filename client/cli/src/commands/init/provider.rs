//! The identity provider as `ccwb init` asks for it: the issuer URL from a provider type and
//! what administrators know (a domain, a tenant, a user pool id), its discovery document read
//! live, and what the API will read from its tokens.

use ccwb_api_client::signin::Discovery;
use ccwb_install::config::ProviderType;

/// The providers in the order the wizard offers them, with a hint for each.
pub const TYPES: [(ProviderType, &str); 6] = [
    (ProviderType::Okta, "Okta"),
    (ProviderType::Azure, "Microsoft Entra ID (Azure AD)"),
    (ProviderType::Auth0, "Auth0"),
    (ProviderType::Cognito, "Amazon Cognito user pool"),
    (ProviderType::Google, "Google"),
    (ProviderType::Generic, "Any other OpenID Provider"),
];

/// What to type for `provider`'s issuer, for the prompt.
pub fn issuer_hint(provider: ProviderType) -> &'static str {
    match provider {
        ProviderType::Okta => "Okta domain (dev-123.okta.com) or issuer URL",
        ProviderType::Azure => "Directory (tenant) id or issuer URL",
        ProviderType::Auth0 => "Auth0 domain (example.us.auth0.com) or issuer URL",
        ProviderType::Cognito => "User pool id (us-east-1_AbCdEf123) or issuer URL",
        ProviderType::Google => "issuer URL",
        ProviderType::Generic => "issuer URL (https://…)",
    }
}

/// The issuer URL for what was typed: a URL as it is (without a trailing slash unless the
/// provider's issuer has one, as Auth0's does), else built the provider's way.
pub fn issuer(provider: ProviderType, typed: &str) -> Result<String, String> {
    let typed = typed.trim();
    if typed.is_empty() {
        return match provider {
            ProviderType::Google => Ok("https://accounts.google.com".into()),
            _ => Err("the issuer is required".into()),
        };
    }
    if typed.contains("://") {
        let url = url::Url::parse(typed).map_err(|e| format!("{typed:?} is not a URL: {e}"))?;
        if !matches!(url.scheme(), "https" | "http") || !url.has_host() {
            return Err(format!("{typed:?} is not an http(s) URL"));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(format!(
                "{typed:?}: an issuer has no query or fragment (RFC 8414)"
            ));
        }
        return Ok(match provider {
            ProviderType::Auth0 => format!("{}/", typed.trim_end_matches('/')),
            _ => typed.trim_end_matches('/').to_owned(),
        });
    }
    let host_like = |what: &str| {
        let ok = typed
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-.".contains(c))
            && typed.contains('.');
        if ok {
            Ok(())
        } else {
            Err(format!("{typed:?} is not a {what}"))
        }
    };
    match provider {
        ProviderType::Okta | ProviderType::Generic => {
            host_like("domain")?;
            Ok(format!("https://{typed}"))
        }
        ProviderType::Auth0 => {
            host_like("domain")?;
            Ok(format!("https://{typed}/"))
        }
        ProviderType::Google => Ok("https://accounts.google.com".into()),
        ProviderType::Azure => {
            let tenant_ok = typed
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-.".contains(c));
            if !tenant_ok {
                return Err(format!("{typed:?} is not a tenant id or domain"));
            }
            Ok(format!("https://login.microsoftonline.com/{typed}/v2.0"))
        }
        ProviderType::Cognito => {
            let (region, id) = typed.split_once('_').ok_or_else(|| {
                format!("{typed:?} is not a user pool id like us-east-1_AbCdEf123")
            })?;
            let region_ok = crate::models::geography(region).is_some();
            let id_ok = !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric());
            if !region_ok || !id_ok {
                return Err(format!(
                    "{typed:?} is not a user pool id like us-east-1_AbCdEf123"
                ));
            }
            Ok(format!(
                "https://cognito-idp.{region}.amazonaws.com/{typed}"
            ))
        }
    }
}

/// What the API reads from this provider's tokens, and what to set up there for it, in a few
/// lines for the wizard.
pub fn claims_explained(provider: ProviderType) -> String {
    let groups = match provider {
        ProviderType::Okta => {
            "Okta: add a `groups` claim to the app's ID token (Sign On → OpenID Connect ID Token → Groups claim filter)."
        }
        ProviderType::Azure => {
            "Entra ID: set groupMembershipClaims in the app manifest; tokens then carry group object ids in `groups`."
        }
        ProviderType::Auth0 => {
            "Auth0: add a `groups` claim with a post-login Action (api.idToken.setCustomClaim)."
        }
        ProviderType::Cognito => {
            "Cognito: user pool groups arrive as `cognito:groups` by themselves."
        }
        ProviderType::Google => {
            "Google: tokens carry no groups; use user policies and the default policy."
        }
        ProviderType::Generic => {
            "Give the ID token a `groups` claim (a JSON array of strings) if you want group policies."
        }
    };
    format!(
        "The API names each developer by the ID token's `email` claim (unless the provider marks it email_verified: false), \
         and reads groups from `groups` or `cognito:groups`, each string one group.\n{groups}"
    )
}

/// Warnings about a provider's metadata: lines for the wizard, empty when all is well.
pub fn metadata_warnings(metadata: &Discovery) -> Vec<String> {
    let mut warnings = Vec::new();
    if metadata.jwks_uri.is_none() {
        warnings.push(
            "the discovery document has no jwks_uri: API Gateway cannot verify its tokens".into(),
        );
    }
    if let Some(claims) = &metadata.claims_supported
        && !claims.iter().any(|c| c == "email")
    {
        warnings
            .push("claims_supported does not list `email`: the API names developers by it".into());
    }
    if let Some(methods) = &metadata.code_challenge_methods_supported
        && !methods.iter().any(|m| m == "S256")
    {
        warnings.push(
            "code_challenge_methods_supported does not list S256: sign-in uses PKCE S256".into(),
        );
    }
    warnings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issuers_are_built_the_providers_way() {
        let rows = [
            (
                ProviderType::Okta,
                "dev-1.okta.com",
                "https://dev-1.okta.com",
            ),
            (
                ProviderType::Okta,
                "https://dev-1.okta.com/oauth2/default/",
                "https://dev-1.okta.com/oauth2/default",
            ),
            (
                ProviderType::Auth0,
                "x.us.auth0.com",
                "https://x.us.auth0.com/",
            ),
            (
                ProviderType::Azure,
                "72f988bf-86f1-41af-91ab-2d7cd011db47",
                "https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0",
            ),
            (
                ProviderType::Cognito,
                "eu-west-1_AbC123",
                "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123",
            ),
            (ProviderType::Google, "", "https://accounts.google.com"),
            (
                ProviderType::Generic,
                "http://127.0.0.1:9000",
                "http://127.0.0.1:9000",
            ),
        ];
        for (provider, typed, expected) in rows {
            assert_eq!(issuer(provider, typed).as_deref(), Ok(expected), "{typed}");
        }
        use ProviderType::{Cognito, Generic, Okta};
        for (provider, typed) in [
            (Okta, ""),
            (Okta, "not a domain"),
            (Cognito, "pool"),
            (Cognito, "mars_x"),
            (Generic, "ftp://idp.example.com"),
            (Generic, "https://idp.example.com/?x=1"),
        ] {
            assert!(issuer(provider, typed).is_err(), "{typed}");
        }
    }

    #[test]
    fn metadata_without_what_ccwb_needs_is_named() {
        let endpoints = Discovery {
            issuer: "https://idp".into(),
            authorization_endpoint: "https://idp/authorize".into(),
            token_endpoint: "https://idp/token".into(),
            jwks_uri: None,
            claims_supported: None,
            code_challenge_methods_supported: None,
        };
        let fine = Discovery {
            claims_supported: Some(vec!["sub".into(), "email".into()]),
            code_challenge_methods_supported: Some(vec!["S256".into()]),
            jwks_uri: Some("https://idp/jwks".into()),
            ..endpoints.clone()
        };
        assert!(metadata_warnings(&fine).is_empty());
        let poor = Discovery {
            claims_supported: Some(vec!["sub".into()]),
            code_challenge_methods_supported: Some(vec!["plain".into()]),
            ..endpoints
        };
        let warnings = metadata_warnings(&poor).join("\n");
        for needle in ["jwks_uri", "`email`", "S256"] {
            assert!(warnings.contains(needle), "{needle}: {warnings}");
        }
    }
}
