//! `ccwb quota export`: every policy (of a type) to a .json or .csv file, or to stdout,
//! lossless (see [`super::policy_file`] for the formats).

use std::path::PathBuf;

use ccwb_api_client::ApiClient;

use super::TypeArg;
use super::policy_file::{self, FileFormat};
use crate::error::CliError;
use crate::output::Out;

/// Arguments of `ccwb quota export`.
#[derive(Debug, Clone, clap::Args)]
pub struct ExportArgs {
    /// The file; its extension chooses the format.
    #[arg(required_unless_present = "stdout", conflicts_with = "stdout")]
    pub file: Option<PathBuf>,
    /// Write to standard output instead.
    #[arg(long)]
    pub stdout: bool,
    /// Format for standard output.
    #[arg(long, value_enum, default_value_t = FileFormat::Json)]
    pub format: FileFormat,
    /// Only this type.
    #[arg(long, short = 't', value_enum)]
    pub r#type: Option<TypeArg>,
}

impl ExportArgs {
    /// Writes the export to the file (or stdout).
    pub async fn run(self, client: &ApiClient, out: &mut Out<'_>) -> Result<(), CliError> {
        let format = match &self.file {
            Some(path) => policy_file::format_of(path)?,
            None => self.format,
        };
        let exported = client.export_policies(self.r#type.map(Into::into)).await?;
        let text = policy_file::render(&exported.policies, format)?;
        match &self.file {
            None => out.print(text),
            Some(path) => {
                std::fs::write(path, text)
                    .map_err(|e| CliError::Output(format!("{}: {e}", path.display())))?;
                out.note(format!(
                    "Exported {} policies to {}.",
                    exported.policies.len(),
                    path.display()
                ))
            }
        }
    }
}
