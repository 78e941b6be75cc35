//! Token amounts as people write them (`300M`, `1.5B`, `50k`) and as they are stored (integers).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A whole number of tokens.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct TokenAmount(pub u64);

/// Why a token amount was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    /// Nothing to parse.
    #[error("empty token amount")]
    Empty,
    /// Not a number with an optional k/M/B/T suffix.
    #[error(
        "{0:?} is not a token amount: use digits with an optional k, M, B or T suffix, like 300M or 1.5B"
    )]
    Invalid(String),
    /// A negative amount.
    #[error("{0:?} is negative: token amounts start at 0")]
    Negative(String),
    /// The amount is not a whole number of tokens.
    #[error("{0:?} is not a whole number of tokens")]
    Fraction(String),
    /// Too large to count.
    #[error("{0:?} is too large")]
    Overflow(String),
}

const SUFFIXES: [(char, u64); 4] = [
    ('k', 1_000),
    ('m', 1_000_000),
    ('b', 1_000_000_000),
    ('t', 1_000_000_000_000),
];

impl FromStr for TokenAmount {
    type Err = AmountError;

    /// Parses exactly, in decimal: `4.1M` is 4,100,000, never 4,099,999.
    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        let text = raw.trim();
        if text.is_empty() {
            return Err(AmountError::Empty);
        }
        if text.starts_with('-') {
            return Err(AmountError::Negative(raw.to_owned()));
        }
        let invalid = || AmountError::Invalid(raw.to_owned());
        let (number, multiplier) = match text.chars().last() {
            Some(c) if c.is_ascii_alphabetic() => {
                let lower = c.to_ascii_lowercase();
                let (_, m) = SUFFIXES
                    .iter()
                    .find(|(s, _)| *s == lower)
                    .ok_or_else(invalid)?;
                (&text[..text.len() - 1], *m)
            }
            _ => (text, 1),
        };
        let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
        let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() && fraction.is_empty() || !digits(whole) || !digits(fraction) {
            return Err(invalid());
        }
        if number.ends_with('.') {
            return Err(invalid());
        }
        let overflow = || AmountError::Overflow(raw.to_owned());
        let whole_value: u64 = if whole.is_empty() {
            0
        } else {
            whole.parse().map_err(|_| overflow())?
        };
        let mut total = whole_value.checked_mul(multiplier).ok_or_else(overflow)?;
        // Each fractional digit is worth multiplier / 10^position; it must come out whole.
        let mut place = multiplier;
        for digit in fraction.bytes().map(|b| u64::from(b - b'0')) {
            if place % 10 != 0 {
                if digit != 0 {
                    return Err(AmountError::Fraction(raw.to_owned()));
                }
                continue;
            }
            place /= 10;
            total = total.checked_add(digit * place).ok_or_else(overflow)?;
        }
        Ok(Self(total))
    }
}

impl fmt::Display for TokenAmount {
    /// The shortest exact form: `300M`, `1.234567M`, `15K`, or the plain integer below 1,000.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let value = self.0;
        for (suffix, size) in SUFFIXES.iter().rev() {
            if value >= *size {
                let whole = value / size;
                let rest = value % size;
                let letter = suffix.to_ascii_uppercase();
                if rest == 0 {
                    return write!(f, "{whole}{letter}");
                }
                let width = size.ilog10() as usize;
                let fraction = format!("{rest:0width$}");
                return write!(f, "{whole}.{}{letter}", fraction.trim_end_matches('0'));
            }
        }
        write!(f, "{value}")
    }
}

/// `1234567` → `1,234,567`: counts as people read them.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<u64, AmountError> {
        s.parse::<TokenAmount>().map(|a| a.0)
    }

    #[test]
    fn suffixes_parse_exactly() {
        let cases = [
            ("300M", 300_000_000),
            ("1.5B", 1_500_000_000),
            ("50k", 50_000),
            (" 2.5m ", 2_500_000),
            ("1000000", 1_000_000),
            ("4.1M", 4_100_000),
            ("1.234567M", 1_234_567),
            ("0.5k", 500),
            (".5k", 500),
            ("2T", 2_000_000_000_000),
            ("0", 0),
            ("1.50M", 1_500_000),
            ("1.0000000M", 1_000_000),
        ];
        for (text, expected) in cases {
            assert_eq!(parse(text), Ok(expected), "{text}");
        }
    }

    #[test]
    fn bad_amounts_are_refused_with_the_reason() {
        assert!(matches!(parse("-5M"), Err(AmountError::Negative(_))));
        assert!(matches!(parse("1,000"), Err(AmountError::Invalid(_))));
        assert!(matches!(parse("12X"), Err(AmountError::Invalid(_))));
        assert!(matches!(parse("M"), Err(AmountError::Invalid(_))));
        assert!(matches!(parse("1.5"), Err(AmountError::Fraction(_))));
        assert!(matches!(parse("1.0000005M"), Err(AmountError::Fraction(_))));
        assert!(matches!(parse("1."), Err(AmountError::Invalid(_))));
        assert!(matches!(parse("1e6"), Err(AmountError::Invalid(_))));
        assert!(matches!(parse(""), Err(AmountError::Empty)));
        assert!(matches!(
            parse("99999999999T"),
            Err(AmountError::Overflow(_))
        ));
        assert!(matches!(
            parse("18446744073709551616"),
            Err(AmountError::Overflow(_))
        ));
    }

    #[test]
    fn display_is_short_and_lossless() {
        let cases = [
            (300_000_000, "300M"),
            (1_234_567, "1.234567M"),
            (15_000, "15K"),
            (1_500_000_000, "1.5B"),
            (999, "999"),
            (0, "0"),
            (1_001, "1.001K"),
        ];
        for (value, text) in cases {
            let shown = TokenAmount(value).to_string();
            assert_eq!(shown, text);
            assert_eq!(parse(&shown), Ok(value), "round trip of {text}");
        }
    }

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(12_345_678), "12,345,678");
    }
}
