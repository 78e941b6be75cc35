//! `ccwb quota import`: bulk create/update from a .json or .csv file, in chunks, with a report
//! row for every row that failed or was skipped, each citing its place in the file.

use std::path::PathBuf;

use ccwb_api::{ImportMode, ImportRequest, ImportResult, RowStatus};
use ccwb_api_client::ApiClient;
use ccwb_core::change::auto_daily;
use indicatif::{ProgressBar, ProgressStyle};

use super::TypeArg;
use super::policy_file::{self, SourceRow};
use crate::error::CliError;
use crate::output::Out;

/// Rows per import request: well under the API's 1 MB body limit.
const IMPORT_CHUNK: usize = 1000;

/// Arguments of `ccwb quota import`.
#[derive(Debug, Clone, clap::Args)]
pub struct ImportArgs {
    /// The file; its extension chooses the format.
    pub file: PathBuf,
    /// Leave policies that already exist alone.
    #[arg(long, conflicts_with = "update")]
    pub skip_existing: bool,
    /// Replace policies that already exist.
    #[arg(long)]
    pub update: bool,
    /// Report what would happen without writing.
    #[arg(long)]
    pub dry_run: bool,
    /// Only rows of this type.
    #[arg(long, short = 't', value_enum)]
    pub r#type: Option<TypeArg>,
    /// Fill missing daily limits from the monthly one: monthly / 30 × (1 + burst%).
    #[arg(long)]
    pub auto_daily: bool,
    /// Burst percentage for --auto-daily (0 to 100).
    #[arg(long, default_value_t = 10, requires = "auto_daily", value_parser = clap::value_parser!(u8).range(0..=100))]
    pub burst: u8,
}

/// Each row's place in the file (`row 7`, `entry 3`) with what the API did with it.
type Results = Vec<(String, ImportResult)>;

impl ImportArgs {
    fn mode(&self) -> ImportMode {
        if self.update {
            ImportMode::Update
        } else if self.skip_existing {
            ImportMode::Skip
        } else {
            ImportMode::Create
        }
    }

    /// The file's good rows (of `--type`, daily limits filled with `--auto-daily`) and its
    /// bad ones.
    fn rows(&self) -> Result<policy_file::Parsed, CliError> {
        let path = &self.file;
        let format = policy_file::format_of(path)?;
        let text = std::fs::read_to_string(path)
            .map_err(|e| CliError::Input(format!("cannot read {}: {e}", path.display())))?;
        let (mut rows, file_errors) = policy_file::parse(&text, format)?;
        if let Some(only) = self.r#type.map(ccwb_core::PolicyType::from) {
            rows.retain(|r| r.row.policy_type == only);
        }
        if self.auto_daily {
            for SourceRow { row, .. } in &mut rows {
                if row.daily_token_limit.is_none() {
                    row.daily_token_limit = row
                        .monthly_token_limit
                        .filter(|m| m.0 > 0)
                        .map(|m| auto_daily(m, self.burst));
                }
            }
        }
        Ok((rows, file_errors))
    }

    /// Imports the file and reports; an error if any row was not imported.
    pub async fn run(self, client: &ApiClient, out: &mut Out<'_>) -> Result<(), CliError> {
        let (rows, file_errors) = self.rows()?;
        let progress = if out.stderr_is_terminal && !out.is_json() {
            let bar = ProgressBar::new(rows.len() as u64);
            bar.set_style(
                ProgressStyle::with_template("{bar:40} {pos}/{len} rows {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            bar
        } else {
            ProgressBar::hidden()
        };
        let mut results: Results = Vec::with_capacity(rows.len());
        for chunk in rows.chunks(IMPORT_CHUNK) {
            let request = ImportRequest {
                policies: chunk.iter().map(|r| r.row.clone()).collect(),
                mode: self.mode(),
                dry_run: self.dry_run,
            };
            let response = client.import_policies(&request).await?;
            for result in response.results {
                let location = chunk
                    .get(result.index)
                    .map(|r| r.location.clone())
                    .unwrap_or_default();
                results.push((location, result));
            }
            progress.inc(chunk.len() as u64);
        }
        progress.finish_and_clear();
        report(self.dry_run, &file_errors, &results, out)
    }
}

/// The rows that failed or were skipped and the totals, or all of it as JSON.
fn report(
    dry_run: bool,
    file_errors: &[(String, String)],
    results: &[(String, ImportResult)],
    out: &mut Out<'_>,
) -> Result<(), CliError> {
    let count = |status: RowStatus| results.iter().filter(|(_, r)| r.status == status).count();
    let (created, updated, skipped) = (
        count(RowStatus::Created),
        count(RowStatus::Updated),
        count(RowStatus::Skipped),
    );
    let errors = file_errors.len() + count(RowStatus::Error);
    if out.is_json() {
        let rows: Vec<serde_json::Value> = file_errors
            .iter()
            .map(|(location, message)| serde_json::json!({"location": location, "status": "error", "message": message}))
            .chain(results.iter().map(|(location, r)| {
                serde_json::json!({"location": location, "type": r.policy_type, "identifier": r.identifier,
                                   "status": r.status, "message": r.message})
            }))
            .collect();
        out.json(&serde_json::json!({
            "dry_run": dry_run,
            "results": rows,
            "totals": {"created": created, "updated": updated, "skipped": skipped, "errors": errors},
        }))?;
    } else {
        for (location, message) in file_errors {
            out.line(format!("✗ {location}: {message}"))?;
        }
        for (location, r) in results {
            match r.status {
                RowStatus::Error => out.line(format!(
                    "✗ {location}: {} {}: {}",
                    r.policy_type,
                    r.identifier,
                    r.message.clone().unwrap_or_default()
                ))?,
                RowStatus::Skipped => out.line(format!(
                    "- {location}: skipped {} {} (already exists)",
                    r.policy_type, r.identifier
                ))?,
                _ => {}
            }
        }
        let verb = if dry_run { "Would import" } else { "Imported" };
        out.line(format!(
            "{verb}: {created} created, {updated} updated, {skipped} skipped, {errors} errors."
        ))?;
    }
    if errors > 0 {
        return Err(CliError::Partial(format!(
            "{errors} row(s) were not imported (see above)"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::{Captured, Format};

    fn result(index: usize, identifier: &str, status: RowStatus) -> ImportResult {
        serde_json::from_value(serde_json::json!({
            "index": index, "type": "group", "identifier": identifier, "status": status,
            "message": (status == RowStatus::Error).then_some("already exists"),
        }))
        .unwrap()
    }

    #[test]
    fn the_report_cites_file_rows_and_counts_every_outcome() {
        let file_errors = [("row 4".to_owned(), "monthly_token_limit: bad".to_owned())];
        let results = vec![
            ("row 2".to_owned(), result(0, "eng", RowStatus::Created)),
            ("row 3".to_owned(), result(1, "ops", RowStatus::Error)),
            ("row 5".to_owned(), result(2, "qa", RowStatus::Skipped)),
        ];
        let mut captured = Captured::default();
        let err = report(
            false,
            &file_errors,
            &results,
            &mut captured.out(Format::Table),
        )
        .unwrap_err();
        assert_eq!(err.to_string(), "2 row(s) were not imported (see above)");
        assert_eq!(
            captured.stdout(),
            "✗ row 4: monthly_token_limit: bad\n\
             ✗ row 3: group ops: already exists\n\
             - row 5: skipped group qa (already exists)\n\
             Imported: 1 created, 0 updated, 1 skipped, 2 errors.\n"
        );
        let mut captured = Captured::default();
        report(true, &[], &results[..1], &mut captured.out(Format::Table)).unwrap();
        assert_eq!(
            captured.stdout(),
            "Would import: 1 created, 0 updated, 0 skipped, 0 errors.\n"
        );
    }
}
