//! Settings every function reads at start-up; a bad value stops the start with a message
//! naming the variable.

use ccwb_core::distribution::Cidr;
use ccwb_core::{AdminGroups, CheckSettings, IdentityClaims, PriceTable};

/// A setting that cannot be used; the function refuses to start rather than guess.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// `CCWB_PRICING` is not a valid price table.
    #[error("CCWB_PRICING: {0}")]
    Pricing(String),
    /// `CCWB_ADMIN_GROUPS` named no group.
    #[error("CCWB_ADMIN_GROUPS must name at least one group (comma-separated), got {0:?}")]
    NoAdminGroups(String),
    /// `CCWB_IDENTITY_CLAIMS` named no claim.
    #[error("CCWB_IDENTITY_CLAIMS must name at least one claim (comma-separated), got {0:?}")]
    NoIdentityClaims(String),
    /// `CCWB_FAIL_MODE` is neither `open` nor `closed`.
    #[error("CCWB_FAIL_MODE must be open or closed, got {0:?}")]
    FailMode(String),
    /// `CCWB_MISSING_IDENTITY` is neither `allow` nor `deny`.
    #[error("CCWB_MISSING_IDENTITY must be allow or deny, got {0:?}")]
    MissingIdentity(String),
    /// `CCWB_UNVERIFIED_EMAIL` is neither `deny` nor `accept`.
    #[error("CCWB_UNVERIFIED_EMAIL must be deny or accept, got {0:?}")]
    UnverifiedEmail(String),
    /// `CCWB_DISTRIBUTION_ALLOWED_IPS` holds something that is not a CIDR block.
    #[error("CCWB_DISTRIBUTION_ALLOWED_IPS: {0}")]
    AllowedIps(String),
    /// `CCWB_METER` is neither `telemetry` nor `invocation-logs`.
    #[error("CCWB_METER must be telemetry or invocation-logs, got {0:?}")]
    Meter(String),
}

/// Where the tokens counted toward quotas come from (`CCWB_METER`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Meter {
    /// Claude Code's telemetry (`POST /v1/metrics`): the default.
    #[default]
    Telemetry,
    /// Bedrock's own invocation records (the `ccwb-meter` function); telemetry then feeds only
    /// the activity figures, so nothing is counted twice.
    InvocationLogs,
}

/// Settings from the environment.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Settings {
    /// Which claims name the user (`CCWB_IDENTITY_CLAIMS`, default `email`), and whether an
    /// `email` with `email_verified: false` may (`CCWB_UNVERIFIED_EMAIL=accept`; default `deny`).
    pub identity_claims: IdentityClaims,
    /// Which groups are administrators (`CCWB_ADMIN_GROUPS`, default `ccwb-admins`).
    pub admin_groups: AdminGroups,
    /// `CCWB_FAIL_MODE` (default `closed`) and `CCWB_MISSING_IDENTITY` (default `deny`).
    pub check: CheckSettings,
    /// Token prices (`CCWB_PRICING`: JSON overrides of the default table, per million tokens).
    pub pricing: PriceTable,
    /// The download restriction the packages bucket's policy enforces
    /// (`CCWB_DISTRIBUTION_ALLOWED_IPS`, comma-separated CIDR blocks; none by default).
    pub distribution_allowed_ips: Option<Vec<Cidr>>,
    /// Where the tokens counted toward quotas come from (`CCWB_METER`, default `telemetry`).
    pub meter: Meter,
}

impl Settings {
    /// Reads the settings from the environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the settings through `lookup`, so tests need not touch the process environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let identity_claims = match lookup("CCWB_IDENTITY_CLAIMS") {
            Some(list) => {
                IdentityClaims::parse(&list).ok_or(ConfigError::NoIdentityClaims(list))?
            }
            None => IdentityClaims::default(),
        };
        let accept_unverified_email =
            match lookup("CCWB_UNVERIFIED_EMAIL").as_deref().map(str::trim) {
                None | Some("deny") => false,
                Some("accept") => true,
                Some(other) => return Err(ConfigError::UnverifiedEmail(other.to_owned())),
            };
        let identity_claims = identity_claims.accepting_unverified_email(accept_unverified_email);
        let admin_groups = match lookup("CCWB_ADMIN_GROUPS") {
            Some(list) => AdminGroups::parse(&list).ok_or(ConfigError::NoAdminGroups(list))?,
            None => AdminGroups::default(),
        };
        let fail_open = match lookup("CCWB_FAIL_MODE").as_deref().map(str::trim) {
            None | Some("closed") => false,
            Some("open") => true,
            Some(other) => return Err(ConfigError::FailMode(other.to_owned())),
        };
        let allow_missing_identity = match lookup("CCWB_MISSING_IDENTITY").as_deref().map(str::trim)
        {
            None | Some("deny") => false,
            Some("allow") => true,
            Some(other) => return Err(ConfigError::MissingIdentity(other.to_owned())),
        };
        let pricing = match lookup("CCWB_PRICING") {
            Some(json) => PriceTable::with_overrides(&json).map_err(ConfigError::Pricing)?,
            None => PriceTable::default(),
        };
        let distribution_allowed_ips = match lookup("CCWB_DISTRIBUTION_ALLOWED_IPS") {
            Some(list) if !list.trim().is_empty() => Some(
                list.split(',')
                    .map(str::trim)
                    .filter(|c| !c.is_empty())
                    .map(Cidr::parse)
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|e| ConfigError::AllowedIps(e.message))?,
            ),
            _ => None,
        };
        let meter = match lookup("CCWB_METER").as_deref().map(str::trim) {
            None | Some("telemetry") => Meter::Telemetry,
            Some("invocation-logs") => Meter::InvocationLogs,
            Some(other) => return Err(ConfigError::Meter(other.to_owned())),
        };
        Ok(Self {
            meter,
            distribution_allowed_ips,
            pricing,
            identity_claims,
            admin_groups,
            check: CheckSettings {
                allow_missing_identity,
                fail_open,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(name: &'static str, value: &'static str) -> impl Fn(&str) -> Option<String> {
        move |n| (n == name).then(|| value.to_owned())
    }

    #[test]
    fn the_meter_is_telemetry_unless_invocation_logs_are_named() {
        assert_eq!(
            Settings::from_lookup(|_| None).unwrap().meter,
            Meter::Telemetry
        );
        let logs = Settings::from_lookup(with("CCWB_METER", "invocation-logs")).unwrap();
        assert_eq!(logs.meter, Meter::InvocationLogs);
        let err = Settings::from_lookup(with("CCWB_METER", "cloudtrail")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "CCWB_METER must be telemetry or invocation-logs, got \"cloudtrail\""
        );
    }

    #[test]
    fn blank_admin_groups_are_refused() {
        let err = Settings::from_lookup(with("CCWB_ADMIN_GROUPS", " ,"));
        assert!(matches!(err, Err(ConfigError::NoAdminGroups(_))));
    }

    #[test]
    fn fail_mode_is_closed_by_default_and_anything_else_is_refused() {
        assert!(!Settings::from_lookup(|_| None).unwrap().check.fail_open);
        assert!(
            Settings::from_lookup(with("CCWB_FAIL_MODE", "open"))
                .unwrap()
                .check
                .fail_open
        );
        let err = Settings::from_lookup(with("CCWB_FAIL_MODE", "Open")).unwrap_err();
        assert!(err.to_string().contains("CCWB_FAIL_MODE"));
        assert!(matches!(
            Settings::from_lookup(with("CCWB_MISSING_IDENTITY", "yes")),
            Err(ConfigError::MissingIdentity(_))
        ));
    }

    #[test]
    fn defaults_apply_when_unset() {
        let settings = Settings::from_lookup(|_| None).unwrap();
        assert_eq!(settings.admin_groups, AdminGroups::default());
        assert_eq!(settings.identity_claims, IdentityClaims::default());
        assert!(!settings.check.allow_missing_identity);
    }

    #[test]
    fn unverified_email_is_denied_unless_accepted() {
        let accepting = Settings::from_lookup(with("CCWB_UNVERIFIED_EMAIL", "accept")).unwrap();
        assert_eq!(
            accepting.identity_claims,
            IdentityClaims::default().accepting_unverified_email(true)
        );
        let err = Settings::from_lookup(with("CCWB_UNVERIFIED_EMAIL", "yes")).unwrap_err();
        assert!(err.to_string().contains("CCWB_UNVERIFIED_EMAIL"), "{err}");
    }
}
