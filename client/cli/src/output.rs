//! Where a command's output goes, and how it reads: aligned tables with human numbers for
//! people, exact JSON for scripts.
//!
//! A command never prints by itself: it is handed an [`Out`] (gh's `IOStreams`), which holds
//! the two writers and what is known about the terminal. `main` gives it the process's stdout
//! and stderr; a unit test gives it two buffers and reads what a person would have seen.
//! Results go to stdout, everything said to the person on the way (progress, "Created …",
//! warnings, questions) to stderr, so `ccwb … -o json | jq` always gets clean JSON.

use std::fmt::Display;
use std::io::{BufRead, IsTerminal, Write};

use ccwb_core::{TokenAmount, Usd};
use ccwb_install::files::Tightened;
use comfy_table::presets::NOTHING;
use comfy_table::{Cell, Table};
use serde::Serialize;

use crate::error::CliError;

/// Output formats (`--output`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Aligned tables with human-readable numbers.
    Table,
    /// Exact JSON, as the API returns it.
    Json,
}

/// A command's output: the format asked for, stdout, stderr, and the terminal.
pub struct Out<'a> {
    /// `--output`.
    pub format: Format,
    stdout: &'a mut dyn Write,
    stderr: &'a mut dyn Write,
    /// Standard input is a terminal a person can answer questions on.
    pub interactive: bool,
    /// Standard error is a terminal (progress bars are drawn there).
    pub stderr_is_terminal: bool,
}

fn write_error(err: std::io::Error) -> CliError {
    CliError::Output(err.to_string())
}

impl<'a> Out<'a> {
    /// Output to two writers, with no terminal: nothing is asked and no progress is drawn.
    pub fn new(format: Format, stdout: &'a mut dyn Write, stderr: &'a mut dyn Write) -> Self {
        Self {
            format,
            stdout,
            stderr,
            interactive: false,
            stderr_is_terminal: false,
        }
    }

    /// Output to the process's own streams, asking and drawing when they are terminals.
    pub fn terminal(format: Format, stdout: &'a mut dyn Write, stderr: &'a mut dyn Write) -> Self {
        Self {
            interactive: std::io::stdin().is_terminal(),
            stderr_is_terminal: std::io::stderr().is_terminal(),
            ..Self::new(format, stdout, stderr)
        }
    }

    /// `--output json`.
    pub fn is_json(&self) -> bool {
        self.format == Format::Json
    }

    /// The stdout writer itself, for output made elsewhere (shell completions).
    pub fn stdout(&mut self) -> &mut dyn Write {
        self.stdout
    }

    /// `text` as it is on stdout (it brings its own line ends).
    pub fn print(&mut self, text: impl Display) -> Result<(), CliError> {
        write!(self.stdout, "{text}").map_err(write_error)
    }

    /// One line on stdout.
    pub fn line(&mut self, text: impl Display) -> Result<(), CliError> {
        writeln!(self.stdout, "{text}").map_err(write_error)
    }

    /// One line on stderr: what the person is told on the way, never the result.
    pub fn note(&mut self, text: impl Display) -> Result<(), CliError> {
        writeln!(self.stderr, "{text}").map_err(write_error)
    }

    /// `Warning: …` on stderr when a folder others could write to was made private.
    pub fn tightened(&mut self, tightened: Option<Tightened>) -> Result<(), CliError> {
        match tightened {
            Some(tightened) => self.note(format!("Warning: {tightened}")),
            None => Ok(()),
        }
    }

    /// `value` as pretty JSON on stdout.
    pub fn json<T: Serialize>(&mut self, value: &T) -> Result<(), CliError> {
        let text =
            serde_json::to_string_pretty(value).map_err(|e| CliError::Output(e.to_string()))?;
        self.line(text)
    }

    /// Label/value rows as an aligned two-column table on stdout.
    pub fn fields(&mut self, rows: &[(&str, String)]) -> Result<(), CliError> {
        let mut table = Table::new();
        table.load_style(NOTHING);
        for (label, value) in rows {
            table.add_row(vec![Cell::new(label), Cell::new(value)]);
        }
        self.line(table)
    }

    /// A table with a header row on stdout.
    pub fn table(&mut self, header: &[&str], rows: Vec<Vec<String>>) -> Result<(), CliError> {
        let mut table = Table::new();
        table.load_style(NOTHING);
        table.set_header(header.to_vec());
        for row in rows {
            table.add_row(row);
        }
        self.line(table)
    }

    /// Asks on stderr and reads the answer's line from stdin (trimmed).
    pub fn ask(&mut self, question: &str) -> Result<String, CliError> {
        write!(self.stderr, "{question}")
            .and_then(|()| self.stderr.flush())
            .map_err(write_error)?;
        let mut answer = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut answer)
            .map_err(|e| CliError::Input(e.to_string()))?;
        Ok(answer.trim().to_owned())
    }

    /// Asks a yes/no question (`[y/N]`); anything but yes is no.
    pub fn confirm(&mut self, question: &str) -> Result<bool, CliError> {
        let answer = self.ask(&format!("{question} [y/N] "))?;
        Ok(matches!(answer.as_str(), "y" | "Y" | "yes" | "YES" | "Yes"))
    }
}

/// A time as the API writes it (RFC 3339).
pub fn time(at: time::OffsetDateTime) -> String {
    at.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| at.to_string())
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

/// A command's output captured in memory, for unit tests: run the command with
/// [`Captured::out`], then read [`Captured::stdout`] and [`Captured::stderr`].
#[cfg(test)]
#[derive(Debug, Default)]
pub struct Captured {
    stdout: Vec<u8>,
    stderr: Vec<u8>,
}

#[cfg(test)]
impl Captured {
    /// An [`Out`] writing into this capture.
    pub fn out(&mut self, format: Format) -> Out<'_> {
        Out::new(format, &mut self.stdout, &mut self.stderr)
    }

    /// What went to stdout.
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    /// What went to stderr.
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_go_to_stdout_and_notes_to_stderr() {
        let mut captured = Captured::default();
        let mut out = captured.out(Format::Table);
        out.fields(&[
            ("Identity", "ann@example.com".into()),
            ("Admin", "yes".into()),
        ])
        .unwrap();
        out.note("Signed in.").unwrap();
        let stdout = captured.stdout();
        assert!(stdout.contains("Identity  ann@example.com"), "{stdout:?}");
        assert!(stdout.contains("Admin     yes"), "{stdout:?}");
        assert_eq!(captured.stderr(), "Signed in.\n");
    }

    #[test]
    fn numbers_read_as_people_write_them() {
        assert_eq!(tokens(Some(TokenAmount(300_000_000))), "300M");
        assert_eq!(tokens(Some(TokenAmount(0))), "-");
        assert_eq!(dollars(None), "-");
        assert_eq!(dollars_f64(12.345), "$12.35");
        assert_eq!(percent(Some(87.54)), "87.5%");
        assert_eq!(percent(None), "");
    }
}
