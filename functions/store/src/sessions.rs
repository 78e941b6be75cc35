//! Which identity each role session name belongs to: written by `/check` from verified tokens
//! (only when missing or changed, see [`crate::QuotaReads::check_inputs_with_session`]), read
//! wherever Bedrock's own records name a caller only by its session.

use std::collections::{BTreeSet, HashMap};
use std::future::Future;

use ccwb_core::{Group, Identity, SessionName};
use time::OffsetDateTime;

use crate::StoreError;
use crate::dynamo::DynamoStore;
use crate::items::session;

/// Whose a role session is: the identity and groups of the latest verified token with its
/// `sub` (Bedrock's records name neither).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionOwner {
    /// The identity (e-mail).
    pub identity: Identity,
    /// The groups the token named, sorted.
    pub groups: Vec<Group>,
}

/// Storage for session names.
pub trait SessionNames {
    /// Records that `session` is `owner`'s as of `at` (overwriting what was recorded).
    fn record_session(
        &self,
        session: &SessionName,
        owner: &SessionOwner,
        at: OffsetDateTime,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The owners recorded for `sessions` (repeats allowed), in batched reads; unknown names
    /// are absent.
    fn session_owners(
        &self,
        sessions: &[SessionName],
    ) -> impl Future<Output = Result<HashMap<SessionName, SessionOwner>, StoreError>> + Send;
}

impl SessionNames for DynamoStore {
    async fn record_session(
        &self,
        name: &SessionName,
        owner: &SessionOwner,
        at: OffsetDateTime,
    ) -> Result<(), StoreError> {
        self.client
            .put_item()
            .table_name(&self.names.usage_table)
            .set_item(Some(session::encode(name, owner, at)))
            .send()
            .await
            .map_err(|e| self.aws_error("PutItem (session name)", &e))?;
        Ok(())
    }

    async fn session_owners(
        &self,
        sessions: &[SessionName],
    ) -> Result<HashMap<SessionName, SessionOwner>, StoreError> {
        let unique: BTreeSet<&SessionName> = sessions.iter().collect();
        let keys = unique.into_iter().map(session::key);
        let found = self.batch_get_in(&self.names.usage_table, keys).await?;
        found.iter().map(session::decode).collect()
    }
}
