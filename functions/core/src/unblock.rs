//! Temporary overrides that let a blocked user through, and how long they last.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

use crate::period::Month;

/// Longest unblock: a week.
pub const MAX_UNBLOCK: Duration = Duration::days(7);

/// An unblock granted by an administrator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unblock {
    /// The last instant it applies.
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
    /// Who granted it.
    pub unblocked_by: String,
    /// Why.
    pub reason: String,
}

impl Unblock {
    /// Active while `now <= expires_at`: an unblock expiring at this very instant still applies.
    pub fn is_active(&self, now: OffsetDateTime) -> bool {
        now <= self.expires_at
    }
}

/// An unblock as granted and recorded in the history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnblockGrant {
    /// Unique id.
    pub id: String,
    /// The user.
    pub identity: String,
    /// The duration as asked for (`24h`, `3d`, `until-reset`).
    pub duration: String,
    /// Why.
    pub reason: String,
    /// Who granted it.
    pub unblocked_by: String,
    /// When.
    pub unblocked_at: OffsetDateTime,
    /// The last instant it applies.
    pub expires_at: OffsetDateTime,
    /// When it was revoked.
    pub revoked_at: Option<OffsetDateTime>,
    /// Who revoked it.
    pub revoked_by: Option<String>,
}

impl UnblockGrant {
    /// The override the quota decision honours.
    pub fn unblock(&self) -> Unblock {
        Unblock {
            expires_at: self.expires_at,
            unblocked_by: self.unblocked_by.clone(),
            reason: self.reason.clone(),
        }
    }

    /// In force at `now`: not revoked and not expired.
    pub fn is_active(&self, now: OffsetDateTime) -> bool {
        self.revoked_at.is_none() && self.unblock().is_active(now)
    }
}

/// How long an unblock lasts, as administrators write it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnblockDuration {
    /// `Nh`, 1 to 168 hours.
    Hours(u16),
    /// `Nd`, 1 to 7 days.
    Days(u8),
    /// `until-reset`: until the next UTC month starts, at most 7 days.
    UntilReset,
}

/// The accepted forms, for error messages.
pub const ACCEPTED_DURATIONS: &str =
    "Nh (1 to 168 hours, like 24h), Nd (1 to 7 days, like 3d) or until-reset";

impl FromStr for UnblockDuration {
    type Err = String;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        let text = raw.trim().to_ascii_lowercase();
        let refuse = || format!("{raw:?} is not a duration: use {ACCEPTED_DURATIONS}");
        if text == "until-reset" {
            return Ok(Self::UntilReset);
        }
        // The unit is the last character, which may be more than one byte (`5€`).
        let unit_start = text.char_indices().last().map_or(0, |(i, _)| i);
        let (number, unit) = text.split_at(unit_start);
        if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
            return Err(refuse());
        }
        let value: u32 = number.parse().map_err(|_| refuse())?;
        match unit {
            "h" if (1..=168).contains(&value) => Ok(Self::Hours(value as u16)),
            "d" if (1..=7).contains(&value) => Ok(Self::Days(value as u8)),
            _ => Err(refuse()),
        }
    }
}

impl fmt::Display for UnblockDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Hours(h) => write!(f, "{h}h"),
            Self::Days(d) => write!(f, "{d}d"),
            Self::UntilReset => f.write_str("until-reset"),
        }
    }
}

impl UnblockDuration {
    /// When an unblock granted at `now` ends.
    pub fn expires_at(self, now: OffsetDateTime) -> OffsetDateTime {
        match self {
            Self::Hours(h) => now + Duration::hours(i64::from(h)),
            Self::Days(d) => now + Duration::days(i64::from(d)),
            Self::UntilReset => Month::of(now).next_start().min(now + MAX_UNBLOCK),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn accepted_forms_parse() {
        assert_eq!("24h".parse(), Ok(UnblockDuration::Hours(24)));
        assert_eq!(" 168H ".parse(), Ok(UnblockDuration::Hours(168)));
        assert_eq!("1h".parse(), Ok(UnblockDuration::Hours(1)));
        assert_eq!("7d".parse(), Ok(UnblockDuration::Days(7)));
        assert_eq!("until-reset".parse(), Ok(UnblockDuration::UntilReset));
    }

    #[test]
    fn zero_negative_fractional_too_long_and_garbage_are_refused() {
        for bad in [
            "0h", "0d", "-1h", "1.5h", "169h", "8d", "24", "h", "", "1w", "forever", "24hours",
            "+5h", "5€", "€",
        ] {
            let err = bad.parse::<UnblockDuration>().unwrap_err();
            assert!(err.contains("until-reset"), "{bad}: {err}");
        }
    }

    #[test]
    fn until_reset_ends_at_month_start_but_never_after_a_week() {
        let late = datetime!(2026-11-28 10:00 UTC);
        assert_eq!(
            UnblockDuration::UntilReset.expires_at(late),
            datetime!(2026-12-01 0:00 UTC)
        );
        let early = datetime!(2026-11-03 10:00 UTC);
        assert_eq!(
            UnblockDuration::UntilReset.expires_at(early),
            datetime!(2026-11-10 10:00 UTC)
        );
        assert_eq!(
            UnblockDuration::Hours(24).expires_at(late),
            datetime!(2026-11-29 10:00 UTC)
        );
        assert_eq!(
            UnblockDuration::Days(7).expires_at(late),
            datetime!(2026-12-05 10:00 UTC)
        );
    }
}
