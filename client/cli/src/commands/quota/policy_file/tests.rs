//! Examples of both formats: round trips, row numbers in errors, the CSV escape.

use super::*;

fn sample() -> Vec<Policy> {
    let mut a = Policy::new(PolicyType::User, "a@x.io");
    a.monthly_token_limit = Some(TokenAmount(1_234_567));
    a.daily_token_limit = Some(TokenAmount(0));
    a.monthly_cost_limit = Some(Usd(12_340_000));
    a.enforcement_mode = Mode::Block;
    a.enabled = false;
    let b = Policy::new(PolicyType::Group, "eng, \"core\"");
    vec![a, b]
}

#[test]
fn both_formats_round_trip_every_setting() {
    for format in [FileFormat::Json, FileFormat::Csv] {
        let text = render(&sample(), format).unwrap();
        let (rows, errors) = parse(&text, format).unwrap();
        assert!(errors.is_empty(), "{errors:?}");
        let expected: Vec<ImportRow> = sample().iter().map(ImportRow::from_policy).collect();
        let got: Vec<ImportRow> = rows.into_iter().map(|r| r.row).collect();
        assert_eq!(got, expected, "{format:?}");
    }
}

#[test]
fn csv_with_bom_blank_cells_and_bad_rows_cites_row_numbers() {
    let text = "\u{feff}type,identifier,monthly_token_limit,enforcement_mode\n\
                user,a@x.io,300M,\n\
                group,eng,12X,block\n\
                default,,1B,alert\n\
                robot,r2,1M,block\n";
    let (rows, errors) = parse(text, FileFormat::Csv).unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(
        rows[0].row.monthly_token_limit,
        Some(TokenAmount(300_000_000))
    );
    assert_eq!(rows[0].row.enforcement_mode, None);
    assert_eq!(rows[1].row.identifier, "default");
    assert_eq!(errors[0].0, "row 3");
    assert!(errors[0].1.contains("monthly_token_limit"), "{errors:?}");
    assert_eq!(errors[1].0, "row 5");
}

#[test]
fn csv_cells_starting_a_formula_or_the_mark_get_one_mark_more() {
    let cases = [
        ("=1+2", "'=1+2"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("'a", "''a"),
        ("'", "''"),
        ("''=x", "'''=x"),
        ("", ""),
        ("a=b", "a=b"),
        (" =x", " =x"),
        ("\"=x\"", "\"=x\""),
        ("12.50", "12.50"),
        ("é=", "é="),
    ];
    for (value, cell) in cases {
        assert_eq!(escape_cell(value), cell, "{value:?}");
        assert_eq!(unescape_cell(&escape_cell(value)), value, "{value:?}");
    }
    assert_eq!(unescape_cell("plain"), "plain");
}

#[test]
fn csv_export_quotes_every_cell_neutralises_formulas_and_reads_them_back() {
    let ids = [
        "=HYPERLINK(\"x\")",
        "@a",
        "+1",
        "-1",
        "'quoted",
        "a;=1",
        "plain",
    ];
    let policies: Vec<Policy> = ids
        .iter()
        .map(|id| Policy::new(PolicyType::Group, *id))
        .collect();
    let text = render(&policies, FileFormat::Csv).unwrap();
    for line in [
        "\"group\",\"'=HYPERLINK(\"\"x\"\")\",",
        "\"group\",\"'@a\",",
        "\"group\",\"'+1\",",
        "\"group\",\"'-1\",",
        "\"group\",\"''quoted\",",
        "\"group\",\"a;=1\",",
        "\"group\",\"plain\",\"\",",
    ] {
        assert!(text.contains(line), "{line} in\n{text}");
    }
    let (rows, errors) = parse(&text, FileFormat::Csv).unwrap();
    assert!(errors.is_empty(), "{errors:?}");
    let got: Vec<&str> = rows.iter().map(|r| r.row.identifier.as_str()).collect();
    assert_eq!(got, ids);
}

#[test]
fn unknown_columns_are_refused() {
    let err = parse("type,identifier,monthly\nuser,a,1\n", FileFormat::Csv).unwrap_err();
    assert!(err.to_string().contains("monthly"), "{err}");
}
