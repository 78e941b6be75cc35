//! Properties over arbitrary input: stored policies survive export and import in both formats,
//! and no text makes the parser panic.

use super::*;
use proptest::prelude::*;

/// Limits take at most 2 decimals and at most 10^15 cents (`Usd::from_dollars`).
const MAX_CENTS: u64 = 1_000_000_000_000_000;

/// JSON carries a limit as a number of dollars (an `f64`), exact while the micro-dollars fit
/// in its 53-bit mantissa: up to about $9 billion. CSV writes decimals and is exact to
/// `MAX_CENTS`.
const MAX_JSON_CENTS: u64 = (1 << 53) / 10_000;

fn mode() -> impl Strategy<Value = Mode> {
    prop_oneof![Just(Mode::Alert), Just(Mode::Block)]
}

fn usd(max_cents: u64) -> impl Strategy<Value = Option<Usd>> {
    proptest::option::of((0..=max_cents).prop_map(|cents| Usd(cents * 10_000)))
}

/// Text that often starts like a formula, an escape mark or CSV syntax.
fn tricky_text() -> impl Strategy<Value = String> {
    const STARTS: [&str; 14] = [
        "", "=", "+", "-", "@", "'", "''", "\t", "\r", "\"", ",", ";", " ", "\u{feff}",
    ];
    (proptest::sample::select(&STARTS[..]), "\\PC{0,24}")
        .prop_map(|(start, rest)| format!("{start}{rest}"))
}

/// A policy as the API stores it (its identifier normalised by the API's own rule), with
/// cost limits up to `max_cents`.
fn stored_policy(max_cents: u64) -> impl Strategy<Value = Policy> {
    let kind = prop_oneof![
        Just(PolicyType::User),
        Just(PolicyType::Group),
        Just(PolicyType::Default)
    ];
    let tokens = || proptest::option::of(any::<u64>().prop_map(TokenAmount));
    (
        (kind, tricky_text()),
        (tokens(), tokens(), usd(max_cents), usd(max_cents)),
        (mode(), mode(), any::<bool>()),
    )
        .prop_filter_map(
            "an identifier the API accepts",
            |((kind, raw), (monthly, daily, budget, daily_budget), (mode, daily_mode, on))| {
                let raw = if kind == PolicyType::Default {
                    "default".to_owned()
                } else {
                    raw
                };
                let identifier = ccwb_core::validate::identifier(kind, &raw).ok()?;
                let mut policy = Policy::new(kind, identifier);
                policy.monthly_token_limit = monthly;
                policy.daily_token_limit = daily;
                policy.monthly_cost_limit = budget;
                policy.daily_cost_limit = daily_budget;
                policy.enforcement_mode = mode;
                policy.daily_enforcement_mode = daily_mode;
                policy.enabled = on;
                Some(policy)
            },
        )
}

/// Renders `policies` in `format`, parses the text and expects exactly their rows back.
fn round_trip(policies: &[Policy], format: FileFormat) -> Result<(), TestCaseError> {
    let expected: Vec<ImportRow> = policies.iter().map(ImportRow::from_policy).collect();
    let text = render(policies, format).map_err(|e| TestCaseError::fail(e.to_string()))?;
    let (rows, errors) = parse(&text, format).map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert!(errors.is_empty(), "{:?}\n{}", errors, text);
    let got: Vec<ImportRow> = rows.into_iter().map(|r| r.row).collect();
    prop_assert_eq!(&got, &expected, "{}", text);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn csv_export_then_import_is_the_identity(
        policies in proptest::collection::vec(stored_policy(MAX_CENTS), 0..8)
    ) {
        round_trip(&policies, FileFormat::Csv)?;
    }

    #[test]
    fn json_export_then_import_is_the_identity(
        policies in proptest::collection::vec(stored_policy(MAX_JSON_CENTS), 0..8)
    ) {
        round_trip(&policies, FileFormat::Json)?;
    }

    #[test]
    fn no_csv_cell_of_an_export_starts_a_formula(policy in stored_policy(MAX_CENTS)) {
        let text = render(&[policy], FileFormat::Csv).unwrap();
        let mut reader = ::csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(text.as_bytes());
        for record in reader.records() {
            for cell in record.unwrap().iter() {
                prop_assert!(!cell.starts_with(FORMULA_STARTS), "{:?}", cell);
            }
        }
    }

    #[test]
    fn cells_unescape_to_what_was_escaped(value in tricky_text()) {
        let cell = escape_cell(&value);
        prop_assert_eq!(unescape_cell(&cell), value.as_str());
    }

    #[test]
    fn the_parser_never_panics(
        text in prop_oneof![any::<String>(), tricky_text()],
        lines in proptest::collection::vec(prop_oneof![any::<String>(), tricky_text()], 0..6),
    ) {
        let csv = format!(
            "type,identifier,monthly_token_limit,monthly_cost_limit,enabled\n{}",
            lines.join("\n")
        );
        for format in [FileFormat::Csv, FileFormat::Json] {
            let _ = parse(&text, format);
            let _ = parse(&csv, format);
        }
    }
}
