//! Which identity each role session name belongs to: written by `/check` from verified tokens
//! (only when missing or changed, see [`crate::QuotaReads::check_inputs_with_session`]), read
//! wherever Bedrock's own records name a caller only by its session.

use std::collections::{BTreeSet, HashMap};
use std::future::Future;

use ccwb_core::{Identity, SessionName};
use time::OffsetDateTime;

use crate::StoreError;
use crate::dynamo::DynamoStore;
use crate::items::session;

/// Storage for session names.
pub trait SessionNames {
    /// Records that `session` is `identity` as of `at` (overwriting what was recorded).
    fn record_session(
        &self,
        session: &SessionName,
        identity: &Identity,
        at: OffsetDateTime,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The identities recorded for `sessions` (repeats allowed), in batched reads; unknown
    /// names are absent.
    fn session_identities(
        &self,
        sessions: &[SessionName],
    ) -> impl Future<Output = Result<HashMap<SessionName, Identity>, StoreError>> + Send;
}

impl SessionNames for DynamoStore {
    async fn record_session(
        &self,
        name: &SessionName,
        identity: &Identity,
        at: OffsetDateTime,
    ) -> Result<(), StoreError> {
        self.client
            .put_item()
            .table_name(&self.names.usage_table)
            .set_item(Some(session::encode(name, identity, at)))
            .send()
            .await
            .map_err(|e| self.aws_error("PutItem (session name)", &e))?;
        Ok(())
    }

    async fn session_identities(
        &self,
        sessions: &[SessionName],
    ) -> Result<HashMap<SessionName, Identity>, StoreError> {
        let unique: BTreeSet<&SessionName> = sessions.iter().collect();
        let keys = unique.into_iter().map(session::key);
        let found = self.batch_get_in(&self.names.usage_table, keys).await?;
        found.iter().map(session::decode).collect()
    }
}
