//! The pure domain of ccwb: who the caller is, which groups they belong to, and (as the quota
//! engine lands) policies, usage and decisions. Nothing here performs I/O or reads the clock:
//! time and configuration arrive as parameters so every rule can be tested as a table.

pub mod claims;
pub mod groups;
pub mod identity;

pub use claims::Claims;
pub use groups::{AdminGroups, Group};
pub use identity::{Identity, IdentityClaims};
