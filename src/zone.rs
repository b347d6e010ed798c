//! IANA time zones: validation, the start of a local day, and a cache of UTC
//! offsets for converting many instants of one zone quickly.
//!
//! Vocabulary as in Temporal and jiff: a **gap** is local time skipped when
//! clocks jump forward, a **fold** is local time repeated when they go back,
//! and the **start of day** is the earliest instant whose local date is the
//! day. Usually that is local midnight; on a day whose midnight falls in a
//! gap it is the instant of the transition:
//!
//! ```
//! use runtime_rules::{Date, Zone};
//! // São Paulo skipped 2015-10-18 00:00..01:00: the day starts at 01:00 local.
//! let zone = Zone::parse("America/Sao_Paulo", "tz")?;
//! let day = Date::parse("2015-10-18", "date")?;
//! assert_eq!(zone.start_of_day(day).map(|t| t.to_string()), Some("2015-10-18T03:00:00Z".into()));
//! # Ok::<(), runtime_rules::Error>(())
//! ```

use std::fmt;
use std::str::FromStr;

use chrono::{LocalResult, Offset, TimeZone};
use chrono_tz::{GapInfo, Tz};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{Code, Error, coded};
use crate::time::{Date, Instant};

/// A valid IANA time zone, links such as `US/Pacific` included.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Zone(Tz);

impl Zone {
    /// UTC.
    pub const UTC: Zone = Zone(Tz::UTC);

    /// Looks a zone up by its exact, case-sensitive IANA name. Empty names
    /// and `Local` (the host's zone: not a rule input) are rejected.
    pub fn parse(name: &str, field: &str) -> Result<Self, Error> {
        lookup(name).map_err(|why| Error::new(Code::InvalidTimeZone, field, why))
    }

    /// The IANA name.
    pub fn name(self) -> &'static str {
        self.0.name()
    }

    /// The UTC offset in seconds at `instant`.
    pub fn offset_at(self, instant: Instant) -> i32 {
        offset_seconds(self.0, instant.unix_seconds())
    }

    /// The local calendar date of `instant`.
    pub fn date_of(self, instant: Instant) -> Date {
        Date::of_local_seconds(instant.unix_seconds() + i64::from(self.offset_at(instant)))
    }

    /// The earliest instant whose local date is `date` (see the module docs).
    ///
    /// On a day with two midnights (a fold at 00:00) this is the first one; a
    /// date the zone skipped entirely (Pacific/Apia 2011-12-30) starts where
    /// the next existing date starts. `None` when that instant lies outside
    /// the years an [`Instant`] covers.
    pub fn start_of_day(self, date: Date) -> Option<Instant> {
        let midnight = date.naive().and_time(chrono::NaiveTime::MIN);
        let start = match self.0.from_local_datetime(&midnight) {
            LocalResult::Single(t) => Some(t),
            LocalResult::Ambiguous(a, b) => Some(a.min(b)),
            // Midnight is in a gap: the day starts at the first instant after it.
            LocalResult::None => GapInfo::new(&midnight, &self.0).and_then(|gap| gap.end),
        };
        start.and_then(|t| Instant::from_unix(t.timestamp(), 0))
    }

    /// A cache for converting many instants of this zone (see [`Offsets`]).
    pub(crate) fn offsets(self) -> Offsets {
        Offsets {
            tz: self.0,
            spans: Vec::new(),
            last: 0,
        }
    }
}

fn lookup(name: &str) -> Result<Zone, String> {
    match name {
        "" => Err("the time zone is empty".to_owned()),
        "Local" => {
            Err("\"Local\" is the host's zone, not an IANA name: pass the zone itself".to_owned())
        }
        _ => Tz::from_str(name).map(Zone).map_err(|_| {
            format!("unknown time zone {name:?}: expected an IANA name such as America/New_York")
        }),
    }
}

impl<'de> Deserialize<'de> for Zone {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        lookup(&name).map_err(|why| coded(Code::InvalidTimeZone, why))
    }
}

impl Serialize for Zone {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl fmt::Display for Zone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl fmt::Debug for Zone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Zone({})", self.name())
    }
}

/// Every name [`Zone::parse`] accepts (canonical zones and links such as
/// `US/Pacific` or `Asia/Calcutta`), sorted: what a zone picker offers.
pub fn time_zone_names() -> Vec<&'static str> {
    let mut names: Vec<&'static str> = chrono_tz::TZ_VARIANTS.iter().map(|tz| tz.name()).collect();
    names.sort_unstable();
    names
}

/// The version of the IANA time-zone database compiled in (e.g. `2025b`).
pub fn tzdb_version() -> &'static str {
    chrono_tz::IANA_TZDB_VERSION
}

fn offset_seconds(tz: Tz, unix_seconds: i64) -> i32 {
    match chrono::DateTime::from_timestamp(unix_seconds, 0) {
        Some(utc) => tz
            .offset_from_utc_datetime(&utc.naive_utc())
            .fix()
            .local_minus_utc(),
        // Outside chrono's range (±262,000 years); an Instant never gets here.
        None => 0,
    }
}

/// UTC offsets of one zone, cached over the intervals between transitions.
///
/// Converting an instant to local time with chrono-tz is a binary search
/// over the zone's transitions; reports convert hundreds of thousands of
/// instants that fall into a handful of such intervals. The cache learns
/// each interval once: it probes one day at a time away from the instant
/// while the offset stays the same, then bisects the day in which it changes
/// to the exact second.
///
/// Probing by days is exact because no two offset changes of any zone lie
/// within one day of each other: the closest pair in the IANA database is
/// 6.96 days apart (America/Boa_Vista, October 2000), measured over every
/// zone and year of tzdb 2025b by `scripts/tz-spacing`, which `scripts/test`
/// runs. A single probe step therefore brackets at most one change.
pub(crate) struct Offsets {
    tz: Tz,
    /// Known intervals `[start, end)` of constant offset, sorted, disjoint.
    spans: Vec<Span>,
    /// The span that answered last: consecutive instants are usually close.
    last: usize,
}

#[derive(Clone, Copy, Debug)]
struct Span {
    start: i64,
    end: i64,
    offset: i32,
}

/// One probe step: shorter than the shortest time between two offset
/// changes of any zone (`scripts/tz-spacing` checks this against the
/// compiled table on every test run; keep the two equal).
const PROBE: i64 = 86_400;
/// How far a span is extended in each direction when nothing changes
/// (zones without DST): far enough to cover a year of reports.
const MAX_PROBES: i64 = 400;

impl Offsets {
    /// The UTC offset in seconds at `t` (Unix seconds).
    pub(crate) fn offset(&mut self, t: i64) -> i32 {
        if let Some(span) = self.spans.get(self.last)
            && span.start <= t
            && t < span.end
        {
            return span.offset;
        }
        let i = self.spans.partition_point(|s| s.end <= t);
        if let Some(span) = self.spans.get(i)
            && span.start <= t
        {
            self.last = i;
            return span.offset;
        }
        let lower = i
            .checked_sub(1)
            .and_then(|j| self.spans.get(j))
            .map_or(i64::MIN, |s| s.end);
        let upper = self.spans.get(i).map_or(i64::MAX, |s| s.start);
        let span = self.learn(t, lower, upper);
        self.spans.insert(i, span);
        self.last = i;
        span.offset
    }

    /// Local seconds (`t` + offset) of Unix seconds `t`.
    pub(crate) fn local(&mut self, t: i64) -> i64 {
        t + i64::from(self.offset(t))
    }

    /// The span of constant offset around `t`, kept within `[lower, upper)`.
    fn learn(&self, t: i64, lower: i64, upper: i64) -> Span {
        let offset = offset_seconds(self.tz, t);
        let same = |x: i64| offset_seconds(self.tz, x) == offset;

        let mut start = t;
        for _ in 0..MAX_PROBES {
            let probe = start.saturating_sub(PROBE).max(lower);
            if probe == start {
                break;
            }
            if same(probe) {
                start = probe;
            } else {
                // The offset changes once in (probe, start]: find the first second of ours.
                start = bisect(probe, start, same);
                break;
            }
        }

        let mut end = t; // the last second known to have `offset`
        for _ in 0..MAX_PROBES {
            let probe = end.saturating_add(PROBE).min(upper.saturating_sub(1));
            if probe <= end {
                break;
            }
            if same(probe) {
                end = probe;
            } else {
                // The offset changes once in (end, probe]: find its first second.
                end = bisect(end, probe, |x| !same(x)) - 1;
                break;
            }
        }
        Span {
            start,
            end: end.saturating_add(1),
            offset,
        }
    }
}

/// The smallest `x` in `(lo, hi]` with `pred(x)`, given `!pred(lo)`, `pred(hi)`
/// and a single change in between.
fn bisect(mut lo: i64, mut hi: i64, pred: impl Fn(i64) -> bool) -> i64 {
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if pred(mid) {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    hi
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zone(name: &str) -> Zone {
        Zone::parse(name, "tz").unwrap()
    }

    fn start(name: &str, date: &str) -> String {
        zone(name)
            .start_of_day(Date::parse(date, "date").unwrap())
            .unwrap()
            .to_string()
    }

    #[test]
    fn every_name_offered_to_a_picker_parses_and_the_list_is_sorted() {
        let names = time_zone_names();
        assert!(names.len() > 400, "{} names", names.len());
        assert!(
            names.windows(2).all(|w| w[0] < w[1]),
            "sorted, no duplicates"
        );
        for name in &names {
            assert_eq!(Zone::parse(name, "tz").map(Zone::name), Ok(*name));
        }
        for wanted in [
            "UTC",
            "Asia/Kolkata",
            "Asia/Calcutta",
            "US/Pacific",
            "Australia/Lord_Howe",
        ] {
            assert!(names.contains(&wanted), "{wanted}");
        }
        assert!(!names.contains(&"Local"));
    }

    #[test]
    fn gap_days_start_at_the_transition() {
        assert_eq!(
            start("America/Santiago", "2025-09-07"),
            "2025-09-07T04:00:00Z"
        );
        assert_eq!(
            start("America/Havana", "2025-03-09"),
            "2025-03-09T05:00:00Z"
        );
        assert_eq!(
            start("America/Sao_Paulo", "2015-10-18"),
            "2015-10-18T03:00:00Z"
        );
    }

    #[test]
    fn a_skipped_date_starts_with_the_next_date() {
        assert_eq!(start("Pacific/Apia", "2011-12-30"), "2011-12-30T10:00:00Z");
        assert_eq!(start("Pacific/Apia", "2011-12-31"), "2011-12-30T10:00:00Z");
    }

    #[test]
    fn a_day_with_two_midnights_starts_at_the_first() {
        // Azores: 01:00 -> 00:00 on 2025-10-26, so 00:00..01:00 happens twice.
        assert_eq!(
            start("Atlantic/Azores", "2025-10-26"),
            "2025-10-26T00:00:00Z"
        );
        // Moncton 1999: 00:01 ADT -> 23:01 AST the previous day.
        assert_eq!(
            start("America/Moncton", "1999-10-31"),
            "1999-10-31T03:00:00Z"
        );
    }

    #[test]
    fn names_are_exact() {
        for bad in [
            "",
            "Local",
            "utc",
            "america/new_york",
            " UTC",
            "Mars/Base",
            "UTC+1",
        ] {
            assert_eq!(
                Zone::parse(bad, "tz").unwrap_err().code(),
                Code::InvalidTimeZone,
                "{bad:?}"
            );
        }
        assert_eq!(zone("US/Pacific").name(), "US/Pacific");
    }

    #[cfg(not(target_arch = "wasm32"))]
    proptest::proptest! {
        /// Any zone, instants anywhere from 1850 to 2100 in any order: the
        /// cache answers what a direct lookup answers.
        #[test]
        fn the_cache_agrees_with_direct_lookups_in_every_zone(
            zone in 0..chrono_tz::TZ_VARIANTS.len(),
            instants in proptest::collection::vec(-3_786_825_600_i64..4_102_444_800, 1..64),
        ) {
            let tz = chrono_tz::TZ_VARIANTS[zone];
            let mut cache = Zone(tz).offsets();
            for t in instants {
                proptest::prop_assert_eq!(cache.offset(t), offset_seconds(tz, t), "{} at {}", tz.name(), t);
            }
        }
    }

    /// Every quarter hour (and every minute around transitions) of the
    /// trickiest zones agrees with a direct lookup.
    #[test]
    fn cached_offsets_equal_direct_lookups() {
        let zones = [
            "America/New_York",
            "America/Los_Angeles",
            "America/Santiago",
            "America/Havana",
            "America/Sao_Paulo",
            "America/Moncton",
            "America/Boa_Vista",
            "Pacific/Apia",
            "Australia/Lord_Howe",
            "Pacific/Chatham",
            "Asia/Kathmandu",
            "Asia/Kolkata",
            "Atlantic/Azores",
            "Europe/Dublin",
            "Africa/Casablanca",
            "Antarctica/Troll",
        ];
        for name in zones {
            let z = zone(name);
            let mut cache = z.offsets();
            // 1995..2030, shuffled by walking with a stride coprime to the range.
            let (from, to) = (788_918_400_i64, 1_893_456_000_i64);
            let n = (to - from) / 900;
            let stride = 7_919;
            for k in 0..n / 4 {
                let t = from + ((k * stride) % n) * 900 + (k % 60) * 60;
                assert_eq!(cache.offset(t), offset_seconds(z.0, t), "{name} at {t}");
            }
        }
    }
}
