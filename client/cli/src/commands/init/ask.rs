//! One question of `ccwb init`, answered by its flag, by a person at the terminal (dialoguer,
//! on stderr), or, with `--non-interactive`, by what the profile already says or the default.

use dialoguer::{Confirm, Input, Select};

use crate::error::CliError;

/// How questions are answered.
#[derive(Debug, Clone, Copy)]
pub struct Asker {
    /// A person answers at the terminal; else flags and defaults only.
    pub interactive: bool,
}

/// One question: the flag that answers it, and what a person is asked.
#[derive(Debug, Clone, Copy)]
pub struct Question<'a> {
    /// `--issuer`.
    pub flag: &'a str,
    /// `Issuer URL`.
    pub prompt: &'a str,
}

/// Ctrl-C or a closed terminal while asking.
fn asking_failed(err: dialoguer::Error) -> CliError {
    match err {
        dialoguer::Error::IO(e) if e.kind() == std::io::ErrorKind::Interrupted => {
            CliError::Cancelled
        }
        dialoguer::Error::IO(e) => CliError::Input(format!("cannot ask at the terminal: {e}")),
    }
}

impl Asker {
    /// A typed answer read by `parse`: the flag's value (checked, never asked again), else a
    /// person's (asked again until it parses) with `prefill` offered, else `prefill`; with
    /// neither, non-interactive runs fail naming the flag.
    pub fn text<T>(
        &self,
        question: Question<'_>,
        given: Option<&str>,
        prefill: Option<String>,
        parse: impl Fn(&str) -> Result<T, String>,
    ) -> Result<T, CliError> {
        if let Some(value) = given {
            return parse(value)
                .map_err(|why| CliError::Usage(format!("{}: {why}", question.flag)));
        }
        if !self.interactive {
            let value = prefill.ok_or_else(|| {
                CliError::Usage(format!(
                    "{} is required with --non-interactive",
                    question.flag
                ))
            })?;
            return parse(&value).map_err(|why| {
                CliError::Config(format!(
                    "{}: the profile's {value:?} {why}; pass the flag",
                    question.flag
                ))
            });
        }
        let mut input = Input::<String>::new()
            .with_prompt(question.prompt)
            .allow_empty(true)
            .validate_with(|text: &String| parse(text).map(|_| ()));
        if let Some(prefill) = prefill {
            input = input.default(prefill);
        }
        let answer = input.interact_text().map_err(asking_failed)?;
        parse(&answer).map_err(|why| CliError::Usage(format!("{}: {why}", question.prompt)))
    }

    /// One of `options` (value, label): the flag's, else a person's choice starting at
    /// `prefill`, else `prefill`, else the first.
    pub fn choose<T: Copy + PartialEq>(
        &self,
        question: Question<'_>,
        given: Option<T>,
        prefill: Option<T>,
        options: &[(T, String)],
    ) -> Result<T, CliError> {
        if let Some(value) = given {
            return Ok(value);
        }
        let start = prefill
            .and_then(|p| options.iter().position(|(o, _)| *o == p))
            .unwrap_or(0);
        if !self.interactive {
            return options.get(start).map(|(value, _)| *value).ok_or_else(|| {
                CliError::Usage(format!("{}: nothing to choose from", question.flag))
            });
        }
        let labels: Vec<&str> = options.iter().map(|(_, label)| label.as_str()).collect();
        let index = Select::new()
            .with_prompt(question.prompt)
            .items(&labels)
            .default(start)
            .interact()
            .map_err(asking_failed)?;
        options
            .get(index)
            .map(|(value, _)| *value)
            .ok_or(CliError::Cancelled)
    }

    /// Yes or no: the flag's, else a person's with `prefill` as the default, else `prefill`.
    pub fn yes_no(
        &self,
        question: Question<'_>,
        given: Option<bool>,
        prefill: bool,
    ) -> Result<bool, CliError> {
        if let Some(value) = given {
            return Ok(value);
        }
        if !self.interactive {
            return Ok(prefill);
        }
        Confirm::new()
            .with_prompt(question.prompt)
            .default(prefill)
            .interact()
            .map_err(asking_failed)
    }
}
