//! Policy administration: list, import, export, resolve and usage bodies.

use ccwb_core::{Policy, PolicyFields, PolicyType, TokenAmount, UsageDetail, Usd};
use serde::{Deserialize, Serialize};

use crate::CheckResponse;

/// `GET /policies`: a page of policies in stable order (type, then identifier).
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PolicyList {
    /// The policies.
    pub policies: Vec<Policy>,
    /// Pass as `next` for the following page; absent on the last page.
    #[serde(default)]
    pub next: Option<String>,
}

/// `GET /policies/export`: every policy with every field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PolicyExport {
    /// The policies.
    pub policies: Vec<Policy>,
}

/// What an import does with a policy that already exists.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum ImportMode {
    /// Existing policies are errors.
    #[default]
    Create,
    /// Existing policies are left alone.
    Skip,
    /// Existing policies are replaced.
    Update,
}

ccwb_core::policy_struct! {
    /// One row of an import: a policy's type, identifier and fields.
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
    #[serde(deny_unknown_fields)]
    pub struct ImportRow {
        /// `user`, `group` or `default`.
        #[serde(rename = "type")]
        pub policy_type: PolicyType,
        /// The identifier.
        pub identifier: String,
    }
    limits(Option<TokenAmount>, Option<Usd>, ".")
    #[serde(default, skip_serializing_if = "Option::is_none")]
    settings: optional
}

impl ImportRow {
    /// The row's policy fields.
    pub fn fields(&self) -> PolicyFields {
        PolicyFields {
            monthly_token_limit: self.monthly_token_limit,
            daily_token_limit: self.daily_token_limit,
            monthly_cost_limit: self.monthly_cost_limit,
            daily_cost_limit: self.daily_cost_limit,
            enforcement_mode: self.enforcement_mode,
            daily_enforcement_mode: self.daily_enforcement_mode,
            enabled: self.enabled,
        }
    }

    /// The row that recreates `policy` exactly.
    pub fn from_policy(policy: &Policy) -> Self {
        Self {
            policy_type: policy.policy_type,
            identifier: policy.identifier.clone(),
            monthly_token_limit: policy.monthly_token_limit,
            daily_token_limit: policy.daily_token_limit,
            monthly_cost_limit: policy.monthly_cost_limit,
            daily_cost_limit: policy.daily_cost_limit,
            enforcement_mode: Some(policy.enforcement_mode),
            daily_enforcement_mode: Some(policy.daily_enforcement_mode),
            enabled: Some(policy.enabled),
        }
    }
}

/// `POST /policies/import`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportRequest {
    /// The rows.
    pub policies: Vec<ImportRow>,
    /// What to do with existing policies (default `create`).
    #[serde(default)]
    pub mode: ImportMode,
    /// Report what would happen without writing.
    #[serde(default)]
    pub dry_run: bool,
}

/// What happened to one row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum RowStatus {
    /// A new policy was created.
    Created,
    /// An existing policy was replaced.
    Updated,
    /// An existing policy was left alone.
    Skipped,
    /// The row was refused; nothing was written for it.
    Error,
}

/// The result of one row.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ImportResult {
    /// The row's position in the request, from 0.
    pub index: usize,
    /// Its type.
    #[serde(rename = "type")]
    pub policy_type: PolicyType,
    /// Its identifier (normalised).
    pub identifier: String,
    /// What happened.
    pub status: RowStatus,
    /// Why, for errors and skips.
    #[serde(default)]
    pub message: Option<String>,
}

/// Counts by status.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, schemars::JsonSchema,
)]
pub struct ImportTotals {
    /// Created.
    pub created: usize,
    /// Updated.
    pub updated: usize,
    /// Skipped.
    pub skipped: usize,
    /// Refused.
    pub errors: usize,
}

/// `POST /policies/import` response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ImportResponse {
    /// Whether this was a dry run (nothing written).
    pub dry_run: bool,
    /// One result per row, in request order.
    pub results: Vec<ImportResult>,
    /// Counts.
    pub totals: ImportTotals,
}

/// Where the groups a user was resolved with came from.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum GroupsSource {
    /// The request's `groups` parameter.
    Given,
    /// The token of the user's latest telemetry this month: the groups `/check` most likely
    /// sees (a membership change shows from the user's next export).
    Telemetry,
    /// Neither: resolved without groups.
    #[default]
    None,
}

/// `GET /resolve`: the effective policy of a user and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ResolveResponse {
    /// The normalised identity.
    pub identity: String,
    /// The groups considered.
    pub groups: Vec<String>,
    /// Where they came from.
    #[serde(default)]
    pub groups_source: GroupsSource,
    /// The policy that decides, if any.
    pub effective: Option<Policy>,
    /// Every enabled policy that applies (one for user or default, all matching groups).
    pub applicable: Vec<Policy>,
    /// Why the effective policy won.
    pub explanation: String,
    /// The decision `/check` would return for this user now.
    pub check: CheckResponse,
}

/// One period's usage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PeriodUsage {
    /// `2026-11` or `2026-11-21` (UTC).
    pub period: String,
    /// Counters, by type and model.
    #[serde(flatten)]
    pub usage: UsageDetail,
}

/// `GET /usage/{email}`: usage against the effective limits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct UsageResponse {
    /// The normalised identity.
    pub identity: String,
    /// The groups considered.
    pub groups: Vec<String>,
    /// Where they came from.
    #[serde(default)]
    pub groups_source: GroupsSource,
    /// This month.
    pub month: PeriodUsage,
    /// Today.
    pub day: PeriodUsage,
    /// Usage against the effective limits, as `/check` reports it.
    pub check: CheckResponse,
}
