//! The revocations wanted, kept in DynamoDB: ingest and the meter note a user blocked (with
//! the session their usage came from); the reconciler (`ccwb_lambda::revocation`) reads them
//! all, puts the still-blocked users' sessions in the role's deny policies (see
//! [`crate::RoleDenies`]), and lifts the others. Every write is conditional on the item's
//! version, so a note arriving while the reconciler decides is never lost.

use std::collections::BTreeSet;
use std::future::Future;

use aws_sdk_dynamodb::types::AttributeValue;
use ccwb_core::{Group, Identity, SessionName};
use time::OffsetDateTime;

use crate::StoreError;
use crate::dynamo::DynamoStore;
use crate::items::attrs::{n, s, timestamp};
use crate::items::revocation::{
    self as item, APPLIED, GROUPS, PK, REASON, SESSIONS, SINCE, VERSION,
};

/// One user whose role sessions are to be denied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revocation {
    /// Whose.
    pub identity: Identity,
    /// The role session names to deny.
    pub sessions: BTreeSet<SessionName>,
    /// The groups of the token the usage came with (they resolve the policy).
    pub groups: Vec<Group>,
    /// Why, as the decision said (`monthly_exceeded`, …).
    pub reason: String,
    /// When first noted.
    pub since: Option<OffsetDateTime>,
    /// Incremented by every note.
    pub version: u64,
    /// The version the deny policies hold, if any.
    pub applied_version: Option<u64>,
}

/// Storage of wanted revocations.
pub trait RevocationStore {
    /// Notes `identity` blocked for `reason`, to be denied in role `session`; `true` when that
    /// changed anything (a session already noted is one conditional write, nothing more).
    fn note_blocked(
        &self,
        identity: &Identity,
        groups: &[Group],
        session: &SessionName,
        reason: &str,
        at: OffsetDateTime,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Every wanted revocation.
    fn revocations(&self) -> impl Future<Output = Result<Vec<Revocation>, StoreError>> + Send;

    /// Records that the deny policies hold `version` of `identity`'s revocation; `false` when
    /// the item changed since (the next reconcile applies the change).
    fn mark_applied(
        &self,
        identity: &Identity,
        version: u64,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Removes `identity`'s revocation if it is still at `version`; `false` when it changed.
    fn lift(
        &self,
        identity: &Identity,
        version: u64,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
}

/// A conditional write's outcome: `true` applied, `false` its condition failed.
fn conditional<T, E>(
    result: Result<T, aws_sdk_dynamodb::error::SdkError<E>>,
    store: &DynamoStore,
    operation: &str,
) -> Result<bool, StoreError>
where
    E: std::error::Error + aws_sdk_dynamodb::error::ProvideErrorMetadata + 'static,
{
    match result {
        Ok(_) => Ok(true),
        Err(err)
            if err.as_service_error().and_then(|e| e.code())
                == Some("ConditionalCheckFailedException") =>
        {
            Ok(false)
        }
        Err(err) => Err(store.aws_error(operation, &err)),
    }
}

impl RevocationStore for DynamoStore {
    async fn note_blocked(
        &self,
        identity: &Identity,
        groups: &[Group],
        session: &SessionName,
        reason: &str,
        at: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.names.usage_table)
            .set_key(Some(item::key(identity)))
            .update_expression(
                "SET #groups = :groups, #reason = :reason, #since = if_not_exists(#since, :at) \
                 ADD #sessions :sessions, #version :one",
            )
            .condition_expression("attribute_not_exists(pk) OR NOT contains(#sessions, :session)")
            .expression_attribute_names("#groups", GROUPS)
            .expression_attribute_names("#reason", REASON)
            .expression_attribute_names("#since", SINCE)
            .expression_attribute_names("#sessions", SESSIONS)
            .expression_attribute_names("#version", VERSION)
            .expression_attribute_values(":groups", item::groups(groups))
            .expression_attribute_values(":reason", s(reason))
            .expression_attribute_values(":at", timestamp(at))
            .expression_attribute_values(":sessions", AttributeValue::Ss(vec![session.to_string()]))
            .expression_attribute_values(":session", s(session.as_str()))
            .expression_attribute_values(":one", n(1))
            .send()
            .await;
        conditional(result, self, "UpdateItem (revocation)")
    }

    async fn revocations(&self) -> Result<Vec<Revocation>, StoreError> {
        let mut found = Vec::new();
        let mut start = None;
        loop {
            let output = self
                .client
                .query()
                .table_name(&self.names.usage_table)
                .key_condition_expression("pk = :pk")
                .expression_attribute_values(":pk", s(PK))
                .set_exclusive_start_key(start)
                .consistent_read(true)
                .send()
                .await
                .map_err(|e| self.aws_error("Query (revocations)", &e))?;
            for stored in output.items() {
                found.push(item::decode(stored)?);
            }
            start = output.last_evaluated_key;
            if start.is_none() {
                return Ok(found);
            }
        }
    }

    async fn mark_applied(&self, identity: &Identity, version: u64) -> Result<bool, StoreError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.names.usage_table)
            .set_key(Some(item::key(identity)))
            .update_expression("SET #applied = :v")
            .condition_expression("#version = :v")
            .expression_attribute_names("#applied", APPLIED)
            .expression_attribute_names("#version", VERSION)
            .expression_attribute_values(":v", n(version))
            .send()
            .await;
        conditional(result, self, "UpdateItem (revocation applied)")
    }

    async fn lift(&self, identity: &Identity, version: u64) -> Result<bool, StoreError> {
        let result = self
            .client
            .delete_item()
            .table_name(&self.names.usage_table)
            .set_key(Some(item::key(identity)))
            .condition_expression("#version = :v")
            .expression_attribute_names("#version", VERSION)
            .expression_attribute_values(":v", n(version))
            .send()
            .await;
        conditional(result, self, "DeleteItem (revocation)")
    }
}
