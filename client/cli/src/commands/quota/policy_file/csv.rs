//! The CSV layout: a header of [`super::CSV_COLUMNS`] (any subset with `type`
//! and `identifier`, in any order), every cell quoted and escaped on export, one mark removed
//! from every cell on import; rows are cited by their line in the file.

use ccwb_core::{Policy, Usd};

use super::{CSV_COLUMNS, Parsed, SourceRow, escape_cell, row_from_cells, unescape_cell};
use crate::error::CliError;

/// Every policy as a row under the full header.
pub fn render(policies: &[Policy]) -> Result<String, CliError> {
    let mut writer = ::csv::WriterBuilder::new()
        .quote_style(::csv::QuoteStyle::Always)
        .from_writer(Vec::new());
    let error = |e: ::csv::Error| CliError::Output(e.to_string());
    writer.write_record(CSV_COLUMNS).map_err(error)?;
    for p in policies {
        let cells = [
            p.policy_type.as_str().to_owned(),
            p.identifier.clone(),
            p.monthly_token_limit
                .map(|t| t.to_string())
                .unwrap_or_default(),
            p.daily_token_limit
                .map(|t| t.to_string())
                .unwrap_or_default(),
            p.monthly_cost_limit.map(decimal).unwrap_or_default(),
            p.daily_cost_limit.map(decimal).unwrap_or_default(),
            p.enforcement_mode.as_str().to_owned(),
            p.daily_enforcement_mode.as_str().to_owned(),
            p.enabled.to_string(),
        ];
        writer
            .write_record(cells.iter().map(|cell| escape_cell(cell).into_owned()))
            .map_err(error)?;
    }
    let bytes = writer
        .into_inner()
        .map_err(|e| CliError::Output(e.to_string()))?;
    String::from_utf8(bytes).map_err(|e| CliError::Output(e.to_string()))
}

/// `12.50` for a dollar amount, exact to the micro-dollar.
fn decimal(usd: Usd) -> String {
    let (whole, micros) = (usd.0 / 1_000_000, usd.0 % 1_000_000);
    let fraction = format!("{micros:06}");
    let trimmed = fraction.trim_end_matches('0');
    if trimmed.len() <= 2 {
        format!("{whole}.{:0<2}", trimmed)
    } else {
        format!("{whole}.{trimmed}")
    }
}

/// The rows of a CSV file.
pub fn parse(text: &str) -> Result<Parsed, CliError> {
    let mut reader = ::csv::ReaderBuilder::new()
        .flexible(true)
        .trim(::csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| CliError::Input(format!("row 1: {e}")))?
        .clone();
    let mut positions = Vec::with_capacity(CSV_COLUMNS.len());
    for (i, header) in headers.iter().enumerate() {
        if !CSV_COLUMNS.contains(&header) {
            return Err(CliError::Input(format!(
                "row 1: unknown column {header:?} (columns: {})",
                CSV_COLUMNS.join(",")
            )));
        }
        positions.push((header.to_owned(), i));
    }
    for required in ["type", "identifier"] {
        if !positions.iter().any(|(h, _)| h == required) {
            return Err(CliError::Input(format!(
                "row 1: the {required:?} column is required"
            )));
        }
    }
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    for record in reader.records() {
        let record = match record {
            Ok(record) => record,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                errors.push((format!("row {line}"), e.to_string()));
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line());
        let location = format!("row {line}");
        if record.iter().all(str::is_empty) {
            continue;
        }
        if record.len() > headers.len() {
            errors.push((
                location,
                format!("{} cells, but {} columns", record.len(), headers.len()),
            ));
            continue;
        }
        let cells: Vec<Option<String>> = CSV_COLUMNS
            .iter()
            .map(|name| {
                positions
                    .iter()
                    .find(|(h, _)| h == name)
                    .and_then(|(_, i)| record.get(*i))
                    .map(unescape_cell)
                    .filter(|v| !v.is_empty())
                    .map(str::to_owned)
            })
            .collect();
        match row_from_cells(&cells) {
            Ok(row) => rows.push(SourceRow { location, row }),
            Err(message) => errors.push((location, message)),
        }
    }
    Ok((rows, errors))
}
