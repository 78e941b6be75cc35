//! The function's settings, read once at start-up.

use ccwb_core::{AdminGroups, IdentityClaims};

/// A setting that cannot be used; the function refuses to start rather than guess.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// `CCWB_ADMIN_GROUPS` named no group.
    #[error("CCWB_ADMIN_GROUPS must name at least one group (comma-separated), got {0:?}")]
    NoAdminGroups(String),
    /// `CCWB_IDENTITY_CLAIMS` named no claim.
    #[error("CCWB_IDENTITY_CLAIMS must name at least one claim (comma-separated), got {0:?}")]
    NoIdentityClaims(String),
}

/// What the handlers need, built once per Lambda instance.
#[derive(Debug, Clone, Default)]
pub struct State {
    /// Which claims name the user (`CCWB_IDENTITY_CLAIMS`, default `email`).
    pub identity_claims: IdentityClaims,
    /// Which groups are administrators (`CCWB_ADMIN_GROUPS`, default `ccwb-admins`).
    pub admin_groups: AdminGroups,
}

impl State {
    /// Reads the settings from the environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the settings through `lookup`, so tests and ccwb-local need not touch the process
    /// environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let identity_claims = match lookup("CCWB_IDENTITY_CLAIMS") {
            Some(list) => {
                IdentityClaims::parse(&list).ok_or(ConfigError::NoIdentityClaims(list))?
            }
            None => IdentityClaims::default(),
        };
        let admin_groups = match lookup("CCWB_ADMIN_GROUPS") {
            Some(list) => AdminGroups::parse(&list).ok_or(ConfigError::NoAdminGroups(list))?,
            None => AdminGroups::default(),
        };
        Ok(Self {
            identity_claims,
            admin_groups,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_admin_groups_are_refused() {
        let err = State::from_lookup(|name| (name == "CCWB_ADMIN_GROUPS").then(|| " ,".into()));
        assert!(matches!(err, Err(ConfigError::NoAdminGroups(_))));
    }

    #[test]
    fn defaults_apply_when_unset() {
        let state = State::from_lookup(|_| None).unwrap();
        assert_eq!(state.admin_groups, AdminGroups::default());
        assert_eq!(state.identity_claims, IdentityClaims::default());
    }
}
