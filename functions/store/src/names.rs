//! The names of ccwb's AWS resources, from the environment with the CDK stacks' defaults.

/// Every resource name a function or ccwb-local needs. The defaults match the CDK stacks so
/// that a local stack and a deployment look alike.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceNames {
    /// The deployment's name (`CCWB_STACK_NAME`, default `ccwb`), the prefix of the others.
    pub stack: String,
    /// Policies table (`CCWB_POLICIES_TABLE`, default `<stack>-policies`).
    pub policies_table: String,
    /// Usage, unblock and audit table (`CCWB_USAGE_TABLE`, default `<stack>-usage`).
    pub usage_table: String,
    /// Audit trail table (`CCWB_AUDIT_TABLE`, default `<stack>-audit`).
    pub audit_table: String,
    /// Firehose stream carrying audit events to S3 (`CCWB_AUDIT_STREAM`, default `<stack>-audit`).
    pub audit_stream: String,
    /// Firehose stream carrying accepted usage points to S3 (`CCWB_USAGE_STREAM`, default `<stack>-usage`).
    pub usage_stream: String,
    /// SNS topic for usage alerts (`CCWB_ALERT_TOPIC_ARN`); none means alerts wait unsent.
    pub alert_topic_arn: Option<String>,
    /// Bucket for packages and analytics (`CCWB_BUCKET`, default `<stack>-data`).
    pub bucket: String,
    /// Bucket of installer packages (`CCWB_PACKAGES_BUCKET`, default `<stack>-packages`).
    pub packages_bucket: String,
    /// Secrets Manager secret holding the download-link signer's access key
    /// (`CCWB_SIGNER_SECRET`, default `<stack>-distribution-signer`).
    pub signer_secret: String,
    /// Prefix of the SSM parameters (`/ccwb/<stack>`).
    pub parameter_prefix: String,
    /// The role developers reach Bedrock through (`CCWB_FEDERATED_ROLE`, default
    /// `<stack>-bedrock-developers`, as the auth stack names it): the meter counts only its
    /// sessions' invocations.
    pub federated_role: String,
    /// The CloudFormation stacks of the deployment (`CCWB_CFN_STACKS`, a comma list; default
    /// `<stack>-auth,<stack>-quota,<stack>-analytics`, as the CDK app names them).
    pub cfn_stacks: Vec<String>,
}

impl ResourceNames {
    /// Names from the process environment.
    pub fn from_env() -> Self {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Names through `lookup`; blank values count as unset.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Self {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let stack = get("CCWB_STACK_NAME").unwrap_or_else(|| "ccwb".to_owned());
        Self {
            policies_table: get("CCWB_POLICIES_TABLE")
                .unwrap_or_else(|| format!("{stack}-policies")),
            usage_table: get("CCWB_USAGE_TABLE").unwrap_or_else(|| format!("{stack}-usage")),
            audit_table: get("CCWB_AUDIT_TABLE").unwrap_or_else(|| format!("{stack}-audit")),
            alert_topic_arn: get("CCWB_ALERT_TOPIC_ARN"),
            usage_stream: get("CCWB_USAGE_STREAM").unwrap_or_else(|| format!("{stack}-usage")),
            audit_stream: get("CCWB_AUDIT_STREAM").unwrap_or_else(|| format!("{stack}-audit")),
            bucket: get("CCWB_BUCKET").unwrap_or_else(|| format!("{stack}-data")),
            packages_bucket: get("CCWB_PACKAGES_BUCKET")
                .unwrap_or_else(|| format!("{stack}-packages")),
            signer_secret: get("CCWB_SIGNER_SECRET")
                .unwrap_or_else(|| format!("{stack}-distribution-signer")),
            federated_role: get("CCWB_FEDERATED_ROLE")
                .unwrap_or_else(|| format!("{stack}-bedrock-developers")),
            parameter_prefix: format!("/ccwb/{stack}"),
            cfn_stacks: get("CCWB_CFN_STACKS")
                .map(|list| {
                    list.split(',')
                        .map(|s| s.trim().to_owned())
                        .filter(|s| !s.is_empty())
                        .collect()
                })
                .unwrap_or_else(|| {
                    ["auth", "quota", "analytics"]
                        .map(|part| format!("{stack}-{part}"))
                        .to_vec()
                }),
            stack,
        }
    }

    /// The alert topic's name (the CDK stack and ccwb-local create it).
    pub fn alert_topic(&self) -> String {
        format!("{}-alerts", self.stack)
    }

    /// The parameter holding the latest published package (a SecureString: its link is a
    /// bearer credential).
    pub fn distribution_parameter(&self) -> String {
        format!("{}/distribution/latest", self.parameter_prefix)
    }

    /// The parameter holding the deployment's description (endpoint, issuer, audience).
    pub fn deployment_parameter(&self) -> String {
        format!("{}/deployment", self.parameter_prefix)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_stack_name() {
        let names = ResourceNames::from_lookup(|n| (n == "CCWB_STACK_NAME").then(|| "t1".into()));
        assert_eq!(names.policies_table, "t1-policies");
        assert_eq!(names.usage_table, "t1-usage");
        assert_eq!(names.bucket, "t1-data");
        assert_eq!(names.deployment_parameter(), "/ccwb/t1/deployment");
        assert_eq!(names.cfn_stacks, ["t1-auth", "t1-quota", "t1-analytics"]);
    }

    #[test]
    fn explicit_table_names_win_and_blank_is_unset() {
        let names = ResourceNames::from_lookup(|n| match n {
            "CCWB_POLICIES_TABLE" => Some("QuotaPolicies".into()),
            "CCWB_USAGE_TABLE" => Some("  ".into()),
            _ => None,
        });
        assert_eq!(names.policies_table, "QuotaPolicies");
        assert_eq!(names.usage_table, "ccwb-usage");
    }
}
