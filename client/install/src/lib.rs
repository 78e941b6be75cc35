//! What a ccwb package's installer writes into Claude Code's settings on a developer's computer,
//! and how `ccwb cleanup` takes exactly that back out.
//!
//! The settings are computed from the package's `config.json` ([`ClaudeSettings::new`]), merged
//! into the developer's own `settings.json` (or the system-wide managed settings) as JSON
//! ([`merge`]): our keys are set, every other byte of the file stays as it was (the edit is made
//! on a concrete syntax tree, so formatting, key order and number spellings survive), and a
//! [`Record`] of what each key held before is kept beside the program. [`undo`] uses that record
//! to restore the file: keys we added are removed, keys we changed get their old value back, and a
//! key the developer changed since is left alone.
//!
//! The package's `config.json` itself has one definition here ([`config`]), which `ccwb
//! package` writes and credential-process reads.
//!
//! Merging and undoing are pure (text in, text out); [`files`] holds the one way both programs
//! read and replace these files, and the one way they keep tokens and credentials private
//! (directories 0700, files 0600, whatever the umask).

pub mod config;
pub mod credentials;
pub mod files;
mod merge;
mod settings;

pub use merge::{Merged, Record, RecordEntry, Undone, merge, undo};
pub use settings::{
    ClaudeSettings, Input, METRICS_PATH, RECORD_FILE, Setting, command_word, managed_settings_file,
};

/// Why a package's config could not be read, or settings could not be merged or undone.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The existing settings file is not valid JSON, or not shaped as Claude Code reads it.
    #[error("{0}")]
    Invalid(String),
    /// A package's `config.json` is not what [`config`] reads (the message names the file, the
    /// profile and the key).
    #[error("{0}")]
    Config(String),
    /// The install record cannot be read.
    #[error("the install record is damaged: {0}")]
    Record(String),
}
