//! What tokens cost: per model family and token type, in micro-dollars, overridable by the
//! deployment (prices change; the defaults are the published Claude list prices per million
//! tokens at the time of writing).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::Usd;

/// Token types Claude Code reports (`claude_code.token.usage`, attribute `type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenType {
    /// Prompt tokens (`input`).
    Input,
    /// Completion tokens (`output`).
    Output,
    /// Prompt-cache reads (`cacheRead`).
    CacheRead,
    /// Prompt-cache writes (`cacheCreation`).
    CacheWrite,
}

impl TokenType {
    /// From the telemetry attribute value.
    pub fn from_attribute(value: &str) -> Option<Self> {
        match value {
            "input" => Some(Self::Input),
            "output" => Some(Self::Output),
            "cacheRead" => Some(Self::CacheRead),
            "cacheCreation" => Some(Self::CacheWrite),
            _ => None,
        }
    }
}

/// US dollars per million tokens of each type.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Prices {
    /// Input.
    pub input: f64,
    /// Output.
    pub output: f64,
    /// Cache read.
    pub cache_read: f64,
    /// Cache write.
    pub cache_write: f64,
}

impl Prices {
    /// Input and output prices with the usual cache ratios (read 0.1×, write 1.25× input).
    const fn standard(input: f64, output: f64) -> Self {
        Self {
            input,
            output,
            cache_read: input * 0.1,
            cache_write: input * 1.25,
        }
    }

    fn per_million(&self, token_type: TokenType) -> f64 {
        match token_type {
            TokenType::Input => self.input,
            TokenType::Output => self.output,
            TokenType::CacheRead => self.cache_read,
            TokenType::CacheWrite => self.cache_write,
        }
    }
}

/// Prices by model: the longest key contained in a model id decides (`opus-4-5` before `opus`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PriceTable(BTreeMap<String, Prices>);

impl Default for PriceTable {
    fn default() -> Self {
        let entries = [
            ("opus", Prices::standard(15.0, 75.0)),
            ("opus-4-5", Prices::standard(5.0, 25.0)),
            ("sonnet", Prices::standard(3.0, 15.0)),
            ("haiku", Prices::standard(0.8, 4.0)),
            ("haiku-4-5", Prices::standard(1.0, 5.0)),
            ("haiku-3", Prices::standard(0.25, 1.25)),
            ("haiku-3-5", Prices::standard(0.8, 4.0)),
        ];
        Self(
            entries
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v))
                .collect(),
        )
    }
}

impl PriceTable {
    /// The default table with `overrides` (JSON: `{"sonnet": {"input": 3, "output": 15,
    /// "cache_read": 0.3, "cache_write": 3.75}}`) laid over it; negative or non-finite prices
    /// are refused with the key's name.
    pub fn with_overrides(overrides: &str) -> Result<Self, String> {
        let extra: BTreeMap<String, Prices> =
            serde_json::from_str(overrides).map_err(|e| format!("pricing: {e}"))?;
        let mut table = Self::default();
        for (key, prices) in extra {
            let values = [
                prices.input,
                prices.output,
                prices.cache_read,
                prices.cache_write,
            ];
            if key.trim().is_empty() || values.iter().any(|v| !v.is_finite() || *v < 0.0) {
                return Err(format!(
                    "pricing: {key:?} needs a non-empty name and non-negative prices"
                ));
            }
            table.0.insert(key.to_lowercase(), prices);
        }
        Ok(table)
    }

    /// The prices of `model` (e.g. `us.anthropic.claude-sonnet-4-5-20250929-v1:0`), if known.
    pub fn prices(&self, model: &str) -> Option<&Prices> {
        let model = model.to_lowercase();
        self.0
            .iter()
            .filter(|(key, _)| model.contains(key.as_str()))
            .max_by_key(|(key, _)| key.len())
            .map(|(_, prices)| prices)
    }

    /// What `tokens` of `token_type` cost with `model`; `None` for an unknown model.
    pub fn cost(&self, model: &str, token_type: TokenType, tokens: u64) -> Option<Usd> {
        let per_million = self.prices(model)?.per_million(token_type);
        // micro-dollars = tokens × dollars-per-million (10^6 micro-dollars per dollar, 10^6 tokens).
        Some(Usd((tokens as f64 * per_million).round() as u64))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_most_specific_family_wins() {
        let table = PriceTable::default();
        let sonnet = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";
        assert_eq!(
            table.cost(sonnet, TokenType::Input, 1_000_000),
            Some(Usd(3_000_000))
        );
        assert_eq!(
            table.cost(sonnet, TokenType::Output, 1_000),
            Some(Usd(15_000))
        );
        assert_eq!(
            table.cost(sonnet, TokenType::CacheRead, 1_000_000),
            Some(Usd(300_000))
        );
        assert_eq!(
            table.cost(sonnet, TokenType::CacheWrite, 1_000_000),
            Some(Usd(3_750_000))
        );
        assert_eq!(
            table.cost("claude-opus-4-5-20251101", TokenType::Input, 1_000_000),
            Some(Usd(5_000_000))
        );
        assert_eq!(
            table.cost("claude-opus-4-1-20250805", TokenType::Input, 1_000_000),
            Some(Usd(15_000_000))
        );
        assert_eq!(
            table.cost("claude-haiku-4-5", TokenType::Output, 1_000_000),
            Some(Usd(5_000_000))
        );
        assert_eq!(table.cost("mistral-large", TokenType::Input, 10), None);
    }

    #[test]
    fn overrides_replace_and_add_and_bad_ones_are_refused() {
        let table = PriceTable::with_overrides(
            r#"{"Sonnet": {"input": 2, "output": 10, "cache_read": 0.2, "cache_write": 2.5},
                "llama": {"input": 1, "output": 1, "cache_read": 0, "cache_write": 0}}"#,
        )
        .unwrap();
        assert_eq!(
            table.cost("claude-sonnet-4", TokenType::Input, 1_000_000),
            Some(Usd(2_000_000))
        );
        assert_eq!(
            table.cost("meta.llama3", TokenType::Output, 1_000_000),
            Some(Usd(1_000_000))
        );
        assert!(
            PriceTable::with_overrides(
                r#"{"x": {"input": -1, "output": 1, "cache_read": 0, "cache_write": 0}}"#
            )
            .is_err()
        );
        assert!(PriceTable::with_overrides(r#"{"x": {"input": 1}}"#).is_err());
        assert!(PriceTable::with_overrides("nope").is_err());
    }

    #[test]
    fn telemetry_token_types_map() {
        assert_eq!(
            TokenType::from_attribute("cacheCreation"),
            Some(TokenType::CacheWrite)
        );
        assert_eq!(
            TokenType::from_attribute("cacheRead"),
            Some(TokenType::CacheRead)
        );
        assert_eq!(TokenType::from_attribute("total"), None);
    }
}
