//! `GET /status`: the deployment as AWS sees it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// The deployment's stacks, functions and tables.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct StatusResponse {
    /// The deployment name (`CCWB_STACK_NAME`).
    pub deployment: String,
    /// The version of the function answering.
    pub version: String,
    /// Each CloudFormation stack of the deployment.
    pub stacks: Vec<StackStatus>,
    /// The deployed functions, from the quota stack's outputs.
    pub functions: Vec<FunctionStatus>,
    /// The DynamoDB tables.
    pub tables: Vec<TableStatus>,
}

/// One CloudFormation stack.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct StackStatus {
    /// Its name.
    pub name: String,
    /// CloudFormation's status (`CREATE_COMPLETE`, `UPDATE_ROLLBACK_COMPLETE`, …), or
    /// `NOT_FOUND` when it is not deployed, or `UNKNOWN` when it could not be read.
    pub status: String,
    /// CloudFormation's reason for the status, or what went wrong reading it.
    #[serde(default)]
    pub reason: Option<String>,
    /// When it was last updated (or created), RFC 3339.
    #[serde(default, with = "time::serde::rfc3339::option")]
    #[schemars(with = "Option<String>")]
    pub updated_at: Option<OffsetDateTime>,
    /// Its outputs by key.
    #[serde(default)]
    pub outputs: BTreeMap<String, String>,
}

/// One deployed function.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct FunctionStatus {
    /// Its role in ccwb (`Check`, `Admin`, …).
    pub id: String,
    /// The Lambda function's name.
    pub function_name: String,
    /// The ccwb version deployed (the quota stack's `Version` output).
    #[serde(default)]
    pub version: Option<String>,
}

/// One DynamoDB table.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct TableStatus {
    /// Its name.
    pub name: String,
    /// DynamoDB's status (`ACTIVE`, …), `NOT_FOUND`, or `UNKNOWN` when it could not be read.
    pub status: String,
    /// Items (DynamoDB refreshes this about every six hours).
    #[serde(default)]
    pub item_count: Option<i64>,
    /// Size in bytes (refreshed like the item count).
    #[serde(default)]
    pub size_bytes: Option<i64>,
    /// What went wrong reading it.
    #[serde(default)]
    pub error: Option<String>,
}
