//! Audit items: `pk = AUDIT#{yyyy-mm-dd}`, `sk = {fixed-width UTC time}#{id}`, so a day's events read
//! back in time order with one query.

use ccwb_core::AuditEvent;

use super::attrs::{Item, Reader, s, sortable_time, timestamp};
use crate::StoreError;

/// Attribute (and index partition key) marking events not yet delivered to Firehose.
pub const PENDING: &str = "delivery";
/// Its value.
pub const PENDING_VALUE: &str = "pending";

/// The partition of events on the day of `at`.
pub fn day_pk(at: time::OffsetDateTime) -> String {
    format!("AUDIT#{}", ccwb_core::Day::of(at))
}

/// Encodes an event.
pub fn encode(event: &AuditEvent) -> Item {
    let at = event.at.to_offset(time::UtcOffset::UTC);
    let mut item = Item::from([
        ("pk".to_owned(), s(day_pk(at))),
        (
            "sk".to_owned(),
            s(format!("{}#{}", sortable_time(at), event.id)),
        ),
        // Sparse index key: present until the event has been delivered to Firehose.
        (PENDING.to_owned(), s(PENDING_VALUE)),
        ("id".to_owned(), s(&event.id)),
        ("at".to_owned(), timestamp(at)),
        ("actor".to_owned(), s(&event.actor)),
        ("action".to_owned(), s(&event.action)),
        ("target".to_owned(), s(&event.target)),
    ]);
    if let Some(before) = &event.before {
        item.insert("before".into(), s(before.to_string()));
    }
    if let Some(after) = &event.after {
        item.insert("after".into(), s(after.to_string()));
    }
    item
}

/// Decodes an event.
pub fn decode(item: &Item) -> Result<AuditEvent, StoreError> {
    let r = Reader::new(item);
    let json = |name: &str| -> Result<Option<serde_json::Value>, StoreError> {
        r.opt_string(name)?
            .map(|text| {
                serde_json::from_str(&text)
                    .map_err(|e| StoreError::Corrupt(format!("audit attribute {name}: {e}")))
            })
            .transpose()
    };
    Ok(AuditEvent {
        id: r.string("id")?,
        at: r
            .opt_time("at")?
            .ok_or_else(|| StoreError::Corrupt("audit item without at".into()))?,
        actor: r.string("actor")?,
        action: r.string("action")?,
        target: r.string("target")?,
        before: json("before")?,
        after: json("after")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_round_trip() {
        let event = AuditEvent {
            id: "e1".into(),
            at: time::macros::datetime!(2026-11-21 10:00:00.123456 UTC),
            actor: "admin@example.com".into(),
            action: "policy.update".into(),
            target: "policy/group/eng".into(),
            before: Some(serde_json::json!({"enabled": true})),
            after: None,
        };
        let item = encode(&event);
        assert_eq!(item["pk"], s("AUDIT#2026-11-21"));
        assert_eq!(decode(&item).unwrap(), event);
    }
}
