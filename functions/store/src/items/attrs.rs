//! Reading and writing typed attributes, with errors that name the item and attribute.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::StoreError;

/// A stored item.
pub type Item = HashMap<String, AttributeValue>;

/// Reads attributes of one item, naming it in errors.
pub struct Reader<'a> {
    item: &'a Item,
    what: String,
}

impl<'a> Reader<'a> {
    /// A reader for `item`, described in errors by its keys.
    pub fn new(item: &'a Item) -> Self {
        let key = |name: &str| {
            item.get(name)
                .and_then(|v| v.as_s().ok())
                .cloned()
                .unwrap_or_default()
        };
        Self {
            what: format!("{}/{}", key("pk"), key("sk")),
            item,
        }
    }

    fn corrupt(&self, name: &str, problem: &str) -> StoreError {
        StoreError::Corrupt(format!("item {} attribute {name}: {problem}", self.what))
    }

    /// A required string.
    pub fn string(&self, name: &str) -> Result<String, StoreError> {
        self.opt_string(name)?
            .ok_or_else(|| self.corrupt(name, "missing"))
    }

    /// An optional string.
    pub fn opt_string(&self, name: &str) -> Result<Option<String>, StoreError> {
        match self.item.get(name) {
            None | Some(AttributeValue::Null(_)) => Ok(None),
            Some(AttributeValue::S(s)) => Ok(Some(s.clone())),
            Some(_) => Err(self.corrupt(name, "not a string")),
        }
    }

    /// An optional non-negative integer (DynamoDB numbers arrive as text); beyond `u64` it reads
    /// as `u64::MAX` (see [`ccwb_core::usage::stored_count`]).
    pub fn opt_u64(&self, name: &str) -> Result<Option<u64>, StoreError> {
        match self.item.get(name) {
            None | Some(AttributeValue::Null(_)) => Ok(None),
            Some(AttributeValue::N(n)) => ccwb_core::usage::stored_count(n)
                .map(Some)
                .ok_or_else(|| self.corrupt(name, "not a non-negative integer")),
            Some(_) => Err(self.corrupt(name, "not a number")),
        }
    }

    /// A non-negative integer, 0 when absent.
    pub fn u64_or_zero(&self, name: &str) -> Result<u64, StoreError> {
        Ok(self.opt_u64(name)?.unwrap_or(0))
    }

    /// An optional dollar amount stored as a decimal number, as micro-dollars.
    pub fn opt_micros(&self, name: &str) -> Result<Option<u64>, StoreError> {
        match self.item.get(name) {
            None | Some(AttributeValue::Null(_)) => Ok(None),
            Some(AttributeValue::N(n)) => decimal_to_micros(n)
                .map(Some)
                .ok_or_else(|| self.corrupt(name, "not a dollar amount")),
            Some(_) => Err(self.corrupt(name, "not a number")),
        }
    }

    /// An optional boolean.
    pub fn opt_bool(&self, name: &str) -> Result<Option<bool>, StoreError> {
        match self.item.get(name) {
            None | Some(AttributeValue::Null(_)) => Ok(None),
            Some(AttributeValue::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(self.corrupt(name, "not a boolean")),
        }
    }

    /// An optional RFC 3339 timestamp.
    pub fn opt_time(&self, name: &str) -> Result<Option<OffsetDateTime>, StoreError> {
        self.opt_string(name)?
            .map(|s| {
                OffsetDateTime::parse(&s, &Rfc3339)
                    .map_err(|_| self.corrupt(name, "not an RFC 3339 time"))
            })
            .transpose()
    }

    /// A parsed string attribute (enums).
    pub fn parsed<T: std::str::FromStr>(&self, name: &str) -> Result<Option<T>, StoreError> {
        self.opt_string(name)?
            .map(|s| {
                s.parse()
                    .map_err(|_| self.corrupt(name, &format!("unexpected value {s:?}")))
            })
            .transpose()
    }
}

/// A string attribute.
pub fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

/// A number attribute.
pub fn n(value: u64) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

/// A dollar amount as an exact decimal number.
pub fn dollars(micros: u64) -> AttributeValue {
    let whole = micros / 1_000_000;
    let fraction = micros % 1_000_000;
    if fraction == 0 {
        AttributeValue::N(whole.to_string())
    } else {
        let digits = format!("{fraction:06}");
        AttributeValue::N(format!("{whole}.{}", digits.trim_end_matches('0')))
    }
}

/// An RFC 3339 timestamp attribute.
pub fn timestamp(at: OffsetDateTime) -> AttributeValue {
    AttributeValue::S(at.format(&Rfc3339).unwrap_or_default())
}

/// A UTC time with fixed-width fields (nanoseconds always 9 digits), so that sort keys order as
/// the times do; RFC 3339's optional fraction would put `10:00:00.5Z` before `10:00:00Z`.
pub fn sortable_time(at: OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:09}Z",
        at.year(),
        at.month() as u8,
        at.day(),
        at.hour(),
        at.minute(),
        at.second(),
        at.nanosecond()
    )
}

/// Parses a non-negative decimal with at most 6 fractional digits into millionths, `u64::MAX`
/// beyond it (as [`ccwb_core::usage::stored_count`]).
fn decimal_to_micros(text: &str) -> Option<u64> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if whole.is_empty()
        || fraction.len() > 6
        || !whole
            .bytes()
            .chain(fraction.bytes())
            .all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let whole = ccwb_core::usage::stored_count(whole)?;
    let fraction: u64 = if fraction.is_empty() {
        0
    } else {
        format!("{fraction:0<6}").parse().ok()?
    };
    Some(whole.saturating_mul(1_000_000).saturating_add(fraction))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dollars_round_trip_exactly() {
        for micros in [0, 1, 12_500_000, 12_340_000, 999_999, 1_000_000] {
            let AttributeValue::N(text) = dollars(micros) else {
                panic!()
            };
            assert_eq!(decimal_to_micros(&text), Some(micros), "{text}");
        }
        assert_eq!(decimal_to_micros("-1"), None);
        assert_eq!(decimal_to_micros("99999999999999999999.5"), Some(u64::MAX));
        assert_eq!(decimal_to_micros("1.0000001"), None);
    }
}
