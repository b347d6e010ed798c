//! Reporting windows in the viewer's time zone (SPEC §4).
//!
//! A report of "the last N days" starts at the beginning of a local date,
//! computed in calendar days (a DST day has 23 or 25 hours), never by
//! subtracting N × 24 hours:
//!
//! ```
//! use runtime_rules::window::{since_from_days, DayCount};
//! use runtime_rules::{Instant, Zone};
//! let now = Instant::parse("2025-03-12T19:30:00Z", "now")?;
//! let tz = Zone::parse("America/New_York", "tz")?;
//! // 3 days back crosses the spring-forward night of 2025-03-09.
//! assert_eq!(since_from_days(now, DayCount(3), tz)?.to_string(), "2025-03-09T05:00:00Z");
//! # Ok::<(), runtime_rules::Error>(())
//! ```

use serde::de::IgnoredAny;
use serde::{Deserialize, Deserializer, Serialize};

use crate::error::{Code, Error, coded};
use crate::number::{whole_from_f64, whole_number};
use crate::time::{Date, Instant};
use crate::zone::Zone;

/// Picks the zone a report is shown in: the first of `query_tz` (the
/// request's `?tz=`) and `stored_tz` (the user's setting) that, trimmed, is
/// a valid IANA name; else `UTC`. Returns the trimmed name as given, so a
/// link such as `US/Pacific` stays `US/Pacific`. Never fails: the zone is a
/// display concern.
pub fn resolve_viewing_tz(query_tz: Option<&str>, stored_tz: Option<&str>) -> String {
    [query_tz, stored_tz]
        .into_iter()
        .flatten()
        .map(str::trim)
        .find(|name| Zone::parse(name, "").is_ok())
        .unwrap_or("UTC")
        .to_owned()
}

/// The bounds of a `?days=` parameter.
pub const DAYS_RANGE: std::ops::RangeInclusive<u32> = 1..=365;

/// Reads a `?days=` parameter: a string holding a base-10 integer in
/// 1..=365 (a leading `+` and leading zeros allowed) or a number with an
/// integer value in that range. Anything else gives `default`.
///
/// # Errors
///
/// `invalid_days` when `default` itself is outside 1..=365.
pub fn parse_days(raw: &RawDays, default: DayCount) -> Result<u32, Error> {
    if !DAYS_RANGE.contains(&default.0) {
        return Err(Error::new(
            Code::InvalidDays,
            "default",
            format!("the default must lie in 1..=365, got {}", default.0),
        ));
    }
    let parsed = match raw {
        RawDays::Text(text) => {
            let unsigned = text.strip_prefix('+').unwrap_or(text);
            let all_digits = !unsigned.is_empty() && unsigned.bytes().all(|b| b.is_ascii_digit());
            // Any number of leading zeros; the value itself has at most three digits
            // ("0" leaves nothing to parse, and zero is out of range anyway).
            let value = unsigned.trim_start_matches('0');
            (all_digits && value.len() <= 3)
                .then(|| value.parse::<u32>().ok())
                .flatten()
        }
        RawDays::Number(n) if n.fract() == 0.0 && *n >= 1.0 && *n <= 365.0 => Some(*n as u32),
        RawDays::Number(_) | RawDays::Other(_) => None,
    };
    Ok(parsed
        .filter(|d| DAYS_RANGE.contains(d))
        .unwrap_or(default.0))
}

/// The local date of `instant` in `tz`: what a page labels "today" or a
/// row's day with, so every label is the rules' date and never the host's.
pub fn local_date(instant: Instant, tz: Zone) -> Date {
    tz.date_of(instant)
}

/// The earliest instant whose local date in `tz` is `date` (see
/// [`Zone::start_of_day`]).
///
/// # Errors
///
/// `invalid_date` when the day starts outside years 0001..=2099.
pub fn start_of_local_day(date: Date, tz: Zone) -> Result<Instant, Error> {
    tz.start_of_day(date).ok_or_else(|| {
        Error::new(
            Code::InvalidDate,
            "date",
            format!("{date} starts outside years 0001..=2099 in {tz}, the years the time-zone rules cover"),
        )
    })
}

/// The start of the usage window of `days` days: the start of the local date
/// `days` calendar days before the local date of `now`. The window covers
/// `days + 1` local dates (today, partial, and `days` full ones).
pub fn since_from_days(now: Instant, days: DayCount, tz: Zone) -> Result<Instant, Error> {
    since(now, -i64::from(days.0), tz)
}

/// The start of a window of exactly `days` local dates ending today:
/// `since_from_days(now, days - 1, tz)`. With `days = 0` it is the start of
/// tomorrow: an empty window.
pub fn since_exact(now: Instant, days: DayCount, tz: Zone) -> Result<Instant, Error> {
    since(now, 1 - i64::from(days.0), tz)
}

fn since(now: Instant, shift: i64, tz: Zone) -> Result<Instant, Error> {
    tz.date_of(now).add_days(shift).and_then(|day| tz.start_of_day(day)).ok_or_else(|| {
        Error::new(
            Code::InvalidDays,
            "days",
            "the window would start outside years 0001..=2099, the years the time-zone rules cover",
        )
    })
}

/// Does every local date from `since`'s to `until`'s start on a whole UTC
/// hour in `tz`? Then hourly sums group into local dates exactly as
/// quarter-hour ones do: no hour straddles two local dates. True for most
/// zones; false where an offset in the window has half or three-quarter
/// hours (India, Nepal, Newfoundland, Adelaide, Chatham, Lord Howe), or a
/// date in it starts at a transition off the hour.
pub fn local_days_start_on_whole_hours(tz: Zone, since: Instant, until: Instant) -> bool {
    let (mut date, last) = (tz.date_of(since), tz.date_of(until));
    loop {
        match tz.start_of_day(date) {
            Some(start) if start.unix_seconds() % 3600 == 0 && start.subsec_nanos() == 0 => {}
            _ => return false,
        }
        if date > last {
            return true;
        }
        match date.add_days(1) {
            Some(next) => date = next,
            None => return false,
        }
    }
}

/// A number of days: a non-negative integer (`invalid_days` otherwise).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct DayCount(pub u32);

impl DayCount {
    /// Checks a day count that arrived as a plain number.
    pub fn from_f64(value: f64, field: &str) -> Result<Self, Error> {
        let days = whole_from_f64(value, Code::InvalidDays, field)?;
        u32::try_from(days)
            .map(DayCount)
            .map_err(|_| Error::new(Code::InvalidDays, field, format!("{days} days is too many")))
    }
}

impl<'de> Deserialize<'de> for DayCount {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let days = whole_number(d, Code::InvalidDays)?;
        u32::try_from(days)
            .map(DayCount)
            .map_err(|_| coded(Code::InvalidDays, format_args!("{days} days is too many")))
    }
}

/// A raw `?days=` value as a query string or a JSON/JavaScript value gave it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum RawDays {
    /// A string, parsed strictly.
    Text(String),
    /// A number.
    Number(f64),
    /// Anything else (`null`, a boolean, a list, an object): the default applies.
    Other(IgnoredAny),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn days(text: &str) -> u32 {
        parse_days(&RawDays::Text(text.into()), DayCount(30)).unwrap()
    }

    #[test]
    fn day_strings() {
        assert_eq!(days("7"), 7);
        assert_eq!(days("+7"), 7);
        assert_eq!(days("007"), 7);
        assert_eq!(days("+0000365"), 365);
        for fallback in [
            "", "+", "0", "366", "-7", " 7", "7 ", "7.0", "1e2", "++7", "0x10", "٣",
        ] {
            assert_eq!(days(fallback), 30, "{fallback:?}");
        }
    }

    #[test]
    fn local_days_on_whole_hours() {
        let at = |t: &str| Instant::parse(t, "").unwrap();
        let tz = |n: &str| Zone::parse(n, "").unwrap();
        let (since, until) = (at("2025-01-01T00:00:00Z"), at("2025-12-31T00:00:00Z"));
        assert!(local_days_start_on_whole_hours(
            tz("America/New_York"),
            since,
            until
        ));
        assert!(local_days_start_on_whole_hours(tz("UTC"), since, until));
        assert!(!local_days_start_on_whole_hours(
            tz("Asia/Kolkata"),
            since,
            until
        ));
        assert!(!local_days_start_on_whole_hours(
            tz("Asia/Kathmandu"),
            since,
            until
        ));
        // Lord Howe: +10:30 in winter, +11 in summer: half-hour days in the window.
        assert!(!local_days_start_on_whole_hours(
            tz("Australia/Lord_Howe"),
            since,
            until
        ));
        // Santiago's midnight gap starts the day at 00:00 -> 01:00, still on the hour.
        assert!(local_days_start_on_whole_hours(
            tz("America/Santiago"),
            since,
            until
        ));
    }

    #[test]
    fn zones_resolve_in_order() {
        assert_eq!(
            resolve_viewing_tz(Some(" Asia/Kolkata "), Some("UTC")),
            "Asia/Kolkata"
        );
        assert_eq!(
            resolve_viewing_tz(Some("Local"), Some("US/Pacific")),
            "US/Pacific"
        );
        assert_eq!(resolve_viewing_tz(Some(""), None), "UTC");
    }
}
