//! Policy items: `pk = POLICY#{type}#{identifier}`, `sk = CURRENT`, the original system's layout.

use aws_sdk_dynamodb::types::AttributeValue;
use ccwb_core::{Mode, Policy, PolicyType, TokenAmount, Usd};

use super::attrs::{Item, Reader, dollars, n, s, timestamp};
use crate::StoreError;

/// Sort key of a policy's current version.
pub const CURRENT: &str = "CURRENT";

/// The partition key of a policy.
pub fn pk(policy_type: PolicyType, identifier: &str) -> String {
    format!("POLICY#{}#{identifier}", policy_type.as_str())
}

/// The key of a policy.
pub fn key(policy_type: PolicyType, identifier: &str) -> Item {
    Item::from([
        ("pk".to_owned(), s(pk(policy_type, identifier))),
        ("sk".to_owned(), s(CURRENT)),
    ])
}

/// Encodes a policy as an item.
pub fn encode(policy: &Policy) -> Item {
    let mut item = key(policy.policy_type, &policy.identifier);
    item.insert("policy_type".into(), s(policy.policy_type.as_str()));
    item.insert("identifier".into(), s(&policy.identifier));
    if let Some(TokenAmount(v)) = policy.monthly_token_limit {
        item.insert("monthly_token_limit".into(), n(v));
    }
    if let Some(TokenAmount(v)) = policy.daily_token_limit {
        item.insert("daily_token_limit".into(), n(v));
    }
    if let Some(Usd(v)) = policy.monthly_cost_limit {
        item.insert("monthly_cost_limit".into(), dollars(v));
    }
    if let Some(Usd(v)) = policy.daily_cost_limit {
        item.insert("daily_cost_limit".into(), dollars(v));
    }
    item.insert(
        "enforcement_mode".into(),
        s(policy.enforcement_mode.as_str()),
    );
    item.insert(
        "daily_enforcement_mode".into(),
        s(policy.daily_enforcement_mode.as_str()),
    );
    item.insert("enabled".into(), AttributeValue::Bool(policy.enabled));
    item.insert("version".into(), n(policy.version));
    if let Some(at) = policy.created_at {
        item.insert("created_at".into(), timestamp(at));
    }
    if let Some(at) = policy.updated_at {
        item.insert("updated_at".into(), timestamp(at));
    }
    if let Some(by) = &policy.updated_by {
        item.insert("updated_by".into(), s(by));
    }
    item
}

/// Decodes a policy item. Items written by the original system lack `daily_enforcement_mode`
/// and `version`: the daily mode then follows `enforcement_mode`, the version is 0.
pub fn decode(item: &Item) -> Result<Policy, StoreError> {
    let r = Reader::new(item);
    let enforcement_mode = r.parsed::<Mode>("enforcement_mode")?.unwrap_or_default();
    Ok(Policy {
        policy_type: r
            .parsed::<PolicyType>("policy_type")?
            .ok_or_else(|| StoreError::Corrupt("policy item without policy_type".into()))?,
        identifier: r.string("identifier")?,
        monthly_token_limit: r.opt_u64("monthly_token_limit")?.map(TokenAmount),
        daily_token_limit: r.opt_u64("daily_token_limit")?.map(TokenAmount),
        monthly_cost_limit: r.opt_micros("monthly_cost_limit")?.map(Usd),
        daily_cost_limit: r.opt_micros("daily_cost_limit")?.map(Usd),
        enforcement_mode,
        daily_enforcement_mode: r
            .parsed::<Mode>("daily_enforcement_mode")?
            .unwrap_or(enforcement_mode),
        enabled: r.opt_bool("enabled")?.unwrap_or(true),
        version: r.u64_or_zero("version")?,
        created_at: r.opt_time("created_at")?,
        updated_at: r.opt_time("updated_at")?,
        updated_by: r.opt_string("updated_by")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_round_trips() {
        let mut policy = Policy::new(PolicyType::Group, "eng");
        policy.monthly_token_limit = Some(TokenAmount(300_000_000));
        policy.daily_token_limit = Some(TokenAmount(0));
        policy.monthly_cost_limit = Some(Usd(1_234_560_000));
        policy.daily_cost_limit = Some(Usd(50_000));
        policy.enforcement_mode = Mode::Block;
        policy.daily_enforcement_mode = Mode::Alert;
        policy.enabled = false;
        policy.version = 7;
        policy.created_at = Some(time::macros::datetime!(2026-01-02 03:04:05 UTC));
        policy.updated_at = Some(time::macros::datetime!(2026-02-03 04:05:06 UTC));
        policy.updated_by = Some("admin@example.com".into());
        let item = encode(&policy);
        assert_eq!(item["pk"], s("POLICY#group#eng"));
        assert_eq!(decode(&item).unwrap(), policy);
    }

    #[test]
    fn original_items_without_new_fields_decode() {
        let item = Item::from([
            ("pk".into(), s("POLICY#user#a@x.io")),
            ("sk".into(), s("CURRENT")),
            ("policy_type".into(), s("user")),
            ("identifier".into(), s("a@x.io")),
            ("monthly_token_limit".into(), n(100)),
            ("enforcement_mode".into(), s("block")),
        ]);
        let policy = decode(&item).unwrap();
        assert_eq!(policy.daily_enforcement_mode, Mode::Block);
        assert!(policy.enabled);
        assert_eq!(policy.version, 0);
    }

    #[test]
    fn corrupt_items_are_errors_naming_the_attribute() {
        let mut item = encode(&Policy::new(PolicyType::User, "a@x.io"));
        item.insert("monthly_token_limit".into(), s("lots"));
        let err = decode(&item).unwrap_err().to_string();
        assert!(err.contains("monthly_token_limit"), "{err}");
    }
}
