//! The DynamoDB store: one client and the table names, implementing every store trait.

use std::collections::HashMap;
use std::time::Duration;

use aws_config::SdkConfig;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{KeysAndAttributes, TransactWriteItem};

use crate::aws::{describe, endpoint_label};
use crate::items::attrs::Item;
use crate::{ResourceNames, StoreError};

/// DynamoDB's limit of keys per `BatchGetItem`.
const MAX_KEYS_PER_BATCH: usize = 100;
/// Retries of keys DynamoDB left unprocessed (throttling), with doubling back-off from 20 ms.
pub(crate) const UNPROCESSED_RETRIES: u32 = 5;
/// The pause before retry `attempt` (from 0) of a throttled or cancelled request: 20 ms doubling,
/// at most 1.28 s. The one back-off of every retry loop in the store.
pub(crate) fn backoff(attempt: u32) -> Duration {
    Duration::from_millis(20 << attempt.min(6))
}

/// Attempts of one usage transaction that other writers keep cancelling before giving up.
pub(crate) const ATTEMPTS: u32 = 12;

/// After usage transaction `attempt` was cancelled by a race: the back-off, or, after
/// [`ATTEMPTS`], a conflict saying `who_retries` (the usage is not lost: it arrives again).
pub(crate) async fn after_race(attempt: &mut u32, who_retries: &str) -> Result<(), StoreError> {
    *attempt += 1;
    if *attempt == ATTEMPTS {
        return Err(StoreError::Conflict(format!(
            "usage kept changing concurrently; {who_retries}"
        )));
    }
    tokio::time::sleep(backoff(*attempt)).await;
    Ok(())
}

/// How one `TransactWriteItems` ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Transacted {
    /// Every write applied.
    Done,
    /// Nothing applied. The indexes of the items whose condition failed; empty when DynamoDB
    /// cancelled for a passing reason (a conflicting transaction, throttling): worth a retry.
    Cancelled(Vec<usize>),
}

/// How long a sender's claim on an item (audit event, alert, outbox record) lasts before
/// another sender may take it over.
pub(crate) const CLAIM: Duration = Duration::from_secs(60);

/// The DynamoDB implementation.
#[derive(Debug, Clone)]
pub struct DynamoStore {
    pub(crate) client: aws_sdk_dynamodb::Client,
    pub(crate) firehose: aws_sdk_firehose::Client,
    pub(crate) sns: aws_sdk_sns::Client,
    pub(crate) names: ResourceNames,
    pub(crate) endpoint: String,
}

impl DynamoStore {
    /// A store using `config` and the tables in `names`.
    pub fn new(config: &SdkConfig, names: ResourceNames) -> Self {
        Self {
            client: aws_sdk_dynamodb::Client::new(config),
            firehose: aws_sdk_firehose::Client::new(config),
            sns: aws_sdk_sns::Client::new(config),
            endpoint: endpoint_label(config),
            names,
        }
    }

    /// [`Self::batch_get`] for keys of one `table`: the items found. Each key once (DynamoDB
    /// refuses a request that names one twice).
    pub(crate) async fn batch_get_in(
        &self,
        table: &str,
        keys: impl IntoIterator<Item = Item>,
    ) -> Result<Vec<Item>, StoreError> {
        let keys = keys
            .into_iter()
            .map(|key| (table.to_owned(), key))
            .collect();
        let mut found = self.batch_get(keys).await?;
        Ok(found.remove(table).unwrap_or_default())
    }

    /// Gets every key in as few requests as DynamoDB allows (one for up to 100 keys), retrying
    /// unprocessed keys with back-off. Returns the items found, by table.
    pub(crate) async fn batch_get(
        &self,
        mut pending: Vec<(String, Item)>,
    ) -> Result<HashMap<String, Vec<Item>>, StoreError> {
        let mut found: HashMap<String, Vec<Item>> = HashMap::new();
        let mut retries = 0;
        while !pending.is_empty() {
            let rest = pending.split_off(pending.len().min(MAX_KEYS_PER_BATCH));
            let mut request: HashMap<String, Vec<Item>> = HashMap::new();
            for (table, key) in std::mem::replace(&mut pending, rest) {
                request.entry(table).or_default().push(key);
            }
            let mut builder = self.client.batch_get_item();
            for (table, keys) in request {
                let keys_and_attributes = KeysAndAttributes::builder()
                    .set_keys(Some(keys))
                    .build()
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?;
                builder = builder.request_items(table, keys_and_attributes);
            }
            let output = builder.send().await.map_err(|e| StoreError::Aws {
                operation: "BatchGetItem".into(),
                endpoint: self.endpoint.clone(),
                message: describe(&e),
            })?;
            for (table, items) in output.responses.unwrap_or_default() {
                found.entry(table).or_default().extend(items);
            }
            let unprocessed: Vec<(String, Item)> = output
                .unprocessed_keys
                .unwrap_or_default()
                .into_iter()
                .flat_map(|(table, keys)| keys.keys.into_iter().map(move |k| (table.clone(), k)))
                .collect();
            if !unprocessed.is_empty() {
                if retries == UNPROCESSED_RETRIES {
                    return Err(StoreError::Aws {
                        operation: "BatchGetItem".into(),
                        endpoint: self.endpoint.clone(),
                        message: format!(
                            "{} keys still unprocessed after {retries} retries (throttled)",
                            unprocessed.len()
                        ),
                    });
                }
                tokio::time::sleep(backoff(retries)).await;
                retries += 1;
                pending.extend(unprocessed);
            }
        }
        Ok(found)
    }
}

impl DynamoStore {
    /// Claims `key` in `table` until `now + CLAIM`, for one sender at a time: succeeds only if
    /// `still` holds (e.g. `#status = :pending`, with its `names` and `values`) and nobody holds
    /// a live claim. `Ok(false)` when someone else has it or it is no longer wanted.
    pub(crate) async fn claim(
        &self,
        table: &str,
        key: Item,
        still: &str,
        names: &[(&str, &str)],
        values: Vec<(&str, aws_sdk_dynamodb::types::AttributeValue)>,
        now: time::OffsetDateTime,
    ) -> Result<bool, StoreError> {
        use crate::items::attrs::{s, sortable_time};
        let mut update = self
            .client
            .update_item()
            .table_name(table)
            .set_key(Some(key))
            .update_expression("SET claim_until = :until")
            .condition_expression(format!(
                "{still} AND (attribute_not_exists(claim_until) OR claim_until < :now)"
            ))
            // Fixed-width times compare correctly as strings.
            .expression_attribute_values(":until", s(sortable_time(now + CLAIM)))
            .expression_attribute_values(":now", s(sortable_time(now)));
        for (name, attribute) in names {
            update = update.expression_attribute_names(*name, *attribute);
        }
        for (name, value) in values {
            update = update.expression_attribute_values(name, value);
        }
        match update.send().await {
            Ok(_) => Ok(true),
            Err(err)
                if err
                    .as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                Ok(false)
            }
            Err(err) => Err(self.aws_error("UpdateItem", &err)),
        }
    }

    /// Runs one `TransactWriteItems`; cancellations and throttling are outcomes, not errors.
    pub(crate) async fn transact(
        &self,
        items: Vec<TransactWriteItem>,
    ) -> Result<Transacted, StoreError> {
        let Err(err) = self
            .client
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await
        else {
            return Ok(Transacted::Done);
        };
        match err.as_service_error() {
            Some(TransactWriteItemsError::TransactionCanceledException(cancelled)) => {
                let failed = cancelled
                    .cancellation_reasons()
                    .iter()
                    .enumerate()
                    .filter(|(_, reason)| reason.code() == Some("ConditionalCheckFailed"))
                    .map(|(i, _)| i)
                    .collect();
                Ok(Transacted::Cancelled(failed))
            }
            Some(
                TransactWriteItemsError::ThrottlingException(_)
                | TransactWriteItemsError::ProvisionedThroughputExceededException(_)
                | TransactWriteItemsError::RequestLimitExceeded(_)
                | TransactWriteItemsError::TransactionInProgressException(_),
            ) => Ok(Transacted::Cancelled(Vec::new())),
            _ => Err(self.aws_error("TransactWriteItems", &err)),
        }
    }

    /// The resource names in use.
    pub fn names(&self) -> &ResourceNames {
        &self.names
    }

    /// An AWS error for `operation`.
    pub(crate) fn aws_error<E, R>(
        &self,
        operation: &str,
        err: &aws_sdk_dynamodb::error::SdkError<E, R>,
    ) -> StoreError
    where
        E: std::error::Error + aws_sdk_dynamodb::error::ProvideErrorMetadata + 'static,
        R: std::fmt::Debug,
    {
        StoreError::Aws {
            operation: operation.to_owned(),
            endpoint: self.endpoint.clone(),
            message: describe(err),
        }
    }
}

/// The key (`pk`, `sk`) of a stored item.
pub(crate) fn key_of(item: &Item) -> Item {
    ["pk", "sk"]
        .into_iter()
        .filter_map(|name| item.get(name).map(|v| (name.to_owned(), v.clone())))
        .collect()
}
