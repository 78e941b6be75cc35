//! The revocations wanted: `pk = REVOCATION`, `sk = {identity}`, one item a blocked user, with
//! the role sessions to deny, the groups that resolved the policy, why, since when, a version
//! every change increments, and the version the reconciler last put in the role's policies.

use aws_sdk_dynamodb::types::AttributeValue;
use ccwb_core::{Group, Identity, SessionName};

use super::attrs::{Item, Reader, s};
use crate::StoreError;
use crate::revocations::Revocation;

/// The partition holding every wanted revocation (a few hundred items at most: one Query).
pub const PK: &str = "REVOCATION";
/// Attribute: the session names (a string set).
pub const SESSIONS: &str = "sessions";
/// Attribute: the groups (a list of strings).
pub const GROUPS: &str = "groups";
/// Attribute: why (the decision's reason, like `monthly_exceeded`).
pub const REASON: &str = "reason";
/// Attribute: when the user was first noted blocked.
pub const SINCE: &str = "since";
/// Attribute: incremented by every change of the item.
pub const VERSION: &str = "version";
/// Attribute: the version the deny policies hold (absent until applied).
pub const APPLIED: &str = "applied_version";

/// The key of `identity`'s item.
pub fn key(identity: &Identity) -> Item {
    Item::from([
        ("pk".to_owned(), s(PK)),
        ("sk".to_owned(), s(identity.as_str())),
    ])
}

/// The groups as stored.
pub fn groups(groups: &[Group]) -> AttributeValue {
    AttributeValue::L(groups.iter().map(|g| s(g.as_str())).collect())
}

/// A revocation item.
pub fn decode(item: &Item) -> Result<Revocation, StoreError> {
    let reader = Reader::new(item);
    let raw = reader.string("sk")?;
    let identity = Identity::parse(&raw)
        .ok_or_else(|| StoreError::Corrupt(format!("revocation item {raw:?}: blank identity")))?;
    let sessions = match item.get(SESSIONS) {
        Some(AttributeValue::Ss(names)) => names
            .iter()
            .map(|n| {
                SessionName::parse(n).ok_or_else(|| {
                    StoreError::Corrupt(format!("revocation item {raw:?}: session {n:?}"))
                })
            })
            .collect::<Result<_, _>>()?,
        None => Default::default(),
        Some(_) => {
            return Err(StoreError::Corrupt(format!(
                "revocation item {raw:?}: sessions is not a string set"
            )));
        }
    };
    let groups = match item.get(GROUPS) {
        Some(AttributeValue::L(values)) => values
            .iter()
            .filter_map(|v| v.as_s().ok())
            .filter_map(|g| Group::parse(g))
            .collect(),
        _ => Vec::new(),
    };
    Ok(Revocation {
        identity,
        sessions,
        groups,
        reason: reader.opt_string(REASON)?.unwrap_or_default(),
        since: reader.opt_time(SINCE)?,
        version: reader.u64_or_zero(VERSION)?,
        applied_version: reader.opt_u64(APPLIED)?,
    })
}
