//! The audit trail: querying it, and delivering it to Firehose (→ S3 → Athena).
//!
//! DynamoDB is the record: every event is written there with the change it records, marked
//! `delivery = pending` (a sparse index). Delivery happens afterwards, by whoever calls
//! [`AuditLog::deliver_pending`] (the functions after each change, ccwb-local's sweeper, a
//! schedule in AWS): it claims each pending event with a conditional update, sends the claimed
//! ones in one `PutRecordBatch`, and clears the mark of those Firehose accepted. A Firehose outage
//! loses nothing (the events stay pending); concurrent deliverers never send the same event,
//! because only the claimant sends it. Only a crash between Firehose accepting a record and the
//! mark being cleared can send an event twice; each record carries the event `id` for that case.

use std::future::Future;

use aws_sdk_firehose::primitives::Blob;
use aws_sdk_firehose::types::Record;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ccwb_core::{AuditEvent, Day};
use time::OffsetDateTime;

use crate::StoreError;
use crate::dynamo::{CLAIM, DynamoStore, key_of};
use crate::items::attrs::{Item, s, sortable_time, timestamp};
use crate::items::audit;
use crate::outbox::Delivery;
use crate::tables::AUDIT_PENDING_INDEX;

/// Longest range of days one audit query walks.
pub const MAX_DAYS: i64 = 400;

/// What to read from the audit trail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditFilter {
    /// Oldest instant, inclusive.
    pub since: OffsetDateTime,
    /// Newest instant, inclusive.
    pub until: OffsetDateTime,
    /// Only this actor.
    pub actor: Option<String>,
    /// Only targets containing this text (`a@x.io` matches `policy/user/a@x.io` and `unblock/a@x.io`).
    pub target: Option<String>,
    /// Only actions starting with this text (`policy.` for every policy action).
    pub action: Option<String>,
}

/// The audit trail.
pub trait AuditLog {
    /// Events matching `filter`, newest first, at most `limit`, after `cursor`.
    fn audit_events(
        &self,
        filter: &AuditFilter,
        limit: usize,
        cursor: Option<&str>,
    ) -> impl Future<Output = Result<(Vec<AuditEvent>, Option<String>), StoreError>> + Send;

    /// Delivers up to `max` pending events to Firehose (refused ones stay pending).
    fn deliver_pending(
        &self,
        max: usize,
    ) -> impl Future<Output = Result<Delivery, StoreError>> + Send;

    /// Records one event on its own, for changes kept outside DynamoDB (a published package);
    /// changes to tables write their event in the same transaction instead.
    fn record(&self, event: &AuditEvent) -> impl Future<Output = Result<(), StoreError>> + Send;
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Cursor {
    /// The day partition being read.
    d: String,
    /// The last sort key returned.
    k: String,
}

impl AuditLog for DynamoStore {
    async fn record(&self, event: &AuditEvent) -> Result<(), StoreError> {
        self.client
            .put_item()
            .table_name(&self.names.audit_table)
            .set_item(Some(audit::encode(event)))
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await
            .map_err(|e| self.aws_error("PutItem (audit event)", &e))?;
        Ok(())
    }

    async fn audit_events(
        &self,
        filter: &AuditFilter,
        limit: usize,
        cursor: Option<&str>,
    ) -> Result<(Vec<AuditEvent>, Option<String>), StoreError> {
        let cursor: Option<Cursor> = cursor
            .map(|text| {
                URL_SAFE_NO_PAD
                    .decode(text)
                    .ok()
                    .and_then(|bytes| serde_json::from_slice(&bytes).ok())
                    .ok_or(StoreError::BadCursor)
            })
            .transpose()?;
        let first_day = Day::of(filter.since);
        let mut day = Day::of(filter.until);
        let mut after = None;
        if let Some(c) = cursor {
            day = Day(time::Date::parse(
                &c.d,
                time::macros::format_description!("[year]-[month]-[day]"),
            )
            .map_err(|_| StoreError::BadCursor)?);
            after = Some(c.k);
        }
        let low = format!("{}#", sortable_time(filter.since));
        let high = format!("{}#~", sortable_time(filter.until));
        let mut events = Vec::new();
        while day >= first_day {
            let mut start: Option<Item> = after.take().map(|k| {
                Item::from([
                    ("pk".to_owned(), s(format!("AUDIT#{day}"))),
                    ("sk".to_owned(), s(k)),
                ])
            });
            loop {
                let mut query = self
                    .client
                    .query()
                    .table_name(&self.names.audit_table)
                    .key_condition_expression("pk = :pk AND sk BETWEEN :low AND :high")
                    .expression_attribute_values(":pk", s(format!("AUDIT#{day}")))
                    .expression_attribute_values(":low", s(&low))
                    .expression_attribute_values(":high", s(&high))
                    .scan_index_forward(false)
                    .set_exclusive_start_key(start.take());
                let mut conditions = Vec::new();
                if let Some(actor) = &filter.actor {
                    conditions.push("actor = :actor");
                    query = query.expression_attribute_values(":actor", s(actor));
                }
                if let Some(target) = &filter.target {
                    conditions.push("contains(target, :target)");
                    query = query.expression_attribute_values(":target", s(target));
                }
                if let Some(action) = &filter.action {
                    conditions.push("begins_with(#action, :action)");
                    query = query
                        .expression_attribute_names("#action", "action")
                        .expression_attribute_values(":action", s(action));
                }
                if !conditions.is_empty() {
                    query = query.filter_expression(conditions.join(" AND "));
                }
                let output = query
                    .send()
                    .await
                    .map_err(|e| self.aws_error("Query", &e))?;
                for item in output.items() {
                    events.push(audit::decode(item)?);
                    if events.len() == limit {
                        let sk = item
                            .get("sk")
                            .and_then(|v| v.as_s().ok())
                            .cloned()
                            .unwrap_or_default();
                        let next = Cursor {
                            d: day.to_string(),
                            k: sk,
                        };
                        let text =
                            URL_SAFE_NO_PAD.encode(serde_json::to_vec(&next).unwrap_or_default());
                        return Ok((events, Some(text)));
                    }
                }
                match output.last_evaluated_key {
                    Some(key) => start = Some(key),
                    None => break,
                }
            }
            match day.0.previous_day() {
                Some(previous) => day = Day(previous),
                None => break,
            }
        }
        Ok((events, None))
    }

    async fn deliver_pending(&self, max: usize) -> Result<Delivery, StoreError> {
        let output = self
            .client
            .query()
            .table_name(&self.names.audit_table)
            .index_name(AUDIT_PENDING_INDEX.name)
            .key_condition_expression("#d = :pending")
            .expression_attribute_names("#d", audit::PENDING)
            .expression_attribute_values(":pending", s(audit::PENDING_VALUE))
            .limit(i32::try_from(max).unwrap_or(i32::MAX))
            .send()
            .await
            .map_err(|e| self.aws_error("Query", &e))?;
        let now = OffsetDateTime::now_utc();
        let claim_until = now + CLAIM;
        let mut claimed: Vec<(Item, AuditEvent)> = Vec::new();
        for item in output.items() {
            let key = key_of(item);
            let claimed_now = self
                .claim(
                    &self.names.audit_table,
                    key.clone(),
                    "#d = :pending",
                    &[("#d", audit::PENDING)],
                    vec![(":pending", s(audit::PENDING_VALUE))],
                    now,
                )
                .await?;
            if claimed_now {
                claimed.push((key, audit::decode(item)?));
            }
        }
        if claimed.is_empty() {
            return Ok(Delivery::default());
        }

        let mut records = Vec::with_capacity(claimed.len());
        for (_, event) in &claimed {
            let mut line =
                serde_json::to_vec(event).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            line.push(b'\n');
            records.push(
                Record::builder()
                    .data(Blob::new(line))
                    .build()
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?,
            );
        }
        let sent = self
            .firehose
            .put_record_batch()
            .delivery_stream_name(&self.names.audit_stream)
            .set_records(Some(records))
            .send()
            .await;
        let accepted: Vec<bool> = match sent {
            Ok(output) => output
                .request_responses()
                .iter()
                .map(|r| r.error_code().is_none())
                .collect(),
            Err(err) => {
                tracing::warn!(error = %crate::aws::describe(&err), stream = %self.names.audit_stream,
                               "audit events stay pending: Firehose refused them");
                vec![false; claimed.len()]
            }
        };
        let mut delivery = Delivery::default();
        for ((key, _), ok) in claimed.iter().zip(accepted) {
            let update = self
                .client
                .update_item()
                .table_name(&self.names.audit_table)
                .set_key(Some(key.clone()));
            let result = if ok {
                delivery.delivered += 1;
                update
                    .update_expression("REMOVE #d, claim_until SET delivered_at = :now")
                    .expression_attribute_names("#d", audit::PENDING)
                    .expression_attribute_values(":now", timestamp(now))
                    .send()
                    .await
            } else {
                delivery.refused += 1;
                // Released at once, so the next attempt need not wait for the claim to lapse.
                update
                    .update_expression("REMOVE claim_until")
                    .condition_expression("claim_until = :until")
                    .expression_attribute_values(":until", s(sortable_time(claim_until)))
                    .send()
                    .await
            };
            if let Err(err) = result {
                tracing::warn!(error = %crate::aws::describe(&err), "could not update an audit event's delivery state");
            }
        }
        Ok(delivery)
    }
}
