//! `ccwb-local serve --stacks`: the deployment's stacks as `ccwb deploy --outputs-only`,
//! `ccwb status` and `ccwb doctor` read them, stood in for in the local AWS endpoint.
//!
//! The quota stack's resources are what [`crate::provision`] creates; this adds what the auth
//! stack (`cdk/lib/auth-stack.ts`) would: an IAM OIDC provider for the dev issuer and the
//! developers' role `<name>-bedrock-developers`, trusted only through it for the client id with
//! the session name pinned to `sub`, and the three CloudFormation stacks with the outputs the
//! CLI reads (a marker parameter each, since moto deploys templates for real). So a profile made
//! by `ccwb init` for the local stack is filled in by `ccwb deploy --outputs-only`, with no ARN
//! typed by hand. Idempotent: what exists is kept (the role's trust is rewritten).

use aws_config::SdkConfig;
use ccwb_store::ResourceNames;
use ccwb_store::aws::describe;
use serde_json::{Value, json};

use crate::error::LocalError;

/// What the stand-in stacks describe.
#[derive(Debug, Clone)]
pub struct StandIn<'a> {
    /// The deployment's names (`CCWB_STACK_NAME`).
    pub names: &'a ResourceNames,
    /// The API's address (the quota stack's `ApiEndpoint`).
    pub api_url: &'a str,
    /// The issuer developers sign in with.
    pub issuer: &'a str,
    /// The client id the role trusts.
    pub client_id: &'a str,
    /// Where developers may call Bedrock (the auth stack's `BedrockRegions`).
    pub region: &'a str,
}

/// The role's trust policy, as the auth stack writes it for `direct` federation.
pub fn trust_policy(provider_arn: &str, issuer: &str, client_id: &str) -> Value {
    let key = issuer_key(issuer);
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Federated": provider_arn},
            "Action": ["sts:AssumeRoleWithWebIdentity", "sts:TagSession"],
            "Condition": {"StringEquals": {
                format!("{key}:aud"): client_id,
                "sts:RoleSessionName": format!("${{{key}:sub}}"),
            }},
        }],
    })
}

/// The issuer as IAM names its condition keys: without the scheme or a trailing slash.
fn issuer_key(issuer: &str) -> &str {
    issuer
        .trim_start_matches("https://")
        .trim_start_matches("http://")
        .trim_end_matches('/')
}

/// Creates the OIDC provider, the role and the three stacks unless they exist.
pub async fn stand_in(config: &SdkConfig, s: &StandIn<'_>) -> Result<(), LocalError> {
    let iam = aws_sdk_iam::Client::new(config);
    let provider_arn = oidc_provider(&iam, s.issuer, s.client_id).await?;
    let role_arn = role(&iam, &s.names.federated_role, &provider_arn, s).await?;
    let stack = &s.names.stack;
    let auth = [
        ("FederationType", "direct"),
        ("FederatedRoleArn", role_arn.as_str()),
        ("OidcProviderArn", provider_arn.as_str()),
        ("BedrockRegions", s.region),
        ("SessionNameClaim", "sub"),
    ];
    let cfn = aws_sdk_cloudformation::Client::new(config);
    create_stack(&cfn, &format!("{stack}-auth"), &auth).await?;
    create_stack(
        &cfn,
        &format!("{stack}-quota"),
        &[("ApiEndpoint", s.api_url)],
    )
    .await?;
    create_stack(&cfn, &format!("{stack}-analytics"), &[]).await
}

fn failed(what: String, message: String) -> LocalError {
    LocalError::Config(format!("stand-in stacks: {what}: {message}"))
}

/// The provider for `issuer`, created with `client_id` unless one exists; its ARN.
async fn oidc_provider(
    iam: &aws_sdk_iam::Client,
    issuer: &str,
    client_id: &str,
) -> Result<String, LocalError> {
    let listed = iam
        .list_open_id_connect_providers()
        .send()
        .await
        .map_err(|e| failed("ListOpenIDConnectProviders".into(), describe(&e)))?;
    let suffix = format!("oidc-provider/{}", issuer_key(issuer));
    if let Some(arn) = listed
        .open_id_connect_provider_list()
        .iter()
        .filter_map(|p| p.arn())
        .find(|arn| arn.ends_with(&suffix))
    {
        return Ok(arn.to_owned());
    }
    let created = iam
        .create_open_id_connect_provider()
        .url(issuer)
        .client_id_list(client_id)
        // IAM ignores the thumbprint for providers it trusts through its own CA store.
        .thumbprint_list("0".repeat(40))
        .send()
        .await
        .map_err(|e| {
            failed(
                format!("CreateOpenIDConnectProvider {issuer}"),
                describe(&e),
            )
        })?;
    created
        .open_id_connect_provider_arn
        .ok_or_else(|| failed("CreateOpenIDConnectProvider".into(), "no ARN".into()))
}

/// The developers' role trusting `provider_arn`, created or its trust rewritten; its ARN.
async fn role(
    iam: &aws_sdk_iam::Client,
    name: &str,
    provider_arn: &str,
    s: &StandIn<'_>,
) -> Result<String, LocalError> {
    let trust = trust_policy(provider_arn, s.issuer, s.client_id).to_string();
    if let Ok(found) = iam.get_role().role_name(name).send().await {
        iam.update_assume_role_policy()
            .role_name(name)
            .policy_document(&trust)
            .send()
            .await
            .map_err(|e| failed(format!("UpdateAssumeRolePolicy {name}"), describe(&e)))?;
        return Ok(found.role.map(|r| r.arn).unwrap_or_default());
    }
    let created = iam
        .create_role()
        .role_name(name)
        .assume_role_policy_document(&trust)
        .max_session_duration(8 * 3600)
        .send()
        .await
        .map_err(|e| failed(format!("CreateRole {name}"), describe(&e)))?;
    Ok(created.role.map(|r| r.arn).unwrap_or_default())
}

/// Stack `name` with `outputs`, unless a stack of that name is up.
async fn create_stack(
    cfn: &aws_sdk_cloudformation::Client,
    name: &str,
    outputs: &[(&str, &str)],
) -> Result<(), LocalError> {
    let up = cfn
        .describe_stacks()
        .stack_name(name)
        .send()
        .await
        .is_ok_and(|d| !d.stacks().is_empty());
    if up {
        return Ok(());
    }
    let outputs: serde_json::Map<String, Value> = outputs
        .iter()
        .map(|(key, value)| ((*key).to_owned(), json!({"Value": value})))
        .collect();
    let template = json!({
        "Description": "ccwb-local stand-in: the outputs ccwb reads, nothing deployed",
        "Resources": {"Marker": {"Type": "AWS::SSM::Parameter", "Properties": {
            "Type": "String", "Value": "stand-in", "Name": format!("/ccwb-local/{name}")}}},
        "Outputs": outputs,
    });
    cfn.create_stack()
        .stack_name(name)
        .template_body(template.to_string())
        .send()
        .await
        .map_err(|e| failed(format!("CreateStack {name}"), describe(&e)))?;
    Ok(())
}
