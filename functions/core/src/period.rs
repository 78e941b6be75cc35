//! UTC calendar periods: the month and the day usage is counted in.

use std::fmt;

use time::{Date, Month as CalendarMonth, OffsetDateTime, Time, UtcOffset};

/// A UTC calendar month, shown as `2026-11`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    /// Year.
    pub year: i32,
    /// Month of the year.
    pub month: CalendarMonth,
}

/// A UTC calendar day, shown as `2026-11-21`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Day(pub Date);

impl Month {
    /// The month `now` falls in, in UTC.
    pub fn of(now: OffsetDateTime) -> Self {
        let date = now.to_offset(UtcOffset::UTC).date();
        Self {
            year: date.year(),
            month: date.month(),
        }
    }

    /// Its first instant, midnight UTC on the 1st.
    pub fn start(self) -> OffsetDateTime {
        // Day 1 exists in every month, so this cannot fail for years time supports.
        Date::from_calendar_date(self.year, self.month, 1)
            .map(|d| d.with_time(Time::MIDNIGHT).assume_utc())
            .unwrap_or(OffsetDateTime::UNIX_EPOCH)
    }

    /// The first instant of the following month, in UTC.
    pub fn next_start(self) -> OffsetDateTime {
        let (year, month) = match self.month {
            CalendarMonth::December => (self.year + 1, CalendarMonth::January),
            other => (self.year, other.next()),
        };
        Self { year, month }.start()
    }
}

impl Day {
    /// The day `now` falls in, in UTC.
    pub fn of(now: OffsetDateTime) -> Self {
        Self(now.to_offset(UtcOffset::UTC).date())
    }

    /// Its first instant, midnight UTC.
    pub fn start(self) -> OffsetDateTime {
        self.0.with_time(Time::MIDNIGHT).assume_utc()
    }

    /// The month this day belongs to.
    pub fn month(self) -> Month {
        Month {
            year: self.0.year(),
            month: self.0.month(),
        }
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month as u8)
    }
}

impl fmt::Display for Day {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:04}-{:02}-{:02}",
            self.0.year(),
            self.0.month() as u8,
            self.0.day()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn periods_are_utc_calendar_periods() {
        // 23:30 on Nov 30 in New York is already December 1 in UTC.
        let now = datetime!(2026-11-30 23:30 -5);
        assert_eq!(Month::of(now).to_string(), "2026-12");
        assert_eq!(Day::of(now).to_string(), "2026-12-01");
    }

    #[test]
    fn next_month_start_wraps_the_year() {
        let december = Month::of(datetime!(2026-12-15 10:00 UTC));
        assert_eq!(december.next_start(), datetime!(2027-01-01 0:00 UTC));
        let february = Month::of(datetime!(2028-02-29 23:59:59 UTC));
        assert_eq!(february.next_start(), datetime!(2028-03-01 0:00 UTC));
    }
}
