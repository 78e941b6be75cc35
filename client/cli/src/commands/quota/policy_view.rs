//! How a policy reads for people: as fields (`set-*`), or as a row of a table (`list`, `show`).

use ccwb_core::Policy;

use crate::error::CliError;
use crate::output::{Out, dollars, tokens};

/// The header of [`row`]'s table.
pub const HEADER: [&str; 8] = [
    "TYPE",
    "IDENTIFIER",
    "MONTHLY",
    "DAILY",
    "MONTHLY $",
    "DAILY $",
    "MODE (M/D)",
    "ENABLED",
];

/// `Created user policy a@x.io.` on stderr and the policy's fields, or the policy as JSON.
pub fn print(policy: &Policy, verb: &str, out: &mut Out<'_>) -> Result<(), CliError> {
    if out.is_json() {
        return out.json(policy);
    }
    out.note(format!(
        "{verb} {} policy {}.",
        policy.policy_type, policy.identifier
    ))?;
    out.fields(&fields(policy))
}

fn yes_no(value: bool) -> String {
    if value { "yes" } else { "no" }.to_owned()
}

/// Every setting of a policy, labelled.
fn fields(p: &Policy) -> Vec<(&'static str, String)> {
    vec![
        ("Type", p.policy_type.to_string()),
        ("Identifier", p.identifier.clone()),
        ("Monthly tokens", tokens(p.monthly_token_limit)),
        ("Daily tokens", tokens(p.daily_token_limit)),
        ("Monthly budget", dollars(p.monthly_cost_limit)),
        ("Daily budget", dollars(p.daily_cost_limit)),
        (
            "Monthly enforcement",
            p.enforcement_mode.as_str().to_owned(),
        ),
        (
            "Daily enforcement",
            p.daily_enforcement_mode.as_str().to_owned(),
        ),
        ("Enabled", yes_no(p.enabled)),
        ("Version", p.version.to_string()),
        ("Updated by", p.updated_by.clone().unwrap_or_default()),
    ]
}

/// A policy as a row under [`HEADER`].
pub fn row(p: &Policy) -> Vec<String> {
    vec![
        p.policy_type.to_string(),
        p.identifier.clone(),
        tokens(p.monthly_token_limit),
        tokens(p.daily_token_limit),
        dollars(p.monthly_cost_limit),
        dollars(p.daily_cost_limit),
        format!(
            "{}/{}",
            p.enforcement_mode.as_str(),
            p.daily_enforcement_mode.as_str()
        ),
        yes_no(p.enabled),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use ccwb_core::{Mode, PolicyType, TokenAmount, Usd};

    #[test]
    fn limits_read_as_people_write_them_and_zero_is_no_limit() {
        let mut policy = Policy::new(PolicyType::Group, "eng");
        policy.monthly_token_limit = Some(TokenAmount(1_500_000_000));
        policy.daily_token_limit = Some(TokenAmount(0));
        policy.monthly_cost_limit = Some(Usd(12_500_000));
        policy.daily_enforcement_mode = Mode::Block;
        assert_eq!(
            row(&policy),
            [
                "group",
                "eng",
                "1.5B",
                "-",
                "$12.50",
                "-",
                "alert/block",
                "yes"
            ]
        );
        assert_eq!(row(&policy).len(), HEADER.len());
    }
}
