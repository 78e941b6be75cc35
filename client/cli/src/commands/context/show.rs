//! `ccwb context show`: one profile, its secret masked, with the deployment `ccwb init` chose
//! for it. [`profile_rows`] is also what `ccwb status --detailed` shows of the profile.

use ccwb_install::config::FederationType;

use crate::deployment::federation_name;
use crate::error::CliError;
use crate::output::{Format, Out};
use crate::profile::{Config, Profile};

/// Arguments of `ccwb context show`.
#[derive(Debug, Clone, clap::Args)]
pub struct ShowArgs {
    /// The profile.
    pub name: Option<String>,
    /// JSON on stdout (the same as `-o json context show`).
    #[arg(long)]
    pub json: bool,
}

impl ShowArgs {
    /// Shows the named profile, or the current one.
    pub fn run(self, out: &mut Out<'_>) -> Result<(), CliError> {
        if self.json {
            out.format = Format::Json;
        }
        let (name, profile) = Config::load()?.resolve(self.name.as_deref())?;
        render(&name, profile.masked(), out)
    }
}

/// The profile's fields, or JSON.
fn render(name: &str, profile: Profile, out: &mut Out<'_>) -> Result<(), CliError> {
    if out.is_json() {
        return out.json(&profile);
    }
    out.fields(&profile_rows(name, &profile))
}

/// A profile as label/value rows: where it points, how administrators sign in, and (for
/// profiles made by `ccwb init`) the deployment's settings. Pass a masked profile.
pub fn profile_rows(name: &str, profile: &Profile) -> Vec<(&'static str, String)> {
    let mut rows = vec![
        ("Profile", name.to_owned()),
        ("Endpoint", profile.endpoint.clone()),
        ("Issuer", profile.issuer.clone().unwrap_or_default()),
        ("Client id", profile.client_id.clone().unwrap_or_default()),
        (
            "Client secret",
            profile.client_secret.clone().unwrap_or_default(),
        ),
        ("Region", profile.region.clone().unwrap_or_default()),
        (
            "Redirect port",
            profile
                .redirect_port
                .map(|p| p.to_string())
                .unwrap_or_default(),
        ),
    ];
    let Some(d) = &profile.deployment else {
        return rows;
    };
    let credentials = match d.federation {
        FederationType::Direct => d.federated_role_arn.clone(),
        FederationType::Cognito => d.identity_pool_id.clone(),
    };
    let quota = &d.quota;
    rows.extend([
        ("Deployment", d.name.clone()),
        ("Provider type", d.provider_type.as_str().to_owned()),
        (
            "Federation",
            format!(
                "{} ({})",
                federation_name(d.federation),
                credentials.unwrap_or_else(|| "not deployed yet".into())
            ),
        ),
        ("Bedrock regions", d.bedrock_regions.join(", ")),
        (
            "Models",
            format!(
                "{}, small/fast {}{}",
                d.model,
                d.small_fast_model,
                if d.restrict_models {
                    " (only these)"
                } else {
                    ""
                }
            ),
        ),
        (
            "Session",
            format!(
                "{}h, named by {}",
                d.max_session_seconds / 3600,
                d.session_name_claim.as_str()
            ),
        ),
        (
            "Default quota",
            format!(
                "monthly {} ({}), daily {} ({}), checked every {} min, fail {}",
                crate::output::tokens(quota.monthly_token_limit),
                quota.enforcement_mode.as_str(),
                crate::output::tokens(quota.daily()),
                quota.daily_enforcement_mode.as_str(),
                quota.check_interval_minutes,
                if quota.fail_mode == ccwb_install::config::FailMode::Closed {
                    "closed"
                } else {
                    "open"
                }
            ),
        ),
        ("Alerts to", d.alert_email.clone().unwrap_or_default()),
        (
            "Download from",
            if d.distribution_allowed_ips.is_empty() {
                "anywhere".to_owned()
            } else {
                d.distribution_allowed_ips.join(", ")
            },
        ),
        (
            "Analytics",
            if d.analytics { "on" } else { "off" }.to_owned(),
        ),
    ]);
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deployment::Deployment;
    use crate::output::Captured;

    #[test]
    fn json_is_the_masked_profile_and_a_deployment_adds_its_settings() {
        let mut deployment = Deployment::defaults("eu-west-1");
        deployment.federated_role_arn = Some("arn:aws:iam::1:role/dev".into());
        let profile = Profile {
            endpoint: "https://api.example.com".into(),
            client_secret: Some("s3cret".into()),
            deployment: Some(deployment),
            ..Profile::default()
        }
        .masked();
        let mut captured = Captured::default();
        render("prod", profile.clone(), &mut captured.out(Format::Json)).unwrap();
        let json: serde_json::Value = serde_json::from_str(&captured.stdout()).unwrap();
        assert_eq!(json["client_secret"], "********");
        assert_eq!(json["deployment"]["bedrock_regions"][0], "eu-west-1");

        let mut captured = Captured::default();
        render("prod", profile, &mut captured.out(Format::Table)).unwrap();
        let text = captured.stdout();
        for needle in [
            "Federation",
            "direct (arn:aws:iam::1:role/dev)",
            "eu.anthropic.claude-opus-5-5",
            "Analytics",
        ] {
            assert!(text.contains(needle), "{needle} in {text}");
        }
        assert!(!text.contains("s3cret"), "{text}");
    }
}
