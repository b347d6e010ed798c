//! Instants and calendar dates as they cross every surface: RFC 3339 UTC
//! instants (`2026-05-19T16:00:00Z`) and `YYYY-MM-DD` dates.

use std::fmt;

use chrono::{DateTime, Datelike, NaiveDate, SecondsFormat, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{Code, Error, coded};

/// Seconds in a day of UTC.
pub(crate) const DAY: i64 = 86_400;

/// A point on the UTC time line, with nanosecond precision, between years
/// 0001 and 2099.
///
/// The upper bound is where the compiled time-zone rules end: chrono-tz
/// lists every transition up to 2099 and none after, so a later instant in
/// a zone with daylight saving would silently keep its last offset. Every
/// instant this type accepts has an exact local time in every zone.
///
/// Read from any RFC 3339 timestamp (`Z` or a numeric offset, fractional
/// seconds allowed); always written in UTC with a `Z`, with a fraction only
/// when it is not zero.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Instant {
    secs: i64,
    nanos: u32,
}

impl Instant {
    /// `1970-01-01T00:00:00Z`.
    pub const EPOCH: Instant = Instant { secs: 0, nanos: 0 };

    /// `0001-01-01T00:00:00Z`.
    const MIN_SECS: i64 = -62_135_596_800;
    /// `2099-12-31T23:59:59Z`.
    const MAX_SECS: i64 = 4_102_444_799;

    /// The instant `secs` seconds after the Unix epoch, or `None` outside
    /// years 0001..=2099 or with `nanos` of a second or more.
    pub fn from_unix(secs: i64, nanos: u32) -> Option<Self> {
        ((Self::MIN_SECS..=Self::MAX_SECS).contains(&secs) && nanos < 1_000_000_000)
            .then_some(Instant { secs, nanos })
    }

    /// Whole seconds since the Unix epoch (floored).
    pub fn unix_seconds(self) -> i64 {
        self.secs
    }

    /// The nanoseconds past [`Instant::unix_seconds`].
    pub fn subsec_nanos(self) -> u32 {
        self.nanos
    }

    /// The instant `secs` seconds later (earlier when negative), held
    /// within years 0001..=2099: a lease or a cutoff past either end of the
    /// range is as good as the end itself.
    pub fn saturating_add_secs(self, secs: i64) -> Instant {
        match self.secs.saturating_add(secs) {
            s if s < Self::MIN_SECS => Instant {
                secs: Self::MIN_SECS,
                nanos: 0,
            },
            s if s > Self::MAX_SECS => Instant {
                secs: Self::MAX_SECS,
                nanos: 999_999_999,
            },
            s => Instant {
                secs: s,
                nanos: self.nanos,
            },
        }
    }

    /// The instant floored to a multiple of `step` seconds since the epoch.
    pub(crate) fn floor_to(self, step: i64) -> Instant {
        // Flooring moves towards the epoch's grid, never below MIN_SECS for
        // the steps used here (quarter hours), which divide MIN_SECS.
        Instant {
            secs: self.secs - self.secs.rem_euclid(step),
            nanos: 0,
        }
    }

    /// Parses an RFC 3339 timestamp; `field` names it in the error.
    pub fn parse(text: &str, field: &str) -> Result<Self, Error> {
        parse_instant(text).map_err(|why| Error::new(Code::InvalidInstant, field, why))
    }

    fn to_chrono(self) -> Option<DateTime<Utc>> {
        DateTime::from_timestamp(self.secs, self.nanos)
    }
}

fn parse_instant(text: &str) -> Result<Instant, String> {
    let parsed = DateTime::parse_from_rfc3339(text).map_err(|_| {
        format!("expected an RFC 3339 instant such as 2026-05-19T16:00:00Z, got {text:?}")
    })?;
    let nanos = parsed.timestamp_subsec_nanos();
    if nanos >= 1_000_000_000 {
        return Err(format!("leap seconds are not accepted, got {text:?}"));
    }
    Instant::from_unix(parsed.timestamp(), nanos).ok_or_else(|| {
        format!(
            "instants must lie in years 0001..=2099 (the time-zone rules end in 2099), got {text:?}"
        )
    })
}

impl fmt::Display for Instant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.to_chrono() {
            Some(t) => f.write_str(&t.to_rfc3339_opts(SecondsFormat::AutoSi, true)),
            // Unreachable: the constructor keeps instants inside chrono's range.
            None => write!(f, "@{}.{:09}", self.secs, self.nanos),
        }
    }
}

impl fmt::Debug for Instant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Instant({self})")
    }
}

impl Serialize for Instant {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Instant {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        parse_instant(&text).map_err(|why| coded(Code::InvalidInstant, why))
    }
}

/// A calendar date, read and written as `YYYY-MM-DD`.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(NaiveDate);

impl Date {
    /// The date with this year, month and day, if it exists.
    pub fn from_ymd(year: i32, month: u32, day: u32) -> Option<Self> {
        NaiveDate::from_ymd_opt(year, month, day).map(Date)
    }

    /// Parses exactly `YYYY-MM-DD`; `field` names it in the error.
    pub fn parse(text: &str, field: &str) -> Result<Self, Error> {
        parse_date(text).map_err(|why| Error::new(Code::InvalidDate, field, why))
    }

    /// The date `days` later (earlier when negative), if it is in range.
    pub fn add_days(self, days: i64) -> Option<Date> {
        self.0
            .checked_add_signed(chrono::TimeDelta::try_days(days)?)
            .map(Date)
    }

    /// Days from `other` to `self`.
    pub fn days_since(self, other: Date) -> i64 {
        (self.0 - other.0).num_days()
    }

    /// The Monday on or before this date.
    pub fn week_start(self) -> Date {
        let back = i64::from(self.0.weekday().num_days_from_monday());
        // Monday of the week of 0001-01-01 is 0000-12-25: keep the date itself there.
        self.add_days(-back).unwrap_or(self)
    }

    /// The date of day number `day` since 1970-01-01.
    pub(crate) fn from_epoch_day(day: i64) -> Option<Date> {
        let ce = i32::try_from(day.checked_add(EPOCH_DAYS_FROM_CE)?).ok()?;
        NaiveDate::from_num_days_from_ce_opt(ce).map(Date)
    }

    /// The local date of `local` seconds (Unix seconds plus a UTC offset).
    ///
    /// INVARIANT: callers pass an [`Instant`] (years 0001..=2099) shifted by
    /// a UTC offset (less than a day), far inside chrono's ±262,000 years, so
    /// the fallback is never taken.
    pub(crate) fn of_local_seconds(local: i64) -> Date {
        Date::from_epoch_day(local.div_euclid(DAY)).unwrap_or(Date(NaiveDate::MIN))
    }

    pub(crate) fn naive(self) -> NaiveDate {
        self.0
    }
}

/// `NaiveDate::num_days_from_ce` of 1970-01-01.
const EPOCH_DAYS_FROM_CE: i64 = 719_163;

fn parse_date(text: &str) -> Result<Date, String> {
    let b = text.as_bytes();
    let shaped = b.len() == 10
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            _ => c.is_ascii_digit(),
        });
    let number = |range: std::ops::Range<usize>| text.get(range)?.parse::<u16>().ok();
    let date = match (shaped, number(0..4), number(5..7), number(8..10)) {
        (true, Some(y), Some(m), Some(d)) => Date::from_ymd(y.into(), m.into(), d.into()),
        _ => None,
    };
    date.ok_or_else(|| format!("expected a calendar date YYYY-MM-DD, got {text:?}"))
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:04}-{:02}-{:02}",
            self.0.year(),
            self.0.month(),
            self.0.day()
        )
    }
}

impl fmt::Debug for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Date({self})")
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        parse_date(&text).map_err(|why| coded(Code::InvalidDate, why))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn instant(text: &str) -> Instant {
        Instant::parse(text, "t").unwrap()
    }

    #[test]
    fn instants_are_written_in_utc_with_a_z() {
        assert_eq!(
            instant("2026-05-19T16:00:00Z").to_string(),
            "2026-05-19T16:00:00Z"
        );
        assert_eq!(
            instant("2026-05-19T18:00:00+02:00").to_string(),
            "2026-05-19T16:00:00Z"
        );
        assert_eq!(
            instant("2026-05-19T16:00:00.250Z").to_string(),
            "2026-05-19T16:00:00.250Z"
        );
        assert_eq!(
            instant("2026-05-19T16:00:00.000Z").to_string(),
            "2026-05-19T16:00:00Z"
        );
    }

    #[test]
    fn malformed_instants_name_the_field() {
        for bad in [
            "",
            "2026-05-19",
            "2026-05-19T16:00:00",
            "yesterday",
            "2026-13-01T00:00:00Z",
        ] {
            let e = Instant::parse(bad, "now").unwrap_err();
            assert_eq!(
                (e.code(), e.field()),
                (Code::InvalidInstant, Some("now")),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn dates_are_strict() {
        assert_eq!(
            Date::parse("2024-02-29", "d").unwrap().to_string(),
            "2024-02-29"
        );
        for bad in [
            "2023-02-29",
            "2024-2-29",
            "2024-02-29T00:00:00Z",
            " 2024-02-29",
            "+024-02-29",
            "2024-00-10",
        ] {
            assert_eq!(
                Date::parse(bad, "d").unwrap_err().code(),
                Code::InvalidDate,
                "{bad:?}"
            );
        }
    }

    #[test]
    fn epoch_days() {
        assert_eq!(Date::from_epoch_day(-1), Date::from_ymd(1969, 12, 31));
        assert_eq!(Date::of_local_seconds(-1).to_string(), "1969-12-31");
        assert_eq!(Date::of_local_seconds(0).to_string(), "1970-01-01");
    }

    #[test]
    fn weeks_start_on_monday() {
        let monday = |s| Date::parse(s, "d").unwrap().week_start().to_string();
        assert_eq!(monday("2026-05-19"), "2026-05-18");
        assert_eq!(monday("2026-05-18"), "2026-05-18");
        assert_eq!(monday("2026-05-17"), "2026-05-11");
        assert_eq!(monday("2026-01-03"), "2025-12-29");
    }
}
