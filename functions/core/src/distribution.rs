//! Rules for installer packages and their download links.

use std::net::IpAddr;

use crate::validate::ValidationError;

/// Largest package accepted (bytes): publish reads the whole upload back to verify its SHA-256
/// within API Gateway's 30 s, and a package of every platform's binary is about 40 MB.
pub const MAX_PACKAGE_BYTES: u64 = 512 * 1024 * 1024;
/// Longest a download link may live: SigV4's limit for presigned URLs (7 days).
pub const MAX_LINK_HOURS: u32 = 168;
/// How long a link lives unless asked otherwise.
pub const DEFAULT_LINK_HOURS: u32 = 48;

/// A package file name: 1–128 of letters, digits, `.`, `_`, `-`, ending in `.zip`, not
/// starting with `.` (it becomes part of an object key and of the downloaded file's name).
pub fn filename(raw: &str) -> Result<String, ValidationError> {
    let ok = !raw.is_empty()
        && raw.len() <= 128
        && !raw.starts_with('.')
        && raw.ends_with(".zip")
        && raw
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if ok {
        Ok(raw.to_owned())
    } else {
        Err(ValidationError::new(
            "filename",
            format!(
                "{raw:?} is not a package name: use letters, digits, '.', '_' and '-', ending in .zip (at most 128)"
            ),
        ))
    }
}

/// A SHA-256 in hex, lower-cased.
pub fn sha256(raw: &str) -> Result<String, ValidationError> {
    let value = raw.trim().to_ascii_lowercase();
    if value.len() == 64 && value.chars().all(|c| c.is_ascii_hexdigit()) {
        Ok(value)
    } else {
        Err(ValidationError::new(
            "sha256",
            "must be the package's SHA-256 as 64 hexadecimal digits",
        ))
    }
}

/// A package size: 1 byte to 2 GiB.
pub fn size(bytes: u64) -> Result<u64, ValidationError> {
    if (1..=MAX_PACKAGE_BYTES).contains(&bytes) {
        Ok(bytes)
    } else {
        Err(ValidationError::new(
            "size",
            format!("must be 1 to {MAX_PACKAGE_BYTES} bytes, not {bytes}"),
        ))
    }
}

/// Platforms: at least one, each of `known`, no repeats; returned sorted.
pub fn platforms(raw: &[String], known: &[&str]) -> Result<Vec<String>, ValidationError> {
    if raw.is_empty() {
        return Err(ValidationError::new(
            "platforms",
            format!("name at least one of {}", known.join(", ")),
        ));
    }
    let mut out: Vec<String> = Vec::with_capacity(raw.len());
    for platform in raw {
        if !known.contains(&platform.as_str()) {
            return Err(ValidationError::new(
                "platforms",
                format!("{platform:?} is not one of {}", known.join(", ")),
            ));
        }
        if out.contains(platform) {
            return Err(ValidationError::new(
                "platforms",
                format!("{platform:?} is listed twice"),
            ));
        }
        out.push(platform.clone());
    }
    out.sort();
    Ok(out)
}

/// Link lifetime in hours: 1 to 168, 48 when not given.
pub fn link_hours(raw: Option<u32>) -> Result<u32, ValidationError> {
    match raw.unwrap_or(DEFAULT_LINK_HOURS) {
        hours @ 1..=MAX_LINK_HOURS => Ok(hours),
        other => Err(ValidationError::new(
            "expires_hours",
            format!(
                "must be 1 to {MAX_LINK_HOURS} hours (a presigned link lives at most 7 days), not {other}"
            ),
        )),
    }
}

/// An IPv4 or IPv6 network in CIDR notation (a bare address is a /32 or /128).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    /// The network address (host bits cleared).
    pub address: IpAddr,
    /// Prefix length.
    pub prefix: u8,
}

impl Cidr {
    /// Parses `10.0.0.0/8`, `2001:db8::/32` or a bare address.
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let error = || {
            ValidationError::new(
                "allowed_ips",
                format!("{raw:?} is not an IP address or CIDR block such as 203.0.113.0/24"),
            )
        };
        let (address, prefix) = match raw.trim().split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (raw.trim(), None),
        };
        let address: IpAddr = address.parse().map_err(|_| error())?;
        let max = if address.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(error)?,
            None => max,
        };
        Ok(Self {
            address: mask(address, prefix),
            prefix,
        })
    }

    /// Whether every address of `other` is in this network.
    pub fn contains(&self, other: &Cidr) -> bool {
        self.address.is_ipv4() == other.address.is_ipv4()
            && other.prefix >= self.prefix
            && mask(other.address, self.prefix) == self.address
    }
}

impl std::fmt::Display for Cidr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.address, self.prefix)
    }
}

fn mask(address: IpAddr, prefix: u8) -> IpAddr {
    // A shift by the whole width (prefix 0) keeps nothing.
    match address {
        IpAddr::V4(v4) => {
            let keep = u32::MAX.checked_shl(u32::from(32 - prefix)).unwrap_or(0);
            IpAddr::V4((u32::from(v4) & keep).into())
        }
        IpAddr::V6(v6) => {
            let keep = u128::MAX.checked_shl(u32::from(128 - prefix)).unwrap_or(0);
            IpAddr::V6((u128::from(v6) & keep).into())
        }
    }
}

/// Checks a requested download restriction against the deployment's. The bucket policy is what
/// enforces it, and it knows only the deployment's list: a request is accepted when it names
/// exactly those networks (a confirmation the restriction is in force), and refused otherwise,
/// since anything else would not be enforced (no silent no-op).
pub fn allowed_ips(
    requested: &[String],
    enforced: Option<&[Cidr]>,
) -> Result<Vec<String>, ValidationError> {
    let Some(enforced) = enforced.filter(|e| !e.is_empty()) else {
        return Err(ValidationError::new(
            "allowed_ips",
            "this deployment does not restrict download addresses, so the restriction would not be enforced; deploy with -c distributionAllowedIps=CIDR,… to have the bucket policy enforce one",
        ));
    };
    let mut wanted: Vec<String> = requested
        .iter()
        .map(|raw| Cidr::parse(raw).map(|c| c.to_string()))
        .collect::<Result<_, _>>()?;
    wanted.sort();
    wanted.dedup();
    let mut list: Vec<String> = enforced.iter().map(ToString::to_string).collect();
    list.sort();
    list.dedup();
    if wanted != list {
        return Err(ValidationError::new(
            "allowed_ips",
            format!(
                "the bucket policy enforces exactly {} for every package; a different list per package would not be enforced (change it at deploy: -c distributionAllowedIps=…)",
                list.join(", ")
            ),
        ));
    }
    Ok(list)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filenames() {
        assert!(filename("claude-code-package-2026-11-22.zip").is_ok());
        for bad in [
            "", ".zip", "a/b.zip", "pkg.tar", "ä.zip", "../x.zip", "a b.zip",
        ] {
            assert!(filename(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn checksums_sizes_and_hours() {
        assert_eq!(sha256(&"AB".repeat(32)).unwrap(), "ab".repeat(32));
        assert!(sha256("abc").is_err());
        assert!(sha256(&"g".repeat(64)).is_err());
        assert!(size(0).is_err());
        assert!(size(MAX_PACKAGE_BYTES + 1).is_err());
        assert_eq!(link_hours(None).unwrap(), 48);
        assert_eq!(link_hours(Some(168)).unwrap(), 168);
        assert!(link_hours(Some(0)).is_err());
        assert!(link_hours(Some(169)).is_err());
    }

    #[test]
    fn platforms_are_known_and_unique() {
        let known = ["linux-x64", "windows-x64"];
        let list = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            platforms(&list(&["windows-x64", "linux-x64"]), &known).unwrap(),
            list(&["linux-x64", "windows-x64"])
        );
        assert!(platforms(&[], &known).is_err());
        assert!(platforms(&list(&["amiga"]), &known).is_err());
        assert!(platforms(&list(&["linux-x64", "linux-x64"]), &known).is_err());
    }

    #[test]
    fn cidrs() {
        let net = Cidr::parse("10.1.0.0/16").unwrap();
        assert!(net.contains(&Cidr::parse("10.1.2.0/24").unwrap()));
        assert!(net.contains(&Cidr::parse("10.1.2.3").unwrap()));
        assert!(!net.contains(&Cidr::parse("10.0.0.0/8").unwrap()));
        assert!(!net.contains(&Cidr::parse("2001:db8::/32").unwrap()));
        assert_eq!(
            Cidr::parse("10.1.2.3/16").unwrap().to_string(),
            "10.1.0.0/16"
        );
        assert!(Cidr::parse("10.0.0.0/33").is_err());
        assert!(Cidr::parse("nope").is_err());
        assert!(
            Cidr::parse("2001:db8::1/64")
                .unwrap()
                .contains(&Cidr::parse("2001:db8::5").unwrap())
        );
    }

    #[test]
    fn restrictions_need_an_enforced_one() {
        let enforced = [Cidr::parse("203.0.113.0/24").unwrap()];
        let req = vec!["203.0.113.9/24".to_owned()];
        assert!(allowed_ips(&req, None).is_err());
        assert_eq!(
            allowed_ips(&req, Some(&enforced)).unwrap(),
            vec!["203.0.113.0/24"]
        );
        // Narrower than what the bucket enforces would not be enforced: refused.
        assert!(allowed_ips(&["203.0.113.7".to_owned()], Some(&enforced)).is_err());
        assert!(allowed_ips(&["198.51.100.1".to_owned()], Some(&enforced)).is_err());
    }
}
