//! The pure domain of ccwb: who the caller is, which policies govern them, how much they used,
//! and the quota decision. Nothing here performs I/O or reads the clock: time and settings
//! arrive as parameters so every rule can be tested as a table.

// The property suite (tests/properties.rs) is the dev-dependency's user.
#[cfg(test)]
use proptest as _;

pub mod alerts;
pub mod amount;
pub mod audit;
pub mod change;
pub mod check;
pub mod claims;
pub mod decision;
pub mod distribution;
pub mod fields;
pub mod groups;
pub mod html;
pub mod identity;
pub mod invocation;
pub mod lifetime;
pub mod money;
pub mod period;
pub mod policy;
pub mod pricing;
pub mod resolve;
pub mod revocation;
pub mod session;
pub mod standing;
pub mod telemetry;
pub mod unblock;
pub mod usage;
pub mod validate;

pub use amount::TokenAmount;
pub use audit::AuditEvent;
pub use change::{Change, PolicyFields, PolicyPatch};
pub use check::{CheckInputs, Checked, Unblocks};
pub use claims::{Claims, ClaimsSource};
pub use decision::{CheckSettings, Decision, LimitStatus, Reason, Warning, decide};
pub use groups::{AdminGroups, Group};
pub use identity::{Identity, IdentityClaims};
pub use money::Usd;
pub use period::{Day, Month};
pub use policy::{LimitKind, Mode, Policy, PolicyType};
pub use pricing::{PriceTable, Prices, TokenType};
pub use resolve::{Resolution, explain, resolve};
pub use session::SessionName;
pub use standing::PolicyBook;
pub use unblock::{Unblock, UnblockDuration, UnblockGrant};
pub use usage::{
    CurrentUsage, DayUsage, ModelUsage, MonthUsage, TokenCounts, UsageDetail, UsageTotals,
};
pub use validate::ValidationError;

#[cfg(test)]
mod quota_rules;
