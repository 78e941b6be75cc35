//! Rendering results for people and for scripts.

use comfy_table::presets::NOTHING;
use comfy_table::{Cell, Table};
use serde::Serialize;

use crate::cli::CliError;

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
