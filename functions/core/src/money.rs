//! US dollars, held as integer micro-dollars so sums never drift.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An amount of US dollars in micro-dollars (1 USD = 1,000,000).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Usd(pub u64);

/// Micro-dollars in one dollar.
pub const MICROS_PER_USD: u64 = 1_000_000;

/// Why a dollar amount was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UsdError {
    /// Not a non-negative amount with at most two decimals.
    #[error(
        "{0:?} is not a dollar amount: use a non-negative number with at most 2 decimals, like 12.50"
    )]
    Invalid(String),
}

impl Usd {
    /// The amount in dollars, for JSON and arithmetic on display.
    pub fn dollars(self) -> f64 {
        self.0 as f64 / MICROS_PER_USD as f64
    }

    /// From a JSON number of dollars; at most 2 decimals, non-negative, finite.
    pub fn from_dollars(value: f64) -> Result<Self, UsdError> {
        let cents = value * 100.0;
        if !value.is_finite() || value < 0.0 || (cents - cents.round()).abs() > 1e-6 || cents > 1e15
        {
            return Err(UsdError::Invalid(value.to_string()));
        }
        Ok(Self(cents.round() as u64 * (MICROS_PER_USD / 100)))
    }
}

impl FromStr for Usd {
    type Err = UsdError;

    /// Parses `12`, `12.5`, `12.50` or `$12.50` exactly.
    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        let invalid = || UsdError::Invalid(raw.to_owned());
        let text = raw.trim();
        let text = text.strip_prefix('$').unwrap_or(text);
        let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(whole) || (text.contains('.') && !digits(fraction)) || fraction.len() > 2 {
            return Err(invalid());
        }
        let dollars: u64 = whole.parse().map_err(|_| invalid())?;
        let cents: u64 = format!("{fraction:0<2}").parse().map_err(|_| invalid())?;
        dollars
            .checked_mul(MICROS_PER_USD)
            .and_then(|d| d.checked_add(cents * (MICROS_PER_USD / 100)))
            .map(Self)
            .ok_or_else(invalid)
    }
}

impl fmt::Display for Usd {
    /// `$12.50`; sub-cent amounts are shown to the cent, rounded half up.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let cents = self.0.saturating_add(5_000) / 10_000;
        write!(f, "${}.{:02}", cents / 100, cents % 100)
    }
}

impl Serialize for Usd {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_f64(self.dollars())
    }
}

impl<'de> Deserialize<'de> for Usd {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = f64::deserialize(deserializer)?;
        Self::from_dollars(value).map_err(serde::de::Error::custom)
    }
}

/// Amounts that were measured rather than set (usage costs), for `#[serde(with = "Measured")]`:
/// the same JSON number of dollars, but read to the micro-dollar. [`Usd`]'s own `Deserialize`
/// takes at most 2 decimals, which is right for limits and refuses a cost of $0.0036.
///
/// It is a type rather than a module so that, with the `schema` feature, it is the field's JSON
/// Schema as well (schemars reads serde's `with` as a type): one attribute says both.
pub struct Measured;

impl Measured {
    /// The amount as a JSON number of dollars.
    pub fn serialize<S: Serializer>(usd: &Usd, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_f64(usd.dollars())
    }

    /// A finite, non-negative number of dollars, to the nearest micro-dollar.
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Usd, D::Error> {
        let dollars = f64::deserialize(deserializer)?;
        let micros = dollars * MICROS_PER_USD as f64;
        if !micros.is_finite() || micros < 0.0 || micros >= u64::MAX as f64 {
            return Err(serde::de::Error::custom(format!(
                "{dollars} is not an amount of US dollars"
            )));
        }
        Ok(Usd(micros.round() as u64))
    }
}

/// A measured amount's schema is a plain number (no 2-decimal step), inline like an `f64`'s.
#[cfg(feature = "schema")]
impl schemars::JsonSchema for Measured {
    fn inline_schema() -> bool {
        f64::inline_schema()
    }

    fn schema_name() -> std::borrow::Cow<'static, str> {
        f64::schema_name()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        f64::json_schema(generator)
    }
}

#[cfg(feature = "schema")]
impl schemars::JsonSchema for Usd {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Usd".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "number",
            "minimum": 0,
            "multipleOf": 0.01,
            "description": "US dollars, at most 2 decimals in input"
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dollar_strings_parse_exactly() {
        assert_eq!("12".parse(), Ok(Usd(12_000_000)));
        assert_eq!("12.5".parse(), Ok(Usd(12_500_000)));
        assert_eq!("$0.07".parse(), Ok(Usd(70_000)));
        for bad in ["-1", "1.234", "abc", "", "1.", ".5", "1,000"] {
            assert!(bad.parse::<Usd>().is_err(), "{bad}");
        }
    }

    #[test]
    fn json_numbers_round_trip() {
        let usd: Usd = serde_json::from_str("12.34").unwrap();
        assert_eq!(usd, Usd(12_340_000));
        assert_eq!(serde_json::to_string(&usd).unwrap(), "12.34");
        assert!(serde_json::from_str::<Usd>("0.001").is_err());
        assert!(serde_json::from_str::<Usd>("-3").is_err());
    }

    #[test]
    fn measured_amounts_round_trip_to_the_micro_dollar() {
        #[derive(Debug, PartialEq, Serialize, Deserialize)]
        struct Cost(#[serde(with = "Measured")] Usd);
        for micros in [0, 1, 3_600, 1_234_567, 7_250_000, 123_456_789_012] {
            let json = serde_json::to_string(&Cost(Usd(micros))).unwrap();
            assert_eq!(
                serde_json::from_str::<Cost>(&json).unwrap(),
                Cost(Usd(micros))
            );
        }
        assert_eq!(serde_json::to_string(&Cost(Usd(3_600))).unwrap(), "0.0036");
        assert!(serde_json::from_str::<Cost>("-0.5").is_err());
    }

    #[test]
    fn display_rounds_to_cents() {
        assert_eq!(Usd(12_500_000).to_string(), "$12.50");
        assert_eq!(Usd(4_999).to_string(), "$0.00");
        assert_eq!(Usd(5_000).to_string(), "$0.01");
        assert_eq!(
            Usd(u64::MAX).to_string(),
            "$18446744073709.55",
            "no overflow"
        );
    }
}
