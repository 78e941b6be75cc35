//! Usage alerts to SNS, each sent once: an alert is first recorded with a conditional write
//! (`USER#{email}` / `ALERT#{period}#{limit}#{level}`, status `pending`), so a level reached again
//! is not alerted again; it is then claimed, published and marked `sent`. A failed publish leaves
//! it pending, and the next ingest for that user tries again.

use std::future::Future;

use ccwb_core::alerts::Alert;
use time::OffsetDateTime;

use crate::StoreError;
use crate::dynamo::{DynamoStore, key_of};
use crate::items::attrs::{Item, n, s, sortable_time};
use crate::items::usage::user_pk;
use crate::tables::TTL_ATTRIBUTE;

/// How long an alert's record outlives its period.
const ALERT_KEPT_AFTER_PERIOD: time::Duration = time::Duration::days(7);

/// Alert sending.
pub trait AlertStore {
    /// Records the alerts not seen before and publishes every pending alert of `identity`;
    /// returns how many were published.
    fn send_alerts(
        &self,
        identity: &str,
        alerts: &[Alert],
    ) -> impl Future<Output = Result<usize, StoreError>> + Send;
}

impl AlertStore for DynamoStore {
    async fn send_alerts(&self, identity: &str, alerts: &[Alert]) -> Result<usize, StoreError> {
        let table = &self.names.usage_table;
        for alert in alerts {
            let body =
                serde_json::to_string(alert).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            let item = Item::from([
                ("pk".to_owned(), s(user_pk(identity))),
                ("sk".to_owned(), s(format!("ALERT#{}", alert.dedup_key()))),
                ("status".to_owned(), s("pending")),
                ("body".to_owned(), s(body)),
                (
                    "created_at".to_owned(),
                    s(sortable_time(OffsetDateTime::now_utc())),
                ),
                // Once its period is over the alert cannot be reached again: DynamoDB deletes
                // the record a week later, so a user's pending-alert query stays small.
                (
                    TTL_ATTRIBUTE.to_owned(),
                    n((alert.period_end + ALERT_KEPT_AFTER_PERIOD)
                        .unix_timestamp()
                        .max(0) as u64),
                ),
            ]);
            let put = self
                .client
                .put_item()
                .table_name(table)
                .set_item(Some(item))
                .condition_expression("attribute_not_exists(pk)")
                .send()
                .await;
            match put {
                Ok(_) => {}
                Err(err)
                    if err
                        .as_service_error()
                        .is_some_and(|e| e.is_conditional_check_failed_exception()) => {}
                Err(err) => return Err(self.aws_error("PutItem", &err)),
            }
        }

        let pending = self
            .client
            .query()
            .table_name(table)
            .key_condition_expression("pk = :pk AND begins_with(sk, :alert)")
            .filter_expression("#status = :pending")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":pk", s(user_pk(identity)))
            .expression_attribute_values(":alert", s("ALERT#"))
            .expression_attribute_values(":pending", s("pending"))
            .send()
            .await
            .map_err(|e| self.aws_error("Query", &e))?;
        let Some(topic) = self.names.alert_topic_arn.clone() else {
            if pending.count() > 0 {
                tracing::warn!(
                    "usage alerts are pending but no alert topic is configured (CCWB_ALERT_TOPIC_ARN)"
                );
            }
            return Ok(0);
        };
        let now = OffsetDateTime::now_utc();
        let mut published = 0;
        for item in pending.items() {
            let key = key_of(item);
            let claimed = self
                .claim(
                    table,
                    key.clone(),
                    "#status = :pending",
                    &[("#status", "status")],
                    vec![(":pending", s("pending"))],
                    now,
                )
                .await?;
            if !claimed {
                continue;
            }
            let body = item
                .get("body")
                .and_then(|v| v.as_s().ok())
                .cloned()
                .unwrap_or_default();
            let subject = serde_json::from_str::<serde_json::Value>(&body)
                .ok()
                .and_then(|v| {
                    Some(format!(
                        "ccwb: {} at {}% of {}",
                        v["identity"].as_str()?,
                        v["level"],
                        v["limit"].as_str()?
                    ))
                })
                .unwrap_or_else(|| "ccwb usage alert".into());
            let sent = self
                .sns
                .publish()
                .topic_arn(&topic)
                .subject(subject.chars().take(100).collect::<String>())
                .message(&body)
                .send()
                .await;
            let update = self
                .client
                .update_item()
                .table_name(table)
                .set_key(Some(key));
            let result = match sent {
                Ok(_) => {
                    published += 1;
                    update
                        .update_expression("SET #status = :sent REMOVE claim_until")
                        .expression_attribute_names("#status", "status")
                        .expression_attribute_values(":sent", s("sent"))
                        .send()
                        .await
                }
                Err(err) => {
                    tracing::warn!(error = %crate::aws::describe(&err), "usage alert stays pending: SNS refused it");
                    update.update_expression("REMOVE claim_until").send().await
                }
            };
            if let Err(err) = result {
                tracing::warn!(error = %crate::aws::describe(&err), "could not update an alert's state");
            }
        }
        Ok(published)
    }
}
