//! The two model questions: typed ids checked against the geography and every Bedrock region,
//! else chosen from the profiles that exist for the geography.

use super::InitArgs;
use super::ask::{Asker, Question};
use super::questions::q;
use crate::deployment::Deployment;
use crate::error::CliError;
use crate::models;

/// Which of the two models a question is about.
#[derive(Debug, Clone, Copy)]
pub enum Slot {
    /// Claude Code's model.
    Main,
    /// The small/fast model for background work.
    SmallFast,
}

impl Slot {
    fn question(self) -> Question<'static> {
        match self {
            Self::Main => q("--model", "Claude Code's model"),
            Self::SmallFast => q("--small-fast-model", "Small/fast model (background work)"),
        }
    }

    fn given(self, args: &InitArgs) -> Option<&str> {
        match self {
            Self::Main => args.model.as_deref(),
            Self::SmallFast => args.small_fast_model.as_deref(),
        }
    }

    fn saved(self, deployment: &Deployment) -> &str {
        match self {
            Self::Main => &deployment.model,
            Self::SmallFast => &deployment.small_fast_model,
        }
    }

    fn default_model(self) -> &'static str {
        match self {
            Self::Main => models::DEFAULT_MODEL,
            Self::SmallFast => models::DEFAULT_SMALL_FAST_MODEL,
        }
    }
}

/// What both model questions are asked with.
pub struct Choice<'a> {
    /// Who answers.
    pub asker: &'a Asker,
    /// The flags.
    pub args: &'a InitArgs,
    /// The deployment being updated.
    pub prev: Option<&'a Deployment>,
    /// The deployment region's geography (`us`, `eu`, ...).
    pub geography: &'a str,
    /// Where developers may call Bedrock.
    pub bedrock_regions: &'a [String],
}

impl Choice<'_> {
    /// The model for `slot`: its flag, else chosen (the profile's, else the default, first).
    pub fn ask(&self, slot: Slot) -> Result<String, CliError> {
        let question = slot.question();
        let fits = |id: &str| self.fits(question.flag, id);
        if let Some(id) = slot.given(self.args) {
            return fits(id).map_err(|why| CliError::Usage(strip_flag(question.flag, why)));
        }
        let mut options: Vec<(String, String)> = models::offered(self.geography);
        let prefill = self.prev.map_or_else(
            || models::default_id(self.geography, slot.default_model()),
            |d| slot.saved(d).to_owned(),
        );
        if !options.iter().any(|(id, _)| *id == prefill) {
            options.insert(0, (prefill.clone(), format!("{prefill} (the profile's)")));
        }
        let indexed: Vec<(usize, String)> = options
            .iter()
            .enumerate()
            .map(|(i, (id, label))| (i, format!("{label}  {id}")))
            .collect();
        let start = options.iter().position(|(id, _)| *id == prefill);
        let chosen = self.asker.choose(question, None, start, &indexed)?;
        let id = options
            .get(chosen)
            .map(|(id, _)| id.clone())
            .ok_or(CliError::Cancelled)?;
        fits(&id).map_err(|why| CliError::Usage(strip_flag(question.flag, why)))
    }

    /// `id` as the catalogue knows it, when its geography holds every Bedrock region.
    fn fits(&self, flag: &str, id: &str) -> Result<String, String> {
        let id = models::check(flag, id, self.geography).map_err(|e| e.to_string())?;
        match id.split_once('.') {
            Some((prefix, _)) if !id.starts_with("arn:") && prefix != "global" => {
                match self
                    .bedrock_regions
                    .iter()
                    .find(|r| models::geography(r) != Some(prefix))
                {
                    Some(region) => Err(format!(
                        "{id}: {region} is not in geography {prefix}; use the global. profile or regions of one geography"
                    )),
                    None => Ok(id),
                }
            }
            _ => Ok(id),
        }
    }
}

/// `why` with the flag in front once (the model check already names it).
fn strip_flag(flag: &str, why: String) -> String {
    if why.starts_with(flag) {
        why
    } else {
        format!("{flag}: {why}")
    }
}
