//! Unblocks: grant and revoke (each with its history entry and audit event in one transaction),
//! and the history of a user.

use std::collections::HashMap;
use std::future::Future;

use aws_sdk_dynamodb::types::{AttributeValue, Delete, Put, TransactWriteItem, Update};
use ccwb_core::{AuditEvent, Unblock, UnblockGrant};

use crate::StoreError;
use crate::dynamo::{DynamoStore, Transacted};
use crate::items::attrs::{s, timestamp};
use crate::items::{audit, unblock, usage};

/// Storage for unblocks.
pub trait UnblockStore {
    /// The unblock item of `identity` (possibly expired), if any.
    fn current_unblock(
        &self,
        identity: &str,
    ) -> impl Future<Output = Result<Option<UnblockGrant>, StoreError>> + Send;

    /// The unblocks of `identities` (possibly expired), by identity, in batched reads.
    fn current_unblocks(
        &self,
        identities: &[String],
    ) -> impl Future<Output = Result<HashMap<String, Unblock>, StoreError>> + Send;

    /// Every grant for `identity`, newest first.
    fn unblock_history(
        &self,
        identity: &str,
    ) -> impl Future<Output = Result<Vec<UnblockGrant>, StoreError>> + Send;

    /// Makes `grant` the current unblock and records it in the history, with `audit`, atomically.
    fn grant_unblock(
        &self,
        grant: &UnblockGrant,
        audit: &AuditEvent,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Removes the current unblock `revoked` (which carries `revoked_at`/`revoked_by`), records
    /// the revocation on its history entry, with `audit`, atomically. `Conflict` if the current
    /// unblock is no longer that grant.
    fn revoke_unblock(
        &self,
        revoked: &UnblockGrant,
        audit: &AuditEvent,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}

impl DynamoStore {
    fn audit_put(&self, event: &AuditEvent) -> Result<TransactWriteItem, StoreError> {
        Ok(TransactWriteItem::builder()
            .put(
                Put::builder()
                    .table_name(&self.names.audit_table)
                    .set_item(Some(audit::encode(event)))
                    .condition_expression("attribute_not_exists(pk)")
                    .build()
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?,
            )
            .build())
    }

    async fn run_transaction(
        &self,
        items: Vec<TransactWriteItem>,
        what: &str,
    ) -> Result<(), StoreError> {
        match self.transact(items).await? {
            Transacted::Done => Ok(()),
            Transacted::Cancelled(_) => Err(StoreError::Conflict(format!(
                "{what} changed meanwhile; try again"
            ))),
        }
    }
}

impl UnblockStore for DynamoStore {
    async fn current_unblock(&self, identity: &str) -> Result<Option<UnblockGrant>, StoreError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.names.usage_table)
            .set_key(Some(unblock::key(identity)))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| self.aws_error("GetItem", &e))?;
        output.item.as_ref().map(unblock::decode_grant).transpose()
    }

    async fn current_unblocks(
        &self,
        identities: &[String],
    ) -> Result<HashMap<String, Unblock>, StoreError> {
        let keys = identities.iter().map(|id| unblock::key(id));
        let found = self.batch_get_in(&self.names.usage_table, keys).await?;
        let mut unblocks = HashMap::new();
        for item in &found {
            let pk = item.get("pk").and_then(|v| v.as_s().ok());
            if let Some(identity) = pk.and_then(|pk| pk.strip_prefix(usage::USER_PREFIX)) {
                unblocks.insert(identity.to_owned(), unblock::decode(item)?);
            }
        }
        Ok(unblocks)
    }

    async fn unblock_history(&self, identity: &str) -> Result<Vec<UnblockGrant>, StoreError> {
        let mut grants = Vec::new();
        let mut start = None;
        loop {
            let output = self
                .client
                .query()
                .table_name(&self.names.usage_table)
                .key_condition_expression("pk = :pk AND sk BETWEEN :from AND :to")
                .expression_attribute_values(":pk", s(usage::user_pk(identity)))
                .expression_attribute_values(":from", s(unblock::HISTORY_FROM))
                .expression_attribute_values(":to", s(unblock::HISTORY_TO))
                .scan_index_forward(false)
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(|e| self.aws_error("Query", &e))?;
            for item in output.items() {
                grants.push(unblock::decode_grant(item)?);
            }
            match output.last_evaluated_key {
                Some(key) => start = Some(key),
                None => return Ok(grants),
            }
        }
    }

    async fn grant_unblock(
        &self,
        grant: &UnblockGrant,
        event: &AuditEvent,
    ) -> Result<(), StoreError> {
        let put = |item| {
            Put::builder()
                .table_name(&self.names.usage_table)
                .set_item(Some(item))
                .build()
                .map(|put| TransactWriteItem::builder().put(put).build())
                .map_err(|e| StoreError::Corrupt(e.to_string()))
        };
        let items = vec![
            put(unblock::encode_current(grant))?,
            put(unblock::encode_history(grant))?,
            self.audit_put(event)?,
        ];
        self.run_transaction(items, "the unblock").await
    }

    async fn revoke_unblock(
        &self,
        revoked: &UnblockGrant,
        event: &AuditEvent,
    ) -> Result<(), StoreError> {
        let build = |e: aws_sdk_dynamodb::error::BuildError| StoreError::Corrupt(e.to_string());
        let delete = Delete::builder()
            .table_name(&self.names.usage_table)
            .set_key(Some(unblock::key(&revoked.identity)))
            .condition_expression("id = :id")
            .expression_attribute_values(":id", s(&revoked.id))
            .build()
            .map_err(build)?;
        let update = Update::builder()
            .table_name(&self.names.usage_table)
            .set_key(Some(unblock::history_key(revoked)))
            .update_expression("SET revoked_at = :at, revoked_by = :by")
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_values(
                ":at",
                revoked
                    .revoked_at
                    .map_or(AttributeValue::Null(true), timestamp),
            )
            .expression_attribute_values(":by", s(revoked.revoked_by.clone().unwrap_or_default()))
            .build()
            .map_err(build)?;
        let items = vec![
            TransactWriteItem::builder().delete(delete).build(),
            TransactWriteItem::builder().update(update).build(),
            self.audit_put(event)?,
        ];
        self.run_transaction(items, "the unblock").await
    }
}
