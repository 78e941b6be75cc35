//! The package's `config.json`: one definition of its keys, shared by the writer (`ccwb
//! package`) and the reader (`credential-process`), so the two cannot drift apart.
//!
//! Two layouts are read: the original installer's, where profile names are the top-level keys
//! (what `ccwb package` writes, [`render`]), and `{"profiles": {"<name>": {…}}}`. Only the
//! profile asked for is read, so a broken profile beside it does not matter.
//!
//! Reading is forgiving where the original installer was loose and strict everywhere else:
//! strings are trimmed and an empty one counts as absent, whole numbers may be written as
//! strings (the original installer wrote some that way), and every other wrong value is an
//! error that names its key ([`serde_path_to_error`]). A key nobody reads is a warning, not an
//! error ([`serde_ignored`]), since a newer `ccwb package` may know keys this program does not;
//! the keys the original installer writes for other tools ([`FOREIGN_KEYS`]) are not even that.
//! What a profile's keys mean together (which are required, how federation is chosen) is
//! decided by credential-process, which uses them.
//!
//! `ccwb package` writes keys in sorted order (through `serde_json::Value`), as it did before this
//! type existed, so a package built again has the same bytes.

use std::str::FromStr;

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

use crate::Error;

/// Keys the original installer writes for other tools (Claude Code settings, the OTel helper):
/// accepted without a warning, not used.
pub const FOREIGN_KEYS: &[&str] = &[
    "allowed_bedrock_regions",
    "analytics_enabled",
    "cross_region_profile",
    "monitoring_enabled",
    "otel_collector_endpoint",
    "selected_model",
    "selected_source_region",
];

/// Who signs the user in. The authorize and token endpoints come from OIDC discovery when
/// possible; the type decides the issuer URL and the fallbacks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
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
    /// The type a provider domain suggests, when `provider_type` is not given.
    pub fn infer(domain: &str) -> Self {
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

impl FromStr for ProviderType {
    type Err = String;

    /// Any case (`Okta`, `okta`); the error is the rest of a sentence that starts with the key.
    fn from_str(value: &str) -> Result<Self, String> {
        Ok(match value.to_ascii_lowercase().as_str() {
            "okta" => Self::Okta,
            "azure" => Self::Azure,
            "auth0" => Self::Auth0,
            "cognito" => Self::Cognito,
            "google" => Self::Google,
            "generic" => Self::Generic,
            _ => {
                return Err(format!(
                    "must be okta, azure, auth0, cognito, google or generic, not {value:?}"
                ));
            }
        })
    }
}

/// How the id token becomes AWS credentials (`federation_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FederationType {
    /// STS `AssumeRoleWithWebIdentity` with `federated_role_arn`.
    Direct,
    /// A Cognito identity pool, `identity_pool_id`.
    Cognito,
}

/// The value `names` gives `value`; else the rest of a sentence that starts with the key:
/// `must be "a" or "b", not "c"`.
fn one_of<T: Copy>(value: &str, names: &[(&str, T)]) -> Result<T, String> {
    if let Some((_, found)) = names.iter().find(|(name, _)| *name == value) {
        return Ok(*found);
    }
    let quoted: Vec<String> = names.iter().map(|(name, _)| format!("{name:?}")).collect();
    let (last, rest) = quoted
        .split_last()
        .map_or(("", &[][..]), |(l, r)| (l.as_str(), r));
    Err(format!(
        "must be {} or {last}, not {value:?}",
        rest.join(", ")
    ))
}

impl FromStr for FederationType {
    type Err = String;

    fn from_str(value: &str) -> Result<Self, String> {
        one_of(
            value,
            &[("direct", Self::Direct), ("cognito", Self::Cognito)],
        )
    }
}

/// Where credentials and tokens are kept between runs (`credential_storage`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CredentialStorage {
    /// A 0600 file in the user's cache directory (also what the original's `session` means).
    #[default]
    File,
    /// The OS keyring.
    Keyring,
}

impl FromStr for CredentialStorage {
    type Err = String;

    fn from_str(value: &str) -> Result<Self, String> {
        if value == "session" {
            // The original installer's name for file storage; not offered to new configs.
            return Ok(Self::File);
        }
        one_of(value, &[("file", Self::File), ("keyring", Self::Keyring)])
    }
}

/// What to do when the quota API gives no answer (`quota_fail_mode`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FailMode {
    /// Issue credentials anyway (with a warning).
    #[default]
    Open,
    /// Refuse.
    Closed,
}

impl FromStr for FailMode {
    type Err = String;

    fn from_str(value: &str) -> Result<Self, String> {
        one_of(value, &[("open", Self::Open), ("closed", Self::Closed)])
    }
}

/// The id token claim that is the STS role session name (`role_session_name_claim`), for a role
/// whose trust policy pins `sts:RoleSessionName` to it, as the ccwb auth stack's roles do
/// (`${<issuer>:sub}`; `${accounts.google.com:email}` for Google).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SessionNameClaim {
    /// `sub`, the subject.
    Sub,
    /// `email`.
    Email,
}

impl SessionNameClaim {
    /// The claim's name in the token (and in `config.json`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sub => "sub",
            Self::Email => "email",
        }
    }
}

impl FromStr for SessionNameClaim {
    type Err = String;

    fn from_str(value: &str) -> Result<Self, String> {
        let names = [Self::Sub, Self::Email].map(|c| (c.as_str(), c));
        one_of(value, &names)
    }
}

/// Whether the API lets an `email` its identity provider marks `email_verified: false` name a
/// user (`unverified_email`: the deployment's `CCWB_UNVERIFIED_EMAIL`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum UnverifiedEmail {
    /// It names nobody (the API's default).
    #[default]
    Deny,
    /// It names the user all the same.
    Accept,
}

impl UnverifiedEmail {
    /// The name used in `config.json` (and `CCWB_UNVERIFIED_EMAIL`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Deny => "deny",
            Self::Accept => "accept",
        }
    }
}

impl FromStr for UnverifiedEmail {
    type Err = String;

    fn from_str(value: &str) -> Result<Self, String> {
        let names = [Self::Deny, Self::Accept].map(|u| (u.as_str(), u));
        one_of(value, &names)
    }
}

/// A whole number from `MIN` to `MAX`, written as a JSON number (read from a number or a
/// numeric string).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Bounded<const MIN: i64, const MAX: i64>(i64);

impl<const MIN: i64, const MAX: i64> Bounded<MIN, MAX> {
    /// `value` if it is in range; else the rest of a sentence that starts with the key.
    pub fn new(value: i64) -> Result<Self, String> {
        if (MIN..=MAX).contains(&value) {
            Ok(Self(value))
        } else {
            Err(Self::expected(value))
        }
    }

    /// The number.
    pub fn get(self) -> i64 {
        self.0
    }

    fn expected(found: impl std::fmt::Display) -> String {
        format!("must be a whole number from {MIN} to {MAX}, not {found}")
    }
}

impl<'de, const MIN: i64, const MAX: i64> Deserialize<'de> for Bounded<MIN, MAX> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        let number = match &value {
            Value::Number(n) => n.as_i64(),
            Value::String(s) => s.trim().parse::<i64>().ok(),
            _ => None,
        };
        match number {
            Some(n) if (MIN..=MAX).contains(&n) => Ok(Self(n)),
            _ => Err(D::Error::custom(Self::expected(value))),
        }
    }
}

/// `max_session_duration`: seconds of the AWS session asked of STS.
pub type SessionSeconds = Bounded<900, 43_200>;
/// `redirect_port`: the loopback port of the sign-in redirect.
pub type Port = Bounded<1, 65_535>;
/// `quota_check_interval`: minutes between quota checks (0 = every run), at most a week.
pub type CheckMinutes = Bounded<0, 10_080>;

/// One profile of `config.json`, as written: every key optional here, since which are required
/// depends on the others (the reader decides).
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileConfig {
    /// `issuer`: the OpenID issuer, where discovery starts (or `provider_domain`).
    #[serde(default, deserialize_with = "text")]
    pub issuer: Option<String>,
    /// `provider_domain`: the original's way of naming the identity provider (a host name).
    #[serde(default, deserialize_with = "text")]
    pub provider_domain: Option<String>,
    /// `provider_type` (else inferred from the domain).
    #[serde(default, deserialize_with = "choice")]
    pub provider_type: Option<ProviderType>,
    /// `client_id` at the identity provider.
    #[serde(default, deserialize_with = "text")]
    pub client_id: Option<String>,
    /// `client_secret`, for providers that insist on one (`ccwb package` never writes it).
    #[serde(default, deserialize_with = "text")]
    pub client_secret: Option<String>,
    /// `authorization_endpoint`, overriding discovery.
    #[serde(default, deserialize_with = "text")]
    pub authorization_endpoint: Option<String>,
    /// `token_endpoint`, overriding discovery.
    #[serde(default, deserialize_with = "text")]
    pub token_endpoint: Option<String>,
    /// `cognito_user_pool_id`: names the issuer of a Cognito user pool.
    #[serde(default, deserialize_with = "text")]
    pub cognito_user_pool_id: Option<String>,
    /// `aws_region` of STS (or the identity pool) and of Bedrock.
    #[serde(default, deserialize_with = "text")]
    pub aws_region: Option<String>,
    /// `federation_type` (needed only when both targets below are given).
    #[serde(default, deserialize_with = "choice")]
    pub federation_type: Option<FederationType>,
    /// `federated_role_arn`: the IAM role of direct federation.
    #[serde(default, deserialize_with = "text")]
    pub federated_role_arn: Option<String>,
    /// `identity_pool_id`: the Cognito identity pool.
    #[serde(default, deserialize_with = "text")]
    pub identity_pool_id: Option<String>,
    /// `max_session_duration` in seconds.
    #[serde(default)]
    pub max_session_duration: Option<SessionSeconds>,
    /// `credential_storage`.
    #[serde(default, deserialize_with = "choice")]
    pub credential_storage: Option<CredentialStorage>,
    /// `redirect_port` of the sign-in redirect.
    #[serde(default)]
    pub redirect_port: Option<Port>,
    /// `quota_api_endpoint`: the ccwb API; no quota check and no telemetry without it.
    #[serde(default, deserialize_with = "text")]
    pub quota_api_endpoint: Option<String>,
    /// `quota_fail_mode`.
    #[serde(default, deserialize_with = "choice")]
    pub quota_fail_mode: Option<FailMode>,
    /// `quota_check_interval` in minutes.
    #[serde(default)]
    pub quota_check_interval: Option<CheckMinutes>,
    /// `claude_model`: Claude Code's model (`ANTHROPIC_MODEL`).
    #[serde(default, deserialize_with = "text")]
    pub claude_model: Option<String>,
    /// `claude_small_fast_model`: its small/fast model.
    #[serde(default, deserialize_with = "text")]
    pub claude_small_fast_model: Option<String>,
    /// `role_session_name_claim`: with a role whose trust policy pins the session name, the
    /// claim whose value is, exactly, the STS role session name; without it the e-mail (else
    /// the subject) in STS's alphabet is used.
    #[serde(default, deserialize_with = "choice")]
    pub role_session_name_claim: Option<SessionNameClaim>,
    /// `identity_claims`: the deployment's `CCWB_IDENTITY_CLAIMS` as is (claim names,
    /// comma-separated), which `--show-claims` derives the identity with; else the API's
    /// default.
    #[serde(default, deserialize_with = "text")]
    pub identity_claims: Option<String>,
    /// `admin_groups`: the deployment's `CCWB_ADMIN_GROUPS` as is (group names,
    /// comma-separated), for `--show-claims`; else the API's default.
    #[serde(default, deserialize_with = "text")]
    pub admin_groups: Option<String>,
    /// `unverified_email`: the deployment's `CCWB_UNVERIFIED_EMAIL`, for `--show-claims`; else
    /// the API's default (`deny`).
    #[serde(default, deserialize_with = "choice")]
    pub unverified_email: Option<UnverifiedEmail>,
}

/// A string, trimmed; an empty one (or `null`) is absent.
fn text<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    match Value::deserialize(deserializer)? {
        Value::Null => Ok(None),
        Value::String(s) if s.trim().is_empty() => Ok(None),
        Value::String(s) => Ok(Some(s.trim().to_owned())),
        other => Err(D::Error::custom(format!("must be a string, not {other}"))),
    }
}

/// One of an enum's names, as [`text`] reads strings.
fn choice<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: FromStr<Err = String>,
{
    text(deserializer)?
        .map(|value| value.parse().map_err(D::Error::custom))
        .transpose()
}

/// A profile read from `config.json`, with what is worth a warning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedProfile {
    /// The profile.
    pub config: ProfileConfig,
    /// `<source>: profile "<name>": unknown key "<key>" ignored`, sorted.
    pub warnings: Vec<String>,
}

/// The profiles of a config file by name, whichever the layout; `source` names the file in
/// errors.
fn profiles<'a>(root: &'a Value, source: &str) -> Result<&'a Map<String, Value>, Error> {
    let Value::Object(root) = root else {
        return Err(Error::Config(format!("{source} must hold a JSON object")));
    };
    match root.get("profiles") {
        Some(Value::Object(profiles)) => Ok(profiles),
        Some(_) => Err(Error::Config(format!(
            "{source}: \"profiles\" must be an object of profiles by name"
        ))),
        None => Ok(root),
    }
}

fn parse_root(text: &str, source: &str) -> Result<Value, Error> {
    serde_json::from_str(text)
        .map_err(|e| Error::Config(format!("{source} is not valid JSON: {e}")))
}

/// The names of the profiles in a config file's text, sorted.
pub fn profile_names(text: &str, source: &str) -> Result<Vec<String>, Error> {
    let root = parse_root(text, source)?;
    let mut names: Vec<String> = profiles(&root, source)?
        .iter()
        .filter(|(_, v)| v.is_object())
        .map(|(k, _)| k.clone())
        .collect();
    names.sort_unstable();
    Ok(names)
}

/// Reads profile `name` from the text of a config file; `source` names the file in errors
/// and warnings, each of which also names the profile and the key.
pub fn read_profile(text: &str, name: &str, source: &str) -> Result<ParsedProfile, Error> {
    let root = parse_root(text, source)?;
    let profiles = profiles(&root, source)?;
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
            "profile {name:?} is not in {source} ({known}); choose one with --profile"
        )));
    };
    if !value.is_object() {
        return Err(Error::Config(format!(
            "{source}: profile {name:?} must be a JSON object"
        )));
    }
    let context = format!("{source}: profile {name:?}");
    let mut unknown = Vec::new();
    let config: ProfileConfig = {
        let mut note = |path: serde_ignored::Path<'_>| unknown.push(path.to_string());
        let ignored = serde_ignored::Deserializer::new(value, &mut note);
        serde_path_to_error::deserialize(ignored).map_err(|e| {
            Error::Config(format!(
                "{context}: {:?} {}",
                e.path().to_string(),
                e.inner()
            ))
        })?
    };
    let mut warnings: Vec<String> = unknown
        .into_iter()
        .filter(|key| !FOREIGN_KEYS.contains(&key.as_str()))
        .map(|key| format!("{context}: unknown key {key:?} ignored"))
        .collect();
    warnings.sort();
    Ok(ParsedProfile { config, warnings })
}

/// `config.json` with one profile, in the installer's layout (the profile name as the
/// top-level key), pretty-printed with keys sorted and a final newline.
pub fn render(name: &str, profile: &ProfileConfig) -> Result<String, Error> {
    let entry = serde_json::to_value(profile).map_err(|e| Error::Config(e.to_string()))?;
    let root = Value::Object(Map::from_iter([(name.to_owned(), entry)]));
    serde_json::to_string_pretty(&root)
        .map(|text| text + "\n")
        .map_err(|e| Error::Config(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(json: &str) -> Result<ParsedProfile, Error> {
        read_profile(json, "ClaudeCode", "/x/config.json")
    }

    #[test]
    fn what_ccwb_package_writes_has_the_bytes_it_always_had() {
        let profile = ProfileConfig {
            issuer: Some("https://idp.example.com".into()),
            client_id: Some("claude-code".into()),
            aws_region: Some("eu-west-1".into()),
            quota_api_endpoint: Some("https://api.example.com".into()),
            federation_type: Some(FederationType::Direct),
            federated_role_arn: Some("arn:aws:iam::123456789012:role/ClaudeCode".into()),
            quota_fail_mode: Some(FailMode::Closed),
            quota_check_interval: Some(CheckMinutes::new(5).unwrap()),
            provider_type: Some(ProviderType::Okta),
            claude_model: Some("eu.anthropic.claude-opus-5-5".into()),
            claude_small_fast_model: Some("eu.anthropic.claude-haiku-5-5".into()),
            ..ProfileConfig::default()
        };
        let text = render("ClaudeCode", &profile).unwrap();
        assert_eq!(
            text,
            r#"{
  "ClaudeCode": {
    "aws_region": "eu-west-1",
    "claude_model": "eu.anthropic.claude-opus-5-5",
    "claude_small_fast_model": "eu.anthropic.claude-haiku-5-5",
    "client_id": "claude-code",
    "federated_role_arn": "arn:aws:iam::123456789012:role/ClaudeCode",
    "federation_type": "direct",
    "issuer": "https://idp.example.com",
    "provider_type": "okta",
    "quota_api_endpoint": "https://api.example.com",
    "quota_check_interval": 5,
    "quota_fail_mode": "closed"
  }
}
"#
        );
        let back = read(&text).unwrap();
        assert_eq!((back.config, back.warnings), (profile, Vec::new()));
    }

    #[test]
    fn strings_are_trimmed_blank_is_absent_and_numbers_may_be_strings() {
        let parsed = read(
            r#"{"profiles": {"ClaudeCode": {"client_id": "  c ", "issuer": "", "token_endpoint": null,
            "quota_check_interval": "0", "redirect_port": 8400, "credential_storage": "session",
            "provider_type": "Okta"}}}"#,
        )
        .unwrap();
        let config = parsed.config;
        assert_eq!(config.client_id.as_deref(), Some("c"));
        assert_eq!((config.issuer, config.token_endpoint), (None, None));
        assert_eq!(config.quota_check_interval.map(Bounded::get), Some(0));
        assert_eq!(config.redirect_port.map(Bounded::get), Some(8400));
        assert_eq!(config.credential_storage, Some(CredentialStorage::File));
        assert_eq!(config.provider_type, Some(ProviderType::Okta));
    }

    #[test]
    fn a_wrong_value_is_an_error_that_names_the_file_the_profile_and_the_key() {
        let cases = [
            (
                r#"{"client_id": 5}"#,
                r#""client_id" must be a string, not 5"#,
            ),
            (
                r#"{"claude_model": ["x"]}"#,
                r#""claude_model" must be a string, not ["x"]"#,
            ),
            (
                r#"{"redirect_port": 70000}"#,
                r#""redirect_port" must be a whole number from 1 to 65535, not 70000"#,
            ),
            (
                r#"{"max_session_duration": "soon"}"#,
                r#""max_session_duration" must be a whole number from 900 to 43200, not "soon""#,
            ),
            (
                r#"{"quota_fail_mode": "maybe"}"#,
                r#""quota_fail_mode" must be "open" or "closed", not "maybe""#,
            ),
            (
                r#"{"federation_type": "saml"}"#,
                r#""federation_type" must be "direct" or "cognito", not "saml""#,
            ),
            (
                r#"{"role_session_name_claim": "upn"}"#,
                r#""role_session_name_claim" must be "sub" or "email", not "upn""#,
            ),
            (
                r#"{"unverified_email": "allow"}"#,
                r#""unverified_email" must be "deny" or "accept", not "allow""#,
            ),
            (
                r#"{"admin_groups": ["ccwb-admins"]}"#,
                r#""admin_groups" must be a string, not ["ccwb-admins"]"#,
            ),
            (
                r#"{"provider_type": "ldap"}"#,
                r#""provider_type" must be okta, azure, auth0, cognito, google or generic, not "ldap""#,
            ),
        ];
        for (profile, message) in cases {
            let err = read(&format!(r#"{{"ClaudeCode": {profile}}}"#))
                .unwrap_err()
                .to_string();
            assert_eq!(
                err,
                format!("/x/config.json: profile \"ClaudeCode\": {message}")
            );
        }
    }

    #[test]
    fn the_session_name_and_api_setting_keys_round_trip() {
        let profile = ProfileConfig {
            role_session_name_claim: Some(SessionNameClaim::Sub),
            identity_claims: Some("upn,email".into()),
            admin_groups: Some("platform, sre".into()),
            unverified_email: Some(UnverifiedEmail::Accept),
            ..ProfileConfig::default()
        };
        let text = render("ClaudeCode", &profile).unwrap();
        for line in [
            r#""role_session_name_claim": "sub""#,
            r#""identity_claims": "upn,email""#,
            r#""admin_groups": "platform, sre""#,
            r#""unverified_email": "accept""#,
        ] {
            assert!(text.contains(line), "{text}");
        }
        let back = read(&text).unwrap();
        assert_eq!((back.config, back.warnings), (profile, Vec::new()));
        assert_eq!(SessionNameClaim::Email.as_str(), "email");
    }

    #[test]
    fn unknown_keys_warn_but_the_original_installers_own_do_not() {
        let parsed =
            read(r#"{"ClaudeCode": {"selected_model": "x", "zeta": 1, "colour": "red"}}"#).unwrap();
        assert_eq!(
            parsed.warnings,
            [
                "/x/config.json: profile \"ClaudeCode\": unknown key \"colour\" ignored",
                "/x/config.json: profile \"ClaudeCode\": unknown key \"zeta\" ignored",
            ]
        );
    }

    #[test]
    fn only_the_profile_asked_for_is_read() {
        let text = r#"{"Broken": {"client_id": 5}, "ClaudeCode": {"client_id": "c"}, "x": 1}"#;
        assert!(read(text).is_ok());
        assert_eq!(
            profile_names(text, "c.json").unwrap(),
            ["Broken", "ClaudeCode"]
        );
        let err = read_profile(text, "Other", "c.json")
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "profile \"Other\" is not in c.json (it has Broken, ClaudeCode); choose one with --profile"
        );
        for (text, message) in [
            ("[]", "c.json must hold a JSON object"),
            (
                r#"{"profiles": []}"#,
                "c.json: \"profiles\" must be an object of profiles by name",
            ),
            (
                r#"{"ClaudeCode": 1}"#,
                "c.json: profile \"ClaudeCode\" must be a JSON object",
            ),
        ] {
            let err = read_profile(text, "ClaudeCode", "c.json").unwrap_err();
            assert_eq!(err.to_string(), message);
        }
        assert!(
            read_profile("{", "ClaudeCode", "c.json")
                .unwrap_err()
                .to_string()
                .starts_with("c.json is not valid JSON")
        );
    }

    #[test]
    fn provider_types_are_inferred_from_the_domain() {
        let rows = [
            ("dev-1.okta.com", ProviderType::Okta),
            ("x.oktapreview.com", ProviderType::Okta),
            ("t.auth0.com", ProviderType::Auth0),
            ("login.microsoftonline.com/t/v2.0", ProviderType::Azure),
            ("x.auth.us-east-1.amazoncognito.com", ProviderType::Cognito),
            ("accounts.google.com", ProviderType::Google),
            ("idp.example.com", ProviderType::Generic),
        ];
        for (domain, kind) in rows {
            assert_eq!(ProviderType::infer(domain), kind, "{domain}");
            assert_eq!(kind.as_str().parse::<ProviderType>(), Ok(kind));
        }
    }
}
