//! Id token → AWS credentials: STS `AssumeRoleWithWebIdentity`, or a Cognito identity pool.
//!
//! These calls are unsigned, so the SDK is set up with no credentials at all: loading the
//! default chain here could run this very program again through the AWS profile.

use aws_config::{BehaviorVersion, Region};
use aws_sdk_cognitoidentity::error::DisplayErrorContext;

use crate::config::{Federation, Profile};
use crate::credentials::Credentials;
use crate::error::Error;

async fn sdk_config(profile: &Profile) -> aws_config::SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new(profile.aws_region.clone()))
        .no_credentials()
        .load()
        .await
}

/// AWS credentials for the signed-in user.
pub async fn credentials(
    profile: &Profile,
    id_token: &str,
    claims: &serde_json::Value,
) -> Result<Credentials, Error> {
    let config = sdk_config(profile).await;
    match &profile.federation {
        Federation::Direct { role_arn } => {
            let sts = aws_sdk_sts::Client::new(&config);
            let output = sts
                .assume_role_with_web_identity()
                .role_arn(role_arn)
                .role_session_name(session_name(claims))
                .web_identity_token(id_token)
                .duration_seconds(profile.max_session_duration)
                .send()
                .await
                .map_err(|e| {
                    Error::Federation(format!(
                        "STS refused AssumeRoleWithWebIdentity for {role_arn}: {} (if it is about DurationSeconds, lower max_session_duration in config.json to the role's maximum session duration)",
                        DisplayErrorContext(&e)
                    ))
                })?;
            let c = output
                .credentials
                .ok_or_else(|| Error::Federation("STS answered without credentials".into()))?;
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
                    Error::Federation(format!(
                        "the Cognito identity pool {identity_pool_id} refused GetId: {}",
                        DisplayErrorContext(&e)
                    ))
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
                    Error::Federation(format!(
                        "the Cognito identity pool {identity_pool_id} refused GetCredentialsForIdentity: {}",
                        DisplayErrorContext(&e)
                    ))
                })?;
            let c = output
                .credentials
                .ok_or_else(|| Error::Federation("Cognito answered without credentials".into()))?;
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

/// The STS session name: the e-mail address (what CloudTrail and Bedrock logs then show), else
/// the subject, limited to the characters and length STS accepts.
fn session_name(claims: &serde_json::Value) -> String {
    let raw = claims["email"]
        .as_str()
        .or_else(|| claims["sub"].as_str())
        .unwrap_or("claude-code");
    let name: String = raw
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "+=,.@-_".contains(c) {
                c
            } else {
                '-'
            }
        })
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

    #[test]
    fn session_names_are_what_sts_accepts() {
        assert_eq!(
            session_name(&json!({"email": "Dev@Example.com"})),
            "Dev@Example.com"
        );
        assert_eq!(session_name(&json!({"sub": "a b/c"})), "a-b-c");
        assert_eq!(session_name(&json!({"sub": "x"})), "claude-code-x");
        assert_eq!(session_name(&json!({"email": "a".repeat(80)})).len(), 64);
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
