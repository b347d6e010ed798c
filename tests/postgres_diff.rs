//! The core against PostgreSQL (issue #7): the same quarter-hour usage,
//! grouped into local days by `usage_daily` and by PostgreSQL's
//! `(bucket_start AT TIME ZONE tz)::date`, in 60 zones over 2023–2026; and
//! `since_from_days` against `((now AT TIME ZONE tz)::date - days)::timestamp
//! AT TIME ZONE tz`.
//!
//! Needs a PostgreSQL server, so it is ignored by a plain `cargo test`;
//! `scripts/test` runs it as
//! `scripts/with-postgres cargo test --test postgres_diff -- --ignored`,
//! which starts a private server and sets PGHOST.
//!
//! Rows are random quarter hours (seeded: `DIFF_SEED` to change) plus every
//! quarter hour of every day whose length is not 24 hours, from an hour
//! before it to an hour after, so each DST transition of each zone is
//! covered. On the days whose midnight does not exist (a gap at 00:00) the
//! two disagree on purpose: PostgreSQL reads the missing midnight as a
//! wall-clock time outside the gap, the core starts the day at the
//! transition instant, its first instant; the test asserts both. When
//! PostgreSQL's time-zone database is another release than the core's, a
//! zone where the two read an instant differently is reported, not failed.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::process::{Command, Stdio};

use runtime_rules::usage::{Bucket, usage_daily};
use runtime_rules::window::{DayCount, local_date, since_from_days, start_of_local_day};
use runtime_rules::{Date, Instant, Zone, decode, tzdb_version};
use serde_json::json;

/// Every zone with a :30 or :45 offset, zones whose DST changes at
/// midnight, southern-hemisphere zones, Lord Howe's 30-minute DST, and the
/// usual ones.
const ZONES: &[&str] = &[
    // :30 and :45 offsets
    "Asia/Kolkata",
    "Asia/Colombo",
    "Asia/Kathmandu",
    "Asia/Tehran",
    "Asia/Kabul",
    "Asia/Yangon",
    "Australia/Adelaide",
    "Australia/Darwin",
    "Australia/Broken_Hill",
    "Australia/Eucla",
    "Australia/Lord_Howe",
    "America/St_Johns",
    "Pacific/Chatham",
    "Pacific/Marquesas",
    "Indian/Cocos",
    "Asia/Pyongyang",
    // DST at midnight
    "America/Havana",
    "America/Santiago",
    "America/Asuncion",
    "Asia/Beirut",
    "Asia/Gaza",
    "Asia/Hebron",
    "Africa/Cairo",
    "America/Scoresbysund",
    "Atlantic/Azores",
    "America/Nuuk",
    "Asia/Amman",
    "Asia/Damascus",
    "Pacific/Easter",
    "America/Punta_Arenas",
    // southern hemisphere
    "Australia/Sydney",
    "Australia/Melbourne",
    "Australia/Hobart",
    "Pacific/Auckland",
    "America/Sao_Paulo",
    "America/Argentina/Buenos_Aires",
    "Africa/Johannesburg",
    "Pacific/Apia",
    "Pacific/Fiji",
    "Pacific/Norfolk",
    "Antarctica/Troll",
    // the usual ones, and the edges of the day
    "UTC",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Phoenix",
    "America/Los_Angeles",
    "America/Anchorage",
    "Pacific/Honolulu",
    "America/Mexico_City",
    "America/Halifax",
    "Europe/London",
    "Europe/Dublin",
    "Europe/Lisbon",
    "Europe/Paris",
    "Europe/Moscow",
    "Africa/Casablanca",
    "Asia/Jerusalem",
    "Asia/Shanghai",
    "Asia/Tokyo",
    "Pacific/Kiritimati",
    "Pacific/Pago_Pago",
];

const FIRST_DAY: &str = "2023-01-01";
const DAYS: i64 = 4 * 365 + 1;
const QUARTER: i64 = 15 * 60;

/// A small deterministic generator: the rows are the same on every run of
/// one seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn psql(script: &str) -> String {
    let mut child = Command::new("psql")
        .args([
            "-X",
            "-q",
            "-At",
            "-F",
            "|",
            "-v",
            "ON_ERROR_STOP=1",
            "-f",
            "-",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("psql runs (PostgreSQL's client)");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(script.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "psql failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn zone(name: &str) -> Zone {
    decode("tz", json!(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn instant(secs: i64) -> Instant {
    Instant::from_unix(secs, 0).unwrap()
}

/// The days of the test's range whose length is not 24 hours in `tz`.
fn irregular_days(tz: Zone) -> Vec<(Instant, Instant)> {
    let first = Date::parse(FIRST_DAY, "day").unwrap();
    let mut out = Vec::new();
    let mut start = start_of_local_day(first, tz).unwrap();
    for d in 1..=DAYS {
        let next = start_of_local_day(first.add_days(d).unwrap(), tz).unwrap();
        if next.unix_seconds() - start.unix_seconds() != 86_400 {
            out.push((start, next));
        }
        start = next;
    }
    out
}

/// One zone's rows: (bucket start, provider, model, input, output, cost).
type Row = (i64, &'static str, &'static str, u64, u64, u64);

fn rows_of(tz: Zone, rng: &mut Rng) -> Vec<Row> {
    const MODELS: [(&str, &str); 3] = [
        ("anthropic", "claude-sonnet-4-6"),
        ("Anthropic", "claude-sonnet-4-6"),
        ("openai", "gpt-5"),
    ];
    let first = start_of_local_day(Date::parse(FIRST_DAY, "day").unwrap(), tz)
        .unwrap()
        .unix_seconds();
    let first = first - first.rem_euclid(QUARTER);
    let mut starts: Vec<i64> = (0..400)
        .map(|_| first + QUARTER * rng.below((DAYS * 96) as u64) as i64)
        .collect();
    for (start, end) in irregular_days(tz) {
        let from = start.unix_seconds() - 3600;
        let from = from - from.rem_euclid(QUARTER);
        starts.extend((from..end.unix_seconds() + 3600).step_by(QUARTER as usize));
    }
    starts
        .into_iter()
        .map(|s| {
            let (provider, model) = MODELS[rng.below(3) as usize];
            (
                s,
                provider,
                model,
                rng.below(5000),
                rng.below(900),
                rng.below(1_000_000),
            )
        })
        .collect()
}

fn bucket(row: &Row) -> Bucket {
    let (s, provider, model, input, output, cost) = *row;
    decode(
        "bucket",
        json!({
            "bucket_start": instant(s).to_string(),
            "workspace_id": "22222222-0000-4000-8000-000000000001",
            "runtime_id": "33333333-0000-4000-8000-000000000001",
            "agent_id": "44444444-0000-4000-8000-000000000001",
            "provider": provider.to_lowercase(), "model": model,
            "input_tokens": input, "output_tokens": output,
            "cache_read_tokens": 0, "cache_write_tokens": 0, "cost_usd_ticks": cost,
            "uncosted_input_tokens": 0, "uncosted_output_tokens": 0,
            "uncosted_cache_read_tokens": 0, "uncosted_cache_write_tokens": 0,
            "task_count": 1, "event_count": 1
        }),
    )
    .unwrap()
}

/// PostgreSQL's time-zone database release, when it reads the system's
/// (`--with-system-tzdata`, as Debian builds it) and that says its release.
fn postgres_tzdata() -> Option<String> {
    let configure = Command::new("pg_config").arg("--configure").output().ok()?;
    let configure = String::from_utf8_lossy(&configure.stdout).into_owned();
    let dir = configure
        .split_whitespace()
        .find_map(|arg| arg.trim_matches('\'').strip_prefix("--with-system-tzdata="))?
        .to_owned();
    std::fs::read_to_string(format!("{dir}/tzdata.zi"))
        .ok()?
        .lines()
        .next()?
        .strip_prefix("# version ")
        .map(str::to_owned)
}

#[test]
#[ignore = "needs PostgreSQL: scripts/with-postgres cargo test --test postgres_diff -- --ignored"]
fn usage_daily_and_since_from_days_agree_with_postgresql() {
    let seed = std::env::var("DIFF_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5eed_2026_u64);
    let mut rng = Rng(seed);
    let same_tzdata = postgres_tzdata().as_deref() == Some(tzdb_version());
    println!(
        "seed {seed}; {} zones; tzdata: core {}, PostgreSQL {:?}",
        ZONES.len(),
        tzdb_version(),
        postgres_tzdata()
    );

    // The rows, the `since` of each zone's report, and `now`/`days` pairs.
    let mut rows: BTreeMap<&str, Vec<Row>> = BTreeMap::new();
    let mut since: BTreeMap<&str, i64> = BTreeMap::new();
    let mut nows: Vec<(&str, i64, u32)> = Vec::new();
    let mut copy = String::new();
    let mut since_copy = String::new();
    let mut now_copy = String::new();
    for name in ZONES {
        let tz = zone(name);
        let zone_rows = rows_of(tz, &mut rng);
        for (s, provider, model, input, output, cost) in &zone_rows {
            writeln!(
                copy,
                "{name},{s},{provider},{model},{input},{output},{cost}"
            )
            .unwrap();
        }
        // A `since` somewhere in the range: a local midnight a random number
        // of days back from a random instant, as the reports compute it.
        let now = zone_rows[rng.below(zone_rows.len() as u64) as usize].0;
        let days = rng.below(400) as u32;
        let s = since_from_days(instant(now), DayCount(days), tz)
            .unwrap()
            .unix_seconds();
        since.insert(name, s);
        writeln!(since_copy, "{name},{s}").unwrap();
        // Every irregular day's next instant as `now`, with 0 and 1 days,
        // and random ones.
        for (start, end) in irregular_days(tz) {
            for (at, days) in [(start, 0), (end, 1), (end, 0)] {
                nows.push((name, at.unix_seconds() + 7200, days));
            }
        }
        for _ in 0..40 {
            let at = zone_rows[rng.below(zone_rows.len() as u64) as usize].0;
            nows.push((name, at, rng.below(120) as u32));
        }
        rows.insert(name, zone_rows);
    }
    for (name, at, days) in &nows {
        writeln!(now_copy, "{name},{at},{days}").unwrap();
    }

    let script = format!(
        "SET TIME ZONE 'UTC';
         CREATE TEMP TABLE b (zone text, s bigint, provider text, model text,
                              input bigint, output bigint, cost bigint);
         CREATE TEMP TABLE since (zone text, s bigint);
         CREATE TEMP TABLE n (zone text, s bigint, days int);
         COPY b FROM STDIN (FORMAT csv);
{copy}\\.
         COPY since FROM STDIN (FORMAT csv);
{since_copy}\\.
         COPY n FROM STDIN (FORMAT csv);
{now_copy}\\.
         SELECT 'daily', b.zone, (to_timestamp(b.s) AT TIME ZONE b.zone)::date,
                lower(b.provider), b.model, sum(b.input), sum(b.output), sum(b.cost)
           FROM b JOIN since ON since.zone = b.zone
          WHERE b.s >= since.s
          GROUP BY 2, 3, 4, 5 ORDER BY 2, 3, 4, 5;
         SELECT 'since', zone, s, days,
                extract(epoch FROM ((to_timestamp(s) AT TIME ZONE zone)::date - days)::timestamp
                                   AT TIME ZONE zone)::bigint
           FROM n ORDER BY 1, 2, 3, 4;
         SELECT 'local', zone, s, (to_timestamp(s) AT TIME ZONE zone)::date
           FROM (SELECT DISTINCT zone, s FROM b) d ORDER BY 2, 3;"
    );
    let out = psql(&script);

    // PostgreSQL's reading of each instant's local date: where it differs
    // from the core's, the two time-zone databases differ.
    let mut differing: BTreeMap<String, usize> = BTreeMap::new();
    let mut pg_daily: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut pg_since: Vec<(String, i64, u32, i64)> = Vec::new();
    for line in out.lines() {
        let f: Vec<&str> = line.split('|').collect();
        match f[0] {
            "daily" => pg_daily
                .entry(f[1].to_owned())
                .or_default()
                .push(f[2..].join("|")),
            "since" => pg_since.push((
                f[1].to_owned(),
                f[2].parse().unwrap(),
                f[3].parse().unwrap(),
                f[4].parse().unwrap(),
            )),
            "local" => {
                let ours = local_date(instant(f[2].parse().unwrap()), zone(f[1])).to_string();
                if ours != f[3] {
                    *differing.entry(f[1].to_owned()).or_default() += 1;
                }
            }
            other => panic!("unexpected psql line {other:?}"),
        }
    }
    if !differing.is_empty() {
        println!("zones whose instants PostgreSQL dates otherwise: {differing:?}");
        assert!(
            !same_tzdata,
            "same tzdata release on both sides, yet local dates differ: {differing:?}"
        );
    }

    // usage_daily, zone by zone.
    let mut compared = 0;
    for name in ZONES {
        if differing.contains_key(*name) {
            continue;
        }
        let tz = zone(name);
        let buckets: Vec<Bucket> = rows[name].iter().map(bucket).collect();
        let ours: Vec<String> = usage_daily(&buckets, tz, instant(since[name]))
            .into_iter()
            .map(|r| {
                format!(
                    "{}|{}|{}|{}|{}|{}",
                    r.date,
                    r.provider,
                    r.model,
                    r.usage.input_tokens,
                    r.usage.output_tokens,
                    r.usage.cost_usd_ticks
                )
            })
            .collect();
        // The core lists the newest date first; PostgreSQL sorted ascending.
        let mut ours = ours;
        ours.sort();
        let theirs = pg_daily.remove(*name).unwrap_or_default();
        assert!(!ours.is_empty(), "{name}: no rows since {}", since[name]);
        assert_eq!(ours, theirs, "{name}: usage_daily differs from PostgreSQL");
        compared += ours.len();
    }

    // since_from_days: equal, except where the local midnight does not
    // exist; there the core's answer is the day's first instant.
    let mut gaps = 0;
    for (name, now, days, theirs) in &pg_since {
        if differing.contains_key(name) {
            continue;
        }
        let tz = zone(name);
        let ours = since_from_days(instant(*now), DayCount(*days), tz)
            .unwrap()
            .unix_seconds();
        if ours == *theirs {
            continue;
        }
        // The day PostgreSQL and the core both mean.
        let day = local_date(instant(*now), tz)
            .add_days(-i64::from(*days))
            .unwrap();
        assert_eq!(
            local_date(instant(ours), tz),
            day,
            "{name} now={now} days={days}: ours {ours} is not on {day}"
        );
        assert_ne!(
            local_date(instant(ours - 1), tz),
            day,
            "{name} now={now} days={days}: ours {ours} is not {day}'s first instant (PostgreSQL {theirs})"
        );
        // Not a midnight that exists: the core would then agree.
        assert!(
            irregular_days(tz)
                .iter()
                .any(|(start, _)| start.unix_seconds() == ours),
            "{name} now={now} days={days}: ours {ours}, PostgreSQL {theirs}, on a regular day"
        );
        gaps += 1;
    }
    println!(
        "usage_daily: {compared} rows equal in {} zones; since_from_days: {} pairs, {gaps} on \
         days whose midnight does not exist (the core starts them at the transition)",
        ZONES.len() - differing.len(),
        pg_since.len()
    );
    assert!(gaps > 0, "no midnight gap was exercised");
}
