//! `config.json`: where it is, which profile, and every key checked with an error that names it.
//!
//! Two layouts are read: `{"profiles": {"<name>": {…}}}` and the original installer's, where
//! profile names are the top-level keys.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use crate::error::Error;

/// The folder name under the user's config and cache directories.
pub const APP_DIR: &str = "claude-code-with-bedrock";

/// Keys the original installer writes for other tools (Claude Code settings, the OTel helper):
/// accepted without a warning, not used here.
const FOREIGN_KEYS: &[&str] = &[
    "allowed_bedrock_regions",
    "analytics_enabled",
    "cross_region_profile",
    "monitoring_enabled",
    "otel_collector_endpoint",
    "selected_model",
    "selected_source_region",
];

/// Who signs the user in. The authorize and token endpoints come from OIDC discovery when
/// possible; these decide the issuer URL and the fallbacks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProviderType {
    /// Okta (org authorization server unless the domain names another).
    Okta,
    /// Microsoft Entra ID (`login.microsoftonline.com/<tenant>/v2.0`).
    Azure,
    /// Auth0.
    Auth0,
    /// An Amazon Cognito user pool (hosted UI domain).
    Cognito,
    /// Google.
    Google,
    /// Any other OpenID Provider (discovery required).
    Generic,
}

impl ProviderType {
    fn parse(value: &str) -> Option<Self> {
        Some(match value {
            "okta" => Self::Okta,
            "azure" => Self::Azure,
            "auth0" => Self::Auth0,
            "cognito" => Self::Cognito,
            "google" => Self::Google,
            "generic" => Self::Generic,
            _ => return None,
        })
    }

    /// The type a provider domain suggests, when `provider_type` is not given.
    fn infer(domain: &str) -> Self {
        let domain = domain.to_ascii_lowercase();
        if domain.contains("okta.com") || domain.contains("oktapreview.com") {
            Self::Okta
        } else if domain.contains("auth0.com") {
            Self::Auth0
        } else if domain.contains("microsoftonline.com") {
            Self::Azure
        } else if domain.contains("amazoncognito.com") {
            Self::Cognito
        } else if domain.contains("accounts.google.com") {
            Self::Google
        } else {
            Self::Generic
        }
    }

    /// The name used in `config.json`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Okta => "okta",
            Self::Azure => "azure",
            Self::Auth0 => "auth0",
            Self::Cognito => "cognito",
            Self::Google => "google",
            Self::Generic => "generic",
        }
    }
}

/// How the id token becomes AWS credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Federation {
    /// STS `AssumeRoleWithWebIdentity` with this role.
    Direct {
        /// `federated_role_arn`.
        role_arn: String,
    },
    /// A Cognito identity pool (`GetId` + `GetCredentialsForIdentity`).
    Cognito {
        /// `identity_pool_id`.
        identity_pool_id: String,
    },
}

/// Where credentials and tokens are kept between runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Storage {
    /// A 0600 file in the user's cache directory.
    File,
    /// The OS keyring.
    Keyring,
}

/// What to do when the quota API gives no answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailMode {
    /// Issue credentials anyway (with a warning).
    Open,
    /// Refuse.
    Closed,
}

/// One profile, checked.
#[derive(Debug, Clone)]
pub struct Profile {
    /// `provider_type` (or inferred from the domain).
    pub provider_type: ProviderType,
    /// `https://<provider_domain>` or `issuer`: where discovery starts.
    pub base_url: String,
    /// The issuer id tokens must name, when it can be known before discovery.
    pub issuer: Option<String>,
    /// `client_id`.
    pub client_id: String,
    /// `client_secret`, for providers that insist on one.
    pub client_secret: Option<String>,
    /// `authorization_endpoint`, overriding discovery.
    pub authorization_endpoint: Option<String>,
    /// `token_endpoint`, overriding discovery.
    pub token_endpoint: Option<String>,
    /// `federation_type` and its target.
    pub federation: Federation,
    /// `aws_region`.
    pub aws_region: String,
    /// `max_session_duration` (seconds) asked of STS.
    pub max_session_duration: i32,
    /// `credential_storage`.
    pub storage: Storage,
    /// `redirect_port` of the sign-in redirect.
    pub redirect_port: u16,
    /// `quota_api_endpoint`; no quota check without it.
    pub quota_api_endpoint: Option<String>,
    /// `quota_fail_mode`.
    pub quota_fail_mode: FailMode,
    /// `quota_check_interval` in minutes; 0 = every run.
    pub quota_check_interval_minutes: u64,
    /// `claude_model`: the model Claude Code uses (`ANTHROPIC_MODEL` in its settings).
    pub claude_model: Option<String>,
    /// `claude_small_fast_model`: its small/fast model.
    pub claude_small_fast_model: Option<String>,
}

impl Profile {
    /// What cached credentials and tokens were obtained for: a change of any of these makes the
    /// cache unusable (a new client, role or pool must not reuse old credentials).
    pub fn fingerprint(&self) -> String {
        let target = match &self.federation {
            Federation::Direct { role_arn } => role_arn.as_str(),
            Federation::Cognito { identity_pool_id } => identity_pool_id.as_str(),
        };
        format!(
            "{}|{}|{}|{}",
            self.base_url, self.client_id, target, self.aws_region
        )
    }
}

/// A profile and where it came from.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The file read.
    pub path: PathBuf,
    /// The profile's name.
    pub name: String,
    /// The profile.
    pub profile: Profile,
    /// Unknown keys and other things worth a line on stderr.
    pub warnings: Vec<String>,
}

/// The places `config.json` is looked for, in order: beside the binary, then the user's config
/// directory.
pub fn candidates() -> Vec<PathBuf> {
    let mut paths = Vec::new();
    if let Some(dir) = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(Path::to_path_buf))
    {
        paths.push(dir.join("config.json"));
    }
    if let Some(dirs) = directories::BaseDirs::new() {
        paths.push(dirs.config_dir().join(APP_DIR).join("config.json"));
    }
    paths
}

/// Finds `config.json` and reads profile `name` from it.
pub fn load(name: &str) -> Result<Loaded, Error> {
    let candidates = candidates();
    let path = candidates.iter().find(|p| p.is_file()).ok_or_else(|| {
        let places: Vec<String> = candidates.iter().map(|p| p.display().to_string()).collect();
        Error::Config(format!(
            "no config.json: looked in {} (the installer puts it beside this program)",
            places.join(" and ")
        ))
    })?;
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::Config(format!("cannot read {}: {e}", path.display())))?;
    parse(&text, name, path)
}

/// Reads profile `name` from the text of a config file at `path`.
pub fn parse(text: &str, name: &str, path: &Path) -> Result<Loaded, Error> {
    let where_ = path.display().to_string();
    let root: Value = serde_json::from_str(text)
        .map_err(|e| Error::Config(format!("{where_} is not valid JSON: {e}")))?;
    let Value::Object(root) = root else {
        return Err(Error::Config(format!("{where_} must hold a JSON object")));
    };
    let profiles = match root.get("profiles") {
        Some(Value::Object(profiles)) => profiles,
        Some(_) => {
            return Err(Error::Config(format!(
                "{where_}: \"profiles\" must be an object of profiles by name"
            )));
        }
        None => &root,
    };
    let Some(value) = profiles.get(name) else {
        let mut names: Vec<&str> = profiles
            .iter()
            .filter(|(_, v)| v.is_object())
            .map(|(k, _)| k.as_str())
            .collect();
        names.sort_unstable();
        let known = if names.is_empty() {
            "it has none".to_owned()
        } else {
            format!("it has {}", names.join(", "))
        };
        return Err(Error::Config(format!(
            "profile {name:?} is not in {where_} ({known}); choose one with --profile"
        )));
    };
    let Value::Object(keys) = value else {
        return Err(Error::Config(format!(
            "{where_}: profile {name:?} must be a JSON object"
        )));
    };
    let mut reader = Reader {
        keys,
        context: format!("{where_}: profile {name:?}"),
        used: Vec::new(),
    };
    let profile = reader.profile()?;
    let mut warnings: Vec<String> = keys
        .keys()
        .filter(|k| !reader.used.contains(&k.as_str()) && !FOREIGN_KEYS.contains(&k.as_str()))
        .map(|k| format!("{}: unknown key {k:?} ignored", reader.context))
        .collect();
    warnings.sort();
    Ok(Loaded {
        path: path.to_path_buf(),
        name: name.to_owned(),
        profile,
        warnings,
    })
}

/// Reads keys of one profile, remembering which were used.
struct Reader<'a> {
    keys: &'a Map<String, Value>,
    context: String,
    used: Vec<&'static str>,
}

impl Reader<'_> {
    fn error(&self, key: &str, what: &str) -> Error {
        Error::Config(format!("{}: {key:?} {what}", self.context))
    }

    fn string(&mut self, key: &'static str) -> Result<Option<String>, Error> {
        self.used.push(key);
        match self.keys.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.trim().to_owned())),
            Some(other) => Err(self.error(key, &format!("must be a string, not {other}"))),
        }
    }

    fn required(&mut self, key: &'static str) -> Result<String, Error> {
        self.string(key)?
            .ok_or_else(|| self.error(key, "is required and missing"))
    }

    /// A whole number in `range`; numeric strings are accepted as the original installer wrote
    /// some numbers as strings.
    fn number(
        &mut self,
        key: &'static str,
        range: std::ops::RangeInclusive<i64>,
    ) -> Result<Option<i64>, Error> {
        self.used.push(key);
        let value = match self.keys.get(key) {
            None | Some(Value::Null) => return Ok(None),
            Some(Value::Number(n)) => n.as_i64(),
            Some(Value::String(s)) => s.trim().parse::<i64>().ok(),
            Some(_) => None,
        };
        match value {
            Some(n) if range.contains(&n) => Ok(Some(n)),
            _ => Err(self.error(
                key,
                &format!(
                    "must be a whole number from {} to {}, not {}",
                    range.start(),
                    range.end(),
                    self.keys[key]
                ),
            )),
        }
    }

    fn profile(&mut self) -> Result<Profile, Error> {
        let issuer_key = self.string("issuer")?;
        let domain = self.string("provider_domain")?;
        let explicit_type = self.string("provider_type")?;
        let client_id = self.required("client_id")?;
        let client_secret = self.string("client_secret")?;
        let authorization_endpoint = self.string("authorization_endpoint")?;
        let token_endpoint = self.string("token_endpoint")?;
        let user_pool = self.string("cognito_user_pool_id")?;
        let aws_region = self.required("aws_region")?;

        let raw = issuer_key.clone().or(domain).ok_or_else(|| {
            self.error(
                "provider_domain",
                "is required and missing (or give \"issuer\")",
            )
        })?;
        let provider_type = match explicit_type {
            Some(value) => ProviderType::parse(&value.to_ascii_lowercase()).ok_or_else(|| {
                self.error(
                    "provider_type",
                    &format!(
                        "must be okta, azure, auth0, cognito, google or generic, not {value:?}"
                    ),
                )
            })?,
            None => ProviderType::infer(&raw),
        };
        let base_url = if raw.starts_with("https://") || raw.starts_with("http://") {
            raw.trim_end_matches('/').to_owned()
        } else {
            format!("https://{}", raw.trim_end_matches('/'))
        };
        if url_host(&base_url).is_none() {
            return Err(self.error(
                if issuer_key.is_some() {
                    "issuer"
                } else {
                    "provider_domain"
                },
                &format!("is not a host name or URL: {raw:?}"),
            ));
        }
        let issuer = match provider_type {
            _ if issuer_key.is_some() => Some(base_url.clone()),
            ProviderType::Cognito => user_pool
                .as_ref()
                .map(|pool| format!("https://cognito-idp.{aws_region}.amazonaws.com/{pool}")),
            ProviderType::Google => Some("https://accounts.google.com".to_owned()),
            _ => Some(base_url.clone()),
        };

        let role_arn = self.string("federated_role_arn")?;
        let identity_pool_id = self.string("identity_pool_id")?;
        let federation_type = self.string("federation_type")?;
        let federation = match (federation_type.as_deref(), role_arn, identity_pool_id) {
            (Some("direct"), Some(role_arn), _) | (None, Some(role_arn), None) => {
                Federation::Direct { role_arn }
            }
            (Some("direct"), None, _) => {
                return Err(self.error(
                    "federated_role_arn",
                    "is required with federation_type \"direct\"",
                ));
            }
            (Some("cognito"), _, Some(identity_pool_id)) | (None, None, Some(identity_pool_id)) => {
                Federation::Cognito { identity_pool_id }
            }
            (Some("cognito"), _, None) => {
                return Err(self.error(
                    "identity_pool_id",
                    "is required with federation_type \"cognito\"",
                ));
            }
            (None, None, None) => {
                return Err(self.error(
                    "federated_role_arn",
                    "is required and missing (or give \"identity_pool_id\" for Cognito federation)",
                ));
            }
            (None, Some(_), Some(_)) => {
                return Err(self.error(
                    "federation_type",
                    "is required when both federated_role_arn and identity_pool_id are given (\"direct\" or \"cognito\")",
                ));
            }
            (Some(other), _, _) => {
                return Err(self.error(
                    "federation_type",
                    &format!("must be \"direct\" or \"cognito\", not {other:?}"),
                ));
            }
        };
        if let Federation::Direct { role_arn } = &federation
            && !role_arn.starts_with("arn:")
        {
            return Err(self.error(
                "federated_role_arn",
                &format!("is not an IAM role ARN: {role_arn:?}"),
            ));
        }

        let max_session_duration = self
            .number("max_session_duration", 900..=43_200)?
            .unwrap_or(28_800) as i32;
        let storage = match self.string("credential_storage")?.as_deref() {
            None | Some("file") | Some("session") => Storage::File,
            Some("keyring") => Storage::Keyring,
            Some(other) => {
                return Err(self.error(
                    "credential_storage",
                    &format!("must be \"file\" or \"keyring\", not {other:?}"),
                ));
            }
        };
        let redirect_port = self.number("redirect_port", 1..=65_535)?.unwrap_or(8400) as u16;
        let quota_api_endpoint = self.string("quota_api_endpoint")?;
        if let Some(endpoint) = &quota_api_endpoint
            && url_host(endpoint).is_none()
        {
            return Err(self.error(
                "quota_api_endpoint",
                &format!("is not an http(s) URL: {endpoint:?}"),
            ));
        }
        let quota_fail_mode = match self.string("quota_fail_mode")?.as_deref() {
            None | Some("open") => FailMode::Open,
            Some("closed") => FailMode::Closed,
            Some(other) => {
                return Err(self.error(
                    "quota_fail_mode",
                    &format!("must be \"open\" or \"closed\", not {other:?}"),
                ));
            }
        };
        let quota_check_interval_minutes = self
            .number("quota_check_interval", 0..=10_080)?
            .unwrap_or(30) as u64;
        let claude_model = self.string("claude_model")?;
        let claude_small_fast_model = self.string("claude_small_fast_model")?;

        Ok(Profile {
            provider_type,
            base_url,
            issuer,
            client_id,
            client_secret,
            authorization_endpoint,
            token_endpoint,
            federation,
            aws_region,
            max_session_duration,
            storage,
            redirect_port,
            quota_api_endpoint,
            quota_fail_mode,
            quota_check_interval_minutes,
            claude_model,
            claude_small_fast_model,
        })
    }
}

/// The host of an http(s) URL, if it is one.
fn url_host(text: &str) -> Option<String> {
    let rest = text
        .strip_prefix("https://")
        .or_else(|| text.strip_prefix("http://"))?;
    let host = rest.split(['/', '?', '#']).next()?;
    (!host.is_empty() && !host.contains(char::is_whitespace)).then(|| host.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_profile(json: &str) -> Result<Loaded, Error> {
        parse(json, "ClaudeCode", Path::new("/x/config.json"))
    }

    const OKTA: &str = r#"{"ClaudeCode": {
        "provider_domain": "dev-1.okta.com", "client_id": "abc", "aws_region": "us-east-1",
        "federated_role_arn": "arn:aws:iam::111111111111:role/cc", "selected_model": "x"}}"#;

    #[test]
    fn the_installers_layout_reads_with_defaults() {
        let loaded = parse_profile(OKTA).unwrap();
        let p = loaded.profile;
        assert_eq!(p.provider_type, ProviderType::Okta);
        assert_eq!(p.base_url, "https://dev-1.okta.com");
        assert_eq!(p.issuer.as_deref(), Some("https://dev-1.okta.com"));
        assert_eq!(
            p.federation,
            Federation::Direct {
                role_arn: "arn:aws:iam::111111111111:role/cc".into()
            }
        );
        assert_eq!(p.max_session_duration, 28_800);
        assert_eq!(p.redirect_port, 8400);
        assert_eq!(p.storage, Storage::File);
        assert_eq!(p.quota_fail_mode, FailMode::Open);
        assert_eq!(p.quota_check_interval_minutes, 30);
        assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    }

    #[test]
    fn the_profiles_layout_reads_and_unknown_keys_warn() {
        let loaded = parse_profile(
            r#"{"profiles": {"ClaudeCode": {"issuer": "http://127.0.0.1:9/", "client_id": "c",
            "aws_region": "eu-west-1", "identity_pool_id": "eu-west-1:abc", "colour": "red",
            "quota_check_interval": "0", "credential_storage": "keyring"}}}"#,
        )
        .unwrap();
        assert_eq!(loaded.profile.base_url, "http://127.0.0.1:9");
        assert_eq!(loaded.profile.provider_type, ProviderType::Generic);
        assert_eq!(loaded.profile.quota_check_interval_minutes, 0);
        assert_eq!(loaded.profile.storage, Storage::Keyring);
        assert!(matches!(
            loaded.profile.federation,
            Federation::Cognito { .. }
        ));
        assert_eq!(loaded.warnings.len(), 1);
        assert!(loaded.warnings[0].contains("\"colour\""));
    }

    #[test]
    fn errors_name_the_key() {
        let cases = [
            (
                r#"{"ClaudeCode": {"client_id": "a", "aws_region": "r", "federated_role_arn": "arn:x"}}"#,
                "provider_domain",
            ),
            (
                r#"{"ClaudeCode": {"provider_domain": "d", "aws_region": "r", "federated_role_arn": "arn:x"}}"#,
                "client_id",
            ),
            (
                r#"{"ClaudeCode": {"provider_domain": "d", "client_id": "a", "federated_role_arn": "arn:x"}}"#,
                "aws_region",
            ),
            (
                r#"{"ClaudeCode": {"provider_domain": "d", "client_id": "a", "aws_region": "r"}}"#,
                "federated_role_arn",
            ),
            (
                r#"{"ClaudeCode": {"provider_domain": "d", "client_id": "a", "aws_region": "r", "federated_role_arn": "arn:x", "quota_fail_mode": "maybe"}}"#,
                "quota_fail_mode",
            ),
            (
                r#"{"ClaudeCode": {"provider_domain": "d", "client_id": "a", "aws_region": "r", "federated_role_arn": "arn:x", "redirect_port": 70000}}"#,
                "redirect_port",
            ),
            (
                r#"{"ClaudeCode": {"provider_domain": "d", "client_id": "a", "aws_region": "r", "federated_role_arn": "arn:x", "provider_type": "ldap"}}"#,
                "provider_type",
            ),
            (
                r#"{"ClaudeCode": {"provider_domain": "d", "client_id": "a", "aws_region": "r", "federation_type": "cognito", "federated_role_arn": "arn:x"}}"#,
                "identity_pool_id",
            ),
            (
                r#"{"ClaudeCode": {"provider_domain": "d", "client_id": "a", "aws_region": "r", "federated_role_arn": "arn:x", "credential_storage": "disk"}}"#,
                "credential_storage",
            ),
            (
                r#"{"ClaudeCode": {"provider_domain": "d", "client_id": 5, "aws_region": "r", "federated_role_arn": "arn:x"}}"#,
                "client_id",
            ),
        ];
        for (json, key) in cases {
            let err = parse_profile(json).unwrap_err().to_string();
            assert!(err.contains(&format!("\"{key}\"")), "{key}: {err}");
        }
    }

    #[test]
    fn a_missing_profile_lists_the_others() {
        let err = parse(OKTA, "Other", Path::new("c.json"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("\"Other\"") && err.contains("ClaudeCode"),
            "{err}"
        );
    }

    #[test]
    fn cognito_issuer_comes_from_the_user_pool() {
        let loaded = parse_profile(
            r#"{"ClaudeCode": {"provider_domain": "x.auth.us-east-1.amazoncognito.com",
            "client_id": "a", "aws_region": "us-east-1", "identity_pool_id": "p",
            "cognito_user_pool_id": "us-east-1_AbC"}}"#,
        )
        .unwrap();
        assert_eq!(loaded.profile.provider_type, ProviderType::Cognito);
        assert_eq!(
            loaded.profile.issuer.as_deref(),
            Some("https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC")
        );
    }
}
