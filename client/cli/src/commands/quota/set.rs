//! `ccwb quota set-user|set-group|set-default`: creates the policy with the given settings, or
//! changes only those on an existing one. The policy is read first, then created with
//! `If-None-Match: *` or patched with `If-Match`; a race with another change is retried once.

use ccwb_api_client::{ApiClient, ApiError};
use ccwb_core::{Mode, PolicyFields, PolicyPatch, PolicyType, TokenAmount, Usd};
use clap::ValueEnum;

use super::policy_view;
use crate::error::CliError;
use crate::output::Out;

/// Arguments of `ccwb quota set-user`.
#[derive(Debug, Clone, clap::Args)]
pub struct SetUserArgs {
    /// The user's e-mail address.
    pub email: String,
    /// Limits and modes.
    #[command(flatten)]
    pub limits: LimitArgs,
}

impl SetUserArgs {
    /// Sets the user's policy.
    pub async fn run(self, client: &ApiClient, out: &mut Out<'_>) -> Result<(), CliError> {
        set(client, PolicyType::User, &self.email, &self.limits, out).await
    }
}

/// Arguments of `ccwb quota set-group`.
#[derive(Debug, Clone, clap::Args)]
pub struct SetGroupArgs {
    /// The group name, as the identity provider sends it.
    pub group: String,
    /// Limits and modes.
    #[command(flatten)]
    pub limits: LimitArgs,
}

impl SetGroupArgs {
    /// Sets the group's policy.
    pub async fn run(self, client: &ApiClient, out: &mut Out<'_>) -> Result<(), CliError> {
        set(client, PolicyType::Group, &self.group, &self.limits, out).await
    }
}

/// Arguments of `ccwb quota set-default`.
#[derive(Debug, Clone, clap::Args)]
pub struct SetDefaultArgs {
    /// Limits and modes.
    #[command(flatten)]
    pub limits: LimitArgs,
}

impl SetDefaultArgs {
    /// Sets the default policy.
    pub async fn run(self, client: &ApiClient, out: &mut Out<'_>) -> Result<(), CliError> {
        set(client, PolicyType::Default, "default", &self.limits, out).await
    }
}

/// Limits and modes of `set-user`, `set-group` and `set-default`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct LimitArgs {
    /// Tokens per month, like 300M or 1.5B (0 = no limit).
    #[arg(long, short = 'm', value_name = "TOKENS")]
    pub monthly_limit: Option<TokenAmount>,
    /// Tokens per day, like 15M (0 = no limit).
    #[arg(
        long,
        short = 'd',
        value_name = "TOKENS",
        conflicts_with = "clear_daily"
    )]
    pub daily_limit: Option<TokenAmount>,
    /// What the monthly limits do when reached.
    #[arg(long, short = 'e', value_enum)]
    pub enforcement: Option<ModeArg>,
    /// What the daily limits do when reached.
    #[arg(long, value_enum)]
    pub daily_enforcement: Option<ModeArg>,
    /// US dollars per month, like 250 or 99.50.
    #[arg(long, visible_alias = "monthly-cost-limit", value_name = "USD")]
    pub budget: Option<Usd>,
    /// US dollars per day.
    #[arg(long, value_name = "USD")]
    pub daily_budget: Option<Usd>,
    /// Turn the policy off (it stays stored).
    #[arg(long, conflicts_with = "enabled")]
    pub disabled: bool,
    /// Turn the policy on.
    #[arg(long)]
    pub enabled: bool,
    /// Remove the daily token limit.
    #[arg(long)]
    pub clear_daily: bool,
    /// Remove both cost limits.
    #[arg(long, conflicts_with_all = ["budget", "daily_budget"])]
    pub clear_cost: bool,
}

impl LimitArgs {
    /// `--enabled` / `--disabled`, if either was given.
    fn enabled(&self) -> Option<bool> {
        (self.enabled || self.disabled).then_some(!self.disabled)
    }

    /// The settings of a new policy: what was given, the API's defaults for the rest.
    fn fields(&self) -> PolicyFields {
        PolicyFields {
            monthly_token_limit: self.monthly_limit,
            daily_token_limit: self.daily_limit,
            monthly_cost_limit: self.budget,
            daily_cost_limit: self.daily_budget,
            enforcement_mode: self.enforcement.map(Into::into),
            daily_enforcement_mode: self.daily_enforcement.map(Into::into),
            enabled: self.enabled(),
        }
    }

    /// The change to an existing policy: only what was given (`--clear-*` as removals).
    fn patch(&self) -> PolicyPatch {
        let cleared = |clear: bool, value: Option<Usd>| {
            if clear { Some(None) } else { value.map(Some) }
        };
        PolicyPatch {
            monthly_token_limit: self.monthly_limit.map(Some),
            daily_token_limit: if self.clear_daily {
                Some(None)
            } else {
                self.daily_limit.map(Some)
            },
            monthly_cost_limit: cleared(self.clear_cost, self.budget),
            daily_cost_limit: cleared(self.clear_cost, self.daily_budget),
            enforcement_mode: self.enforcement.map(Into::into),
            daily_enforcement_mode: self.daily_enforcement.map(Into::into),
            enabled: self.enabled(),
        }
    }
}

/// Enforcement modes on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ModeArg {
    /// Warn, keep access.
    Alert,
    /// Deny access.
    Block,
}

impl From<ModeArg> for Mode {
    fn from(arg: ModeArg) -> Self {
        match arg {
            ModeArg::Alert => Self::Alert,
            ModeArg::Block => Self::Block,
        }
    }
}

/// Creates the policy with the given settings, or changes only those on an existing one.
async fn set(
    client: &ApiClient,
    policy_type: PolicyType,
    identifier: &str,
    limits: &LimitArgs,
    out: &mut Out<'_>,
) -> Result<(), CliError> {
    let patch = limits.patch();
    // Two rounds: a concurrent create or change between our read and write is retried once.
    for _ in 0..2 {
        let result = match client.get_policy(policy_type, identifier).await? {
            None => client
                .create_policy(policy_type, identifier, &limits.fields())
                .await
                .map(|p| ("Created", p)),
            Some(existing) => {
                if patch.is_empty() {
                    return Err(CliError::Usage(
                        "nothing to change: give at least one limit, mode, --enabled/--disabled or --clear-* flag".into(),
                    ));
                }
                client
                    .patch_policy(policy_type, &existing.identifier, &patch, existing.version)
                    .await
                    .map(|p| ("Updated", p))
            }
        };
        match result {
            Ok((verb, policy)) => return policy_view::print(&policy, verb, out),
            Err(ApiError::Api {
                status: 409 | 412, ..
            }) => continue,
            Err(err) => return Err(err.into()),
        }
    }
    Err(CliError::Partial(format!(
        "{policy_type} policy {identifier:?} kept changing while ccwb tried to set it; run the command again"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_touches_only_what_was_given() {
        let limits = LimitArgs {
            monthly_limit: Some(TokenAmount(300_000_000)),
            clear_cost: true,
            disabled: true,
            ..LimitArgs::default()
        };
        let patch = limits.patch();
        assert_eq!(
            patch.monthly_token_limit,
            Some(Some(TokenAmount(300_000_000)))
        );
        assert_eq!(patch.daily_token_limit, None);
        assert_eq!(
            (patch.monthly_cost_limit, patch.daily_cost_limit),
            (Some(None), Some(None))
        );
        assert_eq!(patch.enabled, Some(false));
        assert!(LimitArgs::default().patch().is_empty());
        let fields = limits.fields();
        assert_eq!(
            (fields.monthly_cost_limit, fields.enabled),
            (None, Some(false))
        );
    }
}
