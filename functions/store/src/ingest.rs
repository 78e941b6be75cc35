//! Recording usage exactly once: each series keeps a watermark (time, start, value of the last
//! point counted), written in the same `TransactWriteItems` as the counter `ADD`s, conditional on
//! the watermark read. A replayed request, a retry, or the same point in two requests therefore
//! never counts twice, and concurrent requests for one user never lose an update: a transaction
//! that lost a race is cancelled, and the round is read and tried again.

use std::collections::{BTreeMap, HashMap};
use std::future::Future;

use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem, Update};
use ccwb_core::telemetry::{CounterPoint, Watermark, increase, token_increment};
use ccwb_core::{Day, Group, PriceTable};

use crate::StoreError;
use crate::dynamo::{DynamoStore, Transacted, after_race};
use crate::items::attrs::{Item, Reader, n, s};
use crate::items::usage::{
    self, CLAUDE_CODE_COST_MICROS, COST_MICROS, MODEL_PREFIX, TOTAL_TOKENS, user_pk,
};

/// Items per transaction: DynamoDB's limit. A point touches its watermark and the counter items
/// of its day, month and model (a token point up to 6, a reported-cost point 3), so a
/// transaction takes points until their items would exceed it.
pub(crate) const ITEMS_PER_TRANSACTION: usize = 100;

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
    /// Counts token-usage, reported-cost and activity `points` of `identity` exactly once,
    /// tokens priced by `prices`. The user's
    /// `groups` (from the token) are kept with the month's rollup, so dashboards can resolve
    /// the user's policy.
    fn record_usage(
        &self,
        identity: &str,
        groups: &[Group],
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

/// The items of a day rollup counting tokens by UTC hour (`h00` … `h23`): `HOURS#S{nn}`, one
/// per shard, summed by readers.
pub const HOURS_ITEM: &str = "HOURS";

/// Shards of the day rollup's items that every user adds to (per model, per hour).
const MODEL_ROLLUP_SHARDS: u8 = 16;

/// The rollup shard of a user: stable, spread evenly.
fn shard(identity: &str) -> u8 {
    let hash = identity.bytes().fold(0x811c_9dc5_u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    });
    (hash % u32::from(MODEL_ROLLUP_SHARDS)) as u8
}

/// Counter additions by item key (`pk`, `sk`) and attribute.
pub(crate) type CounterAdds = BTreeMap<(String, String), BTreeMap<String, u64>>;

/// Adds what `point` increased by (`amount`) to the counters of every item it counts in: for
/// tokens the user's month and day, the day rollup (user, model shard, hours) and the month
/// rollup; for Claude Code's reported cost the user's month and day and the day rollup's model
/// shard (beside ccwb's cost, never in `cost_micros`); for activity the user's day and rollup.
pub(crate) fn add_point(
    counters: &mut CounterAdds,
    identity: &str,
    point: &CounterPoint,
    amount: u64,
    prices: &PriceTable,
) {
    let user = user_pk(identity);
    let user_rollup = format!("{}{identity}", usage::ROLLUP_USER_PREFIX);
    let day = Day::of(point.time());
    let rollup = usage::day_rollup_pk(day);
    let mut add = |pk: &String, sk: &str, name: &str, value: u64| {
        let sum = counters
            .entry((pk.clone(), sk.to_owned()))
            .or_default()
            .entry(name.to_owned())
            .or_default();
        *sum = sum.saturating_add(value);
    };
    if let Some(counter) = point.activity_counter() {
        add(&user, &format!("DAY#{day}"), &counter, amount);
        add(&rollup, &user_rollup, &counter, amount);
    }
    // The hour and per-model rollups are shared by every user: sharded so that concurrent
    // ingests of different users rarely touch the same item (a transaction touching an item
    // another one is writing is cancelled and retried).
    let shard = shard(identity);
    if let Some(model) = point.reported_cost() {
        for sk in [format!("MONTH#{}", day.month()), format!("DAY#{day}")] {
            add(&user, &sk, CLAUDE_CODE_COST_MICROS, amount);
            add(
                &user,
                &sk,
                &format!("{MODEL_PREFIX}{model}#{CLAUDE_CODE_COST_MICROS}"),
                amount,
            );
        }
        let model_rollup = format!("MODEL#{model}#S{shard:02}");
        add(&rollup, &model_rollup, CLAUDE_CODE_COST_MICROS, amount);
        return;
    }
    let Some(usage) = token_increment(point, amount, prices) else {
        return;
    };
    let type_name = type_counter(usage.token_type);
    // Tokens by UTC hour of the day, for the dashboard's hour-by-weekday heatmap.
    add(
        &rollup,
        &format!("{HOURS_ITEM}#S{shard:02}"),
        &format!("h{:02}", point.time().hour()),
        usage.tokens,
    );
    let model_rollup = format!("MODEL#{}#S{shard:02}", usage.model);
    for (pk, sk) in [(&rollup, user_rollup.as_str()), (&rollup, &model_rollup)] {
        add(pk, sk, type_name, usage.tokens);
        add(pk, sk, TOTAL_TOKENS, usage.tokens);
        add(pk, sk, COST_MICROS, usage.cost.0);
    }
    // The month rollup: who used what this month, for the quota-status dashboard widget.
    let month_rollup = usage::month_rollup_pk(day.month());
    add(&month_rollup, &user_rollup, TOTAL_TOKENS, usage.tokens);
    add(&month_rollup, &user_rollup, COST_MICROS, usage.cost.0);
    for sk in [format!("MONTH#{}", day.month()), format!("DAY#{day}")] {
        add(&user, &sk, type_name, usage.tokens);
        add(&user, &sk, TOTAL_TOKENS, usage.tokens);
        add(&user, &sk, COST_MICROS, usage.cost.0);
        add(
            &user,
            &sk,
            &format!("{MODEL_PREFIX}{}#{type_name}", usage.model),
            usage.tokens,
        );
        add(
            &user,
            &sk,
            &format!("{MODEL_PREFIX}{}#{COST_MICROS}", usage.model),
            usage.cost.0,
        );
    }
}

/// Splits `elements` into runs that fit one transaction of at most [`ITEMS_PER_TRANSACTION`]
/// items: an item of each element's own (a watermark, a marker) plus the distinct counter
/// items `counters_of` gives the elements of the run.
pub(crate) fn fitting<T>(elements: &[T], counters_of: impl Fn(&T) -> CounterAdds) -> Vec<&[T]> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut items: std::collections::BTreeSet<(String, String)> = Default::default();
    for (i, element) in elements.iter().enumerate() {
        let own = counters_of(element);
        let new = own.keys().filter(|k| !items.contains(*k)).count();
        if i > start && (i - start + 1) + items.len() + new > ITEMS_PER_TRANSACTION {
            out.push(&elements[start..i]);
            start = i;
            items.clear();
        }
        items.extend(own.into_keys());
    }
    if start < elements.len() {
        out.push(&elements[start..]);
    }
    out
}

/// The `ADD` updates of `counters` in `table`; the month rollup's items also get the user's
/// `groups` when known (the groups of the latest token: what the dashboard resolves policies by).
pub(crate) fn counter_updates(
    table: &str,
    counters: CounterAdds,
    groups: Option<&[Group]>,
) -> Result<Vec<TransactWriteItem>, StoreError> {
    let group_names: Option<Vec<AttributeValue>> = groups.map(|groups| {
        groups
            .iter()
            .map(|g| AttributeValue::S(g.as_str().to_owned()))
            .collect()
    });
    let mut items = Vec::new();
    for ((pk, sk), adds) in counters {
        let mut update = Update::builder()
            .table_name(table)
            .key("pk", s(pk.clone()))
            .key("sk", s(sk));
        let mut parts = Vec::new();
        for (i, (name, value)) in adds.into_iter().enumerate() {
            parts.push(format!("#n{i} :v{i}"));
            update = update
                .expression_attribute_names(format!("#n{i}"), name)
                .expression_attribute_values(format!(":v{i}"), n(value));
        }
        let mut expression = format!("ADD {}", parts.join(", "));
        if let Some(names) = group_names
            .as_ref()
            .filter(|_| pk.starts_with(usage::MONTH_ROLLUP_PREFIX))
        {
            expression.push_str(" SET #groups = :groups");
            update = update
                .expression_attribute_names("#groups", usage::GROUPS)
                .expression_attribute_values(":groups", AttributeValue::L(names.clone()));
        }
        let update = update
            .update_expression(expression)
            .build()
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        items.push(TransactWriteItem::builder().update(update).build());
    }
    Ok(items)
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
        groups: &[Group],
        round: &[(&String, &CounterPoint)],
        prices: &PriceTable,
    ) -> Result<Option<Recorded>, StoreError> {
        let series: Vec<String> = round.iter().map(|(id, _)| (*id).clone()).collect();
        let marks = self.watermarks(identity, &series).await?;
        let table = &self.names.usage_table;
        let mut items = Vec::new();
        let mut outcome = Recorded::default();
        let mut counters = CounterAdds::new();
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
            add_point(&mut counters, identity, point, amount, prices);
        }
        items.extend(counter_updates(table, counters, Some(groups))?);
        if items.is_empty() {
            return Ok(Some(outcome));
        }
        // A cancelled round (a watermark moved meanwhile) is read again and retried whole.
        Ok(match self.transact(items).await? {
            Transacted::Done => Some(outcome),
            Transacted::Cancelled(_) => None,
        })
    }
}

impl UsageStore for DynamoStore {
    async fn record_usage(
        &self,
        identity: &str,
        groups: &[Group],
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
            let counters_of = |(_, point): &(&String, &CounterPoint)| {
                let mut own = CounterAdds::new();
                add_point(&mut own, identity, point, 1, prices);
                own
            };
            for chunk in fitting(&round, counters_of) {
                let mut attempt = 0;
                loop {
                    if let Some(done) = self.try_round(identity, groups, chunk, prices).await? {
                        total.counted += done.counted;
                        total.duplicates += done.duplicates;
                        total.increases.extend(done.increases);
                        break;
                    }
                    after_race(&mut attempt, "the client will retry").await?;
                }
            }
        }
        Ok(total)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ccwb_core::telemetry::{COST_USAGE, TOKEN_USAGE, Temporality};

    fn point(metric: &str, attributes: &[(&str, &str)]) -> CounterPoint {
        CounterPoint {
            metric: metric.to_owned(),
            attributes: attributes
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            start_nanos: 0,
            // 2026-11-21 10:00 UTC
            time_nanos: 1_795_255_200_000_000_000,
            value: 0,
            temporality: Temporality::Delta,
        }
    }

    fn adds(point: &CounterPoint, amount: u64) -> CounterAdds {
        let mut counters = CounterAdds::new();
        add_point(
            &mut counters,
            "a@x.io",
            point,
            amount,
            &PriceTable::default(),
        );
        counters
    }

    #[test]
    fn claude_codes_cost_goes_beside_ours_never_into_it() {
        let cost = adds(
            &point(COST_USAGE, &[("model", "claude-opus-5-5")]),
            1_234_567,
        );
        let shard = shard("a@x.io");
        let expected = |sk: &str| {
            (
                (user_pk("a@x.io"), sk.to_owned()),
                BTreeMap::from([
                    (CLAUDE_CODE_COST_MICROS.to_owned(), 1_234_567),
                    (
                        format!("model#claude-opus-5-5#{CLAUDE_CODE_COST_MICROS}"),
                        1_234_567,
                    ),
                ]),
            )
        };
        assert_eq!(
            cost,
            CounterAdds::from([
                expected("DAY#2026-11-21"),
                expected("MONTH#2026-11"),
                (
                    (
                        "ROLLUP#DAY#2026-11-21".to_owned(),
                        format!("MODEL#claude-opus-5-5#S{shard:02}")
                    ),
                    BTreeMap::from([(CLAUDE_CODE_COST_MICROS.to_owned(), 1_234_567)]),
                ),
            ])
        );
        // A token point of the same model: ccwb's price, in the counters limits read.
        let tokens = adds(
            &point(
                TOKEN_USAGE,
                &[("model", "claude-opus-5-5"), ("type", "output")],
            ),
            1_000,
        );
        let month = &tokens[&(user_pk("a@x.io"), "MONTH#2026-11".to_owned())];
        assert_eq!(month[COST_MICROS], 20_000);
        assert!(!month.contains_key(CLAUDE_CODE_COST_MICROS));
    }
}
