//! The DynamoDB table definitions: one place, shared by ccwb-local, the tests and (by the same
//! names and keys) the CDK stacks.

use crate::ResourceNames;

/// One secondary index: its name and key attributes (all strings).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexSpec {
    /// Index name.
    pub name: &'static str,
    /// Partition key attribute.
    pub partition_key: &'static str,
    /// Sort key attribute.
    pub sort_key: &'static str,
}

/// One table: its name and key attributes (all strings), billed on demand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableSpec {
    /// Table name.
    pub name: String,
    /// Partition key attribute.
    pub partition_key: &'static str,
    /// Sort key attribute.
    pub sort_key: &'static str,
    /// Global secondary indexes, projecting all attributes.
    pub indexes: Vec<IndexSpec>,
}

/// Partition key of every ccwb table.
pub const PK: &str = "pk";
/// Sort key of every ccwb table.
pub const SK: &str = "sk";
/// The usage table's time-to-live attribute (epoch seconds): DynamoDB deletes an item some
/// time after it passes. Set on usage alerts once their period is over.
pub const TTL_ATTRIBUTE: &str = "expires_epoch";
/// The policies table's index by policy type, for listing (the original system's layout).
pub const POLICY_TYPE_INDEX: IndexSpec = IndexSpec {
    name: "policy-type-index",
    partition_key: "policy_type",
    sort_key: "identifier",
};

/// The audit table's sparse index of events not yet delivered to Firehose.
pub const AUDIT_PENDING_INDEX: IndexSpec = IndexSpec {
    name: "audit-pending-index",
    partition_key: "delivery",
    sort_key: SK,
};

/// Every table ccwb uses.
pub fn all_tables(names: &ResourceNames) -> Vec<TableSpec> {
    vec![
        // POLICY#{type}#{identifier} / CURRENT, as the original system keyed it, so an
        // existing table can be adopted.
        TableSpec {
            name: names.policies_table.clone(),
            partition_key: PK,
            sort_key: SK,
            indexes: vec![POLICY_TYPE_INDEX],
        },
        // USER#{email} / MONTH#…, DAY#…, UNBLOCK#…: usage counters and unblocks.
        TableSpec {
            name: names.usage_table.clone(),
            partition_key: PK,
            sort_key: SK,
            indexes: vec![],
        },
        // AUDIT#{yyyy-mm-dd} / {timestamp}#{id}: one item per administrative change.
        TableSpec {
            name: names.audit_table.clone(),
            partition_key: PK,
            sort_key: SK,
            indexes: vec![AUDIT_PENDING_INDEX],
        },
    ]
}
