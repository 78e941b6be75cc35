//! Role sessions: `pk = SESSION#{session name}`, `sk = IDENTITY`, with the identity and groups
//! the latest verified token whose `sub` is that name named, and when `/check` recorded them.

use aws_sdk_dynamodb::types::AttributeValue;
use ccwb_core::{Group, Identity, SessionName};
use time::OffsetDateTime;

use super::attrs::{Item, Reader, s, timestamp};
use crate::StoreError;
use crate::sessions::SessionOwner;

/// Partition key prefix of session items (in the usage table, beside `USER#` partitions).
pub const PREFIX: &str = "SESSION#";
/// Sort key of the one item a session has.
pub const SK: &str = "IDENTITY";
/// Attribute holding the identity.
pub const IDENTITY: &str = "identity";
/// Attribute holding the groups (a list of strings).
pub const GROUPS: &str = "groups";
/// Attribute holding when the mapping was last written.
pub const RECORDED_AT: &str = "recorded_at";

/// The key of `session`'s item.
pub fn key(session: &SessionName) -> Item {
    Item::from([
        ("pk".to_owned(), s(format!("{PREFIX}{session}"))),
        ("sk".to_owned(), s(SK)),
    ])
}

/// The item recording that `session` is `owner`'s, as of `at`.
pub fn encode(session: &SessionName, owner: &SessionOwner, at: OffsetDateTime) -> Item {
    let mut item = key(session);
    item.insert(IDENTITY.into(), s(owner.identity.as_str()));
    let groups = owner.groups.iter().map(|g| s(g.as_str())).collect();
    item.insert(GROUPS.into(), AttributeValue::L(groups));
    item.insert(RECORDED_AT.into(), timestamp(at));
    item
}

/// The session name and owner of a session item.
pub fn decode(item: &Item) -> Result<(SessionName, SessionOwner), StoreError> {
    let reader = Reader::new(item);
    let pk = reader.string("pk")?;
    let name = pk
        .strip_prefix(PREFIX)
        .and_then(SessionName::parse)
        .ok_or_else(|| StoreError::Corrupt(format!("session item {pk:?}: not SESSION#<name>")))?;
    let raw = reader.string(IDENTITY)?;
    let identity = Identity::parse(&raw)
        .ok_or_else(|| StoreError::Corrupt(format!("session item {pk:?}: blank identity")))?;
    let groups = match item.get(GROUPS) {
        None => Vec::new(),
        Some(AttributeValue::L(values)) => values
            .iter()
            .filter_map(|v| v.as_s().ok())
            .filter_map(|g| Group::parse(g))
            .collect(),
        Some(_) => {
            return Err(StoreError::Corrupt(format!(
                "session item {pk:?}: groups is not a list"
            )));
        }
    };
    Ok((name, SessionOwner { identity, groups }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_item_round_trips() {
        let name = SessionName::parse("00u1AbC").unwrap();
        let owner = SessionOwner {
            identity: Identity::parse("dev@example.com").unwrap(),
            groups: vec![
                Group::parse("eng").unwrap(),
                Group::parse("team a").unwrap(),
            ],
        };
        let at = time::macros::datetime!(2026-12-02 10:00 UTC);
        let item = encode(&name, &owner, at);
        assert_eq!(item["pk"].as_s().unwrap(), "SESSION#00u1AbC");
        assert_eq!(decode(&item).unwrap(), (name, owner));
    }

    #[test]
    fn a_session_item_without_an_identity_is_corrupt() {
        let item = key(&SessionName::parse("00u1").unwrap());
        assert!(matches!(decode(&item), Err(StoreError::Corrupt(_))));
    }
}
