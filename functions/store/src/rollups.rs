//! Reading the day rollups the ingest function maintains (`ROLLUP#DAY#{day}` partitions of the
//! usage table): one item per user (`USER#{email}`) and per model shard (`MODEL#{model}#S{nn}`),
//! each a set of numeric counters; and the month rollups (`ROLLUP#MONTH#{month}`), one item per
//! user with the month's tokens, cost and groups. Dashboards read these instead of scanning logs.

use std::collections::BTreeMap;

use aws_sdk_dynamodb::types::AttributeValue;
use ccwb_core::{Day, Group, Month, UsageTotals};

use crate::dynamo::DynamoStore;
use crate::error::StoreError;
use crate::items::attrs::{Item, s};
use crate::items::usage;

/// Days read at once.
const CONCURRENT_DAYS: usize = 16;

/// Counters by attribute name (`input_tokens`, `cost_micros`, `activity#commit.count`, …).
pub type Counters = BTreeMap<String, u64>;

/// One day's rollup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayRollup {
    /// The UTC day.
    pub day: Day,
    /// Counters per user.
    pub users: BTreeMap<String, Counters>,
    /// Counters per model, the shards summed.
    pub models: BTreeMap<String, Counters>,
    /// Tokens by UTC hour of the day.
    pub hours: [u64; 24],
}

/// A user's line in a month's rollup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthUser {
    /// The user.
    pub identity: String,
    /// The groups of the user's latest token that reported usage.
    pub groups: Vec<Group>,
    /// Tokens and cost this month.
    pub totals: UsageTotals,
}

/// The rollups.
pub trait RollupReads {
    /// Every user with token usage in `month` (one paginated query).
    fn month_users(
        &self,
        month: Month,
    ) -> impl Future<Output = Result<Vec<MonthUser>, StoreError>> + Send;

    /// One user's line in `month`'s rollup, if they used tokens that month.
    fn month_user(
        &self,
        identity: &str,
        month: Month,
    ) -> impl Future<Output = Result<Option<MonthUser>, StoreError>> + Send;

    /// The rollups of `days` (read concurrently, one paginated query per day); days without
    /// usage come back empty.
    fn day_rollups(
        &self,
        days: &[Day],
    ) -> impl Future<Output = Result<Vec<DayRollup>, StoreError>> + Send;
}

impl RollupReads for DynamoStore {
    async fn month_user(
        &self,
        identity: &str,
        month: Month,
    ) -> Result<Option<MonthUser>, StoreError> {
        // A batch of one: BatchGetItem is what the readers of usage items are granted.
        let table = &self.names.usage_table;
        let key = Item::from([
            ("pk".to_owned(), s(usage::month_rollup_pk(month))),
            (
                "sk".to_owned(),
                s(format!("{}{identity}", usage::ROLLUP_USER_PREFIX)),
            ),
        ]);
        let found = self.batch_get(vec![(table.clone(), key)]).await?;
        match found.get(table).and_then(|items| items.first()) {
            Some(item) => decode_month_user(item),
            None => Ok(None),
        }
    }

    async fn month_users(&self, month: Month) -> Result<Vec<MonthUser>, StoreError> {
        let mut users = Vec::new();
        for item in self
            .partition(usage::month_rollup_pk(month), "Query (month rollup)")
            .await?
        {
            // One unreadable line is that user's problem, not every other user's.
            match decode_month_user(&item) {
                Ok(user) => users.extend(user),
                Err(err) => tracing::warn!(error = %err, "month rollup line skipped"),
            }
        }
        Ok(users)
    }

    async fn day_rollups(&self, days: &[Day]) -> Result<Vec<DayRollup>, StoreError> {
        use futures::{StreamExt, TryStreamExt};
        // Concurrent, but bounded: a year-long range must not open hundreds of requests at once.
        futures::stream::iter(days.to_vec())
            .map(|day| self.day_rollup(day))
            .buffered(CONCURRENT_DAYS)
            .try_collect()
            .await
    }
}

/// A month rollup item; `None` for an item of another kind.
fn decode_month_user(item: &Item) -> Result<Option<MonthUser>, StoreError> {
    let Some(identity) = item
        .get("sk")
        .and_then(|v| v.as_s().ok())
        .and_then(|sk| sk.strip_prefix(usage::ROLLUP_USER_PREFIX))
    else {
        return Ok(None);
    };
    let groups = match item.get(usage::GROUPS) {
        Some(AttributeValue::L(names)) => names
            .iter()
            .filter_map(|v| v.as_s().ok())
            .filter_map(|name| Group::parse(name))
            .collect(),
        _ => Vec::new(),
    };
    Ok(Some(MonthUser {
        identity: identity.to_owned(),
        groups,
        totals: usage::decode_totals(item)?,
    }))
}

impl DynamoStore {
    async fn day_rollup(&self, day: Day) -> Result<DayRollup, StoreError> {
        let mut rollup = DayRollup {
            day,
            users: BTreeMap::new(),
            models: BTreeMap::new(),
            hours: [0; 24],
        };
        for item in self
            .partition(usage::day_rollup_pk(day), "Query (day rollup)")
            .await?
        {
            let Some(sk) = item.get("sk").and_then(|v| v.as_s().ok()) else {
                continue;
            };
            let counters: Counters = item
                .iter()
                .filter_map(|(name, value)| {
                    let number = ccwb_core::usage::stored_count(value.as_n().ok()?)?;
                    Some((name.clone(), number))
                })
                .collect();
            // `HOURS#S{nn}` shards (and the unsharded `HOURS` of earlier versions).
            if sk
                .strip_prefix(crate::ingest::HOURS_ITEM)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with("#S"))
            {
                for (name, value) in &counters {
                    if let Some(hour) = name
                        .strip_prefix('h')
                        .and_then(|h| h.parse::<usize>().ok())
                        .filter(|h| *h < 24)
                    {
                        rollup.hours[hour] = rollup.hours[hour].saturating_add(*value);
                    }
                }
            } else if let Some(user) = sk.strip_prefix(usage::ROLLUP_USER_PREFIX) {
                merge(rollup.users.entry(user.to_owned()).or_default(), &counters);
            } else if let Some(model) = sk
                .strip_prefix("MODEL#")
                .and_then(|rest| rest.rsplit_once("#S").map(|(model, _)| model))
            {
                merge(
                    rollup.models.entry(model.to_owned()).or_default(),
                    &counters,
                );
            }
        }
        Ok(rollup)
    }

    /// Every item of the usage table's partition `pk` (the table's own key, no index), paged.
    async fn partition(&self, pk: String, operation: &str) -> Result<Vec<Item>, StoreError> {
        let mut items = Vec::new();
        let mut start: Option<Item> = None;
        loop {
            let output = self
                .client
                .query()
                .table_name(&self.names.usage_table)
                .key_condition_expression("pk = :pk")
                .expression_attribute_values(":pk", s(pk.clone()))
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(|e| self.aws_error(operation, &e))?;
            items.extend(output.items.unwrap_or_default());
            match output.last_evaluated_key {
                Some(key) if !key.is_empty() => start = Some(key),
                _ => return Ok(items),
            }
        }
    }
}

fn merge(into: &mut Counters, from: &Counters) {
    for (name, value) in from {
        let sum = into.entry(name.clone()).or_default();
        *sum = sum.saturating_add(*value);
    }
}
