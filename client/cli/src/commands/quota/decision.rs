//! How a quota decision (`/check`, and the check inside `/resolve` and `/usage`) reads for
//! people: access, reason, policy, each limit with its usage, unblock, warnings, message.

use ccwb_api::{CheckResponse, GroupsSource};
use ccwb_core::TokenAmount;

use crate::error::CliError;
use crate::output::{Out, dollars_f64, percent};

/// The decision and usage against limits, as fields and lines.
pub fn render(check: &CheckResponse, out: &mut Out<'_>) -> Result<(), CliError> {
    let u = &check.usage;
    let policy = check.policy.as_ref().map_or_else(
        || "(none)".to_owned(),
        |p| format!("{} {}", p.policy_type, p.identifier),
    );
    let mut fields = vec![
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
    ];
    // Each limit: what was used, the limit (none: unlimited), and the percentage used.
    let tokens = |label, used: u64, limit: Option<u64>, pct| {
        let amount = |n: u64| TokenAmount(n).to_string();
        (label, (amount(used), limit.map(amount)), pct)
    };
    let cost = |label, used: f64, limit: Option<f64>, pct| {
        (label, (dollars_f64(used), limit.map(dollars_f64)), pct)
    };
    let limits = [
        tokens(
            "Monthly tokens",
            u.monthly_tokens,
            u.monthly_limit,
            u.monthly_percent,
        ),
        tokens(
            "Daily tokens",
            u.daily_tokens,
            u.daily_limit,
            u.daily_percent,
        ),
        cost(
            "Monthly cost",
            u.monthly_cost,
            u.monthly_cost_limit,
            u.monthly_cost_percent,
        ),
        cost(
            "Daily cost",
            u.daily_cost,
            u.daily_cost_limit,
            u.daily_cost_percent,
        ),
    ];
    fields.extend(limits.map(|(label, (used, limit), pct)| {
        let text = match limit {
            Some(limit) => format!("{used} of {limit} ({})", percent(pct)),
            None => format!("{used} (no limit)"),
        };
        (label, text)
    }));
    out.fields(&fields)?;
    let unblock = &check.unblock_status;
    if unblock.is_unblocked {
        out.line(format!(
            "Unblocked until {} by {}",
            unblock
                .expires_at
                .map(crate::output::time)
                .unwrap_or_default(),
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
