//! The quota check before credentials are issued, and the banners that explain its answer.

use ccwb_api::CheckResponse;
use ccwb_api_client::ApiClient;
use ccwb_core::amount::thousands;

use crate::config::{FailMode, Profile};
use crate::error::Error;

/// What the check decided for this run.
#[derive(Debug)]
pub enum Outcome {
    /// Allowed by the API (warnings already shown), with the credential lifetime it set
    /// (`None` from servers that set none).
    Allowed(Option<u32>),
    /// No answer, and the profile fails open (warning already shown).
    Unchecked,
    /// Denied (banner already shown).
    Blocked(String),
}

/// Where the developer is told about their quota: stderr when run as `credential_process`
/// (stdout is for the credentials), stdout for `--auth-refresh`, whose output Claude Code shows
/// in its sign-in box.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notices {
    /// stderr, as banners.
    Stderr,
    /// stdout, without the banners' rules (the sign-in box draws its own).
    Stdout,
}

impl Notices {
    /// Shows `text`.
    pub fn show(self, text: &str) {
        match self {
            Self::Stderr => eprint!("{text}"),
            Self::Stdout => {
                let lines: Vec<&str> = text
                    .lines()
                    .filter(|l| *l != RULE)
                    .map(str::trim_start)
                    .collect();
                println!("{}", lines.join("\n"));
            }
        }
    }
}

/// Calls `GET /check` with the id token.
pub async fn check(endpoint: &str, id_token: &str) -> Result<CheckResponse, Error> {
    let client = ApiClient::new(endpoint, id_token).map_err(|e| Error::Config(e.to_string()))?;
    Ok(client.check().await?)
}

/// Checks the quota, shows what the developer needs to know on stderr, and applies
/// `quota_fail_mode` when the API gives no answer.
pub async fn enforce(
    profile: &Profile,
    endpoint: &str,
    id_token: &str,
    notices: Notices,
) -> Result<Outcome, Error> {
    match check(endpoint, id_token).await {
        Ok(response) if !response.allowed => {
            notices.show(&blocked_banner(&response));
            Ok(Outcome::Blocked(response.reason.as_str().to_owned()))
        }
        Ok(response) => {
            if let Some(banner) = warning_banner(&response) {
                notices.show(&banner);
            }
            Ok(Outcome::Allowed(response.credential_ttl_seconds))
        }
        Err(Error::QuotaUnavailable(cause)) => match profile.quota_fail_mode {
            FailMode::Open => {
                eprintln!(
                    "Warning: quota check unavailable ({cause}); issuing credentials because quota_fail_mode is \"open\""
                );
                Ok(Outcome::Unchecked)
            }
            FailMode::Closed => Err(Error::QuotaUnavailable(cause)),
        },
        Err(other) => Err(other),
    }
}

const RULE: &str = "============================================================";

/// The usage lines: each limit the policy sets, with usage and percentage.
fn usage_lines(response: &CheckResponse) -> Vec<String> {
    let u = &response.usage;
    let mut lines = Vec::new();
    let tokens = |label: &str, used: u64, limit: Option<u64>, percent: Option<f64>| {
        limit.map(|limit| {
            format!(
                "  {label}: {} of {} tokens ({:.0}%)",
                thousands(used),
                thousands(limit),
                percent.unwrap_or_default()
            )
        })
    };
    let dollars = |label: &str, used: f64, limit: Option<f64>, percent: Option<f64>| {
        limit.map(|limit| {
            format!(
                "  {label}: ${used:.2} of ${limit:.2} ({:.0}%)",
                percent.unwrap_or_default()
            )
        })
    };
    lines.extend(tokens(
        "This month",
        u.monthly_tokens,
        u.monthly_limit,
        u.monthly_percent,
    ));
    lines.extend(tokens(
        "Today",
        u.daily_tokens,
        u.daily_limit,
        u.daily_percent,
    ));
    lines.extend(dollars(
        "Cost this month",
        u.monthly_cost,
        u.monthly_cost_limit,
        u.monthly_cost_percent,
    ));
    lines.extend(dollars(
        "Cost today",
        u.daily_cost,
        u.daily_cost_limit,
        u.daily_cost_percent,
    ));
    lines
}

fn policy_line(response: &CheckResponse) -> Option<String> {
    response.policy.as_ref().map(|p| {
        format!(
            "  Policy: {} {}{}",
            p.policy_type.as_str(),
            p.identifier,
            response
                .enforcement_mode
                .map(|m| format!(" ({} mode)", m.as_str()))
                .unwrap_or_default()
        )
    })
}

/// The banner shown when access is denied.
pub fn blocked_banner(response: &CheckResponse) -> String {
    let mut lines = vec![
        RULE.to_owned(),
        format!(
            "  Claude Code access blocked: {}",
            response.reason.as_str().replace('_', " ")
        ),
    ];
    if !response.message.is_empty() {
        lines.push(format!("  {}", response.message));
    }
    lines.extend(usage_lines(response));
    lines.extend(policy_line(response));
    lines.push(
        "  Ask your administrator to raise the limit or grant a temporary unblock.".to_owned(),
    );
    lines.push(RULE.to_owned());
    lines.join("\n") + "\n"
}

/// The banner shown when access is allowed but a limit is at 80% or more (or an alert-mode
/// limit is exceeded); `None` when there is nothing to warn about.
pub fn warning_banner(response: &CheckResponse) -> Option<String> {
    if response.warnings.is_empty() {
        return None;
    }
    let mut lines = vec![RULE.to_owned(), "  Claude Code quota warning".to_owned()];
    lines.extend(response.warnings.iter().map(|w| format!("  {}", w.message)));
    lines.extend(usage_lines(response));
    lines.extend(policy_line(response));
    lines.push(RULE.to_owned());
    Some(lines.join("\n") + "\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use ccwb_api::{CheckUsage, PolicyRef, UnblockStatus};
    use ccwb_core::{LimitKind, Mode, PolicyType, Reason, Warning};

    fn response(allowed: bool, reason: Reason) -> CheckResponse {
        CheckResponse {
            allowed,
            reason,
            enforcement_mode: Some(Mode::Block),
            usage: CheckUsage {
                monthly_tokens: 1_234_567,
                monthly_limit: Some(1_000_000),
                monthly_percent: Some(123.4567),
                daily_tokens: 5,
                ..CheckUsage::default()
            },
            policy: Some(PolicyRef {
                policy_type: PolicyType::Group,
                identifier: "engineering".into(),
            }),
            unblock_status: UnblockStatus::default(),
            warnings: Vec::new(),
            message: "Monthly token limit reached.".into(),
            credential_ttl_seconds: Some(900),
        }
    }

    #[test]
    fn the_blocked_banner_names_reason_usage_and_policy() {
        let banner = blocked_banner(&response(false, Reason::MonthlyExceeded));
        assert!(banner.contains("blocked: monthly exceeded"), "{banner}");
        assert!(
            banner.contains("1,234,567 of 1,000,000 tokens (123%)"),
            "{banner}"
        );
        assert!(banner.contains("Policy: group engineering (block mode)"));
        assert!(!banner.contains("Today"), "no daily limit, no daily line");
    }

    #[test]
    fn warnings_only_when_the_api_sends_some() {
        let mut r = response(true, Reason::WithinQuota);
        assert!(warning_banner(&r).is_none());
        r.warnings.push(Warning {
            code: "monthly_tokens_high".into(),
            limit: LimitKind::MonthlyTokens,
            percent: 85.0,
            message: "85% of the monthly token limit used".into(),
        });
        assert!(warning_banner(&r).unwrap().contains("85% of the monthly"));
    }
}
