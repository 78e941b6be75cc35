//! The AWS calls the CLI makes itself, with the administrator's credentials (the default
//! chain, as the CDK uses them; `AWS_ENDPOINT_URL` points them elsewhere): the deployed
//! stacks' outputs, the developers' role and identity pool, Bedrock's models.

use std::collections::BTreeMap;

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_cloudformation::error::DisplayErrorContext;

use crate::error::CliError;

/// The SDK configuration for `region` (else the chain's region).
pub async fn config(region: Option<&str>) -> SdkConfig {
    let mut loader = aws_config::defaults(BehaviorVersion::latest());
    if let Some(region) = region {
        loader = loader.region(Region::new(region.to_owned()));
    }
    loader.load().await
}

/// An SDK failure as one line naming what was asked.
fn failed(what: &str, err: impl std::error::Error) -> CliError {
    CliError::Config(format!("{what}: {}", DisplayErrorContext(&err)))
}

/// The outputs of CloudFormation stack `name` by logical id; `None` when there is no such
/// stack.
pub async fn stack_outputs(
    sdk: &SdkConfig,
    name: &str,
) -> Result<Option<BTreeMap<String, String>>, CliError> {
    let client = aws_sdk_cloudformation::Client::new(sdk);
    let answer = match client.describe_stacks().stack_name(name).send().await {
        Ok(answer) => answer,
        // CloudFormation answers a missing stack with a ValidationError ("does not exist").
        Err(err)
            if err
                .as_service_error()
                .and_then(|e| e.meta().message())
                .is_some_and(|m| m.contains("does not exist")) =>
        {
            return Ok(None);
        }
        Err(err) => return Err(failed(&format!("cannot describe stack {name}"), err)),
    };
    let Some(stack) = answer.stacks().first() else {
        return Ok(None);
    };
    Ok(Some(
        stack
            .outputs()
            .iter()
            .filter_map(|o| Some((o.output_key()?.to_owned(), o.output_value()?.to_owned())))
            .collect(),
    ))
}

/// The trust policy of the role `arn` (IAM `GetRole`), as JSON.
pub async fn role_trust(sdk: &SdkConfig, arn: &str) -> Result<serde_json::Value, CliError> {
    let name = arn
        .rsplit_once(":role/")
        .map(|(_, path)| path.rsplit('/').next().unwrap_or(path))
        .filter(|n| !n.is_empty())
        .ok_or_else(|| CliError::Config(format!("{arn:?} is not an IAM role ARN")))?;
    let client = aws_sdk_iam::Client::new(sdk);
    let answer = client
        .get_role()
        .role_name(name)
        .send()
        .await
        .map_err(|e| failed(&format!("cannot read role {arn}"), e))?;
    let document = answer
        .role()
        .and_then(|r| r.assume_role_policy_document())
        .ok_or_else(|| CliError::Config(format!("role {arn} has no trust policy")))?;
    // IAM returns the document URL-encoded (RFC 3986).
    let decoded = percent_encoding::percent_decode_str(document)
        .decode_utf8()
        .map_err(|e| CliError::Config(format!("role {arn}'s trust policy: {e}")))?;
    serde_json::from_str(&decoded)
        .map_err(|e| CliError::Config(format!("role {arn}'s trust policy is not JSON: {e}")))
}

/// What a Cognito identity pool trusts: its OpenID provider ARNs and Cognito user pool
/// providers (name, client id).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PoolProviders {
    /// `OpenIdConnectProviderARNs`.
    pub openid_providers: Vec<String>,
    /// `CognitoIdentityProviders` as (provider name, client id).
    pub user_pools: Vec<(String, String)>,
}

/// The identity pool `id` (Cognito `DescribeIdentityPool`).
pub async fn identity_pool(sdk: &SdkConfig, id: &str) -> Result<PoolProviders, CliError> {
    let client = aws_sdk_cognitoidentity::Client::new(sdk);
    let pool = client
        .describe_identity_pool()
        .identity_pool_id(id)
        .send()
        .await
        .map_err(|e| failed(&format!("cannot read identity pool {id}"), e))?;
    Ok(PoolProviders {
        openid_providers: pool.open_id_connect_provider_arns().to_vec(),
        user_pools: pool
            .cognito_identity_providers()
            .iter()
            .map(|p| {
                (
                    p.provider_name().unwrap_or_default().to_owned(),
                    p.client_id().unwrap_or_default().to_owned(),
                )
            })
            .collect(),
    })
}
