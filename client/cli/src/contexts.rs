//! `ccwb context …` and `ccwb config …`: managing profiles.

use std::collections::BTreeMap;

use crate::cli::{ConfigCommand, ContextCommand};
use crate::error::CliError;
use crate::output::{Output, print_fields, print_json, print_table};
use crate::profile::{Config, Profile};
use crate::tokens;

/// Runs a `context` command.
pub fn run(command: ContextCommand, output: Output) -> Result<(), CliError> {
    let mut config = Config::load()?;
    match command {
        ContextCommand::List => {
            if output == Output::Json {
                return print_json(&masked(&config));
            }
            if config.profiles.is_empty() {
                eprintln!(
                    "No profiles yet: create one with `ccwb context create NAME --endpoint URL`."
                );
                return Ok(());
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
            print_table(&["", "NAME", "ENDPOINT", "ISSUER", "REGION"], rows);
            Ok(())
        }
        ContextCommand::Current => {
            let name = config.current.ok_or_else(|| {
                CliError::Config("no current profile (see `ccwb context use`)".into())
            })?;
            println!("{name}");
            Ok(())
        }
        ContextCommand::Use { name } => {
            if !config.profiles.contains_key(&name) {
                return Err(CliError::Config(format!(
                    "no profile named {name:?} (see `ccwb context list`)"
                )));
            }
            config.current = Some(name.clone());
            config.save()?;
            eprintln!("Now using profile {name}.");
            Ok(())
        }
        ContextCommand::Show { name } => {
            let (name, profile) = config.resolve(name.as_deref())?;
            let profile = mask(profile);
            if output == Output::Json {
                return print_json(&profile);
            }
            print_fields(&[
                ("Profile", name),
                ("Endpoint", profile.endpoint),
                ("Issuer", profile.issuer.unwrap_or_default()),
                ("Client id", profile.client_id.unwrap_or_default()),
                ("Client secret", profile.client_secret.unwrap_or_default()),
                ("Region", profile.region.unwrap_or_default()),
                (
                    "Redirect port",
                    profile
                        .redirect_port
                        .map(|p| p.to_string())
                        .unwrap_or_default(),
                ),
            ]);
            Ok(())
        }
        ContextCommand::Create {
            name,
            endpoint,
            issuer,
            client_id,
            region,
            redirect_port,
            no_use,
        } => {
            check_name(&name)?;
            let profile = Profile {
                endpoint,
                issuer,
                client_id,
                client_secret: None,
                region,
                redirect_port,
            };
            let problems = profile.problems();
            if !problems.is_empty() {
                return Err(CliError::Usage(format!(
                    "profile {name:?}: {}",
                    problems.join("; ")
                )));
            }
            let replaced = config.profiles.insert(name.clone(), profile).is_some();
            if !no_use || config.current.is_none() {
                config.current = Some(name.clone());
            }
            config.save()?;
            eprintln!(
                "{} profile {name}{}.",
                if replaced { "Replaced" } else { "Created" },
                if config.current.as_deref() == Some(&name) {
                    " (current)"
                } else {
                    ""
                }
            );
            Ok(())
        }
        ContextCommand::Delete { name } => {
            if config.profiles.remove(&name).is_none() {
                return Err(CliError::Config(format!("no profile named {name:?}")));
            }
            if config.current.as_deref() == Some(&name) {
                config.current = None;
            }
            config.save()?;
            tokens::delete(&name)?;
            eprintln!("Deleted profile {name}.");
            Ok(())
        }
    }
}

/// Runs a `config` command.
pub async fn config(command: ConfigCommand) -> Result<(), CliError> {
    let mut config = Config::load()?;
    match command {
        ConfigCommand::Validate { target } => {
            let names: Vec<String> = match target.as_deref() {
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
                    println!("{name}: ok");
                } else {
                    failed += 1;
                    for problem in problems {
                        println!("{name}: {problem}");
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
        ConfigCommand::Export {
            name,
            include_secrets,
        } => {
            let mut export = match name {
                Some(name) => {
                    let (name, profile) = config.resolve(Some(&name))?;
                    Config {
                        current: None,
                        profiles: BTreeMap::from([(name, profile)]),
                    }
                }
                None => config,
            };
            if !include_secrets {
                for profile in export.profiles.values_mut() {
                    profile.client_secret = None;
                }
            }
            print_json(&export)
        }
        ConfigCommand::Import { file, force } => {
            let text = std::fs::read_to_string(&file)
                .map_err(|e| CliError::Input(format!("cannot read {}: {e}", file.display())))?;
            let incoming: Config = serde_json::from_str(&text).map_err(|e| {
                CliError::Input(format!("{}: not a ccwb config export: {e}", file.display()))
            })?;
            for (name, profile) in &incoming.profiles {
                check_name(name)?;
                let problems = profile.problems();
                if !problems.is_empty() {
                    return Err(CliError::Input(format!(
                        "profile {name:?}: {}",
                        problems.join("; ")
                    )));
                }
                if !force && config.profiles.contains_key(name) {
                    return Err(CliError::Usage(format!(
                        "profile {name:?} exists; pass --force to replace it"
                    )));
                }
            }
            let count = incoming.profiles.len();
            config.profiles.extend(incoming.profiles);
            if config.current.is_none() {
                config.current = config.profiles.keys().next().cloned();
            }
            config.save()?;
            eprintln!("Imported {count} profile(s).");
            Ok(())
        }
    }
}

fn check_name(name: &str) -> Result<(), CliError> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(())
    } else {
        Err(CliError::Usage(format!(
            "profile name {name:?}: use up to 64 letters, digits, '-', '_' or '.'"
        )))
    }
}

fn mask(mut profile: Profile) -> Profile {
    if profile.client_secret.is_some() {
        profile.client_secret = Some("********".into());
    }
    profile
}

fn masked(config: &Config) -> Config {
    Config {
        current: config.current.clone(),
        profiles: config
            .profiles
            .iter()
            .map(|(n, p)| (n.clone(), mask(p.clone())))
            .collect(),
    }
}

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
