//! Usage items: `pk = USER#{identity}`, `sk = MONTH#yyyy-mm` or `DAY#yyyy-mm-dd`, with counters by
//! token type, ccwb's cost (what limits count) and the cost Claude Code reported, both in integer
//! micro-dollars, in total and per model. Ingestion adds to these with `ADD`.

use ccwb_core::{
    Day, DayUsage, ModelUsage, Month, MonthUsage, TokenCounts, UsageDetail, UsageTotals, Usd,
};

use super::attrs::{Item, Reader, s};
use crate::StoreError;

/// Token counter attributes, by token type.
pub const INPUT_TOKENS: &str = "input_tokens";
/// Output tokens.
pub const OUTPUT_TOKENS: &str = "output_tokens";
/// Tokens read from the prompt cache.
pub const CACHE_READ_TOKENS: &str = "cache_read_tokens";
/// Tokens written to the prompt cache.
pub const CACHE_WRITE_TOKENS: &str = "cache_write_tokens";
/// The sum of the four.
pub const TOTAL_TOKENS: &str = "total_tokens";
/// Cost in micro-dollars: the tokens at the deployment's prices (what limits count).
pub const COST_MICROS: &str = "cost_micros";
/// What Claude Code reported it cost (`claude_code.cost.usage`), in micro-dollars: kept beside
/// [`COST_MICROS`], never counted toward limits. On usage items (total and per model) and on the
/// day rollup's model items.
pub const CLAUDE_CODE_COST_MICROS: &str = "claude_code_cost_micros";

/// Prefix of per-model counters: `model#{model id}#{counter}`, top-level so `ADD` can create them.
pub const MODEL_PREFIX: &str = "model#";

/// Partition key prefix of the month rollups (`ROLLUP#MONTH#yyyy-mm`): one item per user who
/// used tokens that month, with `total_tokens`, `cost_micros` and the user's [`GROUPS`].
pub const MONTH_ROLLUP_PREFIX: &str = "ROLLUP#MONTH#";

/// Sort key prefix of a user's item in a rollup (`USER#{identity}`).
pub const ROLLUP_USER_PREFIX: &str = "USER#";

/// The groups of the user's latest token, on the user's month rollup item (a list of strings).
pub const GROUPS: &str = "groups";

/// The partition key of a day's rollup.
pub fn day_rollup_pk(day: Day) -> String {
    format!("ROLLUP#DAY#{day}")
}

/// The partition key of a month's rollup.
pub fn month_rollup_pk(month: Month) -> String {
    format!("{MONTH_ROLLUP_PREFIX}{month}")
}

/// Partition key prefix of a user's items.
pub const USER_PREFIX: &str = "USER#";

/// The partition key of a user's items.
pub fn user_pk(identity: &str) -> String {
    format!("{USER_PREFIX}{identity}")
}

/// The key of a user's month item.
pub fn month_key(identity: &str, month: Month) -> Item {
    Item::from([
        ("pk".to_owned(), s(user_pk(identity))),
        ("sk".to_owned(), s(format!("MONTH#{month}"))),
    ])
}

/// The key of a user's day item.
pub fn day_key(identity: &str, day: Day) -> Item {
    Item::from([
        ("pk".to_owned(), s(user_pk(identity))),
        ("sk".to_owned(), s(format!("DAY#{day}"))),
    ])
}

/// The totals of a usage item.
pub fn decode_totals(item: &Item) -> Result<UsageTotals, StoreError> {
    let r = Reader::new(item);
    let total = match r.opt_u64(TOTAL_TOKENS)? {
        Some(total) => total,
        None => [
            INPUT_TOKENS,
            OUTPUT_TOKENS,
            CACHE_READ_TOKENS,
            CACHE_WRITE_TOKENS,
        ]
        .iter()
        .try_fold(0u64, |sum, name| {
            r.u64_or_zero(name).map(|value| sum.saturating_add(value))
        })?,
    };
    Ok(UsageTotals {
        tokens: total,
        cost: Usd(r.u64_or_zero(COST_MICROS)?),
    })
}

/// A month item found under `month`'s key.
pub fn decode_month(month: Month, item: &Item) -> Result<MonthUsage, StoreError> {
    Ok(MonthUsage {
        month,
        totals: decode_totals(item)?,
    })
}

/// A day item found under `day`'s key.
pub fn decode_day(day: Day, item: &Item) -> Result<DayUsage, StoreError> {
    Ok(DayUsage {
        day,
        totals: decode_totals(item)?,
    })
}

/// A usage item in full: counters by type, total, cost, and per model.
pub fn decode_detail(item: &Item) -> Result<UsageDetail, StoreError> {
    let r = Reader::new(item);
    let totals = decode_totals(item)?;
    let mut detail = UsageDetail {
        tokens: TokenCounts {
            input_tokens: r.u64_or_zero(INPUT_TOKENS)?,
            output_tokens: r.u64_or_zero(OUTPUT_TOKENS)?,
            cache_read_tokens: r.u64_or_zero(CACHE_READ_TOKENS)?,
            cache_write_tokens: r.u64_or_zero(CACHE_WRITE_TOKENS)?,
        },
        total_tokens: totals.tokens,
        cost: totals.cost,
        claude_code_cost: Usd(r.u64_or_zero(CLAUDE_CODE_COST_MICROS)?),
        models: Default::default(),
    };
    for name in item.keys() {
        let Some((model, counter)) = name
            .strip_prefix(MODEL_PREFIX)
            .and_then(|rest| rest.rsplit_once('#'))
        else {
            continue;
        };
        let value = r.u64_or_zero(name)?;
        let entry: &mut ModelUsage = detail.models.entry(model.to_owned()).or_default();
        match counter {
            INPUT_TOKENS => entry.tokens.input_tokens = value,
            OUTPUT_TOKENS => entry.tokens.output_tokens = value,
            CACHE_READ_TOKENS => entry.tokens.cache_read_tokens = value,
            CACHE_WRITE_TOKENS => entry.tokens.cache_write_tokens = value,
            COST_MICROS => entry.cost = Usd(value),
            CLAUDE_CODE_COST_MICROS => entry.claude_code_cost = Usd(value),
            _ => {}
        }
    }
    Ok(detail)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::items::attrs::n;

    #[test]
    fn totals_come_from_total_or_the_sum_of_types() {
        let mut item = day_key("a@x.io", Day(time::macros::date!(2026 - 11 - 21)));
        assert_eq!(item["sk"], s("DAY#2026-11-21"));
        item.insert(INPUT_TOKENS.into(), n(10));
        item.insert(OUTPUT_TOKENS.into(), n(5));
        item.insert(COST_MICROS.into(), n(1_500));
        assert_eq!(
            decode_totals(&item).unwrap(),
            UsageTotals {
                tokens: 15,
                cost: Usd(1_500)
            }
        );
        item.insert(CLAUDE_CODE_COST_MICROS.into(), n(9_000));
        assert_eq!(
            decode_totals(&item).unwrap().cost,
            Usd(1_500),
            "what Claude Code reports never counts toward limits"
        );
        item.insert(TOTAL_TOKENS.into(), n(99));
        assert_eq!(decode_totals(&item).unwrap().tokens, 99);
    }

    #[test]
    fn detail_includes_models() {
        let mut item = month_key("a@x.io", Day(time::macros::date!(2026 - 11 - 21)).month());
        item.insert(INPUT_TOKENS.into(), n(10));
        item.insert("model#claude-sonnet-4#input_tokens".into(), n(7));
        item.insert("model#claude-sonnet-4#cost_micros".into(), n(21));
        item.insert(CLAUDE_CODE_COST_MICROS.into(), n(25));
        item.insert(
            "model#claude-sonnet-4#claude_code_cost_micros".into(),
            n(19),
        );
        let detail = decode_detail(&item).unwrap();
        assert_eq!(detail.cost, Usd(0), "Claude Code's figure is not ours");
        assert_eq!(detail.claude_code_cost, Usd(25));
        assert_eq!(detail.models["claude-sonnet-4"].claude_code_cost, Usd(19));
        assert_eq!(detail.tokens.input_tokens, 10);
        assert_eq!(detail.models["claude-sonnet-4"].tokens.input_tokens, 7);
        assert_eq!(detail.models["claude-sonnet-4"].cost, Usd(21));
    }
}
