//! Unblocks: the one in force at `pk = USER#{identity}`, `sk = UNBLOCK#CURRENT`, and every grant
//! ever made at `sk = UNBLOCK#{RFC 3339 time}#{id}` (revocations are recorded on the grant).

use ccwb_core::{Unblock, UnblockGrant};

use super::attrs::{Item, Reader, s, sortable_time, timestamp};
use super::usage::user_pk;
use crate::StoreError;

/// Sort key of the current unblock.
pub const CURRENT: &str = "UNBLOCK#CURRENT";
/// History sort keys lie between these (timestamps start with a digit; `CURRENT` sorts after).
pub const HISTORY_FROM: &str = "UNBLOCK#0";
/// Upper bound of history sort keys.
pub const HISTORY_TO: &str = "UNBLOCK#9";

/// The key of a user's current unblock.
pub fn key(identity: &str) -> Item {
    Item::from([
        ("pk".to_owned(), s(user_pk(identity))),
        ("sk".to_owned(), s(CURRENT)),
    ])
}

/// The key of a grant's history entry.
pub fn history_key(grant: &UnblockGrant) -> Item {
    Item::from([
        ("pk".to_owned(), s(user_pk(&grant.identity))),
        (
            "sk".to_owned(),
            s(format!(
                "UNBLOCK#{}#{}",
                sortable_time(grant.unblocked_at),
                grant.id
            )),
        ),
    ])
}

fn with_fields(mut item: Item, grant: &UnblockGrant) -> Item {
    item.insert("id".into(), s(&grant.id));
    item.insert("identity".into(), s(&grant.identity));
    item.insert("duration".into(), s(&grant.duration));
    item.insert("reason".into(), s(&grant.reason));
    item.insert("unblocked_by".into(), s(&grant.unblocked_by));
    item.insert("unblocked_at".into(), timestamp(grant.unblocked_at));
    item.insert("expires_at".into(), timestamp(grant.expires_at));
    if let Some(at) = grant.revoked_at {
        item.insert("revoked_at".into(), timestamp(at));
    }
    if let Some(by) = &grant.revoked_by {
        item.insert("revoked_by".into(), s(by));
    }
    item
}

/// The current-unblock item for `grant`.
pub fn encode_current(grant: &UnblockGrant) -> Item {
    with_fields(key(&grant.identity), grant)
}

/// The history item for `grant`.
pub fn encode_history(grant: &UnblockGrant) -> Item {
    with_fields(history_key(grant), grant)
}

/// Decodes a current or history item as a grant.
pub fn decode_grant(item: &Item) -> Result<UnblockGrant, StoreError> {
    let r = Reader::new(item);
    let required_time = |name: &str| {
        r.opt_time(name)?
            .ok_or_else(|| StoreError::Corrupt(format!("unblock item without {name}")))
    };
    let identity = match r.opt_string("identity")? {
        Some(identity) => identity,
        None => r.string("pk")?.trim_start_matches("USER#").to_owned(),
    };
    Ok(UnblockGrant {
        id: r.opt_string("id")?.unwrap_or_default(),
        identity,
        duration: r.opt_string("duration")?.unwrap_or_default(),
        reason: r.opt_string("reason")?.unwrap_or_default(),
        unblocked_by: r.opt_string("unblocked_by")?.unwrap_or_default(),
        unblocked_at: r
            .opt_time("unblocked_at")?
            .map_or_else(|| required_time("expires_at"), Ok)?,
        expires_at: required_time("expires_at")?,
        revoked_at: r.opt_time("revoked_at")?,
        revoked_by: r.opt_string("revoked_by")?,
    })
}

/// Decodes the current unblock as the override the decision honours.
pub fn decode(item: &Item) -> Result<Unblock, StoreError> {
    decode_grant(item).map(|grant| grant.unblock())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grants_round_trip_in_both_places() {
        let grant = UnblockGrant {
            id: "u1".into(),
            identity: "a@x.io".into(),
            duration: "24h".into(),
            reason: "deadline".into(),
            unblocked_by: "admin@example.com".into(),
            unblocked_at: time::macros::datetime!(2026-11-21 10:00 UTC),
            expires_at: time::macros::datetime!(2026-11-22 10:00 UTC),
            revoked_at: Some(time::macros::datetime!(2026-11-21 12:00 UTC)),
            revoked_by: Some("boss@example.com".into()),
        };
        assert_eq!(decode_grant(&encode_current(&grant)).unwrap(), grant);
        let history = encode_history(&grant);
        assert_eq!(
            history["sk"],
            s("UNBLOCK#2026-11-21T10:00:00.000000000Z#u1")
        );
        assert_eq!(decode_grant(&history).unwrap(), grant);
        assert_eq!(
            decode(&encode_current(&grant)).unwrap().unblocked_by,
            "admin@example.com"
        );
    }
}
