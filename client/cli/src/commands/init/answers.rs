//! What the wizard's typed answers must be, checked as the stack and credential-process will
//! read them; each gives the value to save, or why not.

use ccwb_core::distribution::Cidr;

use crate::models;
use crate::profile::valid_region;

/// An OAuth client id: one word.
pub fn client_id(id: &str) -> Result<String, String> {
    let id = id.trim();
    if id.is_empty() || id.chars().any(char::is_whitespace) {
        Err("a client id is one word, not empty".to_owned())
    } else {
        Ok(id.to_owned())
    }
}

/// The deployment's region: a region name in a geography the models catalogue knows.
pub fn region(r: &str) -> Result<String, String> {
    let r = r.trim();
    if valid_region(r) && models::geography(r).is_some() {
        Ok(r.to_owned())
    } else {
        Err(format!("{r:?} is not an AWS region name like us-east-1"))
    }
}

/// The longest AWS session, in whole hours from 1 to 12 (IAM's range); seconds.
pub fn session_hours(h: &str) -> Result<u32, String> {
    match h.trim().parse::<u32>() {
        Ok(hours @ 1..=12) => Ok(hours * 3600),
        _ => Err(format!("{h:?} is not a whole number of hours from 1 to 12")),
    }
}

/// An alert address, or none when empty.
pub fn alert_email(e: &str) -> Result<Option<String>, String> {
    let e = e.trim();
    if e.is_empty() {
        return Ok(None);
    }
    let ok = e.split_once('@').is_some_and(|(user, domain)| {
        !user.is_empty() && domain.contains('.') && !e.chars().any(char::is_whitespace)
    });
    if ok {
        Ok(Some(e.to_owned()))
    } else {
        Err(format!("{e:?} is not an e-mail address"))
    }
}

/// Comma-separated CIDR blocks, each as [`network`] takes it; none when empty.
pub fn networks(text: &str) -> Result<Vec<String>, String> {
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(network)
        .collect()
}

/// A CIDR block as the packages bucket's policy takes it: host bits beyond the prefix are
/// refused (the CDK app refuses them too) rather than silently cleared.
pub fn network(block: &str) -> Result<String, String> {
    let cidr = Cidr::parse(block).map_err(|e| e.to_string())?;
    let typed = block.split('/').next().unwrap_or(block).trim();
    if typed.parse::<std::net::IpAddr>().ok() != Some(cidr.address) {
        return Err(format!(
            "{block:?} has address bits set beyond its /{} prefix: give the network address, {cidr}",
            cidr.prefix
        ));
    }
    Ok(block.to_owned())
}

/// Comma-separated region names, at least one, each well formed.
pub fn regions(text: &str) -> Result<Vec<String>, String> {
    let mut list: Vec<String> = Vec::new();
    for region in text.split(',').map(str::trim).filter(|r| !r.is_empty()) {
        if !valid_region(region) {
            return Err(format!(
                "{region:?} is not an AWS region name like us-east-1"
            ));
        }
        if !list.iter().any(|r| r == region) {
            list.push(region.to_owned());
        }
    }
    if list.is_empty() {
        return Err("name at least one region".into());
    }
    Ok(list)
}

/// A deployment name as the CDK app accepts it (`stackName`).
pub fn deployment_name(name: &str) -> Result<String, String> {
    let name = name.trim();
    let ok = name.len() <= 20
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !name.ends_with('-')
        && !name.contains("--");
    if ok {
        Ok(name.to_owned())
    } else {
        Err(format!(
            "{name:?}: use 1-20 lower-case letters, digits and single hyphens, starting with a letter"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_lists_are_checked_and_deduplicated() {
        assert_eq!(
            regions(" us-east-1, us-west-2,us-east-1 "),
            Ok(vec!["us-east-1".to_owned(), "us-west-2".to_owned()])
        );
        assert!(regions("").is_err());
        assert!(regions("us-east-1,Mars").unwrap_err().contains("Mars"));
    }

    #[test]
    fn networks_keep_no_host_bits() {
        assert_eq!(network("203.0.113.0/24"), Ok("203.0.113.0/24".to_owned()));
        assert_eq!(network("192.0.2.7"), Ok("192.0.2.7".to_owned()));
        assert!(network("10.0.0.1/8").unwrap_err().contains("10.0.0.0/8"));
        assert!(network("nonsense").is_err());
    }

    #[test]
    fn deployment_names_are_what_the_stack_accepts() {
        assert_eq!(deployment_name("ccwb-prod"), Ok("ccwb-prod".to_owned()));
        for bad in ["", "Prod", "1ccwb", "a--b", "ccwb-", &"a".repeat(21)] {
            assert!(deployment_name(bad).is_err(), "{bad}");
        }
    }
}
