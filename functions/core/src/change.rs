//! Changes to policies: a full replacement (PUT), a partial change (PATCH), and the daily limit
//! derived from a monthly one.

use serde::{Deserialize, Deserializer, Serialize};
use time::OffsetDateTime;

use crate::{Policy, PolicyType, TokenAmount, Usd};

crate::policy_struct! {
    /// Every settable field of a policy; absent fields take their defaults (no limit, `alert`,
    /// enabled). An absent `daily_enforcement_mode` follows `enforcement_mode`.
    #[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
    #[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct PolicyFields {}
    limits(Option<TokenAmount>, Option<Usd>, ".")
    #[serde(default, skip_serializing_if = "Option::is_none")]
    settings: optional
}

crate::policy_struct! {
    /// A partial change: absent fields stay as they are; a limit given as `null` is cleared.
    #[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
    #[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct PolicyPatch {}
    limits(Option<Option<TokenAmount>>, Option<Option<Usd>>, " (`null` clears).")
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    settings: optional
}

/// Distinguishes a field given as `null` (`Some(None)`) from an absent one (`None`, by default).
fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

impl PolicyPatch {
    /// Whether the patch changes nothing.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// Who changes a policy, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// The administrator's identity.
    pub actor: String,
    /// The time of the change.
    pub at: OffsetDateTime,
}

/// The policy `fields` describe, replacing `existing` (whose creation time and version carry on).
pub fn replace(
    policy_type: PolicyType,
    identifier: String,
    fields: &PolicyFields,
    existing: Option<&Policy>,
    change: &Change,
) -> Policy {
    let enforcement_mode = fields.enforcement_mode.unwrap_or_default();
    Policy {
        policy_type,
        identifier,
        monthly_token_limit: fields.monthly_token_limit,
        daily_token_limit: fields.daily_token_limit,
        monthly_cost_limit: fields.monthly_cost_limit,
        daily_cost_limit: fields.daily_cost_limit,
        enforcement_mode,
        daily_enforcement_mode: fields.daily_enforcement_mode.unwrap_or(enforcement_mode),
        enabled: fields.enabled.unwrap_or(true),
        version: existing.map_or(1, |p| p.version + 1),
        created_at: Some(existing.and_then(|p| p.created_at).unwrap_or(change.at)),
        updated_at: Some(change.at),
        updated_by: Some(change.actor.clone()),
    }
}

/// `old` with `patch` applied: each field the patch gives replaces the old one.
pub fn patch(old: &Policy, patch: &PolicyPatch, change: &Change) -> Policy {
    Policy {
        monthly_token_limit: patch.monthly_token_limit.unwrap_or(old.monthly_token_limit),
        daily_token_limit: patch.daily_token_limit.unwrap_or(old.daily_token_limit),
        monthly_cost_limit: patch.monthly_cost_limit.unwrap_or(old.monthly_cost_limit),
        daily_cost_limit: patch.daily_cost_limit.unwrap_or(old.daily_cost_limit),
        enforcement_mode: patch.enforcement_mode.unwrap_or(old.enforcement_mode),
        daily_enforcement_mode: patch
            .daily_enforcement_mode
            .unwrap_or(old.daily_enforcement_mode),
        enabled: patch.enabled.unwrap_or(old.enabled),
        version: old.version + 1,
        updated_at: Some(change.at),
        updated_by: Some(change.actor.clone()),
        ..old.clone()
    }
}

/// A daily limit derived from a monthly one: a thirtieth of it, plus `burst_percent` (0–100),
/// rounded down to whole tokens.
pub fn auto_daily(monthly: TokenAmount, burst_percent: u8) -> TokenAmount {
    let scaled = u128::from(monthly.0) * (100 + u128::from(burst_percent.min(100))) / 3000;
    TokenAmount(u64::try_from(scaled).unwrap_or(u64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Mode;
    use time::macros::datetime;

    fn change() -> Change {
        Change {
            actor: "admin@example.com".into(),
            at: datetime!(2026-11-21 12:00 UTC),
        }
    }

    #[test]
    fn patch_distinguishes_null_from_absent() {
        let patch_json: PolicyPatch =
            serde_json::from_str(r#"{"daily_token_limit": null, "enabled": false}"#).unwrap();
        assert_eq!(patch_json.daily_token_limit, Some(None));
        assert_eq!(patch_json.monthly_token_limit, None);

        let mut existing = Policy::new(PolicyType::User, "a@x.io");
        existing.monthly_token_limit = Some(TokenAmount(100));
        existing.daily_token_limit = Some(TokenAmount(10));
        existing.version = 4;
        let patched = patch(&existing, &patch_json, &change());
        assert_eq!(patched.monthly_token_limit, Some(TokenAmount(100)));
        assert_eq!(patched.daily_token_limit, None);
        assert!(!patched.enabled);
        assert_eq!(patched.version, 5);
        assert_eq!(patched.updated_by.as_deref(), Some("admin@example.com"));
    }

    #[test]
    fn unknown_fields_and_bad_values_are_refused() {
        assert!(serde_json::from_str::<PolicyPatch>(r#"{"monthly_limit": 5}"#).is_err());
        assert!(serde_json::from_str::<PolicyFields>(r#"{"monthly_token_limit": -5}"#).is_err());
        assert!(serde_json::from_str::<PolicyFields>(r#"{"enforcement_mode": "warn"}"#).is_err());
        assert!(serde_json::from_str::<PolicyFields>(r#"{"monthly_cost_limit": 1.005}"#).is_err());
    }

    #[test]
    fn replace_keeps_creation_and_bumps_the_version() {
        let first = replace(
            PolicyType::Group,
            "eng".into(),
            &PolicyFields {
                enforcement_mode: Some(Mode::Block),
                ..Default::default()
            },
            None,
            &change(),
        );
        assert_eq!(first.version, 1);
        assert_eq!(
            first.daily_enforcement_mode,
            Mode::Block,
            "daily mode follows the monthly one"
        );
        let later = Change {
            at: datetime!(2026-11-22 12:00 UTC),
            ..change()
        };
        let second = replace(
            PolicyType::Group,
            "eng".into(),
            &PolicyFields::default(),
            Some(&first),
            &later,
        );
        assert_eq!(second.version, 2);
        assert_eq!(second.created_at, first.created_at);
        assert_eq!(second.enforcement_mode, Mode::Alert);
    }

    #[test]
    fn auto_daily_is_a_thirtieth_plus_burst() {
        assert_eq!(
            auto_daily(TokenAmount(300_000_000), 10),
            TokenAmount(11_000_000)
        );
        assert_eq!(
            auto_daily(TokenAmount(300_000_000), 0),
            TokenAmount(10_000_000)
        );
        assert_eq!(
            auto_daily(TokenAmount(u64::MAX), 100),
            TokenAmount(u64::MAX / 15)
        );
    }
}
