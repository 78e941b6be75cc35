//! `ccwb quota usage`: a user's usage this month and today, by token type and by model,
//! against the effective limits (`GET /usage/{email}`).

use ccwb_api::{PeriodUsage, UsageResponse};
use ccwb_api_client::ApiClient;
use ccwb_core::{TokenAmount, UsageDetail};

use super::decision;
use crate::error::CliError;
use crate::output::Out;

/// Arguments of `ccwb quota usage`.
#[derive(Debug, Clone, clap::Args)]
pub struct UsageArgs {
    /// The user's e-mail address.
    pub email: String,
    /// The user's groups (comma-separated) [default: the groups of the user's latest
    /// telemetry this month]
    #[arg(long, short = 'g', value_delimiter = ',')]
    pub groups: Vec<String>,
}

impl UsageArgs {
    /// Reads the user's usage and shows it.
    pub async fn run(self, client: &ApiClient, out: &mut Out<'_>) -> Result<(), CliError> {
        let report = client.usage(&self.email, &self.groups).await?;
        render(&report, out)
    }
}

/// One period as a row: its tokens by type, the total, ccwb's cost and Claude Code's.
fn period_row(label: &str, period: &PeriodUsage) -> Vec<String> {
    let u = &period.usage;
    vec![
        format!("{label} {}", period.period),
        TokenAmount(u.tokens.input_tokens).to_string(),
        TokenAmount(u.tokens.output_tokens).to_string(),
        TokenAmount(u.tokens.cache_read_tokens).to_string(),
        TokenAmount(u.tokens.cache_write_tokens).to_string(),
        TokenAmount(u.total_tokens).to_string(),
        u.cost.to_string(),
        u.claude_code_cost.to_string(),
    ]
}

fn render(report: &UsageResponse, out: &mut Out<'_>) -> Result<(), CliError> {
    if out.is_json() {
        return out.json(report);
    }
    out.line(format!("Usage of {} (UTC periods)", report.identity))?;
    out.line(format!(
        "Groups: {}",
        decision::groups_line(&report.groups, report.groups_source)
    ))?;
    out.table(
        &[
            "PERIOD",
            "INPUT",
            "OUTPUT",
            "CACHE READ",
            "CACHE WRITE",
            "TOTAL",
            "COST",
            "CLAUDE CODE",
        ],
        vec![
            period_row("month", &report.month),
            period_row("day", &report.day),
        ],
    )?;
    if !report.month.usage.models.is_empty() {
        out.line("")?;
        let rows = report
            .month
            .usage
            .models
            .iter()
            .map(|(model, m)| {
                let total = m.tokens.input_tokens
                    + m.tokens.output_tokens
                    + m.tokens.cache_read_tokens
                    + m.tokens.cache_write_tokens;
                vec![
                    model.clone(),
                    TokenAmount(total).to_string(),
                    m.cost.to_string(),
                    m.claude_code_cost.to_string(),
                ]
            })
            .collect();
        out.table(&["MODEL (MONTH)", "TOKENS", "COST", "CLAUDE CODE"], rows)?;
    }
    out.line("")?;
    out.line(reported_line(&report.month.usage, &report.day.usage))?;
    out.line("")?;
    decision::render(&report.check, out)
}

/// What Claude Code reported beside what ccwb counted, and which of the two limits use.
fn reported_line(month: &UsageDetail, day: &UsageDetail) -> String {
    format!(
        "Claude Code reports {} this month and {} today (its own estimate, column CLAUDE CODE); limits count COST: tokens at this deployment's prices.",
        month.claude_code_cost, day.claude_code_cost
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::{Captured, Format};

    fn report() -> UsageResponse {
        serde_json::from_value(serde_json::json!({
            "identity": "ann@example.com", "groups": ["eng"], "groups_source": "telemetry",
            "month": {"period": "2026-05", "input_tokens": 1_200_000, "output_tokens": 300_000,
                      "cache_read_tokens": 0, "cache_write_tokens": 0, "total_tokens": 1_500_000,
                      "cost": 3.0, "claude_code_cost": 2.88,
                      "models": {"us.anthropic.claude-opus-5-5": {
                          "input_tokens": 1_200_000, "output_tokens": 300_000,
                          "cache_read_tokens": 0, "cache_write_tokens": 0,
                          "cost": 3.0, "claude_code_cost": 2.88}}},
            "day": {"period": "2026-05-07", "input_tokens": 0, "output_tokens": 0,
                    "cache_read_tokens": 0, "cache_write_tokens": 0, "total_tokens": 0,
                    "cost": 0.0, "claude_code_cost": 0.0, "models": {}},
            "check": {"allowed": false, "reason": "monthly_exceeded", "enforcement_mode": "block",
                      "usage": {"monthly_tokens": 1_500_000, "monthly_limit": 1_000_000,
                                "monthly_percent": 150.0, "daily_tokens": 0,
                                "monthly_cost": 3.0, "daily_cost": 0.0},
                      "policy": {"type": "group", "identifier": "eng"},
                      "unblock_status": {"is_unblocked": false, "expires_at": null,
                                         "unblocked_by": null, "reason": null},
                      "warnings": [], "message": "Your monthly token limit is reached."},
        }))
        .unwrap()
    }

    #[test]
    fn usage_reads_by_period_and_model_beside_claude_codes_own_estimate() {
        let mut captured = Captured::default();
        render(&report(), &mut captured.out(Format::Table)).unwrap();
        let text = captured.stdout();
        let line = |start: &str| {
            text.lines()
                .find(|l| l.trim_start().starts_with(start))
                .unwrap_or_else(|| panic!("no line {start:?} in {text}"))
                .to_owned()
        };
        assert_eq!(
            text.lines().next(),
            Some("Usage of ann@example.com (UTC periods)")
        );
        assert!(
            line("Groups:").contains("eng (from the user's latest telemetry"),
            "{text}"
        );
        let month = line("month 2026-05");
        for cell in ["1.2M", "300K", "1.5M", "$3.00", "$2.88"] {
            assert!(month.contains(cell), "{cell} in {month}");
        }
        let model = line("us.anthropic.claude-opus-5-5");
        assert!(model.contains("1.5M") && model.contains("$2.88"), "{model}");
        assert!(
            text.contains("Claude Code reports $2.88 this month and $0.00 today"),
            "{text}"
        );
        assert!(
            line("Monthly tokens").contains("1.5M of 1M (150.0%)"),
            "{text}"
        );
        assert!(line("Access").contains("BLOCKED"), "{text}");
        assert!(
            text.ends_with("Your monthly token limit is reached.\n"),
            "{text}"
        );
    }

    #[test]
    fn json_is_the_report_exactly() {
        let mut captured = Captured::default();
        render(&report(), &mut captured.out(Format::Json)).unwrap();
        let back: UsageResponse = serde_json::from_str(&captured.stdout()).unwrap();
        assert_eq!(back, report());
    }
}
