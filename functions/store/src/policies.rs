//! Policy administration: reads, paginated listing, and conditional writes that carry their
//! audit event in the same transaction.

use std::collections::BTreeSet;
use std::future::Future;

use aws_sdk_dynamodb::types::{
    AttributeValue, Delete, DeleteRequest, Put, PutRequest, TransactWriteItem, WriteRequest,
};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ccwb_core::{AuditEvent, Day, Policy, PolicyType, UsageDetail};

use crate::StoreError;
use crate::aws::describe;
use crate::dynamo::{DynamoStore, Transacted, UNPROCESSED_RETRIES, backoff};
use crate::items::attrs::{Item, n};
use crate::items::{audit, policy, usage};
use crate::tables::POLICY_TYPE_INDEX;

/// Rows per `BatchWriteItem` in an import: each row is a policy and its audit event, and a
/// request holds at most 25 items.
pub const ROWS_PER_BATCH: usize = 12;

/// What a write expects of the stored policy, checked atomically with the write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// It must not exist (create only).
    Absent,
    /// It must exist with this version (the version that was read, or an `If-Match`).
    Version(u64),
}

/// One change: the new policy (or `None` to delete `policy_type`/`identifier`), the expectation,
/// and the audit event that records it.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyWrite {
    /// Which policy.
    pub key: (PolicyType, String),
    /// Its new state; `None` deletes it.
    pub new: Option<Policy>,
    /// What the stored item must be for the write to apply.
    pub expect: Expect,
    /// The audit event, written in the same transaction.
    pub audit: AuditEvent,
}

/// A page of policies, in stable order (type, then identifier).
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    /// The policies.
    pub policies: Vec<Policy>,
    /// The cursor of the next page; `None` on the last.
    pub next: Option<String>,
}

/// Storage for policy administration.
pub trait PolicyStore {
    /// One policy.
    fn get_policy(
        &self,
        policy_type: PolicyType,
        identifier: &str,
    ) -> impl Future<Output = Result<Option<Policy>, StoreError>> + Send;

    /// The policies that exist among `keys` (batched reads).
    fn get_policies(
        &self,
        keys: &[(PolicyType, String)],
    ) -> impl Future<Output = Result<Vec<Policy>, StoreError>> + Send;

    /// A page of policies, of one type or all, after `cursor`.
    fn list_policies(
        &self,
        policy_type: Option<PolicyType>,
        limit: usize,
        cursor: Option<&str>,
    ) -> impl Future<Output = Result<Page, StoreError>> + Send;

    /// Applies one change atomically with its audit event; `Conflict` if the expectation fails.
    fn write_policy(
        &self,
        write: PolicyWrite,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Writes many new policy states with their audit events in batches of [`ROWS_PER_BATCH`]
    /// rows (`BatchWriteItem`, each row's policy and event in the same request), retrying
    /// throttled items. Unlike [`PolicyStore::write_policy`] this is not conditional: the
    /// caller decided each row from a fresh read, and a concurrent edit of the same policy
    /// is last-writer-wins. A row that could not be written is reported and never stops another.
    fn import_policies(
        &self,
        writes: Vec<PolicyWrite>,
    ) -> impl Future<Output = Vec<Result<(), StoreError>>> + Send;

    /// This month's and today's usage of `identity`, in full.
    fn usage_detail(
        &self,
        identity: &str,
        today: Day,
    ) -> impl Future<Output = Result<(Option<UsageDetail>, Option<UsageDetail>), StoreError>> + Send;
}

const TYPES: [PolicyType; 3] = [PolicyType::User, PolicyType::Group, PolicyType::Default];

#[derive(serde::Serialize, serde::Deserialize)]
struct Cursor {
    /// The type being listed.
    t: PolicyType,
    /// The last identifier returned.
    id: String,
}

fn encode_cursor(cursor: &Cursor) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(cursor).unwrap_or_default())
}

fn decode_cursor(text: &str) -> Result<Cursor, StoreError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(text)
        .map_err(|_| StoreError::BadCursor)?;
    serde_json::from_slice(&bytes).map_err(|_| StoreError::BadCursor)
}

impl DynamoStore {
    fn transact_item(&self, write: &PolicyWrite) -> Result<[TransactWriteItem; 2], StoreError> {
        let build = |e: aws_sdk_dynamodb::error::BuildError| StoreError::Corrupt(e.to_string());
        let (condition, values) = match write.expect {
            Expect::Absent => ("attribute_not_exists(pk)".to_owned(), None),
            // Items of the original system have no version attribute: they count as version 0.
            Expect::Version(0) => (
                "attribute_exists(pk) AND (attribute_not_exists(version) OR version = :v)"
                    .to_owned(),
                Some(0),
            ),
            Expect::Version(v) => ("version = :v".to_owned(), Some(v)),
        };
        let table = &self.names.policies_table;
        let change = match &write.new {
            Some(new) => {
                let mut put = Put::builder()
                    .table_name(table)
                    .set_item(Some(policy::encode(new)))
                    .condition_expression(condition);
                if let Some(v) = values {
                    put = put.expression_attribute_values(":v", n(v));
                }
                TransactWriteItem::builder()
                    .put(put.build().map_err(build)?)
                    .build()
            }
            None => {
                let (policy_type, identifier) = &write.key;
                let mut delete = Delete::builder()
                    .table_name(table)
                    .set_key(Some(policy::key(*policy_type, identifier)))
                    .condition_expression(condition);
                if let Some(v) = values {
                    delete = delete.expression_attribute_values(":v", n(v));
                }
                TransactWriteItem::builder()
                    .delete(delete.build().map_err(build)?)
                    .build()
            }
        };
        let audit = TransactWriteItem::builder()
            .put(
                Put::builder()
                    .table_name(&self.names.audit_table)
                    .set_item(Some(audit::encode(&write.audit)))
                    .condition_expression("attribute_not_exists(pk)")
                    .build()
                    .map_err(build)?,
            )
            .build();
        Ok([change, audit])
    }

    /// Runs one transaction of each write's change and audit event; on cancellation returns
    /// which writes failed their condition.
    async fn transact_writes(&self, writes: &[PolicyWrite]) -> Result<Transacted, StoreError> {
        let mut items = Vec::with_capacity(writes.len() * 2);
        for write in writes {
            items.extend(self.transact_item(write)?);
        }
        Ok(match self.transact(items).await? {
            Transacted::Done => Transacted::Done,
            // Item 2i is write i's change (its audit event, 2i + 1, has no condition of its own).
            Transacted::Cancelled(items) => Transacted::Cancelled(
                items
                    .into_iter()
                    .filter(|i| i % 2 == 0)
                    .map(|i| i / 2)
                    .collect(),
            ),
        })
    }
}

impl DynamoStore {
    /// Writes each row's policy (or deletion) and audit event; returns the rows that failed.
    async fn batch_write_rows(&self, rows: &[PolicyWrite]) -> Vec<(usize, String)> {
        let policies = &self.names.policies_table;
        let audit_table = &self.names.audit_table;
        // (row, table, request, identity of the request for matching unprocessed items)
        let mut pending: Vec<(usize, String, WriteRequest)> = Vec::new();
        for (row, write) in rows.iter().enumerate() {
            let change = match &write.new {
                Some(new) => PutRequest::builder()
                    .set_item(Some(policy::encode(new)))
                    .build()
                    .map(|put| WriteRequest::builder().put_request(put).build()),
                None => DeleteRequest::builder()
                    .set_key(Some(policy::key(write.key.0, &write.key.1)))
                    .build()
                    .map(|delete| WriteRequest::builder().delete_request(delete).build()),
            };
            let event = PutRequest::builder()
                .set_item(Some(audit::encode(&write.audit)))
                .build()
                .map(|put| WriteRequest::builder().put_request(put).build());
            match (change, event) {
                (Ok(change), Ok(event)) => {
                    pending.push((row, policies.clone(), change));
                    pending.push((row, audit_table.clone(), event));
                }
                (Err(e), _) | (_, Err(e)) => return vec![(row, e.to_string())],
            }
        }
        let mut attempts = 0;
        let mut failed: Vec<(usize, String)> = Vec::new();
        while !pending.is_empty() {
            let mut request: std::collections::HashMap<String, Vec<WriteRequest>> =
                Default::default();
            for (_, table, item) in &pending {
                request.entry(table.clone()).or_default().push(item.clone());
            }
            let outcome = self
                .client
                .batch_write_item()
                .set_request_items(Some(request))
                .send()
                .await;
            let unprocessed = match outcome {
                Ok(output) => output.unprocessed_items.unwrap_or_default(),
                Err(err) => {
                    // The whole request failed: every pending row is in doubt.
                    let message = describe(&err);
                    let mut rows: Vec<usize> = pending.iter().map(|(row, _, _)| *row).collect();
                    rows.dedup();
                    failed.extend(rows.into_iter().map(|row| (row, message.clone())));
                    return failed;
                }
            };
            let still: Vec<(String, WriteRequest)> = unprocessed
                .into_iter()
                .flat_map(|(table, items)| items.into_iter().map(move |item| (table.clone(), item)))
                .collect();
            pending.retain(|(_, table, item)| still.iter().any(|(t, i)| t == table && i == item));
            if pending.is_empty() {
                break;
            }
            if attempts == UNPROCESSED_RETRIES {
                let mut rows: Vec<usize> = pending.iter().map(|(row, _, _)| *row).collect();
                rows.dedup();
                failed.extend(rows.into_iter().map(|row| {
                    (
                        row,
                        format!("still throttled after {attempts} retries; run the import again"),
                    )
                }));
                return failed;
            }
            attempts += 1;
            tokio::time::sleep(backoff(attempts)).await;
        }
        failed
    }
}

fn conflict(write: &PolicyWrite) -> StoreError {
    let (policy_type, identifier) = &write.key;
    StoreError::Conflict(match write.expect {
        Expect::Absent => format!("{policy_type} policy {identifier:?} already exists"),
        Expect::Version(v) => {
            format!(
                "{policy_type} policy {identifier:?} is no longer at version {v} (changed or deleted meanwhile)"
            )
        }
    })
}

impl PolicyStore for DynamoStore {
    async fn get_policy(
        &self,
        policy_type: PolicyType,
        identifier: &str,
    ) -> Result<Option<Policy>, StoreError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.names.policies_table)
            .set_key(Some(policy::key(policy_type, identifier)))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| self.aws_error("GetItem", &e))?;
        output.item.as_ref().map(policy::decode).transpose()
    }

    async fn get_policies(&self, keys: &[(PolicyType, String)]) -> Result<Vec<Policy>, StoreError> {
        let unique: BTreeSet<&(PolicyType, String)> = keys.iter().collect();
        let requests = unique.into_iter().map(|(t, id)| policy::key(*t, id));
        let found = self
            .batch_get_in(&self.names.policies_table, requests)
            .await?;
        found.iter().map(policy::decode).collect()
    }

    async fn list_policies(
        &self,
        policy_type: Option<PolicyType>,
        limit: usize,
        cursor: Option<&str>,
    ) -> Result<Page, StoreError> {
        let start = cursor.map(decode_cursor).transpose()?;
        let types: Vec<PolicyType> = match policy_type {
            Some(t) => vec![t],
            None => TYPES.to_vec(),
        };
        let first_type = start.as_ref().map(|c| c.t);
        if first_type.is_some_and(|t| !types.contains(&t)) {
            return Err(StoreError::BadCursor);
        }
        let mut policies = Vec::new();
        let mut after = start.map(|c| c.id);
        for t in types
            .into_iter()
            .skip_while(|t| first_type.is_some_and(|f| f != *t))
        {
            loop {
                let wanted = limit - policies.len();
                let mut query = self
                    .client
                    .query()
                    .table_name(&self.names.policies_table)
                    .index_name(POLICY_TYPE_INDEX.name)
                    .key_condition_expression("policy_type = :t")
                    .expression_attribute_values(":t", AttributeValue::S(t.as_str().to_owned()))
                    .limit(i32::try_from(wanted).unwrap_or(i32::MAX));
                if let Some(id) = after.take() {
                    let mut key: Item = policy::key(t, &id);
                    key.insert(
                        "policy_type".into(),
                        AttributeValue::S(t.as_str().to_owned()),
                    );
                    key.insert("identifier".into(), AttributeValue::S(id));
                    query = query.set_exclusive_start_key(Some(key));
                }
                let output = query
                    .send()
                    .await
                    .map_err(|e| self.aws_error("Query", &e))?;
                for item in output.items() {
                    policies.push(policy::decode(item)?);
                }
                let more = output.last_evaluated_key.is_some();
                if policies.len() >= limit {
                    let last = policies
                        .last()
                        .map(|p| p.identifier.clone())
                        .unwrap_or_default();
                    // A full page may end exactly at the last item; the next page is then empty,
                    // which is cheaper than a look-ahead read on every page.
                    return Ok(Page {
                        policies,
                        next: Some(encode_cursor(&Cursor { t, id: last })),
                    });
                }
                if !more {
                    break;
                }
                after = policies.last().map(|p| p.identifier.clone());
            }
        }
        Ok(Page {
            policies,
            next: None,
        })
    }

    async fn write_policy(&self, write: PolicyWrite) -> Result<(), StoreError> {
        let mut attempts = 0;
        loop {
            match self.transact_writes(std::slice::from_ref(&write)).await? {
                Transacted::Done => return Ok(()),
                Transacted::Cancelled(failed) if !failed.is_empty() => {
                    return Err(conflict(&write));
                }
                // Throttled or conflicting with another transaction: nothing applied, retry.
                Transacted::Cancelled(_) if attempts < UNPROCESSED_RETRIES => {
                    attempts += 1;
                    tokio::time::sleep(backoff(attempts)).await;
                }
                Transacted::Cancelled(_) => {
                    return Err(StoreError::Conflict(
                        "the write kept being cancelled by concurrent transactions".into(),
                    ));
                }
            }
        }
    }

    async fn import_policies(&self, writes: Vec<PolicyWrite>) -> Vec<Result<(), StoreError>> {
        let mut results: Vec<Result<(), StoreError>> = Vec::with_capacity(writes.len());
        for chunk in writes.chunks(ROWS_PER_BATCH) {
            let failed = self.batch_write_rows(chunk).await;
            results.extend((0..chunk.len()).map(
                |i| match failed.iter().find(|(row, _)| *row == i) {
                    Some((_, message)) => Err(StoreError::Aws {
                        operation: "BatchWriteItem".into(),
                        endpoint: self.endpoint.clone(),
                        message: message.clone(),
                    }),
                    None => Ok(()),
                },
            ));
        }
        results
    }

    async fn usage_detail(
        &self,
        identity: &str,
        today: Day,
    ) -> Result<(Option<UsageDetail>, Option<UsageDetail>), StoreError> {
        let table = &self.names.usage_table;
        let month_key = usage::month_key(identity, today.month());
        let day_key = usage::day_key(identity, today);
        let month_sk = month_key.get("sk").cloned();
        let found = self
            .batch_get(vec![(table.clone(), month_key), (table.clone(), day_key)])
            .await?;
        let mut month = None;
        let mut day = None;
        for item in found.get(table).into_iter().flatten() {
            let detail = usage::decode_detail(item)?;
            if item.get("sk") == month_sk.as_ref() {
                month = Some(detail);
            } else {
                day = Some(detail);
            }
        }
        Ok((month, day))
    }
}
