//! Usage items: `pk = USER#{identity}`, `sk = MONTH#yyyy-mm` or `DAY#yyyy-mm-dd`, with counters by
//! token type and cost in integer micro-dollars. Ingestion adds to these with `ADD`.

use ccwb_core::{Day, DayUsage, Month, MonthUsage, UsageTotals, Usd};

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
/// Cost in micro-dollars.
pub const COST_MICROS: &str = "cost_micros";

/// The partition key of a user's items.
pub fn user_pk(identity: &str) -> String {
    format!("USER#{identity}")
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
        .map(|name| r.u64_or_zero(name))
        .sum::<Result<u64, _>>()?,
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
        item.insert(TOTAL_TOKENS.into(), n(99));
        assert_eq!(decode_totals(&item).unwrap().tokens, 99);
    }
}
