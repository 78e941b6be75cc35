//! Item layouts: how each domain value is keyed and stored. Nothing outside this module knows
//! attribute names.

pub mod attrs;
pub mod audit;
pub mod policy;
pub mod revocation;
pub mod session;
pub mod unblock;
pub mod usage;
