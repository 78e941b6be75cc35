//! The deployment as AWS describes it, for `GET /status`: CloudFormation stacks with their
//! outputs, and the tables' status and sizes. Each part that cannot be read is reported as such
//! rather than failing the whole answer.

use std::collections::BTreeMap;

use aws_sdk_cloudformation::error::ProvideErrorMetadata;

use crate::aws::{SdkConfig, describe, endpoint_label};
use crate::names::ResourceNames;

/// One CloudFormation stack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StackStatus {
    /// Its name.
    pub name: String,
    /// CloudFormation's status, or `NOT_FOUND`, or `UNKNOWN` when it could not be read.
    pub status: String,
    /// CloudFormation's reason, or what went wrong reading it.
    pub reason: Option<String>,
    /// Last update (or creation), RFC 3339.
    pub updated_at: Option<time::OffsetDateTime>,
    /// Outputs by key.
    pub outputs: BTreeMap<String, String>,
}

/// One DynamoDB table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableStatus {
    /// Its name.
    pub name: String,
    /// DynamoDB's status, or `NOT_FOUND`, or `UNKNOWN` when it could not be read.
    pub status: String,
    /// Items (refreshed by DynamoDB about every six hours).
    pub item_count: Option<i64>,
    /// Bytes (refreshed likewise).
    pub size_bytes: Option<i64>,
    /// What went wrong reading it.
    pub error: Option<String>,
}

/// Reads stacks and tables.
#[derive(Debug, Clone)]
pub struct DeploymentReader {
    cloudformation: aws_sdk_cloudformation::Client,
    dynamodb: aws_sdk_dynamodb::Client,
    names: ResourceNames,
    endpoint: String,
}

impl DeploymentReader {
    /// A reader of the resources in `names`.
    pub fn new(config: &SdkConfig, names: ResourceNames) -> Self {
        Self {
            cloudformation: aws_sdk_cloudformation::Client::new(config),
            dynamodb: aws_sdk_dynamodb::Client::new(config),
            endpoint: endpoint_label(config),
            names,
        }
    }

    /// The resource names read.
    pub fn names(&self) -> &ResourceNames {
        &self.names
    }

    /// Every stack of the deployment, in the configured order, read concurrently.
    pub async fn stacks(&self) -> Vec<StackStatus> {
        let reads = self.names.cfn_stacks.iter().map(|name| self.stack(name));
        futures::future::join_all(reads).await
    }

    async fn stack(&self, name: &str) -> StackStatus {
        let unknown = |reason: String| StackStatus {
            name: name.to_owned(),
            status: "UNKNOWN".to_owned(),
            reason: Some(reason),
            updated_at: None,
            outputs: BTreeMap::new(),
        };
        let output = match self
            .cloudformation
            .describe_stacks()
            .stack_name(name)
            .send()
            .await
        {
            Ok(output) => output,
            // CloudFormation says "Stack with id X does not exist" as a ValidationError.
            Err(err)
                if err.as_service_error().is_some_and(|e| {
                    e.code() == Some("ValidationError")
                        && e.message().is_some_and(|m| m.contains("does not exist"))
                }) =>
            {
                return StackStatus {
                    name: name.to_owned(),
                    status: "NOT_FOUND".to_owned(),
                    reason: Some("not deployed".to_owned()),
                    updated_at: None,
                    outputs: BTreeMap::new(),
                };
            }
            Err(err) => {
                return unknown(format!(
                    "DescribeStacks failed against {}: {}",
                    self.endpoint,
                    describe(&err)
                ));
            }
        };
        let Some(stack) = output.stacks.unwrap_or_default().into_iter().next() else {
            return unknown("DescribeStacks returned no stack".to_owned());
        };
        let when = stack
            .last_updated_time
            .or(stack.creation_time)
            .and_then(|t| time::OffsetDateTime::from_unix_timestamp_nanos(t.as_nanos()).ok());
        StackStatus {
            name: name.to_owned(),
            status: stack
                .stack_status
                .map(|s| s.as_str().to_owned())
                .unwrap_or_else(|| "UNKNOWN".to_owned()),
            reason: stack.stack_status_reason,
            updated_at: when,
            outputs: stack
                .outputs
                .unwrap_or_default()
                .into_iter()
                .filter_map(|o| Some((o.output_key?, o.output_value.unwrap_or_default())))
                .collect(),
        }
    }

    /// The three tables, read concurrently.
    pub async fn tables(&self) -> Vec<TableStatus> {
        let names = [
            &self.names.policies_table,
            &self.names.usage_table,
            &self.names.audit_table,
        ];
        futures::future::join_all(names.into_iter().map(|name| self.table(name))).await
    }

    async fn table(&self, name: &str) -> TableStatus {
        match self.dynamodb.describe_table().table_name(name).send().await {
            Ok(output) => {
                let table = output.table;
                TableStatus {
                    name: name.to_owned(),
                    status: table
                        .as_ref()
                        .and_then(|t| t.table_status.as_ref())
                        .map(|s| s.as_str().to_owned())
                        .unwrap_or_else(|| "UNKNOWN".to_owned()),
                    item_count: table.as_ref().and_then(|t| t.item_count),
                    size_bytes: table.as_ref().and_then(|t| t.table_size_bytes),
                    error: None,
                }
            }
            Err(err) => {
                let not_found = err
                    .as_service_error()
                    .is_some_and(|e| e.is_resource_not_found_exception());
                TableStatus {
                    name: name.to_owned(),
                    status: if not_found { "NOT_FOUND" } else { "UNKNOWN" }.to_owned(),
                    item_count: None,
                    size_bytes: None,
                    error: (!not_found).then(|| {
                        format!(
                            "DescribeTable failed against {}: {}",
                            self.endpoint,
                            describe(&err)
                        )
                    }),
                }
            }
        }
    }
}
