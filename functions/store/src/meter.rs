//! Counting Bedrock's own invocation records exactly once per request id: each invocation's
//! marker (`pk = INVOCATION#{request id}`, `sk = COUNTED`) is put, on condition that it does not
//! exist, in the same `TransactWriteItems` as its counter `ADD`s, which are the ones telemetry
//! adds (the user's month and day, the day and month rollups). A replay, a retry or an
//! invocation in two overlapping batches therefore never counts twice: a transaction whose
//! marker exists is cancelled, that invocation is set aside as counted, and the rest are tried
//! again.

use std::future::Future;

use aws_sdk_dynamodb::types::{Put, TransactWriteItem};
use ccwb_core::invocation::Invocation;
use ccwb_core::{Group, Identity, PriceTable};

use crate::StoreError;
use crate::dynamo::{DynamoStore, Transacted, after_race};
use crate::ingest::{CounterAdds, add_point, counter_updates, fitting};
use crate::items::attrs::{Item, n, s};
use crate::tables::TTL_ATTRIBUTE;

/// Partition key prefix of invocation markers.
pub const MARKER_PREFIX: &str = "INVOCATION#";
/// Sort key of an invocation marker.
pub const MARKER_SK: &str = "COUNTED";
/// How long a marker is kept after its invocation: CloudWatch Logs delivers a subscription's
/// records within hours, retries included, so a replay after this is not one it makes.
pub const MARKER_DAYS: i64 = 40;

/// What a batch of invocations did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Metered {
    /// Invocations counted now.
    pub counted: usize,
    /// Invocations counted before (replays, retries, overlapping batches).
    pub duplicates: usize,
}

/// Metering from Bedrock's invocation records.
pub trait MeterStore {
    /// Counts `invocations` of `identity` exactly once each (by request id), tokens priced by
    /// `prices`, into the counters telemetry counts into; the user's `groups` (from their latest
    /// token) are kept with the month's rollup, as ingest keeps them.
    fn record_invocations(
        &self,
        identity: &Identity,
        groups: &[Group],
        invocations: &[Invocation],
        prices: &PriceTable,
    ) -> impl Future<Output = Result<Metered, StoreError>> + Send;
}

fn marker(invocation: &Invocation) -> Item {
    let expires = invocation.at + time::Duration::days(MARKER_DAYS);
    Item::from([
        (
            "pk".to_owned(),
            s(format!("{MARKER_PREFIX}{}", invocation.request_id)),
        ),
        ("sk".to_owned(), s(MARKER_SK)),
        (
            TTL_ATTRIBUTE.to_owned(),
            n(u64::try_from(expires.unix_timestamp()).unwrap_or_default()),
        ),
    ])
}

/// Adds `invocation`'s tokens to `counters`, as telemetry's points of the same tokens would.
fn add_invocation(
    counters: &mut CounterAdds,
    identity: &Identity,
    invocation: &Invocation,
    prices: &PriceTable,
) {
    for point in invocation.points() {
        add_point(counters, identity.as_str(), &point, point.value, prices);
    }
}

impl DynamoStore {
    /// One attempt at `batch`: `Ok(Ok(()))` when written, `Ok(Err(indexes))` when cancelled,
    /// with the indexes of the invocations already counted (empty: cancelled by a race).
    async fn try_invocations(
        &self,
        identity: &Identity,
        groups: &[Group],
        batch: &[&Invocation],
        prices: &PriceTable,
    ) -> Result<Result<(), Vec<usize>>, StoreError> {
        let table = &self.names.usage_table;
        let mut items = Vec::new();
        let mut counters = CounterAdds::new();
        for invocation in batch {
            let put = Put::builder()
                .table_name(table)
                .set_item(Some(marker(invocation)))
                .condition_expression("attribute_not_exists(pk)")
                .build()
                .map_err(|e| StoreError::Corrupt(e.to_string()))?;
            items.push(TransactWriteItem::builder().put(put).build());
            add_invocation(&mut counters, identity, invocation, prices);
        }
        items.extend(counter_updates(table, counters, Some(groups))?);
        Ok(match self.transact(items).await? {
            Transacted::Done => Ok(()),
            // Markers come first, so an index below the batch's length is an invocation.
            Transacted::Cancelled(failed) => {
                Err(failed.into_iter().filter(|&i| i < batch.len()).collect())
            }
        })
    }
}

impl MeterStore for DynamoStore {
    async fn record_invocations(
        &self,
        identity: &Identity,
        groups: &[Group],
        invocations: &[Invocation],
        prices: &PriceTable,
    ) -> Result<Metered, StoreError> {
        // One request id once per call (a batch may carry a record twice).
        let mut seen = std::collections::BTreeSet::new();
        let mut metered = Metered::default();
        let unique: Vec<&Invocation> = invocations
            .iter()
            .filter(|invocation| {
                let first = seen.insert(invocation.request_id.as_str());
                metered.duplicates += usize::from(!first);
                first
            })
            .collect();
        for batch in fitting(&unique, |invocation| {
            let mut own = CounterAdds::new();
            add_invocation(&mut own, identity, invocation, prices);
            own
        }) {
            let mut pending: Vec<&Invocation> = batch.to_vec();
            let mut attempt = 0;
            while !pending.is_empty() {
                match self
                    .try_invocations(identity, groups, &pending, prices)
                    .await?
                {
                    Ok(()) => {
                        metered.counted += pending.len();
                        break;
                    }
                    Err(counted_before) if !counted_before.is_empty() => {
                        metered.duplicates += counted_before.len();
                        pending = pending
                            .into_iter()
                            .enumerate()
                            .filter(|(i, _)| !counted_before.contains(i))
                            .map(|(_, invocation)| invocation)
                            .collect();
                    }
                    Err(_) => {
                        after_race(&mut attempt, "the records will be delivered again").await?;
                    }
                }
            }
        }
        Ok(metered)
    }
}
