//! `ccwb config validate`: a profile's fields, and that its identity provider answers OpenID
//! discovery for the issuer the profile names.

use crate::error::CliError;
use crate::output::Out;
use crate::profile::Config;

/// Arguments of `ccwb config validate`.
#[derive(Debug, Clone, clap::Args)]
pub struct ValidateArgs {
    /// A profile name, or `all`; the current profile by default.
    pub target: Option<String>,
}

impl ValidateArgs {
    /// One line per profile and problem on stdout; an error if any profile has problems.
    pub async fn run(self, out: &mut Out<'_>) -> Result<(), CliError> {
        let config = Config::load()?;
        let names: Vec<String> = match self.target.as_deref() {
            Some("all") => config.profiles.keys().cloned().collect(),
            other => vec![config.resolve(other)?.0],
        };
        if names.is_empty() {
            return Err(CliError::Config("no profiles to validate".into()));
        }
        let mut failed = 0;
        for name in names {
            let profile = &config.profiles[&name];
            let mut problems = profile.problems();
            if let (true, Some(issuer)) = (problems.is_empty(), &profile.issuer)
                && let Err(problem) = check_issuer(issuer).await
            {
                problems.push(problem);
            }
            if problems.is_empty() {
                out.line(format!("{name}: ok"))?;
            } else {
                failed += 1;
                for problem in problems {
                    out.line(format!("{name}: {problem}"))?;
                }
            }
        }
        if failed > 0 {
            Err(CliError::Partial(format!(
                "{failed} profile(s) have problems"
            )))
        } else {
            Ok(())
        }
    }
}

/// The issuer's discovery document answers and names that issuer; else the problem.
async fn check_issuer(issuer: &str) -> Result<(), String> {
    let url = format!(
        "{}/.well-known/openid-configuration",
        issuer.trim_end_matches('/')
    );
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(10))
        .build()
        .map_err(|e| e.to_string())?;
    let response = client
        .get(&url)
        .send()
        .await
        .map_err(|e| format!("issuer: cannot reach {url}: {e}"))?;
    if !response.status().is_success() {
        return Err(format!("issuer: {url} answered {}", response.status()));
    }
    let document: serde_json::Value = response
        .json()
        .await
        .map_err(|_| format!("issuer: {url} is not JSON"))?;
    if document["issuer"].as_str().map(|i| i.trim_end_matches('/'))
        != Some(issuer.trim_end_matches('/'))
    {
        return Err(format!(
            "issuer: {url} names another issuer ({})",
            document["issuer"]
        ));
    }
    Ok(())
}
