//! Records for Firehose that must not be lost: sent at once, and if Firehose refuses them, kept
//! in DynamoDB (`OUTBOX#{shard}` / `{time}#{id}`, at most 400 records an item) and sent again by
//! the sweeper. An item is claimed before it is sent and deleted once Firehose accepted all of
//! it; records Firehose refused stay in the item for the next attempt, so none is sent twice by
//! this logic.

use std::future::Future;

use aws_sdk_firehose::primitives::Blob;
use aws_sdk_firehose::types::Record;
use time::OffsetDateTime;

use crate::StoreError;
use crate::dynamo::{DynamoStore, key_of};
use crate::items::attrs::{Item, Reader, n, s, sortable_time};

/// Records per outbox item (and per `PutRecordBatch`, whose limit is 500).
const RECORDS_PER_ITEM: usize = 400;
/// Outbox partitions, so that many writers do not share one partition.
const SHARDS: u32 = 8;

/// What one delivery attempt did: records (or audit events) Firehose accepted, and those it
/// refused, which stay kept for the next attempt.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Delivery {
    /// Accepted by Firehose.
    pub delivered: usize,
    /// Refused by Firehose (kept).
    pub refused: usize,
}

/// Reliable delivery of records to Firehose streams.
pub trait Outbox {
    /// Sends `lines` (one JSON document each) to `stream` now, keeping those Firehose refuses
    /// for later. Errors mean the records could not even be kept.
    fn send_or_keep(
        &self,
        stream: &str,
        lines: Vec<String>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Sends kept records (up to `max_items` items).
    fn deliver_kept(
        &self,
        max_items: usize,
    ) -> impl Future<Output = Result<Delivery, StoreError>> + Send;
}

impl DynamoStore {
    /// Sends `lines`; returns the ones Firehose did not accept.
    async fn put_lines(&self, stream: &str, lines: Vec<String>) -> Vec<String> {
        let mut records = Vec::with_capacity(lines.len());
        for line in &lines {
            match Record::builder()
                .data(Blob::new(format!("{line}\n")))
                .build()
            {
                Ok(record) => records.push(record),
                Err(_) => return lines,
            }
        }
        match self
            .firehose
            .put_record_batch()
            .delivery_stream_name(stream)
            .set_records(Some(records))
            .send()
            .await
        {
            Ok(output) if output.failed_put_count == 0 => Vec::new(),
            Ok(output) => output
                .request_responses()
                .iter()
                .zip(lines)
                .filter(|(r, _)| r.error_code().is_some())
                .map(|(_, line)| line)
                .collect(),
            Err(err) => {
                tracing::warn!(error = %crate::aws::describe(&err), %stream, "records kept for later: Firehose refused them");
                lines
            }
        }
    }

    async fn keep(&self, stream: &str, lines: &[String]) -> Result<(), StoreError> {
        for chunk in lines.chunks(RECORDS_PER_ITEM) {
            let id = format!(
                "{}#{}",
                sortable_time(OffsetDateTime::now_utc()),
                uuid_like()
            );
            let shard = id
                .bytes()
                .fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)))
                % SHARDS;
            let item = Item::from([
                ("pk".to_owned(), s(format!("OUTBOX#{shard}"))),
                ("sk".to_owned(), s(id)),
                ("stream".to_owned(), s(stream)),
                ("lines".to_owned(), s(chunk.join("\n"))),
                ("count".to_owned(), n(chunk.len() as u64)),
            ]);
            self.client
                .put_item()
                .table_name(&self.names.usage_table)
                .set_item(Some(item))
                .send()
                .await
                .map_err(|e| self.aws_error("PutItem", &e))?;
        }
        Ok(())
    }
}

/// A unique suffix from the clock and a process-wide counter (no randomness needed: the
/// time prefix already orders, the counter separates items made in the same nanosecond).
fn uuid_like() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    format!(
        "{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

impl Outbox for DynamoStore {
    async fn send_or_keep(&self, stream: &str, lines: Vec<String>) -> Result<(), StoreError> {
        let mut refused = Vec::new();
        for chunk in lines.chunks(RECORDS_PER_ITEM) {
            refused.extend(self.put_lines(stream, chunk.to_vec()).await);
        }
        if refused.is_empty() {
            Ok(())
        } else {
            self.keep(stream, &refused).await
        }
    }

    async fn deliver_kept(&self, max_items: usize) -> Result<Delivery, StoreError> {
        let table = &self.names.usage_table;
        let now = OffsetDateTime::now_utc();
        let mut delivery = Delivery::default();
        for shard in 0..SHARDS {
            let output = self
                .client
                .query()
                .table_name(table)
                .key_condition_expression("pk = :pk")
                .expression_attribute_values(":pk", s(format!("OUTBOX#{shard}")))
                .limit(i32::try_from(max_items).unwrap_or(i32::MAX))
                .send()
                .await
                .map_err(|e| self.aws_error("Query", &e))?;
            for item in output.items() {
                let r = Reader::new(item);
                let key = key_of(item);
                if !self
                    .claim(table, key.clone(), "attribute_exists(pk)", &[], vec![], now)
                    .await?
                {
                    continue;
                }
                let stream = r.string("stream")?;
                let lines: Vec<String> =
                    r.string("lines")?.split('\n').map(str::to_owned).collect();
                let total = lines.len();
                let refused = self.put_lines(&stream, lines).await;
                delivery.delivered += total - refused.len();
                delivery.refused += refused.len();
                let result = if refused.is_empty() {
                    self.client
                        .delete_item()
                        .table_name(table)
                        .set_key(Some(key))
                        .send()
                        .await
                        .map(|_| ())
                        .map_err(|e| crate::aws::describe(&e))
                } else {
                    self.client
                        .update_item()
                        .table_name(table)
                        .set_key(Some(key))
                        .update_expression(
                            "SET #lines = :lines, #count = :count REMOVE claim_until",
                        )
                        .expression_attribute_names("#lines", "lines")
                        .expression_attribute_names("#count", "count")
                        .expression_attribute_values(":lines", s(refused.join("\n")))
                        .expression_attribute_values(":count", n(refused.len() as u64))
                        .send()
                        .await
                        .map(|_| ())
                        .map_err(|e| crate::aws::describe(&e))
                };
                if let Err(err) = result {
                    tracing::warn!(error = %err, "could not update an outbox item");
                }
            }
        }
        Ok(delivery)
    }
}
