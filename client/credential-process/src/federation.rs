//! Id token → AWS credentials: STS `AssumeRoleWithWebIdentity`, or a Cognito identity pool.
//!
//! These calls are unsigned, so the SDK is set up with no credentials at all: loading the
//! default chain here could run this very program again through the AWS profile.

use aws_config::{BehaviorVersion, Region};
use aws_sdk_cognitoidentity::error::DisplayErrorContext;

use crate::config::{Federation, Profile, SessionNameClaim};
use crate::error::Error;
use ccwb_core::session::{SessionName, is_session_name_char};
use ccwb_install::credentials::Credentials;

async fn sdk_config(profile: &Profile) -> aws_config::SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new(profile.aws_region.clone()))
        .no_credentials()
        .load()
        .await
}

/// The STS session length to ask for: the profile's maximum, or the lifetime the quota check
/// set when that is shorter (never under STS's 15-minute minimum).
pub fn session_seconds(max_session_duration: i32, lifetime: Option<u32>) -> i32 {
    let floor = ccwb_core::lifetime::MIN_CREDENTIAL_SECONDS;
    lifetime.map_or(max_session_duration, |ttl| {
        i32::try_from(ttl.max(floor))
            .map_or(max_session_duration, |ttl| ttl.min(max_session_duration))
    })
}

/// AWS credentials for the signed-in user, for `seconds` where the federation lets the caller
/// choose (direct; Cognito's last an hour).
pub async fn credentials(
    profile: &Profile,
    id_token: &str,
    claims: &serde_json::Value,
    seconds: i32,
) -> Result<Credentials, Error> {
    let config = sdk_config(profile).await;
    match &profile.federation {
        Federation::Direct { role_arn } => {
            let pinned = profile.role_session_name_claim;
            let session_name = session_name(claims, pinned)?;
            let sts = aws_sdk_sts::Client::new(&config);
            let output = sts
                .assume_role_with_web_identity()
                .role_arn(role_arn)
                .role_session_name(session_name)
                .web_identity_token(id_token)
                .duration_seconds(seconds)
                .send()
                .await
                .map_err(|e| {
                    let pinning = if pinned.is_none() {
                        "; if the role's trust policy pins sts:RoleSessionName (the ccwb auth stack's roles do), config.json needs role_session_name_claim"
                    } else {
                        ""
                    };
                    let hint = format!(" (if it is about DurationSeconds, lower max_session_duration in config.json to the role's maximum session duration{pinning})");
                    refused(&format!("STS refused AssumeRoleWithWebIdentity for {role_arn}"), e, &hint)
                })?;
            let Some(c) = output.credentials else {
                return Err(without_credentials("STS"));
            };
            Ok(Credentials::new(
                c.access_key_id,
                c.secret_access_key,
                c.session_token,
                c.expiration.secs(),
            ))
        }
        Federation::Cognito { identity_pool_id } => {
            let cognito = aws_sdk_cognitoidentity::Client::new(&config);
            let provider = login_provider(claims)?;
            let identity = cognito
                .get_id()
                .identity_pool_id(identity_pool_id)
                .logins(&provider, id_token)
                .send()
                .await
                .map_err(|e| {
                    refused(
                        &format!("the Cognito identity pool {identity_pool_id} refused GetId"),
                        e,
                        "",
                    )
                })?
                .identity_id
                .ok_or_else(|| Error::Federation("Cognito answered GetId without an id".into()))?;
            let output = cognito
                .get_credentials_for_identity()
                .identity_id(&identity)
                .logins(&provider, id_token)
                .send()
                .await
                .map_err(|e| {
                    let what = format!("the Cognito identity pool {identity_pool_id} refused GetCredentialsForIdentity");
                    refused(&what, e, "")
                })?;
            let Some(c) = output.credentials else {
                return Err(without_credentials("Cognito"));
            };
            match (c.access_key_id, c.secret_key, c.session_token, c.expiration) {
                (Some(key), Some(secret), Some(token), Some(expiration)) => {
                    Ok(Credentials::new(key, secret, token, expiration.secs()))
                }
                _ => Err(Error::Federation(
                    "Cognito answered with incomplete credentials".into(),
                )),
            }
        }
    }
}

/// A call the service refused: `what`, the SDK's whole error chain, then `hint`.
fn refused(what: &str, error: impl std::error::Error, hint: &str) -> Error {
    Error::Federation(format!("{what}: {}{hint}", DisplayErrorContext(&error)))
}

/// A service's answer that carried no credentials.
fn without_credentials(service: &str) -> Error {
    Error::Federation(format!("{service} answered without credentials"))
}

/// The identity pool's login key: the token issuer without its scheme, as Cognito names
/// OpenID providers (`cognito-idp.<region>.amazonaws.com/<pool>`, `dev-1.okta.com`).
fn login_provider(claims: &serde_json::Value) -> Result<String, Error> {
    let issuer = claims["iss"]
        .as_str()
        .ok_or_else(|| Error::Federation("the id token has no issuer (iss)".into()))?;
    Ok(issuer
        .trim_start_matches("https://")
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned())
}

/// The STS role session name. With `role_session_name_claim` it is that claim's value exactly:
/// the role's trust policy requires it (`sts:RoleSessionName` = `${<issuer>:sub}`), so it is
/// never altered, and a value STS would refuse is an error here rather than an opaque refusal.
/// Without, the e-mail address (what CloudTrail and Bedrock logs then show), else the subject,
/// limited to the characters and length STS accepts.
fn session_name(
    claims: &serde_json::Value,
    pinned: Option<SessionNameClaim>,
) -> Result<String, Error> {
    let Some(claim) = pinned else {
        return Ok(fitted_session_name(claims));
    };
    let name = claim.as_str();
    let value = claims[name].as_str().ok_or_else(|| {
        Error::Federation(format!(
            "the id token has no {name:?} claim (a string), which role_session_name_claim in config.json makes the STS role session name"
        ))
    })?;
    if SessionName::parse(value).is_none() {
        return Err(Error::Federation(format!(
            "the id token's {name:?} claim {value:?} is not a valid STS role session name (2 to 64 letters, digits and _+=,.@-), and the role's trust policy requires exactly that value (role_session_name_claim in config.json); identity providers whose subjects hold other characters (Auth0's contain \"|\") need Cognito federation: a Cognito user pool in front of the provider"
        )));
    }
    Ok(value.to_owned())
}

/// Today's session name for roles that do not pin it: the e-mail address, else the subject,
/// other characters replaced by `-`, cut to 64 characters, padded to 2.
fn fitted_session_name(claims: &serde_json::Value) -> String {
    let raw = claims["email"]
        .as_str()
        .or_else(|| claims["sub"].as_str())
        .unwrap_or("claude-code");
    let name: String = raw
        .chars()
        .map(|c| if is_session_name_char(c) { c } else { '-' })
        .take(64)
        .collect();
    if name.len() < 2 {
        format!("claude-code-{name}")
    } else {
        name
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn unpinned(claims: serde_json::Value) -> String {
        session_name(&claims, None).unwrap()
    }

    #[test]
    fn the_session_is_the_shorter_of_the_profile_maximum_and_the_checks_lifetime() {
        for (max, lifetime, expected) in [
            (28_800, None, 28_800),
            (28_800, Some(43_200), 28_800),
            (28_800, Some(4_581), 4_581),
            (28_800, Some(60), 900),
            (3_600, Some(u32::MAX), 3_600),
        ] {
            assert_eq!(
                session_seconds(max, lifetime),
                expected,
                "{max} {lifetime:?}"
            );
        }
    }

    #[test]
    fn without_role_session_name_claim_the_email_or_sub_is_fitted_to_sts() {
        assert_eq!(
            unpinned(json!({"email": "Dev@Example.com", "sub": "00u1"})),
            "Dev@Example.com"
        );
        assert_eq!(unpinned(json!({"sub": "a b/c"})), "a-b-c");
        assert_eq!(unpinned(json!({"sub": "auth0|123"})), "auth0-123");
        assert_eq!(unpinned(json!({"sub": "x"})), "claude-code-x");
        assert_eq!(unpinned(json!({})), "claude-code");
        assert_eq!(unpinned(json!({"email": "a".repeat(80)})).len(), 64);
    }

    #[test]
    fn a_pinned_session_name_is_the_claim_exactly() {
        let claims = json!({"sub": "00u1AbC_9+=,.@-", "email": "Dev+cc@Example.com"});
        assert_eq!(
            session_name(&claims, Some(SessionNameClaim::Sub)).unwrap(),
            "00u1AbC_9+=,.@-"
        );
        assert_eq!(
            session_name(&claims, Some(SessionNameClaim::Email)).unwrap(),
            "Dev+cc@Example.com"
        );
        let longest = "a".repeat(64);
        assert_eq!(
            session_name(&json!({"sub": longest}), Some(SessionNameClaim::Sub)).unwrap(),
            longest
        );
    }

    #[test]
    fn a_pinned_claim_sts_would_refuse_is_an_error_naming_it() {
        let rows = [
            (
                json!({"sub": "auth0|5f7c8ec7"}),
                "\"auth0|5f7c8ec7\" is not a valid",
            ),
            (json!({"sub": "x"}), "\"x\" is not a valid"),
            (json!({"sub": "a".repeat(65)}), "is not a valid"),
            (json!({"sub": "dév"}), "is not a valid"),
            (json!({"sub": "a b"}), "is not a valid"),
            (json!({"email": "a@x.io"}), "no \"sub\" claim"),
            (json!({"sub": 12345}), "no \"sub\" claim"),
        ];
        for (claims, expected) in rows {
            let err = session_name(&claims, Some(SessionNameClaim::Sub))
                .unwrap_err()
                .to_string();
            assert!(err.contains(expected), "{claims}: {err}");
            assert!(err.contains("role_session_name_claim"), "{err}");
        }
        let err = session_name(&json!({"sub": "auth0|1"}), Some(SessionNameClaim::Sub))
            .unwrap_err()
            .to_string();
        assert!(err.contains("Cognito federation"), "{err}");
    }

    #[test]
    fn cognito_login_keys_drop_the_scheme() {
        assert_eq!(
            login_provider(&json!({"iss": "https://cognito-idp.us-east-1.amazonaws.com/p_1"}))
                .unwrap(),
            "cognito-idp.us-east-1.amazonaws.com/p_1"
        );
        assert_eq!(
            login_provider(&json!({"iss": "https://dev.auth0.com/"})).unwrap(),
            "dev.auth0.com"
        );
    }
}
