//! Recording usage exactly once: each series keeps a watermark (time, start, value of the last
//! point counted), written in the same `TransactWriteItems` as the counter `ADD`s, conditional on
//! the watermark read. A replayed request, a retry, or the same point in two requests therefore
//! never counts twice, and concurrent requests for one user never lose an update: a transaction
//! that lost a race is cancelled, and the round is read and tried again.

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::time::Duration;

use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{Put, TransactWriteItem, Update};
use ccwb_core::telemetry::{CounterPoint, Watermark, increase, token_increment};
use ccwb_core::{Day, PriceTable};

use crate::StoreError;
use crate::dynamo::DynamoStore;
use crate::items::attrs::{Item, Reader, n, s};
use crate::items::usage::{self, COST_MICROS, MODEL_PREFIX, TOTAL_TOKENS, user_pk};

/// Points per transaction: one watermark each, plus the month and day counter items.
const POINTS_PER_TRANSACTION: usize = 40;
/// Attempts of one round before giving up (each re-reads the watermarks).
const ATTEMPTS: u32 = 12;

/// What a request's points did.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Recorded {
    /// Points that added usage.
    pub counted: usize,
    /// Points counted before (replays and retries).
    pub duplicates: usize,
    /// The counted points with what each added, for the raw copy in S3.
    pub increases: Vec<(CounterPoint, u64)>,
}

/// Usage recording.
pub trait UsageStore {
    /// Counts token-usage `points` of `identity` exactly once, priced by `prices`.
    fn record_usage(
        &self,
        identity: &str,
        points: &[CounterPoint],
        prices: &PriceTable,
    ) -> impl Future<Output = Result<Recorded, StoreError>> + Send;
}

fn watermark_key(identity: &str, series: &str) -> Item {
    Item::from([
        ("pk".to_owned(), s(user_pk(identity))),
        ("sk".to_owned(), s(format!("SERIES#{series}"))),
    ])
}

fn type_counter(token_type: ccwb_core::TokenType) -> &'static str {
    match token_type {
        ccwb_core::TokenType::Input => usage::INPUT_TOKENS,
        ccwb_core::TokenType::Output => usage::OUTPUT_TOKENS,
        ccwb_core::TokenType::CacheRead => usage::CACHE_READ_TOKENS,
        ccwb_core::TokenType::CacheWrite => usage::CACHE_WRITE_TOKENS,
    }
}

/// The item of a day rollup counting tokens by UTC hour (`h00` … `h23`).
pub const HOURS_ITEM: &str = "HOURS";

/// Shards of the per-model day rollup.
const MODEL_ROLLUP_SHARDS: u8 = 16;

/// The rollup shard of a user: stable, spread evenly.
fn shard(identity: &str) -> u8 {
    let hash = identity.bytes().fold(0x811c_9dc5_u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    });
    (hash % u32::from(MODEL_ROLLUP_SHARDS)) as u8
}

impl DynamoStore {
    async fn watermarks(
        &self,
        identity: &str,
        series: &[String],
    ) -> Result<HashMap<String, Watermark>, StoreError> {
        let table = &self.names.usage_table;
        let keys = series
            .iter()
            .map(|id| (table.clone(), watermark_key(identity, id)))
            .collect();
        let found = self.batch_get(keys).await?;
        let mut marks = HashMap::new();
        for item in found.get(table).into_iter().flatten() {
            let r = Reader::new(item);
            let series = r.string("sk")?.trim_start_matches("SERIES#").to_owned();
            marks.insert(
                series,
                Watermark {
                    time_nanos: r.u64_or_zero("time_nanos")?,
                    start_nanos: r.u64_or_zero("start_nanos")?,
                    value: r.u64_or_zero("value")?,
                },
            );
        }
        Ok(marks)
    }

    /// One attempt at one round (each series at most once). `Ok(None)` when cancelled by a race.
    async fn try_round(
        &self,
        identity: &str,
        round: &[(&String, &CounterPoint)],
        prices: &PriceTable,
    ) -> Result<Option<Recorded>, StoreError> {
        let series: Vec<String> = round.iter().map(|(id, _)| (*id).clone()).collect();
        let marks = self.watermarks(identity, &series).await?;
        let table = &self.names.usage_table;
        let mut items = Vec::new();
        let mut outcome = Recorded::default();
        // Counter additions by item key (sk) and attribute.
        let mut counters: BTreeMap<(String, String), BTreeMap<String, u64>> = BTreeMap::new();
        let user = user_pk(identity);
        let user_rollup = format!("USER#{identity}");
        for (id, point) in round {
            let mark = marks.get(*id);
            let Some(amount) = increase(point, mark) else {
                outcome.duplicates += 1;
                continue;
            };
            outcome.counted += 1;
            outcome.increases.push(((*point).clone(), amount));
            let mut watermark = watermark_key(identity, id);
            watermark.insert("time_nanos".into(), n(point.time_nanos));
            watermark.insert("start_nanos".into(), n(point.start_nanos));
            watermark.insert("value".into(), n(point.value));
            let mut put = Put::builder().table_name(table).set_item(Some(watermark));
            put = match mark {
                Some(m) => put
                    .condition_expression("time_nanos = :seen")
                    .expression_attribute_values(":seen", n(m.time_nanos)),
                None => put.condition_expression("attribute_not_exists(pk)"),
            };
            items.push(
                TransactWriteItem::builder()
                    .put(
                        put.build()
                            .map_err(|e| StoreError::Corrupt(e.to_string()))?,
                    )
                    .build(),
            );

            let day = Day::of(point.time());
            let rollup = format!("ROLLUP#DAY#{day}");
            if let Some(counter) = point.activity_counter() {
                for key in [
                    (user.clone(), format!("DAY#{day}")),
                    (rollup.clone(), user_rollup.clone()),
                ] {
                    *counters
                        .entry(key)
                        .or_default()
                        .entry(counter.clone())
                        .or_default() += amount;
                }
            }
            let Some(add) = token_increment(point, amount, prices) else {
                continue;
            };
            // The per-model rollup is shared by every user: sharded so that concurrent
            // ingests of different users rarely touch the same item.
            let model_rollup = (
                rollup.clone(),
                format!("MODEL#{}#S{:02}", add.model, shard(identity)),
            );
            let type_name = type_counter(add.token_type);
            // Tokens by UTC hour of the day, for the dashboard's hour-by-weekday heatmap.
            *counters
                .entry((rollup.clone(), HOURS_ITEM.to_owned()))
                .or_default()
                .entry(format!("h{:02}", point.time().hour()))
                .or_default() += add.tokens;
            for key in [(rollup, user_rollup.clone()), model_rollup] {
                let entry = counters.entry(key).or_default();
                *entry.entry(type_name.to_owned()).or_default() += add.tokens;
                *entry.entry(TOTAL_TOKENS.to_owned()).or_default() += add.tokens;
                *entry.entry(COST_MICROS.to_owned()).or_default() += add.cost.0;
            }
            for sk in [format!("MONTH#{}", day.month()), format!("DAY#{day}")] {
                let entry = counters.entry((user.clone(), sk)).or_default();
                *entry.entry(type_name.to_owned()).or_default() += add.tokens;
                *entry.entry(TOTAL_TOKENS.to_owned()).or_default() += add.tokens;
                *entry.entry(COST_MICROS.to_owned()).or_default() += add.cost.0;
                *entry
                    .entry(format!("{MODEL_PREFIX}{}#{type_name}", add.model))
                    .or_default() += add.tokens;
                *entry
                    .entry(format!("{MODEL_PREFIX}{}#{COST_MICROS}", add.model))
                    .or_default() += add.cost.0;
            }
        }
        for ((pk, sk), adds) in counters {
            let mut update = Update::builder()
                .table_name(table)
                .key("pk", s(pk))
                .key("sk", s(sk));
            let mut parts = Vec::new();
            for (i, (name, value)) in adds.into_iter().enumerate() {
                parts.push(format!("#n{i} :v{i}"));
                update = update
                    .expression_attribute_names(format!("#n{i}"), name)
                    .expression_attribute_values(format!(":v{i}"), n(value));
            }
            let update = update
                .update_expression(format!("ADD {}", parts.join(", ")))
                .build()
                .map_err(|e| StoreError::Corrupt(e.to_string()))?;
            items.push(TransactWriteItem::builder().update(update).build());
        }
        if items.is_empty() {
            return Ok(Some(outcome));
        }
        match self
            .client
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await
        {
            Ok(_) => Ok(Some(outcome)),
            Err(err) => match err.as_service_error() {
                Some(TransactWriteItemsError::TransactionCanceledException(_))
                | Some(TransactWriteItemsError::ThrottlingException(_))
                | Some(TransactWriteItemsError::TransactionInProgressException(_)) => Ok(None),
                _ => Err(self.aws_error("TransactWriteItems", &err)),
            },
        }
    }
}

impl UsageStore for DynamoStore {
    async fn record_usage(
        &self,
        identity: &str,
        points: &[CounterPoint],
        prices: &PriceTable,
    ) -> Result<Recorded, StoreError> {
        // Each series' points in time order; round r takes the r-th point of every series, so a
        // transaction never touches one watermark twice.
        let mut by_series: BTreeMap<String, Vec<&CounterPoint>> = BTreeMap::new();
        for point in points {
            by_series.entry(point.series()).or_default().push(point);
        }
        for series_points in by_series.values_mut() {
            series_points.sort_by_key(|p| p.time_nanos);
        }
        let rounds = by_series.values().map(Vec::len).max().unwrap_or(0);
        let mut total = Recorded::default();
        for r in 0..rounds {
            let round: Vec<(&String, &CounterPoint)> = by_series
                .iter()
                .filter_map(|(id, ps)| ps.get(r).map(|p| (id, *p)))
                .collect();
            for chunk in round.chunks(POINTS_PER_TRANSACTION) {
                let mut attempt = 0;
                loop {
                    if let Some(done) = self.try_round(identity, chunk, prices).await? {
                        total.counted += done.counted;
                        total.duplicates += done.duplicates;
                        total.increases.extend(done.increases);
                        break;
                    }
                    attempt += 1;
                    if attempt == ATTEMPTS {
                        return Err(StoreError::Conflict(
                            "usage kept changing concurrently; the client will retry".into(),
                        ));
                    }
                    tokio::time::sleep(Duration::from_millis(10 << attempt.min(6))).await;
                }
            }
        }
        Ok(total)
    }
}
