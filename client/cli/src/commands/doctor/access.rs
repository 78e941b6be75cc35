//! Developers' way to Bedrock, read with the administrator's AWS credentials: the role's trust
//! policy (or the identity pool's providers) against the profile's issuer and client id, and
//! each configured model's inference profile in every allowed region.

use aws_credential_types::provider::ProvideCredentials;
use aws_sdk_bedrock::error::ProvideErrorMetadata;
use ccwb_install::config::FederationType;

use super::Check;
use crate::aws;
use crate::deployment::Deployment;
use crate::profile::Profile;

/// The issuer as IAM names its OIDC provider: without the scheme and a trailing slash.
fn provider_path(issuer: &str) -> &str {
    issuer
        .trim_start_matches("https://")
        .trim_start_matches("http://")
        .trim_end_matches('/')
}

/// Every string a JSON value holds, found anywhere in it.
fn strings(value: &serde_json::Value) -> Vec<&str> {
    match value {
        serde_json::Value::String(s) => vec![s.as_str()],
        serde_json::Value::Array(items) => items.iter().flat_map(strings).collect(),
        serde_json::Value::Object(map) => map.values().flat_map(strings).collect(),
        _ => Vec::new(),
    }
}

/// What is wrong with a role's trust policy for `issuer` and `client_id`, if anything.
pub fn trust_problems(trust: &serde_json::Value, issuer: &str, client_id: &str) -> Vec<String> {
    let path = provider_path(issuer);
    let provider_suffix = format!(":oidc-provider/{path}");
    let aud_key = format!("{path}:aud");
    let statements: Vec<&serde_json::Value> = match &trust["Statement"] {
        serde_json::Value::Array(items) => items.iter().collect(),
        single @ serde_json::Value::Object(_) => vec![single],
        _ => Vec::new(),
    };
    let web_identity: Vec<&&serde_json::Value> = statements
        .iter()
        .filter(|s| {
            s["Effect"] == "Allow"
                && strings(&s["Action"]).contains(&"sts:AssumeRoleWithWebIdentity")
        })
        .collect();
    if web_identity.is_empty() {
        return vec!["no statement allows sts:AssumeRoleWithWebIdentity".into()];
    }
    let mut problems = Vec::new();
    let trusted = web_identity.iter().any(|s| {
        strings(&s["Principal"]["Federated"])
            .iter()
            .any(|p| p.ends_with(&provider_suffix))
    });
    if !trusted {
        problems.push(format!(
            "the role trusts no OIDC provider for {issuer} (expected a Federated principal ending in {provider_suffix})"
        ));
    }
    let audience_ok = web_identity.iter().any(|s| {
        s["Condition"]
            .as_object()
            .into_iter()
            .flat_map(|ops| ops.values())
            .any(|keys| {
                keys.get(&aud_key)
                    .is_some_and(|v| strings(v).contains(&client_id))
            })
    });
    if !audience_ok {
        problems.push(format!(
            "the role's {aud_key} condition does not name client id {client_id:?}"
        ));
    }
    problems
}

/// The role or identity pool, and the models, of the profile's deployment.
pub async fn checks(profile: &Profile, checks: &mut Vec<Check>) {
    let Some(deployment) = &profile.deployment else {
        return;
    };
    let (Some(issuer), Some(client_id)) = (&profile.issuer, &profile.client_id) else {
        return;
    };
    if deployment.federated_role_arn.is_none() && deployment.identity_pool_id.is_none() {
        checks.push(Check::fail(
            "developer access",
            "no role or identity pool in the profile",
            "run `ccwb deploy` (it stores the auth stack's outputs)",
        ));
        return;
    }
    let sdk = aws::config(profile.region.as_deref()).await;
    let has_credentials = match sdk.credentials_provider() {
        Some(provider) => provider.provide_credentials().await.is_ok(),
        None => false,
    };
    if !has_credentials {
        checks.push(Check::skip(
            "developer access",
            "no AWS credentials to read IAM and Bedrock with (the role and models are not checked)",
        ));
        return;
    }
    match (deployment.federation, &deployment.federated_role_arn, &deployment.identity_pool_id) {
        (FederationType::Direct, Some(role), _) => match aws::role_trust(&sdk, role).await {
            Ok(trust) => {
                let problems = trust_problems(&trust, issuer, client_id);
                if problems.is_empty() {
                    checks.push(Check::ok(
                        "role trust",
                        format!("{role} trusts {issuer} for client id {client_id}"),
                    ));
                } else {
                    checks.push(Check::fail(
                        "role trust",
                        problems.join("; "),
                        "deploy the auth stack again with the profile's issuer and client id (`ccwb deploy auth`)",
                    ));
                }
            }
            Err(err) => checks.push(Check::fail(
                "role trust",
                err.to_string(),
                "check the role exists in this account (`ccwb deploy auth`), and that your AWS credentials may iam:GetRole",
            )),
        },
        (_, _, Some(pool)) => match aws::identity_pool(&sdk, pool).await {
            Ok(providers) => {
                let path = provider_path(issuer);
                let by_oidc = providers
                    .openid_providers
                    .iter()
                    .any(|arn| arn.ends_with(&format!(":oidc-provider/{path}")));
                let by_pool = providers
                    .user_pools
                    .iter()
                    .any(|(name, client)| name == path && client == client_id);
                if by_oidc || by_pool {
                    checks.push(Check::ok(
                        "identity pool",
                        format!("{pool} trusts {issuer}"),
                    ));
                } else {
                    checks.push(Check::fail(
                        "identity pool",
                        format!("{pool} has no provider for {issuer} and client id {client_id}"),
                        "deploy the auth stack again with the profile's issuer and client id (`ccwb deploy auth`)",
                    ));
                }
            }
            Err(err) => checks.push(Check::fail(
                "identity pool",
                err.to_string(),
                "check the pool exists (`ccwb deploy auth`) and your AWS credentials",
            )),
        },
        _ => checks.push(Check::fail(
            "developer access",
            "the profile's federation and its stored role or pool do not match",
            "run `ccwb deploy` again",
        )),
    }
    models(&sdk, deployment, checks).await;
}

/// The endpoint Bedrock's control plane is reached at when it is not AWS's (the SDK reads
/// these variables).
fn local_endpoint() -> Option<String> {
    ["AWS_ENDPOINT_URL_BEDROCK", "AWS_ENDPOINT_URL"]
        .into_iter()
        .find_map(|name| std::env::var(name).ok().filter(|v| !v.is_empty()))
}

/// Each configured model's inference profile in every region developers may use.
async fn models(sdk: &aws_config::SdkConfig, deployment: &Deployment, checks: &mut Vec<Check>) {
    for region in &deployment.bedrock_regions {
        let regional = sdk
            .to_builder()
            .region(aws_config::Region::new(region.clone()))
            .build();
        let bedrock = aws_sdk_bedrock::Client::new(&regional);
        for model in [&deployment.model, &deployment.small_fast_model] {
            let name = format!("model {model} in {region}");
            match bedrock
                .get_inference_profile()
                .inference_profile_identifier(model)
                .send()
                .await
            {
                Ok(profile) if profile.status().as_str() == "ACTIVE" => {
                    checks.push(Check::ok(name, "inference profile active"));
                }
                Ok(profile) => checks.push(Check::fail(
                    name,
                    format!("inference profile is {}", profile.status().as_str()),
                    "choose another model (`ccwb init --model …`)",
                )),
                Err(err) => {
                    let detail = aws_sdk_bedrock::error::DisplayErrorContext(&err);
                    // An AWS endpoint of its own (moto, the local stack) that has no Bedrock
                    // answers without a Bedrock error code: nothing is known of the models there.
                    if let (None, Some(endpoint)) = (err.code(), local_endpoint()) {
                        let answer = err.raw_response().map_or_else(
                            || "no answer".to_owned(),
                            |r| format!("HTTP {}", r.status().as_u16()),
                        );
                        checks.push(Check::skip(
                            "models",
                            format!("{endpoint} does not serve Bedrock ({answer} without a Bedrock error); set AWS_ENDPOINT_URL_BEDROCK to one that does"),
                        ));
                        return;
                    }
                    checks.push(Check::fail(
                        name,
                        detail.to_string(),
                        format!(
                            "check the model is offered in {region} and model access is granted in the Bedrock console, or choose another (`ccwb init --model …`)"
                        ),
                    ));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn trust(aud: &str) -> serde_json::Value {
        json!({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow",
            "Principal": {"Federated": "arn:aws:iam::1:oidc-provider/idp.example.com/oauth2"},
            "Action": ["sts:AssumeRoleWithWebIdentity", "sts:TagSession"],
            "Condition": {"StringEquals": {"idp.example.com/oauth2:aud": aud}}
        }]})
    }

    #[test]
    fn a_trust_policy_must_name_the_provider_and_the_client_id() {
        let issuer = "https://idp.example.com/oauth2/";
        assert!(trust_problems(&trust("cc"), issuer, "cc").is_empty());
        let wrong = trust_problems(&trust("other"), issuer, "cc").join("\n");
        assert!(wrong.contains("client id \"cc\""), "{wrong}");
        let elsewhere = trust_problems(&trust("cc"), "https://idp.other.com", "cc").join("\n");
        assert!(elsewhere.contains("trusts no OIDC provider"), "{elsewhere}");
        let none = trust_problems(&json!({"Statement": []}), issuer, "cc").join("\n");
        assert!(none.contains("AssumeRoleWithWebIdentity"), "{none}");
    }
}
