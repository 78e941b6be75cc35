//! The current unblock: `pk = USER#{identity}`, `sk = UNBLOCK#CURRENT`.

use ccwb_core::Unblock;

use super::attrs::{Item, Reader, s, timestamp};
use super::usage::user_pk;
use crate::StoreError;

/// Sort key of the current unblock.
pub const CURRENT: &str = "UNBLOCK#CURRENT";

/// The key of a user's current unblock.
pub fn key(identity: &str) -> Item {
    Item::from([
        ("pk".to_owned(), s(user_pk(identity))),
        ("sk".to_owned(), s(CURRENT)),
    ])
}

/// Encodes the current unblock.
pub fn encode(identity: &str, unblock: &Unblock) -> Item {
    let mut item = key(identity);
    item.insert("expires_at".into(), timestamp(unblock.expires_at));
    item.insert("unblocked_by".into(), s(&unblock.unblocked_by));
    item.insert("reason".into(), s(&unblock.reason));
    item
}

/// Decodes the current unblock.
pub fn decode(item: &Item) -> Result<Unblock, StoreError> {
    let r = Reader::new(item);
    Ok(Unblock {
        expires_at: r
            .opt_time("expires_at")?
            .ok_or_else(|| StoreError::Corrupt("unblock item without expires_at".into()))?,
        unblocked_by: r.opt_string("unblocked_by")?.unwrap_or_default(),
        reason: r.opt_string("reason")?.unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unblock_round_trips() {
        let unblock = Unblock {
            expires_at: time::macros::datetime!(2026-11-22 10:00 UTC),
            unblocked_by: "admin@example.com".into(),
            reason: "deadline".into(),
        };
        assert_eq!(decode(&encode("a@x.io", &unblock)).unwrap(), unblock);
    }
}
