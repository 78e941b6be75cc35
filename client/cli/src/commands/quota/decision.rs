//! How a quota decision (`/check`, and the check inside `/resolve` and `/usage`) reads for
//! people: access, reason, policy, each limit with its usage, unblock, warnings, message.

use ccwb_api::{CheckResponse, GroupsSource};
use ccwb_core::TokenAmount;

use crate::error::CliError;
use crate::output::{Out, dollars_f64, percent};

/// The decision and usage against limits, as fields and lines.
pub fn render(check: &CheckResponse, out: &mut Out<'_>) -> Result<(), CliError> {
    let u = &check.usage;
    let against = |used: String, limit: Option<String>, pct: Option<f64>| match limit {
        Some(limit) => format!("{used} of {limit} ({})", percent(pct)),
        None => format!("{used} (no limit)"),
    };
    let tokens = |n: u64| TokenAmount(n).to_string();
    let policy = check.policy.as_ref().map_or_else(
        || "(none)".to_owned(),
        |p| format!("{} {}", p.policy_type, p.identifier),
    );
    out.fields(&[
        (
            "Access",
            if check.allowed { "allowed" } else { "BLOCKED" }.to_owned(),
        ),
        (
            "Reason",
            serde_json::to_value(check.reason)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default(),
        ),
        ("Policy", policy),
        (
            "Monthly tokens",
            against(
                tokens(u.monthly_tokens),
                u.monthly_limit.map(tokens),
                u.monthly_percent,
            ),
        ),
        (
            "Daily tokens",
            against(
                tokens(u.daily_tokens),
                u.daily_limit.map(tokens),
                u.daily_percent,
            ),
        ),
        (
            "Monthly cost",
            against(
                dollars_f64(u.monthly_cost),
                u.monthly_cost_limit.map(dollars_f64),
                u.monthly_cost_percent,
            ),
        ),
        (
            "Daily cost",
            against(
                dollars_f64(u.daily_cost),
                u.daily_cost_limit.map(dollars_f64),
                u.daily_cost_percent,
            ),
        ),
    ])?;
    let unblock = &check.unblock_status;
    if unblock.is_unblocked {
        out.line(format!(
            "Unblocked until {} by {}",
            unblock.expires_at.clone().unwrap_or_default(),
            unblock.unblocked_by.clone().unwrap_or_default()
        ))?;
    }
    for warning in &check.warnings {
        out.line(format!("Warning: {}", warning.message))?;
    }
    out.line(&check.message)
}

/// The groups resolved with, and where they came from.
pub fn groups_line(groups: &[String], source: GroupsSource) -> String {
    match (groups.is_empty(), source) {
        (true, _) => {
            "(none: not given, and none known from the user's telemetry this month)".into()
        }
        (false, GroupsSource::Telemetry) => format!(
            "{} (from the user's latest telemetry; --groups to try others)",
            groups.join(", ")
        ),
        (false, _) => groups.join(", "),
    }
}
