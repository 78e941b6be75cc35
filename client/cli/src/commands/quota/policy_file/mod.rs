//! Policy files for export and import ([`json`] and [`csv`]): JSON (`{"version": "1.0", "policies": [...]}`, the
//! original ccwb layout) and CSV, with errors that cite the file's row numbers.
//!
//! CSV files are opened in spreadsheets, which run a cell that starts with `=`, `+`, `-`, `@`,
//! tab or carriage return as a formula (OWASP's "CSV Injection"): a group named
//! `=HYPERLINK(…)` must not become a link in an administrator's spreadsheet. So every CSV cell is
//! written in double quotes (a `;` inside a cell then cannot start a new cell where `;` is the
//! list separator), and a cell whose value starts with one of those characters, or with `'`, gets
//! one `'` in front ([`escape_cell`]): spreadsheets show such a cell as the text after the `'`.
//! Import removes exactly one leading `'` from every cell ([`unescape_cell`]), so an exported
//! file reads back as the original values, including values that themselves start with `'`.
//! The rule is the same for every column; numeric cells never start with those characters
//! (amounts cannot be negative), so it only ever changes text. A hand-written cell starting with
//! `'` loses that `'` on import, as the file format says.

mod csv;
mod json;
#[cfg(test)]
mod properties;
#[cfg(test)]
mod tests;

use std::borrow::Cow;
use std::path::Path;

use ccwb_api::ImportRow;
use ccwb_core::fields::SETTING_NAMES;
use ccwb_core::{Mode, Policy, PolicyType, TokenAmount, Usd};
use clap::ValueEnum;

use crate::error::CliError;

/// File formats for export and import.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FileFormat {
    /// `{"version": "1.0", "policies": [...]}`.
    Json,
    /// One row per policy, with a header.
    Csv,
}

/// CSV columns, in order: the policy's key, then its settings.
pub const CSV_COLUMNS: [&str; 9] = {
    let mut columns = ["type", "identifier", "", "", "", "", "", "", ""];
    let mut i = 0;
    while i < SETTING_NAMES.len() {
        columns[2 + i] = SETTING_NAMES[i];
        i += 1;
    }
    columns
};

/// Fields of a JSON entry that describe the stored policy, not its settings: exported for
/// information, ignored on import.
const METADATA: [&str; 4] = ["version", "created_at", "updated_at", "updated_by"];

/// The characters that make a spreadsheet read a cell as a formula when it starts with one.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// What spreadsheets read as "the rest of this cell is text"; the CSV escape mark.
const TEXT_MARK: char = '\'';

/// A value as a CSV cell a spreadsheet reads as text: a value starting with a formula character
/// (`=`, `+`, `-`, `@`, tab, carriage return) or with `'` gets one more `'` in front; any other
/// value is unchanged. [`unescape_cell`] undoes it.
pub fn escape_cell(value: &str) -> Cow<'_, str> {
    if value.starts_with(FORMULA_STARTS) || value.starts_with(TEXT_MARK) {
        Cow::Owned(format!("{TEXT_MARK}{value}"))
    } else {
        Cow::Borrowed(value)
    }
}

/// The value of a CSV cell: one leading `'` removed, if there is one (see [`escape_cell`]).
pub fn unescape_cell(cell: &str) -> &str {
    cell.strip_prefix(TEXT_MARK).unwrap_or(cell)
}

/// A row read from a file, with where it came from.
#[derive(Debug, Clone)]
pub struct SourceRow {
    /// `row 7` (CSV line) or `entry 3` (JSON position).
    pub location: String,
    /// The row.
    pub row: ImportRow,
}

/// The good rows of a file, and `(location, message)` for each bad one.
pub type Parsed = (Vec<SourceRow>, Vec<(String, String)>);

/// The format a path's extension names.
pub fn format_of(path: &Path) -> Result<FileFormat, CliError> {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("json") => Ok(FileFormat::Json),
        Some("csv") => Ok(FileFormat::Csv),
        _ => Err(CliError::Usage(format!(
            "{}: use a .json or .csv file name",
            path.display()
        ))),
    }
}

/// Renders policies in `format`.
pub fn render(policies: &[Policy], format: FileFormat) -> Result<String, CliError> {
    match format {
        FileFormat::Json => json::render(policies),
        FileFormat::Csv => csv::render(policies),
    }
}

/// Reads rows from `text` in `format`; returns the good rows and one error per bad row.
pub fn parse(text: &str, format: FileFormat) -> Result<Parsed, CliError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    match format {
        FileFormat::Json => json::parse(text),
        FileFormat::Csv => csv::parse(text),
    }
}

/// A row from cells in [`CSV_COLUMNS`] order; blank cells take defaults.
fn row_from_cells(cells: &[Option<String>]) -> Result<ImportRow, String> {
    let get = |i: usize| cells.get(i).cloned().flatten();
    let policy_type: PolicyType = get(0)
        .ok_or("type: required (user, group or default)")?
        .to_ascii_lowercase()
        .parse()
        .map_err(|e: String| format!("type: {e}"))?;
    let identifier = match (get(1), policy_type) {
        (Some(id), _) => id,
        (None, PolicyType::Default) => "default".to_owned(),
        (None, _) => return Err("identifier: required".into()),
    };
    let tokens = |i: usize, name: &str| -> Result<Option<TokenAmount>, String> {
        get(i)
            .map(|v| v.parse().map_err(|e| format!("{name}: {e}")))
            .transpose()
    };
    let usd = |i: usize, name: &str| -> Result<Option<Usd>, String> {
        get(i)
            .map(|v| v.parse().map_err(|e| format!("{name}: {e}")))
            .transpose()
    };
    let mode = |i: usize, name: &str| -> Result<Option<Mode>, String> {
        get(i)
            .map(|v| {
                v.to_ascii_lowercase()
                    .parse()
                    .map_err(|e: String| format!("{name}: {e}"))
            })
            .transpose()
    };
    let enabled = match get(8).map(|v| v.to_ascii_lowercase()) {
        None => None,
        Some(v) if matches!(v.as_str(), "true" | "yes" | "1") => Some(true),
        Some(v) if matches!(v.as_str(), "false" | "no" | "0") => Some(false),
        Some(v) => return Err(format!("enabled: {v:?} is not true or false")),
    };
    Ok(ImportRow {
        policy_type,
        identifier,
        monthly_token_limit: tokens(2, "monthly_token_limit")?,
        daily_token_limit: tokens(3, "daily_token_limit")?,
        monthly_cost_limit: usd(4, "monthly_cost_limit")?,
        daily_cost_limit: usd(5, "daily_cost_limit")?,
        enforcement_mode: mode(6, "enforcement_mode")?,
        daily_enforcement_mode: mode(7, "daily_enforcement_mode")?,
        enabled,
    })
}
