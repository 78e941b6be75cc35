//! `config.json`: where it is, and what one profile's keys mean together. The keys themselves,
//! both layouts, type errors and unknown-key warnings are [`ccwb_install::config`]'s, the
//! definition `ccwb package` writes with; this module adds which keys are required, how
//! federation is chosen, the issuer each provider type implies, and the defaults. Every error
//! names the file, the profile and the key.

use std::path::{Path, PathBuf};

use ccwb_core::{AdminGroups, IdentityClaims};
pub use ccwb_install::config::{CredentialStorage, FailMode, ProviderType, SessionNameClaim};
use ccwb_install::config::{FederationType, ProfileConfig, UnverifiedEmail};

use crate::error::Error;

/// The folder name under the user's config and cache directories.
pub const APP_DIR: &str = "claude-code-with-bedrock";

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

/// The API's default `CCWB_IDENTITY_CLAIMS`, as text for messages. What is used is
/// [`IdentityClaims::default`], the API's own; a test keeps the two equal.
const API_DEFAULT_IDENTITY_CLAIMS: &str = "email";
/// The API's default `CCWB_ADMIN_GROUPS`, as text for messages ([`AdminGroups::default`] is
/// what is used; a test keeps the two equal).
const API_DEFAULT_ADMIN_GROUPS: &str = "ccwb-admins";

/// How the API reads a token's identity and admin membership: the deployment's settings as
/// config.json gives them (`identity_claims`, `admin_groups`, `unverified_email`), else the
/// API's defaults, built with `ccwb_core`'s own parsers as the API builds them. For
/// `--show-claims`.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiClaims {
    /// The claims that name the user, and whether an unverified `email` may.
    pub identity_claims: IdentityClaims,
    /// The groups whose members are administrators.
    pub admin_groups: AdminGroups,
    /// `identity_claims` as written (`CCWB_IDENTITY_CLAIMS`).
    pub identity_claims_text: Setting,
    /// `admin_groups` as written (`CCWB_ADMIN_GROUPS`).
    pub admin_groups_text: Setting,
    /// `unverified_email` as written (`CCWB_UNVERIFIED_EMAIL`).
    pub unverified_email_text: Setting,
}

/// A deployment setting as text, and whether config.json gave it or it is the API's default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting {
    /// The value.
    pub text: String,
    /// `true` when config.json gave it.
    pub from_config: bool,
}

impl Setting {
    fn new(given: Option<String>, default: &str) -> Self {
        Self {
            from_config: given.is_some(),
            text: given.unwrap_or_else(|| default.to_owned()),
        }
    }
}

impl std::fmt::Display for Setting {
    /// `upn,email`, or `email, the API's default`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)?;
        if !self.from_config {
            f.write_str(", the API's default")?;
        }
        Ok(())
    }
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
    pub storage: CredentialStorage,
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
    /// `role_session_name_claim`: the claim that is the STS role session name exactly (direct
    /// federation); `None`: the e-mail, else the subject, in STS's alphabet.
    pub role_session_name_claim: Option<SessionNameClaim>,
    /// What the API makes of a token, for `--show-claims`.
    pub api_claims: ApiClaims,
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
    let parsed = ccwb_install::config::read_profile(text, name, &where_)
        .map_err(|e| Error::Config(e.to_string()))?;
    let context = format!("{where_}: profile {name:?}");
    let profile = resolve(parsed.config, &context)?;
    Ok(Loaded {
        path: path.to_path_buf(),
        name: name.to_owned(),
        profile,
        warnings: parsed.warnings,
    })
}

/// `context: "key" what`: the form of every config error.
fn error(context: &str, key: &str, what: &str) -> Error {
    Error::Config(format!("{context}: {key:?} {what}"))
}

/// A profile's keys checked together, with the defaults filled in.
fn resolve(config: ProfileConfig, context: &str) -> Result<Profile, Error> {
    let error = |key: &str, what: &str| error(context, key, what);
    let required = |value: Option<String>, key: &str| {
        value.ok_or_else(|| error(key, "is required and missing"))
    };
    let client_id = required(config.client_id, "client_id")?;
    let aws_region = required(config.aws_region, "aws_region")?;

    let issuer_key = config.issuer;
    let raw = issuer_key
        .clone()
        .or(config.provider_domain)
        .ok_or_else(|| {
            error(
                "provider_domain",
                "is required and missing (or give \"issuer\")",
            )
        })?;
    let provider_type = config
        .provider_type
        .unwrap_or_else(|| ProviderType::infer(&raw));
    let base_url = if raw.starts_with("https://") || raw.starts_with("http://") {
        raw.trim_end_matches('/').to_owned()
    } else {
        format!("https://{}", raw.trim_end_matches('/'))
    };
    if url_host(&base_url).is_none() {
        return Err(error(
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
        ProviderType::Cognito => config
            .cognito_user_pool_id
            .as_ref()
            .map(|pool| format!("https://cognito-idp.{aws_region}.amazonaws.com/{pool}")),
        ProviderType::Google => Some("https://accounts.google.com".to_owned()),
        _ => Some(base_url.clone()),
    };

    let federation = federation(
        config.federation_type,
        config.federated_role_arn,
        config.identity_pool_id,
    )
    .map_err(|(key, what)| error(key, &what))?;

    let quota_api_endpoint = config.quota_api_endpoint;
    if let Some(endpoint) = &quota_api_endpoint
        && url_host(endpoint).is_none()
    {
        return Err(error(
            "quota_api_endpoint",
            &format!("is not an http(s) URL: {endpoint:?}"),
        ));
    }

    let api_claims = api_claims(
        config.identity_claims,
        config.admin_groups,
        config.unverified_email,
    )
    .map_err(|(key, what)| error(key, what))?;

    Ok(Profile {
        provider_type,
        base_url,
        issuer,
        client_id,
        client_secret: config.client_secret,
        authorization_endpoint: config.authorization_endpoint,
        token_endpoint: config.token_endpoint,
        federation,
        aws_region,
        max_session_duration: config.max_session_duration.map_or(28_800, |s| s.get()) as i32,
        storage: config.credential_storage.unwrap_or_default(),
        redirect_port: config.redirect_port.map_or(8400, |p| p.get()) as u16,
        quota_api_endpoint,
        quota_fail_mode: config.quota_fail_mode.unwrap_or_default(),
        quota_check_interval_minutes: config.quota_check_interval.map_or(30, |m| m.get()) as u64,
        claude_model: config.claude_model,
        claude_small_fast_model: config.claude_small_fast_model,
        role_session_name_claim: config.role_session_name_claim,
        api_claims,
    })
}

/// The API's reading of tokens from config.json's copies of the deployment's settings, each
/// refused as the API refuses it at start; else the key to blame and why.
fn api_claims(
    identity_claims: Option<String>,
    admin_groups: Option<String>,
    unverified_email: Option<UnverifiedEmail>,
) -> Result<ApiClaims, (&'static str, &'static str)> {
    // A list given must name something: an empty one would silently mean "the default".
    fn listed<T: Default>(
        list: Option<&str>,
        parse: fn(&str) -> Option<T>,
        refused: (&'static str, &'static str),
    ) -> Result<T, (&'static str, &'static str)> {
        list.map_or(Ok(T::default()), |list| parse(list).ok_or(refused))
    }
    let identity = listed(
        identity_claims.as_deref(),
        IdentityClaims::parse,
        (
            "identity_claims",
            "must name at least one claim (comma-separated), as CCWB_IDENTITY_CLAIMS does",
        ),
    )?;
    let groups = listed(
        admin_groups.as_deref(),
        AdminGroups::parse,
        (
            "admin_groups",
            "must name at least one group (comma-separated), as CCWB_ADMIN_GROUPS does",
        ),
    )?;
    let accept = unverified_email.unwrap_or_default() == UnverifiedEmail::Accept;
    Ok(ApiClaims {
        identity_claims: identity.accepting_unverified_email(accept),
        admin_groups: groups,
        identity_claims_text: Setting::new(identity_claims, API_DEFAULT_IDENTITY_CLAIMS),
        admin_groups_text: Setting::new(admin_groups, API_DEFAULT_ADMIN_GROUPS),
        unverified_email_text: Setting::new(
            unverified_email.map(|u| u.as_str().to_owned()),
            UnverifiedEmail::default().as_str(),
        ),
    })
}

/// The federation `federation_type`, `federated_role_arn` and `identity_pool_id` choose, or the
/// key to blame and why.
fn federation(
    kind: Option<FederationType>,
    role_arn: Option<String>,
    identity_pool_id: Option<String>,
) -> Result<Federation, (&'static str, String)> {
    let federation = match (kind, role_arn, identity_pool_id) {
        (Some(FederationType::Direct), Some(role_arn), _) | (None, Some(role_arn), None) => {
            Federation::Direct { role_arn }
        }
        (Some(FederationType::Direct), None, _) => {
            return Err((
                "federated_role_arn",
                "is required with federation_type \"direct\"".into(),
            ));
        }
        (Some(FederationType::Cognito), _, Some(identity_pool_id))
        | (None, None, Some(identity_pool_id)) => Federation::Cognito { identity_pool_id },
        (Some(FederationType::Cognito), _, None) => {
            return Err((
                "identity_pool_id",
                "is required with federation_type \"cognito\"".into(),
            ));
        }
        (None, None, None) => {
            return Err((
                "federated_role_arn",
                "is required and missing (or give \"identity_pool_id\" for Cognito federation)"
                    .into(),
            ));
        }
        (None, Some(_), Some(_)) => {
            return Err((
                "federation_type",
                "is required when both federated_role_arn and identity_pool_id are given (\"direct\" or \"cognito\")".into(),
            ));
        }
    };
    if let Federation::Direct { role_arn } = &federation
        && !role_arn.starts_with("arn:")
    {
        return Err((
            "federated_role_arn",
            format!("is not an IAM role ARN: {role_arn:?}"),
        ));
    }
    Ok(federation)
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
        assert_eq!(p.storage, CredentialStorage::File);
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
        assert_eq!(loaded.profile.storage, CredentialStorage::Keyring);
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
    fn the_apis_defaults_are_named_as_they_are() {
        assert_eq!(
            IdentityClaims::parse(API_DEFAULT_IDENTITY_CLAIMS),
            Some(IdentityClaims::default())
        );
        assert_eq!(
            AdminGroups::parse(API_DEFAULT_ADMIN_GROUPS),
            Some(AdminGroups::default())
        );
        let api = parse_profile(OKTA).unwrap().profile.api_claims;
        assert_eq!(api.identity_claims, IdentityClaims::default());
        assert_eq!(api.admin_groups, AdminGroups::default());
        assert_eq!(
            [
                api.identity_claims_text.to_string(),
                api.admin_groups_text.to_string(),
                api.unverified_email_text.to_string()
            ],
            [
                "email, the API's default",
                "ccwb-admins, the API's default",
                "deny, the API's default"
            ]
        );
    }

    #[test]
    fn the_deployments_settings_are_read_with_the_apis_parsers() {
        let loaded = parse_profile(
            r#"{"ClaudeCode": {"provider_domain": "d", "client_id": "a", "aws_region": "r",
            "federated_role_arn": "arn:x", "identity_claims": "upn, email",
            "admin_groups": "platform, sre", "unverified_email": "accept"}}"#,
        )
        .unwrap();
        let api = loaded.profile.api_claims;
        assert_eq!(
            api.identity_claims,
            IdentityClaims::parse("upn,email")
                .unwrap()
                .accepting_unverified_email(true)
        );
        assert_eq!(
            api.admin_groups,
            AdminGroups::parse("sre,platform").unwrap()
        );
        assert_eq!(api.admin_groups_text.to_string(), "platform, sre");
        assert_eq!(api.identity_claims_text.to_string(), "upn, email");
        assert_eq!(api.unverified_email_text.to_string(), "accept");
        for key in ["identity_claims", "admin_groups"] {
            let err = parse_profile(&format!(
                r#"{{"ClaudeCode": {{"provider_domain": "d", "client_id": "a", "aws_region": "r",
                "federated_role_arn": "arn:x", "{key}": " , "}}}}"#
            ))
            .unwrap_err()
            .to_string();
            assert!(
                err.contains(&format!("\"{key}\" must name at least one")),
                "{err}"
            );
        }
    }

    #[test]
    fn role_session_name_claim_is_read_and_absent_by_default() {
        assert_eq!(
            parse_profile(OKTA).unwrap().profile.role_session_name_claim,
            None
        );
        let loaded = parse_profile(
            r#"{"ClaudeCode": {"provider_domain": "d", "client_id": "a", "aws_region": "r",
            "federated_role_arn": "arn:x", "role_session_name_claim": "sub"}}"#,
        )
        .unwrap();
        assert_eq!(
            loaded.profile.role_session_name_claim,
            Some(SessionNameClaim::Sub)
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
