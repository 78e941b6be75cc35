//! Profiles: which API and identity provider to talk to, kept in `config.json` in the platform's
//! config directory (`CCWB_CONFIG_DIR` overrides it).

use std::collections::BTreeMap;
use std::fs;
use std::path::PathBuf;

use ccwb_install::files::Tightened;
use serde::{Deserialize, Serialize};

use crate::deployment::Deployment;
use crate::error::CliError;

const CONFIG_FILE: &str = "config.json";

/// One deployment as seen from this machine.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// The ccwb API, e.g. `https://abc.execute-api.us-east-1.amazonaws.com`; empty until
    /// `ccwb deploy` sets it.
    #[serde(default)]
    pub endpoint: String,
    /// The OpenID issuer administrators sign in with.
    #[serde(default)]
    pub issuer: Option<String>,
    /// The OAuth client id of the CLI at that issuer.
    #[serde(default)]
    pub client_id: Option<String>,
    /// A client secret, for identity providers that require one (a secret: never exported
    /// unless asked).
    #[serde(default)]
    pub client_secret: Option<String>,
    /// The AWS region of the deployment.
    #[serde(default)]
    pub region: Option<String>,
    /// Loopback port for the sign-in redirect, when the identity provider needs a fixed one.
    #[serde(default)]
    pub redirect_port: Option<u16>,
    /// What `ccwb init` chose and `ccwb deploy` created (profiles made with `ccwb context
    /// create` have none).
    #[serde(default)]
    pub deployment: Option<Deployment>,
}

impl Profile {
    /// The profile with its client secret masked, for showing.
    pub fn masked(mut self) -> Self {
        if self.client_secret.is_some() {
            self.client_secret = Some("********".into());
        }
        self
    }

    /// Problems that make the profile unusable, one sentence each.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        let url =
            |field: &str, value: &str, problems: &mut Vec<String>| match url::Url::parse(value) {
                Ok(u) if matches!(u.scheme(), "http" | "https") && u.has_host() => {
                    if u.scheme() == "http" && !is_loopback(&u) {
                        problems.push(format!(
                            "{field}: {value} uses plain http; only loopback addresses may"
                        ));
                    }
                }
                _ => problems.push(format!("{field}: {value:?} is not an http(s) URL")),
            };
        if !self.endpoint.is_empty() {
            url("endpoint", &self.endpoint, &mut problems);
        }
        match (&self.issuer, &self.client_id) {
            (Some(issuer), Some(_)) => url("issuer", issuer, &mut problems),
            (Some(_), None) => {
                problems.push("client_id: required with issuer for ccwb login".into())
            }
            (None, Some(_)) => {
                problems.push("issuer: required with client_id for ccwb login".into())
            }
            (None, None) => {}
        }
        if let Some(region) = &self.region
            && !valid_region(region)
        {
            problems.push(format!(
                "region: {region:?} is not an AWS region name like us-east-1"
            ));
        }
        problems
    }
}

/// Whether `region` is shaped like an AWS region name (`us-east-1`).
pub fn valid_region(region: &str) -> bool {
    !region.is_empty()
        && region.split('-').count() >= 3
        && region
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d == "localhost",
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// The config file: profiles by name and the current one.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The profile used when none is named.
    #[serde(default)]
    pub current: Option<String>,
    /// Profiles by name.
    #[serde(default)]
    pub profiles: BTreeMap<String, Profile>,
}

/// Where configuration and stored tokens live.
pub fn config_dir() -> Result<PathBuf, CliError> {
    if let Some(dir) = std::env::var_os("CCWB_CONFIG_DIR").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    directories::ProjectDirs::from("", "", "ccwb")
        .map(|dirs| dirs.config_dir().to_path_buf())
        .ok_or_else(|| {
            CliError::Config(
                "cannot find a home directory for the configuration; set CCWB_CONFIG_DIR".into(),
            )
        })
}

impl Config {
    /// Loads the config file; a missing file is an empty configuration.
    pub fn load() -> Result<Self, CliError> {
        let path = config_dir()?.join(CONFIG_FILE);
        match fs::read_to_string(&path) {
            Ok(text) => serde_json::from_str(&text)
                .map_err(|e| CliError::Config(format!("{}: {e}", path.display()))),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(err) => Err(CliError::Config(format!(
                "cannot read {}: {err}",
                path.display()
            ))),
        }
    }

    /// Saves the config file atomically (temporary file, then rename), 0600 in a private
    /// folder ([`ccwb_install::files::write_private`]); says whether the folder had to be made
    /// private, which the caller tells the user.
    #[must_use = "the user is told when their config folder was made private"]
    pub fn save(&self) -> Result<Option<Tightened>, CliError> {
        let dir = config_dir()?;
        let text =
            serde_json::to_string_pretty(self).map_err(|e| CliError::Config(e.to_string()))?;
        ccwb_install::files::write_private(&dir, CONFIG_FILE, text.as_bytes()).map_err(|e| {
            CliError::Config(format!(
                "cannot write {}: {e}",
                dir.join(CONFIG_FILE).display()
            ))
        })
    }

    /// The same profiles with client secrets masked, for showing.
    pub fn masked(&self) -> Self {
        Self {
            current: self.current.clone(),
            profiles: self
                .profiles
                .iter()
                .map(|(n, p)| (n.clone(), p.clone().masked()))
                .collect(),
        }
    }

    /// The profile named `name`, or the current one.
    pub fn resolve(&self, name: Option<&str>) -> Result<(String, Profile), CliError> {
        let name = match name.or(self.current.as_deref()) {
            Some(name) => name,
            None => {
                return Err(CliError::Config(
                    "no profile selected: create one with `ccwb context create NAME --endpoint URL`, or pass --endpoint".into(),
                ));
            }
        };
        self.profiles
            .get(name)
            .cloned()
            .map(|p| (name.to_owned(), p))
            .ok_or_else(|| {
                CliError::Config(format!(
                    "no profile named {name:?} (see `ccwb context list`)"
                ))
            })
    }
}

/// A profile name (`ccwb context create`, `ccwb config import`): letters, digits, `-`, `_`
/// and `.`, so that it is also a safe file name for its stored sign-in.
pub fn check_name(name: &str) -> Result<(), CliError> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(())
    } else {
        Err(CliError::Usage(format!(
            "profile name {name:?}: use up to 64 letters, digits, '-', '_' or '.'"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_problems_name_the_field() {
        let good = Profile {
            endpoint: "https://api.example.com".into(),
            issuer: Some("https://idp.example.com".into()),
            client_id: Some("abc".into()),
            region: Some("eu-west-1".into()),
            ..Profile::default()
        };
        assert!(good.problems().is_empty());
        let local = Profile {
            endpoint: "http://127.0.0.1:8787".into(),
            ..Profile::default()
        };
        assert!(local.problems().is_empty());
        let bad = Profile {
            endpoint: "http://api.example.com".into(),
            issuer: Some("idp".into()),
            region: Some("Mars".into()),
            ..Profile::default()
        };
        let problems = bad.problems().join("\n");
        assert!(problems.contains("endpoint:"), "{problems}");
        assert!(problems.contains("client_id:"), "{problems}");
        assert!(problems.contains("region:"), "{problems}");
    }

    #[test]
    fn profile_names_are_safe_file_names() {
        for good in ["local", "prod-eu_1", "a.b"] {
            assert!(check_name(good).is_ok(), "{good}");
        }
        for bad in ["", ".hidden", "a/b", "../x", "spa ce", &"x".repeat(65)] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn secrets_are_masked_for_showing() {
        let profile = Profile {
            client_secret: Some("s3cret".into()),
            ..Profile::default()
        };
        assert_eq!(profile.masked().client_secret.as_deref(), Some("********"));
        assert_eq!(Profile::default().masked().client_secret, None);
    }
}
