//! `ccwb context list`: every profile, the current one marked.

use crate::error::CliError;
use crate::output::Out;
use crate::profile::Config;

/// Lists the profiles of the config file.
pub fn run(out: &mut Out<'_>) -> Result<(), CliError> {
    render(&Config::load()?, out)
}

/// The profiles as a table (secrets are never in it), or JSON with secrets masked.
fn render(config: &Config, out: &mut Out<'_>) -> Result<(), CliError> {
    if out.is_json() {
        return out.json(&config.masked());
    }
    if config.profiles.is_empty() {
        return out
            .note("No profiles yet: create one with `ccwb context create NAME --endpoint URL`.");
    }
    let rows = config
        .profiles
        .iter()
        .map(|(name, p)| {
            let mark = if config.current.as_deref() == Some(name) {
                "*"
            } else {
                ""
            };
            vec![
                mark.to_owned(),
                name.clone(),
                p.endpoint.clone(),
                p.issuer.clone().unwrap_or_default(),
                p.region.clone().unwrap_or_default(),
            ]
        })
        .collect();
    out.table(&["", "NAME", "ENDPOINT", "ISSUER", "REGION"], rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::{Captured, Format};
    use crate::profile::Profile;

    fn config() -> Config {
        let profile = |endpoint: &str| Profile {
            endpoint: endpoint.into(),
            client_secret: Some("s3cret".into()),
            region: Some("eu-west-1".into()),
            ..Profile::default()
        };
        Config {
            current: Some("prod".into()),
            profiles: [
                ("local".to_owned(), profile("http://127.0.0.1:8787")),
                ("prod".to_owned(), profile("https://api.example.com")),
            ]
            .into(),
        }
    }

    #[test]
    fn the_current_profile_is_marked_and_no_secret_is_shown() {
        let mut captured = Captured::default();
        render(&config(), &mut captured.out(Format::Table)).unwrap();
        let text = captured.stdout();
        let lines: Vec<&str> = text.lines().collect();
        assert!(
            lines[0].contains("NAME") && lines[0].contains("REGION"),
            "{text}"
        );
        assert!(
            lines[1].contains("local") && !lines[1].contains('*'),
            "{text}"
        );
        assert!(
            lines[2].trim_start().starts_with("* ") && lines[2].contains("prod"),
            "{text}"
        );
        assert!(!text.contains("s3cret"), "{text}");

        let mut captured = Captured::default();
        render(&config(), &mut captured.out(Format::Json)).unwrap();
        let json: serde_json::Value = serde_json::from_str(&captured.stdout()).unwrap();
        assert_eq!(json["current"], "prod");
        assert_eq!(json["profiles"]["prod"]["client_secret"], "********");
    }

    #[test]
    fn no_profiles_says_how_to_make_one() {
        let mut captured = Captured::default();
        render(&Config::default(), &mut captured.out(Format::Table)).unwrap();
        assert_eq!(captured.stdout(), "");
        assert!(
            captured
                .stderr()
                .contains("ccwb context create NAME --endpoint URL")
        );
    }
}
