//! Properties of the parsers in `ccwb-core` that read request input: token amounts
//! (`TokenAmount`), dollars (`Usd`, as text, as JSON limits and as measured costs), unblock
//! durations (`UnblockDuration`), policy identifiers (`validate::identifier`), the policy bodies
//! of PUT and PATCH (`PolicyFields`, `PolicyPatch`), policy types and modes, the model names of
//! telemetry (`pricing::canonical_model`, `PriceTable::cost`) and download CIDR blocks
//! (`distribution::Cidr`).
//!
//! Administrators and clients type these values and the API passes them on unchanged, so each
//! parser must refuse anything it cannot read without panicking or overflowing (text like
//! `99999999999999999999M`, `-5`, unicode digits, a multi-byte last character), and what it
//! accepts must survive a round trip through its own formatting: what ccwb shows is what it
//! would read back.
//!
//! Runs are bounded and repeatable: each property sets its case count and every run starts from
//! one fixed seed ([`config`], shared by the property suites: `tests/common/proptest_config.rs`
//! says how to explore further); failures are saved to `tests/proptest-regressions/properties.txt`
//! (commit it) and replayed first by every later run.

// Dependencies are judged on the library target; this test uses only some of them.
#![allow(unused_crate_dependencies)]

use ccwb_core::change::{self, Change};
use ccwb_core::distribution::Cidr;
use ccwb_core::money::Measured;
use ccwb_core::pricing::canonical_model;
use ccwb_core::unblock::MAX_UNBLOCK;
use ccwb_core::validate::{MAX_IDENTIFIER_CHARS, identifier};
use ccwb_core::{
    Mode, Policy, PolicyFields, PolicyPatch, PolicyType, PriceTable, TokenAmount, TokenType,
    UnblockDuration, Usd,
};
use proptest::prelude::*;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

#[path = "../../../tests/common/proptest_config.rs"]
mod proptest_config;
use proptest_config::config;

// ---- strategies ----

/// Text people might type for a number: digits (ASCII and not), signs, separators, suffixes,
/// dollar signs, spaces, exponents, and anything at all.
fn number_like_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[ ]?[-+$]?[0-9]{0,25}(\\.[0-9]{0,25})?[kKmMbBtTxX]?[ ]?",
        "[0-9]{15,30}[kmbtKMBT]?",
        "[-+]?[0-9]{0,4}[.,_e][0-9]{0,4}[a-zA-Z%$]{0,2}",
        // Arabic-Indic, Devanagari and full-width digits, and a multi-byte last character.
        "[٠-٩०-९０-９0-9]{1,6}[kMhdé€]?",
        any::<String>(),
    ]
}

/// Amounts across the whole range, with the edges of each suffix.
fn amount() -> impl Strategy<Value = u64> {
    prop_oneof![
        0u64..2_000,
        any::<u64>(),
        prop::sample::select(vec![
            999,
            1_000,
            1_001,
            999_999,
            1_000_000,
            1_234_567,
            999_999_999_999,
            1_000_000_000_000,
            u64::MAX / 1_000,
            u64::MAX - 1,
            u64::MAX,
        ]),
        // A multiple of a power of ten, as people set limits.
        (1u64..10_000, 0u32..16).prop_map(|(n, e)| n.saturating_mul(10u64.pow(e))),
    ]
}

// ---- token amounts ----

proptest! {
    #![proptest_config(config(1024))]

    #[test]
    fn token_amounts_display_and_parse_back_exactly(value in amount()) {
        let shown = TokenAmount(value).to_string();
        prop_assert_eq!(shown.parse::<TokenAmount>(), Ok(TokenAmount(value)), "{}", shown);
        prop_assert_eq!(shown.to_lowercase().parse::<TokenAmount>(), Ok(TokenAmount(value)));
    }

    #[test]
    fn token_amount_text_never_panics_and_what_parses_is_canonical(text in number_like_text()) {
        if let Ok(amount) = text.parse::<TokenAmount>() {
            prop_assert_eq!(amount.to_string().parse::<TokenAmount>(), Ok(amount));
            prop_assert!(text.trim().bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.'), "{:?}", text);
        }
    }

    /// `whole.fraction<suffix>` is `whole × m + fraction × m / 10^digits`, computed here in `u128`:
    /// exact when that is whole and fits a `u64`, else refused, never rounded or wrapped.
    #[test]
    fn token_amounts_parse_as_exact_decimals(
        whole in prop_oneof![0u64..10_000, any::<u64>()],
        fraction in "[0-9]{0,14}",
        suffix in prop::sample::select(vec![("", 1u128), ("k", 1_000), ("M", 1_000_000), ("B", 1_000_000_000), ("t", 1_000_000_000_000)]),
    ) {
        let (letter, multiplier) = suffix;
        let text = if fraction.is_empty() {
            format!("{whole}{letter}")
        } else {
            format!("{whole}.{fraction}{letter}")
        };
        let scale = 10u128.pow(fraction.len() as u32);
        let fraction_value: u128 = if fraction.is_empty() { 0 } else { fraction.parse().map_err(|e| TestCaseError::fail(format!("{e}")))? };
        // `None`: past `u128`, so far past `u64`.
        let exact = u128::from(whole)
            .checked_mul(multiplier * scale)
            .and_then(|w| w.checked_add(fraction_value * multiplier));
        let parsed = text.parse::<TokenAmount>();
        match exact {
            Some(exact) if exact % scale != 0 => {
                prop_assert!(parsed.is_err(), "{} is not whole but parsed as {:?}", text, parsed);
            }
            Some(exact) => match u64::try_from(exact / scale) {
                Ok(value) => prop_assert_eq!(parsed, Ok(TokenAmount(value)), "{}", text),
                Err(_) => prop_assert!(parsed.is_err(), "{} overflows but parsed as {:?}", text, parsed),
            },
            None => prop_assert!(parsed.is_err(), "{} overflows but parsed as {:?}", text, parsed),
        }
    }
}

// ---- dollars ----

/// Micro-dollars across the whole range.
fn micros() -> impl Strategy<Value = u64> {
    prop_oneof![
        0u64..100_000_000,
        any::<u64>(),
        (u64::MAX - 20_000)..=u64::MAX,
    ]
}

proptest! {
    #![proptest_config(config(1024))]

    /// `$12.50`: the cents, rounded half up, for any amount (no overflow near `u64::MAX`).
    #[test]
    fn dollars_display_to_the_cent_rounded_half_up(micros in micros()) {
        let cents = (u128::from(micros) + 5_000) / 10_000;
        prop_assert_eq!(Usd(micros).to_string(), format!("${}.{:02}", cents / 100, cents % 100));
    }

    #[test]
    fn whole_cents_display_and_parse_back_exactly(cents in prop_oneof![0u64..1_000_000, 0..=u64::MAX / 10_000]) {
        let usd = Usd(cents * 10_000);
        let shown = usd.to_string();
        prop_assert_eq!(shown.parse::<Usd>(), Ok(usd), "{}", shown);
        prop_assert_eq!(shown.trim_start_matches('$').parse::<Usd>(), Ok(usd));
    }

    #[test]
    fn dollar_text_never_panics_and_what_parses_is_whole_cents(text in number_like_text()) {
        if let Ok(usd) = text.parse::<Usd>() {
            prop_assert_eq!(usd.0 % 10_000, 0, "{:?} has at most 2 decimals", text);
            prop_assert_eq!(usd.to_string().parse::<Usd>(), Ok(usd));
        }
    }

    /// Limits arrive as JSON numbers of dollars with at most 2 decimals; every such amount up to
    /// ten million dollars is read exactly and written back as the same number.
    #[test]
    fn dollar_limits_round_trip_through_json(cents in prop_oneof![0u64..100_000, 0u64..1_000_000_000]) {
        let usd = Usd(cents * 10_000);
        let json = serde_json::to_string(&usd).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(serde_json::from_str::<Usd>(&json).ok(), Some(usd), "{}", json);
        prop_assert_eq!(Usd::from_dollars(cents as f64 / 100.0), Ok(usd));
    }

    /// `from_dollars` checks that `dollars × 100` is within 1e-6 of whole cents, finer than an
    /// `f64` product keeps for large amounts, so some valid limits are refused: `134217807.11`
    /// is the smallest one found.
    #[test]
    #[ignore = "finding: dollar limits above about $100 million with cents can be refused"]
    fn dollar_limits_of_any_size_round_trip_through_json(cents in 0u64..=1_000_000_000_000_000) {
        let usd = Usd(cents * 10_000);
        prop_assert_eq!(Usd::from_dollars(cents as f64 / 100.0), Ok(usd));
    }

    #[test]
    fn any_json_number_of_dollars_never_panics(value in prop::num::f64::ANY) {
        if let Ok(usd) = Usd::from_dollars(value) {
            prop_assert!(value.is_finite() && value >= 0.0);
            prop_assert_eq!(usd.0 % 10_000, 0);
        }
        #[derive(Debug, Deserialize)]
        struct Cost(#[serde(with = "Measured")] #[allow(dead_code)] Usd);
        let json = serde_json::json!(value).to_string();
        let _ = serde_json::from_str::<Cost>(&json);
    }

    /// Measured costs are read to the micro-dollar: any amount up to a billion dollars survives
    /// the trip through a JSON number.
    #[test]
    fn measured_costs_round_trip_to_the_micro_dollar(micros in prop_oneof![0u64..10_000_000, 0u64..1_000_000_000_000_000]) {
        #[derive(Debug, PartialEq, Serialize, Deserialize)]
        struct Cost(#[serde(with = "Measured")] Usd);
        let json = serde_json::to_string(&Cost(Usd(micros))).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(serde_json::from_str::<Cost>(&json).ok(), Some(Cost(Usd(micros))), "{}", json);
    }
}

// ---- unblock durations ----

fn duration() -> impl Strategy<Value = UnblockDuration> {
    prop_oneof![
        (1u16..=168).prop_map(UnblockDuration::Hours),
        (1u8..=7).prop_map(UnblockDuration::Days),
        Just(UnblockDuration::UntilReset),
    ]
}

fn duration_like_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[ ]?[-+]?[0-9]{0,12}[hHdDmMwWé€ ]?[ ]?",
        "(until-reset|UNTIL-RESET|until_reset|until-reset )",
        "[٠-٩०-९0-9]{1,4}[hdé€]",
        any::<String>(),
    ]
}

proptest! {
    #![proptest_config(config(1024))]

    #[test]
    fn unblock_durations_display_and_parse_back(d in duration()) {
        prop_assert_eq!(d.to_string().parse::<UnblockDuration>(), Ok(d));
        prop_assert_eq!(format!(" {} ", d.to_string().to_uppercase()).parse::<UnblockDuration>(), Ok(d));
    }

    /// Whatever is typed, the parser answers without panicking, and an accepted duration is
    /// between an hour and [`MAX_UNBLOCK`] from any instant.
    #[test]
    fn unblock_duration_text_never_panics_and_accepted_ones_are_bounded(
        text in duration_like_text(),
        at in 0i64..4_102_444_800,
    ) {
        if let Ok(d) = text.parse::<UnblockDuration>() {
            let now = OffsetDateTime::from_unix_timestamp(at).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let span = d.expires_at(now) - now;
            prop_assert!(span > time::Duration::ZERO && span <= MAX_UNBLOCK, "{:?}: {}", text, span);
            prop_assert_eq!(d.to_string().parse::<UnblockDuration>(), Ok(d));
        }
    }
}

// ---- policy identifiers, types and modes ----

fn identifier_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[ ]{0,2}[A-Za-z0-9.@_-]{0,20}[ ]{0,2}",
        // Characters whose lower case is longer than they are (İ is i + a combining dot).
        "[İẞΣa-z]{1,300}",
        "\\PC{0,300}",
        any::<String>(),
    ]
}

fn policy_type() -> impl Strategy<Value = PolicyType> {
    prop::sample::select(vec![
        PolicyType::User,
        PolicyType::Group,
        PolicyType::Default,
    ])
}

proptest! {
    #![proptest_config(config(512))]

    /// An accepted identifier is stored as returned; reading it again must give itself, within
    /// the documented bounds.
    #[test]
    fn identifiers_are_bounded_and_normalising_twice_changes_nothing(
        kind in policy_type(),
        text in identifier_text(),
    ) {
        if let Ok(value) = identifier(kind, &text) {
            prop_assert!(!value.is_empty());
            prop_assert!(value.chars().count() <= MAX_IDENTIFIER_CHARS, "{} chars", value.chars().count());
            prop_assert!(!value.chars().any(char::is_control));
            prop_assert_eq!(value.trim(), value.as_str());
            prop_assert_eq!(identifier(kind, &value), Ok(value.clone()));
        }
    }

    #[test]
    fn policy_types_and_modes_parse_their_own_names_only(text in prop_oneof![
        Just("user".to_owned()), Just("group".to_owned()), Just("default".to_owned()),
        Just("alert".to_owned()), Just("block".to_owned()), Just("User".to_owned()), any::<String>(),
    ]) {
        if let Ok(kind) = text.parse::<PolicyType>() {
            prop_assert_eq!(kind.as_str(), text.as_str());
        }
        if let Ok(mode) = text.parse::<Mode>() {
            prop_assert_eq!(mode.as_str(), text.as_str());
        }
    }
}

// ---- policy bodies (PUT and PATCH) ----

fn mode() -> impl Strategy<Value = Mode> {
    prop::sample::select(vec![Mode::Alert, Mode::Block])
}

/// Dollar limits as administrators set them: whole cents up to ten million dollars.
fn limit_usd() -> impl Strategy<Value = Usd> {
    (0u64..1_000_000_000).prop_map(|cents| Usd(cents * 10_000))
}

/// A PUT or PATCH body (`$body`, `PolicyFields` or `PolicyPatch`, whose fields share their names):
/// each of the four limits drawn through `$limit` (absent or a value; for PATCH also `null`),
/// the modes and `enabled` absent or a value.
macro_rules! policy_body {
    ($body:ident, $limit:path) => {
        (
            (
                $limit(amount().prop_map(TokenAmount)),
                $limit(amount().prop_map(TokenAmount)),
                $limit(limit_usd()),
                $limit(limit_usd()),
            ),
            (
                prop::option::of(mode()),
                prop::option::of(mode()),
                prop::option::of(any::<bool>()),
            ),
        )
            .prop_map(
                |(
                    (monthly_token_limit, daily_token_limit, monthly_cost_limit, daily_cost_limit),
                    (enforcement_mode, daily_enforcement_mode, enabled),
                )| $body {
                    monthly_token_limit,
                    daily_token_limit,
                    monthly_cost_limit,
                    daily_cost_limit,
                    enforcement_mode,
                    daily_enforcement_mode,
                    enabled,
                },
            )
    };
}

fn policy_fields() -> impl Strategy<Value = PolicyFields> {
    policy_body!(PolicyFields, prop::option::of)
}

/// Absent, `null` (clear), or a value.
fn patch_field<T: std::fmt::Debug + Clone + 'static>(
    value: impl Strategy<Value = T> + 'static,
) -> impl Strategy<Value = Option<Option<T>>> {
    prop_oneof![
        Just(None),
        Just(Some(None)),
        value.prop_map(|v| Some(Some(v)))
    ]
}

fn policy_patch() -> impl Strategy<Value = PolicyPatch> {
    policy_body!(PolicyPatch, patch_field)
}

/// A JSON value for a body field: the usual types, their near misses, and anything.
fn field_value() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::{Value, json};
    prop_oneof![
        any::<u64>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        prop::num::f64::ANY.prop_map(|f| json!(f)),
        (0u64..100_000).prop_map(|c| json!(c as f64 / 100.0)),
        Just(json!(1.005)),
        Just(json!(18446744073709551616.0)),
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        prop::sample::select(vec!["alert", "block", "Block", "300M", "", "true"])
            .prop_map(|s| Value::String(s.to_owned())),
        any::<String>().prop_map(Value::String),
        Just(json!([1])),
        Just(json!({"v": 1})),
    ]
}

/// A key of a policy body: the names clients send, the keys of an imported row, and anything.
fn body_key() -> impl Strategy<Value = String> {
    let mut known: Vec<&str> = ccwb_core::fields::SETTING_NAMES.to_vec();
    known.extend(["type", "identifier", "version"]);
    prop_oneof![
        prop::sample::select(known).prop_map(str::to_owned),
        any::<String>(),
    ]
}

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn policy_bodies_round_trip_through_json(fields in policy_fields(), patch in policy_patch()) {
        let json = serde_json::to_string(&fields).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(serde_json::from_str::<PolicyFields>(&json).ok(), Some(fields), "{}", json);
        let json = serde_json::to_string(&patch).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(serde_json::from_str::<PolicyPatch>(&json).ok(), Some(patch), "{}", json);
    }

    /// Any object of known and unknown keys with any values: refused or read, never a panic;
    /// and a patch read from it changes only the fields it names.
    #[test]
    fn any_policy_body_is_read_or_refused_and_a_patch_keeps_what_it_does_not_name(
        body in prop::collection::btree_map(body_key(), field_value(), 0..6),
        existing in policy_fields(),
    ) {
        let body = serde_json::Value::Object(body.into_iter().collect());
        let _ = serde_json::from_value::<PolicyFields>(body.clone());
        let _ = serde_json::from_value::<Policy>(body.clone());
        let Ok(patch) = serde_json::from_value::<PolicyPatch>(body.clone()) else { return Ok(()) };
        let change = Change { actor: "admin@example.com".into(), at: OffsetDateTime::UNIX_EPOCH };
        let before = change::replace(PolicyType::Group, "eng".into(), &existing, None, &change);
        let after = change::patch(&before, &patch, &change);
        let named = |key: &str| body.get(key).is_some();
        prop_assert_eq!(after.version, before.version + 1);
        if !named("monthly_token_limit") { prop_assert_eq!(after.monthly_token_limit, before.monthly_token_limit); }
        if !named("daily_token_limit") { prop_assert_eq!(after.daily_token_limit, before.daily_token_limit); }
        if !named("monthly_cost_limit") { prop_assert_eq!(after.monthly_cost_limit, before.monthly_cost_limit); }
        if !named("daily_cost_limit") { prop_assert_eq!(after.daily_cost_limit, before.daily_cost_limit); }
        if !named("enforcement_mode") { prop_assert_eq!(after.enforcement_mode, before.enforcement_mode); }
        if !named("daily_enforcement_mode") { prop_assert_eq!(after.daily_enforcement_mode, before.daily_enforcement_mode); }
        if !named("enabled") { prop_assert_eq!(after.enabled, before.enabled); }
    }
}

// ---- telemetry model names ----

/// A few catalog models, as Claude Code and Bedrock decorate their ids.
fn decorated_model() -> impl Strategy<Value = (&'static str, String)> {
    let model = prop::sample::select(vec![
        "claude-sonnet-4-5",
        "claude-opus-4-1",
        "claude-haiku-4-5",
        "claude-3-haiku",
        "claude-opus-5-5",
    ]);
    let prefix = prop::sample::select(vec![
        "",
        "us.anthropic.",
        "eu.anthropic.",
        "global.anthropic.",
        "anthropic.",
    ]);
    let suffix = prop::sample::select(vec![
        "",
        "-20250929",
        "-20250929-v1:0",
        "-v2:0",
        "@20250929",
        "[1m]",
        ":0",
    ]);
    (model, prefix, suffix, any::<bool>()).prop_map(|(model, prefix, suffix, upper)| {
        let id = format!("{prefix}{model}{suffix}");
        (model, if upper { id.to_uppercase() } else { id })
    })
}

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn decorated_model_ids_are_priced_as_their_model(decorated in decorated_model(), tokens in 0u64..=1_000_000_000_000) {
        let (model, id) = decorated;
        prop_assert_eq!(canonical_model(&id), model, "{}", id);
        let table = PriceTable::default();
        prop_assert!(table.knows(&id));
        prop_assert_eq!(table.cost(&id, TokenType::Output, tokens), table.cost(model, TokenType::Output, tokens));
    }

    /// A model name is the client's word: any text is priced, never above the ceiling (what an
    /// unknown model costs), and never panics.
    #[test]
    fn any_model_name_is_priced_at_most_at_the_ceiling(
        model in prop_oneof![any::<String>(), "(us\\.)?(anthropic\\.)?claude-[a-z0-9-]{0,20}[:@\\[]?.{0,6}"],
        tokens in prop_oneof![0u64..1_000_000, 0..=1_000_000_000_000u64, Just(u64::MAX)],
    ) {
        let _ = canonical_model(&model);
        let table = PriceTable::default();
        for token_type in [TokenType::Input, TokenType::Output, TokenType::CacheRead, TokenType::CacheWrite] {
            let priced = table.cost(&model, token_type, tokens);
            let ceiling = table.cost("no-such-model", token_type, tokens);
            prop_assert!(!ceiling.known);
            prop_assert!(priced.cost <= ceiling.cost, "{:?} {:?}: {:?} > {:?}", model, token_type, priced, ceiling);
        }
    }
}

// ---- download CIDR blocks ----

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn cidr_blocks_display_and_parse_back_and_contain_themselves(
        v4 in any::<[u8; 4]>(), v6 in any::<[u16; 8]>(), prefix in 0u8..=128, ipv6 in any::<bool>(),
    ) {
        let text = if ipv6 {
            format!("{}/{}", std::net::Ipv6Addr::from(v6), prefix)
        } else {
            format!("{}/{}", std::net::Ipv4Addr::from(v4), prefix.min(32))
        };
        let cidr = Cidr::parse(&text).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(Cidr::parse(&cidr.to_string()), Ok(cidr));
        prop_assert!(cidr.contains(&cidr));
        let host = Cidr::parse(text.split('/').next().unwrap_or_default()).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert!(cidr.contains(&host), "{} contains its own address", text);
    }

    #[test]
    fn any_cidr_text_is_read_or_refused(text in prop_oneof![
        "[0-9]{1,4}(\\.[0-9]{1,4}){0,4}(/[0-9]{0,4})?",
        "[0-9a-f:]{0,40}(/[0-9]{0,4})?",
        any::<String>(),
    ]) {
        if let Ok(cidr) = Cidr::parse(&text) {
            prop_assert_eq!(Cidr::parse(&cidr.to_string()), Ok(cidr));
        }
    }
}
