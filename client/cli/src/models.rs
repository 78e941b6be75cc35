//! Which Claude models a package's Claude Code uses: Bedrock cross-region inference profiles
//! (`us.anthropic.claude-opus-5-5`), whose geography prefix must fit the region developers call
//! Bedrock in; `global.` profiles fit every region.

use crate::error::CliError;

/// The default model, as Claude Code itself defaults to it on Bedrock.
pub const DEFAULT_MODEL: &str = "claude-opus-5-5";
/// The default small/fast model (background work: titles, summaries).
pub const DEFAULT_SMALL_FAST_MODEL: &str = "claude-haiku-5-5";

/// Geography prefixes of Bedrock's cross-region inference profiles.
const PREFIXES: [&str; 7] = ["us", "us-gov", "eu", "apac", "jp", "au", "global"];

/// A Claude model Claude Code can use, and the geographies with a cross-region inference
/// profile for it.
#[derive(Debug, Clone, Copy)]
pub struct Known {
    /// The model part of the profile id (`claude-opus-5-5`).
    pub model: &'static str,
    /// Its name for people.
    pub label: &'static str,
    /// Geography prefixes that have a profile of it (`global` included where one exists).
    pub geographies: &'static [&'static str],
}

/// The models `ccwb init` offers: Bedrock's inference profiles for Claude as this release
/// knows them. Any other id passes [`check`] when typed; `ccwb doctor` asks Bedrock itself.
pub const KNOWN: [Known; 6] = [
    Known {
        model: "claude-opus-5-5",
        label: "Claude Opus 5.5",
        geographies: &["us", "eu", "apac", "global"],
    },
    Known {
        model: "claude-sonnet-5-5",
        label: "Claude Sonnet 5.5",
        geographies: &["us", "eu", "apac", "jp", "au", "global"],
    },
    Known {
        model: "claude-haiku-5-5",
        label: "Claude Haiku 5.5",
        geographies: &["us", "eu", "apac", "jp", "au", "global"],
    },
    Known {
        model: "claude-opus-4-1-20250805-v1:0",
        label: "Claude Opus 4.1",
        geographies: &["us"],
    },
    Known {
        model: "claude-sonnet-4-5-20250929-v1:0",
        label: "Claude Sonnet 4.5",
        geographies: &["us", "us-gov", "eu", "apac", "jp", "au", "global"],
    },
    Known {
        model: "claude-haiku-4-5-20251001-v1:0",
        label: "Claude Haiku 4.5",
        geographies: &["us", "eu", "apac", "jp", "au", "global"],
    },
];

/// The inference profiles developers in `geography` can call, as (id, label): each known
/// model's profile for the geography, then its `global.` one.
pub fn offered(geography: &str) -> Vec<(String, String)> {
    let mut offered = Vec::new();
    for scope in [geography, "global"] {
        for known in KNOWN.iter().filter(|k| k.geographies.contains(&scope)) {
            let id = default_id(scope, known.model);
            if !offered.iter().any(|(o, _)| *o == id) {
                let label = if scope == "global" {
                    format!("{} (global: routed to any region)", known.label)
                } else {
                    format!("{} ({scope})", known.label)
                };
                offered.push((id, label));
            }
        }
    }
    offered
}

/// The geography prefix for `region` (`us-east-1` → `us`), `None` for a region that is not an
/// AWS region name.
pub fn geography(region: &str) -> Option<&'static str> {
    let well_formed = region.split('-').count() >= 3
        && region
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !well_formed {
        return None;
    }
    Some(if region.starts_with("us-gov-") {
        "us-gov"
    } else if region.starts_with("us-") || region.starts_with("ca-") {
        "us"
    } else if region.starts_with("eu-") {
        "eu"
    } else if region.starts_with("ap-") {
        "apac"
    } else {
        "global"
    })
}

/// `<geography>.anthropic.<model>`.
pub fn default_id(geography: &str, model: &str) -> String {
    format!("{geography}.anthropic.{model}")
}

/// The model `given` with `flag` (checked), else `default` in `geography`.
pub fn pick(
    flag: &str,
    given: Option<&str>,
    geography: &str,
    default: &str,
) -> Result<String, CliError> {
    match given {
        Some(id) => check(flag, id, geography),
        None => Ok(default_id(geography, default)),
    }
}

/// `id` if it is an inference profile developers in `geography` can call, else an error naming
/// `flag` and what would work.
pub fn check(flag: &str, id: &str, geography: &str) -> Result<String, CliError> {
    let id = id.trim();
    let bad = |why: String| CliError::Usage(format!("{flag} {id:?}: {why}"));
    if let Some(rest) = id.strip_prefix("arn:") {
        let fields: Vec<&str> = rest.splitn(5, ':').collect();
        let profile_kind = fields
            .get(4)
            .and_then(|r| r.split_once('/'))
            .map(|(kind, _)| kind);
        return match (fields.get(1), profile_kind) {
            (Some(&"bedrock"), Some("inference-profile" | "application-inference-profile")) => {
                Ok(id.to_owned())
            }
            _ => Err(bad(
                "an ARN must name a Bedrock inference profile (arn:aws:bedrock:REGION:ACCOUNT:inference-profile/ID)".into(),
            )),
        };
    }
    let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || "-.:".contains(c);
    if id.is_empty() || !id.chars().all(allowed) {
        return Err(bad(
            "use a Bedrock inference profile id such as us.anthropic.claude-opus-5-5".into(),
        ));
    }
    let Some((prefix, model)) = id.split_once('.') else {
        return Err(bad(format!(
            "use a Bedrock inference profile id such as {}",
            default_id(geography, DEFAULT_MODEL)
        )));
    };
    if prefix == "anthropic" {
        return Err(bad(format!(
            "this is an in-region model id; Claude Code needs a cross-region inference profile: {geography}.{id} (or global.{id})"
        )));
    }
    if !PREFIXES.contains(&prefix) {
        return Err(bad(format!(
            "{prefix:?} is not an inference profile geography (one of {})",
            PREFIXES.join(", ")
        )));
    }
    if !model.starts_with("anthropic.claude-") {
        return Err(bad(
            "Claude Code needs an Anthropic Claude model (….anthropic.claude-…)".into(),
        ));
    }
    if prefix != "global" && prefix != geography {
        return Err(bad(format!(
            "{prefix}. profiles cannot be called from this profile's region (geography {geography}): use {geography}.{model} or global.{model}"
        )));
    }
    Ok(id.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_map_to_their_geography() {
        let rows = [
            ("us-east-1", Some("us")),
            ("us-west-2", Some("us")),
            ("ca-central-1", Some("us")),
            ("us-gov-west-1", Some("us-gov")),
            ("eu-central-1", Some("eu")),
            ("ap-northeast-1", Some("apac")),
            ("sa-east-1", Some("global")),
            ("useast1", None),
            ("US-EAST-1", None),
        ];
        for (region, geography_) in rows {
            assert_eq!(geography(region), geography_, "{region}");
        }
    }

    #[test]
    fn model_ids_are_checked_against_the_geography() {
        let ok = [
            ("us.anthropic.claude-opus-5-5", "us"),
            ("global.anthropic.claude-sonnet-5-5", "eu"),
            ("us.anthropic.claude-sonnet-4-5-20250929-v1:0", "us"),
            ("eu.anthropic.claude-haiku-5-5", "eu"),
            (
                "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123",
                "us",
            ),
        ];
        for (id, geo) in ok {
            assert_eq!(check("--model", id, geo).expect(id), id);
        }
        let bad = [
            ("eu.anthropic.claude-opus-5-5", "us", "cannot be called"),
            (
                "anthropic.claude-opus-5-5",
                "us",
                "us.anthropic.claude-opus-5-5",
            ),
            (
                "mars.anthropic.claude-opus-5-5",
                "us",
                "not an inference profile geography",
            ),
            ("us.meta.llama3", "us", "Anthropic Claude"),
            ("Claude Opus", "us", "inference profile id"),
            (
                "arn:aws:iam::1:role/x",
                "us",
                "must name a Bedrock inference profile",
            ),
            ("", "us", "inference profile id"),
        ];
        for (id, geo, needle) in bad {
            let err = check("--model", id, geo).expect_err(id).to_string();
            assert!(
                err.contains(needle) && err.contains("--model"),
                "{id}: {err}"
            );
        }
    }

    #[test]
    fn only_profiles_of_the_geography_are_offered() {
        let eu: Vec<String> = offered("eu").into_iter().map(|(id, _)| id).collect();
        assert!(eu.contains(&"eu.anthropic.claude-opus-5-5".to_owned()));
        assert!(eu.contains(&"global.anthropic.claude-opus-5-5".to_owned()));
        assert!(!eu.iter().any(|id| id.starts_with("us.")), "{eu:?}");
        assert!(!eu.iter().any(|id| id.contains("opus-4-1")), "{eu:?}");
        for id in &eu {
            assert!(check("--model", id, "eu").is_ok(), "{id}");
        }
        let us: Vec<String> = offered("us").into_iter().map(|(id, _)| id).collect();
        assert!(us.contains(&"us.anthropic.claude-opus-4-1-20250805-v1:0".to_owned()));
    }

    #[test]
    fn defaults_follow_the_geography() {
        assert_eq!(
            default_id("eu", DEFAULT_MODEL),
            "eu.anthropic.claude-opus-5-5"
        );
    }
}
