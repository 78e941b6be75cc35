//! The quota defaults' questions.

use ccwb_core::TokenAmount;
use ccwb_install::config::FailMode;

use super::InitArgs;
use super::ask::Asker;
use super::questions::q;
use crate::deployment::QuotaDefaults;
use crate::error::CliError;

/// The quota defaults, the daily limit offered as derived from the monthly one.
pub fn ask(
    args: &InitArgs,
    asker: &Asker,
    base: &QuotaDefaults,
    prev_quota: bool,
) -> Result<QuotaDefaults, CliError> {
    let tokens = |text: &str| -> Result<Option<TokenAmount>, String> {
        let text = text.trim();
        if text.is_empty() {
            return Ok(None);
        }
        let amount: TokenAmount = text.parse().map_err(|e| format!("{e}"))?;
        Ok((amount.0 > 0).then_some(amount))
    };
    let monthly = asker.text(
        q(
            "--monthly-limit",
            "Default monthly token limit per developer (e.g. 300M; 0: no default policy)",
        ),
        args.monthly_limit.as_deref(),
        Some(
            base.monthly_token_limit
                .map_or("0".into(), |t| t.to_string()),
        ),
        tokens,
    )?;
    let mut quota = QuotaDefaults {
        monthly_token_limit: monthly,
        ..base.clone()
    };
    if monthly.is_some() {
        quota.burst_percent = asker.text(
            q(
                "--burst-percent",
                "Burst for the daily limit, % over a thirtieth of the monthly one",
            ),
            args.burst_percent.as_deref(),
            Some(base.burst_percent.to_string()),
            |p| match p.trim().parse::<u8>() {
                Ok(p @ 0..=100) => Ok(p),
                _ => Err(format!("{p:?} is not a whole percentage from 0 to 100")),
            },
        )?;
        let derived = QuotaDefaults {
            daily_token_limit: None,
            ..quota.clone()
        }
        .daily();
        let daily = asker.text(
            q("--daily-limit", "Default daily token limit"),
            args.daily_limit.as_deref(),
            base.daily_token_limit.or(derived).map(|t| t.to_string()),
            tokens,
        )?;
        // Kept only when it differs from the derived one, so that a new monthly limit or burst
        // moves it.
        quota.daily_token_limit = daily.filter(|d| Some(*d) != derived);
        let modes = [
            (
                ccwb_core::Mode::Alert,
                "alert: warn, keep access".to_owned(),
            ),
            (
                ccwb_core::Mode::Block,
                "block: refuse credentials".to_owned(),
            ),
        ];
        quota.enforcement_mode = asker.choose(
            q("--enforcement", "When the monthly limit is reached"),
            args.enforcement,
            Some(base.enforcement_mode),
            &modes,
        )?;
        quota.daily_enforcement_mode = asker.choose(
            q("--daily-enforcement", "When the daily limit is reached"),
            args.daily_enforcement,
            // A new profile's daily mode follows the monthly one just chosen.
            Some(if prev_quota {
                base.daily_enforcement_mode
            } else {
                quota.enforcement_mode
            }),
            &modes,
        )?;
    } else {
        quota.daily_token_limit = None;
    }
    quota.fail_mode = asker.choose(
        q("--fail-mode", "When the quota API does not answer"),
        args.fail_mode,
        Some(base.fail_mode),
        &[
            (
                FailMode::Open,
                "open: give credentials, with a warning".to_owned(),
            ),
            (FailMode::Closed, "closed: refuse".to_owned()),
        ],
    )?;
    quota.check_interval_minutes = asker.text(
        q(
            "--check-interval",
            "Minutes between quota checks while credentials are cached (0: every time)",
        ),
        args.check_interval.as_deref(),
        Some(base.check_interval_minutes.to_string()),
        |m| match m.trim().parse::<u32>() {
            Ok(m @ 0..=10_080) => Ok(m),
            _ => Err(format!(
                "{m:?} is not a whole number of minutes from 0 to 10080"
            )),
        },
    )?;
    Ok(quota)
}
