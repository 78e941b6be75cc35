//! Usage totals for the current month and day.

use serde::{Deserialize, Serialize};

use crate::money::Measured;
use crate::period::{Day, Month};
use crate::{LimitKind, Usd};

/// A stored counter read back from its decimal text (DynamoDB numbers arrive as text): `None`
/// when it is not a whole non-negative number. A number beyond `u64` (only reachable by adding
/// up hostile points) reads as `u64::MAX`, which is over every limit, rather than making the
/// user's item unreadable.
pub fn stored_count(text: &str) -> Option<u64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(text.parse().unwrap_or(u64::MAX))
}

/// The sum of `values`, stopping at `u64::MAX` instead of overflowing.
pub fn saturating_sum(values: impl IntoIterator<Item = u64>) -> u64 {
    values.into_iter().fold(0, u64::saturating_add)
}

/// Tokens and cost counted in one period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct UsageTotals {
    /// All tokens (input, output, cache read, cache write).
    pub tokens: u64,
    /// What they cost.
    pub cost: Usd,
}

/// Token counts by type.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TokenCounts {
    /// Prompt tokens.
    pub input_tokens: u64,
    /// Completion tokens.
    pub output_tokens: u64,
    /// Tokens read from the prompt cache.
    pub cache_read_tokens: u64,
    /// Tokens written to the prompt cache.
    pub cache_write_tokens: u64,
}

/// One model's share of a period's usage.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ModelUsage {
    /// Tokens by type.
    #[serde(flatten)]
    pub tokens: TokenCounts,
    /// Cost in US dollars: the tokens at the deployment's prices (what limits count).
    #[serde(with = "Measured")]
    pub cost: Usd,
    /// What Claude Code itself reported the model cost (`claude_code.cost.usage`), in US
    /// dollars; shown beside `cost`, never counted toward limits.
    #[serde(default, with = "Measured")]
    pub claude_code_cost: Usd,
}

/// A period's usage in full: by token type, total, cost, and by model.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct UsageDetail {
    /// Tokens by type.
    #[serde(flatten)]
    pub tokens: TokenCounts,
    /// All tokens.
    pub total_tokens: u64,
    /// Cost in US dollars: the tokens at the deployment's prices (what limits count).
    #[serde(with = "Measured")]
    pub cost: Usd,
    /// What Claude Code itself reported it cost (`claude_code.cost.usage`), in US dollars;
    /// shown beside `cost`, never counted toward limits.
    #[serde(default, with = "Measured")]
    pub claude_code_cost: Usd,
    /// By model id.
    pub models: std::collections::BTreeMap<String, ModelUsage>,
}

/// A stored month record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MonthUsage {
    /// Which month.
    pub month: Month,
    /// Its totals.
    pub totals: UsageTotals,
}

/// A stored day record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DayUsage {
    /// Which day.
    pub day: Day,
    /// Its totals.
    pub totals: UsageTotals,
}

/// What counts against limits today.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CurrentUsage {
    /// This month's totals.
    pub month: UsageTotals,
    /// Today's totals.
    pub day: UsageTotals,
}

impl CurrentUsage {
    /// Usage on `today` from the records found: a record of another month or day (yesterday's
    /// day record, say) counts as nothing.
    pub fn on(today: Day, month: Option<MonthUsage>, day: Option<DayUsage>) -> Self {
        Self {
            month: month
                .filter(|m| m.month == today.month())
                .map(|m| m.totals)
                .unwrap_or_default(),
            day: day
                .filter(|d| d.day == today)
                .map(|d| d.totals)
                .unwrap_or_default(),
        }
    }

    /// Usage against a limit of `kind`, in tokens or micro-dollars.
    pub fn used(&self, kind: LimitKind) -> u64 {
        match kind {
            LimitKind::MonthlyCost => self.month.cost.0,
            LimitKind::DailyCost => self.day.cost.0,
            LimitKind::MonthlyTokens => self.month.tokens,
            LimitKind::DailyTokens => self.day.tokens,
        }
    }
}
