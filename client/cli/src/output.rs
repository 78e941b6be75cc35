//! Rendering results: aligned tables with human numbers for people, exact JSON for scripts.

use ccwb_core::{TokenAmount, Usd};
use comfy_table::presets::NOTHING;
use comfy_table::{Cell, Table};
use serde::Serialize;

use crate::error::CliError;

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Output {
    /// Aligned tables with human-readable numbers.
    Table,
    /// Exact JSON, as the API returns it.
    Json,
}

/// Prints `value` as pretty JSON.
pub fn print_json<T: Serialize>(value: &T) -> Result<(), CliError> {
    let text = serde_json::to_string_pretty(value).map_err(|e| CliError::Output(e.to_string()))?;
    println!("{text}");
    Ok(())
}

/// Prints label/value rows as an aligned two-column table.
pub fn print_fields(rows: &[(&str, String)]) {
    let mut table = Table::new();
    table.load_style(NOTHING);
    for (label, value) in rows {
        table.add_row(vec![Cell::new(label), Cell::new(value)]);
    }
    println!("{table}");
}

/// Prints a table with a header row.
pub fn print_table(header: &[&str], rows: Vec<Vec<String>>) {
    let mut table = Table::new();
    table.load_style(NOTHING);
    table.set_header(header.to_vec());
    for row in rows {
        table.add_row(row);
    }
    println!("{table}");
}

/// `300M`, or `-` when unset or 0 (no limit).
pub fn tokens(value: Option<TokenAmount>) -> String {
    value
        .filter(|v| v.0 > 0)
        .map_or_else(|| "-".to_owned(), |v| v.to_string())
}

/// `$12.50`, or `-` when unset or 0 (no limit).
pub fn dollars(value: Option<Usd>) -> String {
    value
        .filter(|v| v.0 > 0)
        .map_or_else(|| "-".to_owned(), |v| v.to_string())
}

/// `87.5%`, or empty.
pub fn percent(value: Option<f64>) -> String {
    value.map_or_else(String::new, |p| format!("{p:.1}%"))
}

/// Dollars from a float amount of the API (`12.345` → `$12.35`).
pub fn dollars_f64(value: f64) -> String {
    Usd((value * 1_000_000.0).round().max(0.0) as u64).to_string()
}
