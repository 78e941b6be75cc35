//! What a quota check reads: the caller's policies, this month's and today's usage, and the
//! current unblock, in one DynamoDB `BatchGetItem`.

use std::collections::HashMap;
use std::future::Future;
use std::time::Duration;

use aws_config::SdkConfig;
use aws_sdk_dynamodb::types::KeysAndAttributes;
use ccwb_core::{Day, DayUsage, Group, Identity, MonthUsage, Policy, PolicyType, Unblock};

use crate::aws::{describe, endpoint_label};
use crate::items::attrs::Item;
use crate::items::{policy, unblock, usage};
use crate::{ResourceNames, StoreError};

/// DynamoDB's limit of keys per `BatchGetItem`.
const MAX_KEYS_PER_BATCH: usize = 100;
/// Retries of keys DynamoDB left unprocessed (throttling), with doubling back-off from 20 ms.
const UNPROCESSED_RETRIES: u32 = 5;

/// Everything one check needs, as found (absent items are `None`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CheckInputs {
    /// The user's policy.
    pub user: Option<Policy>,
    /// Policies of the user's groups that exist.
    pub groups: Vec<Policy>,
    /// The default policy.
    pub default: Option<Policy>,
    /// This month's usage item.
    pub month: Option<MonthUsage>,
    /// Today's usage item.
    pub day: Option<DayUsage>,
    /// The current unblock item.
    pub unblock: Option<Unblock>,
}

/// Reads for quota checks.
pub trait QuotaReads {
    /// The inputs of a check for `identity` in `groups` on `today`.
    fn check_inputs(
        &self,
        identity: &Identity,
        groups: &[Group],
        today: Day,
    ) -> impl Future<Output = Result<CheckInputs, StoreError>> + Send;
}

/// The DynamoDB implementation.
#[derive(Debug, Clone)]
pub struct DynamoQuotaStore {
    client: aws_sdk_dynamodb::Client,
    names: ResourceNames,
    endpoint: String,
}

impl DynamoQuotaStore {
    /// A store using `config` and the tables in `names`.
    pub fn new(config: &SdkConfig, names: ResourceNames) -> Self {
        Self {
            client: aws_sdk_dynamodb::Client::new(config),
            endpoint: endpoint_label(config),
            names,
        }
    }

    /// Gets every key in as few requests as DynamoDB allows (one for up to 100 keys), retrying
    /// unprocessed keys with back-off. Returns the items found, by table.
    async fn batch_get(
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
                tokio::time::sleep(Duration::from_millis(20 << retries)).await;
                retries += 1;
                pending.extend(unprocessed);
            }
        }
        Ok(found)
    }
}

impl QuotaReads for DynamoQuotaStore {
    async fn check_inputs(
        &self,
        identity: &Identity,
        groups: &[Group],
        today: Day,
    ) -> Result<CheckInputs, StoreError> {
        let id = identity.as_str();
        let policies = &self.names.policies_table;
        let usage_table = &self.names.usage_table;
        let mut keys = vec![
            (policies.clone(), policy::key(PolicyType::User, id)),
            (
                policies.clone(),
                policy::key(PolicyType::Default, "default"),
            ),
            (usage_table.clone(), usage::month_key(id, today.month())),
            (usage_table.clone(), usage::day_key(id, today)),
            (usage_table.clone(), unblock::key(id)),
        ];
        keys.extend(
            groups
                .iter()
                .map(|g| (policies.clone(), policy::key(PolicyType::Group, g.as_str()))),
        );

        let found = self.batch_get(keys).await?;
        let mut inputs = CheckInputs::default();
        for item in found.get(policies).into_iter().flatten() {
            let decoded = policy::decode(item)?;
            match decoded.policy_type {
                PolicyType::User => inputs.user = Some(decoded),
                PolicyType::Group => inputs.groups.push(decoded),
                PolicyType::Default => inputs.default = Some(decoded),
            }
        }
        let month_sk = format!("MONTH#{}", today.month());
        let day_sk = format!("DAY#{today}");
        for item in found.get(usage_table).into_iter().flatten() {
            let sk = item
                .get("sk")
                .and_then(|v| v.as_s().ok())
                .map(String::as_str);
            match sk {
                Some(sk) if sk == month_sk => {
                    inputs.month = Some(usage::decode_month(today.month(), item)?)
                }
                Some(sk) if sk == day_sk => inputs.day = Some(usage::decode_day(today, item)?),
                Some(unblock::CURRENT) => inputs.unblock = Some(unblock::decode(item)?),
                _ => {}
            }
        }
        Ok(inputs)
    }
}
