"""§4 windows and time zones. Expected instants come from an oracle that
does not share code with the crate: Python's zoneinfo over the system's
compiled tzdata (the same IANA release as chrono-tz)."""
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo
from common import VectorFile, NAN, INF

ORACLE = "oracle: Python zoneinfo, tzdata 2025b"


def local_date(ts, tz):
    return datetime.fromtimestamp(ts, ZoneInfo(tz)).date()


def iso(ts):
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse(instant):
    return int(datetime.strptime(instant, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc).timestamp())


def start_of_day(d, tz):
    """The earliest instant whose local date is `d`, or, if the zone skips
    `d`, the first instant of a later date: brute force over two days."""
    naive = int(datetime(d.year, d.month, d.day, tzinfo=timezone.utc).timestamp())
    t = naive - 30 * 3600
    while local_date(t, tz) < d:
        t += 60
    back = t - 60
    while local_date(back + 1, tz) < d:
        back += 1
    first = back + 1
    assert local_date(first, tz) >= d and local_date(first - 1, tz) < d
    return first


def since_from_days(now, days, tz):
    today = local_date(parse(now), tz)
    return iso(start_of_day(today - timedelta(days=days), tz))


def start_of_local_day():
    f = VectorFile("start_of_local_day.json", "SPEC §4: the earliest instant of a local date, gap and fold days included")
    f.rule("start_of_local_day", "startOfLocalDay", ["date", "tz"])
    r = "start_of_local_day"
    days = [
        ("America/Santiago", "2025-09-07", "SPEC §4: midnight does not exist, the day starts at the transition"),
        ("America/Havana", "2025-03-09", "SPEC §4: midnight does not exist"),
        ("America/Sao_Paulo", "2015-10-18", "issue #2; jiff's start_of_day example: midnight gap"),
        ("America/Sao_Paulo", "2016-02-21", "fall back at midnight to 23:00 of the day before"),
        ("Atlantic/Azores", "2025-10-26", "SPEC §4: two midnights, the first one"),
        ("Pacific/Apia", "2011-12-30", "SPEC §4: a date the zone skipped starts with the next date"),
        ("Pacific/Apia", "2011-12-31", "the date after the skipped one"),
        ("Pacific/Apia", "2011-12-29", "the date before the skipped one"),
        ("America/New_York", "2025-03-09", "spring forward at 02:00"),
        ("America/New_York", "2025-03-10", "first full day of daylight time"),
        ("America/New_York", "2025-11-02", "fall back at 02:00"),
        ("America/New_York", "2025-11-03", "first full day of standard time"),
        ("America/Los_Angeles", "2025-03-09", "spring forward at 02:00"),
        ("America/Los_Angeles", "2025-11-02", "fall back at 02:00"),
        ("US/Pacific", "2025-03-09", "a link name"),
        ("Asia/Kolkata", "2025-06-01", "a :30 offset"),
        ("Asia/Kathmandu", "2025-06-01", "a :45 offset"),
        ("Pacific/Chatham", "2025-04-06", "a :45 offset, daylight time ends"),
        ("Pacific/Chatham", "2025-09-28", "a :45 offset, daylight time starts at 02:45"),
        ("Australia/Lord_Howe", "2025-04-06", "a 30-minute daylight shift ends"),
        ("Australia/Lord_Howe", "2025-10-05", "a 30-minute daylight shift starts"),
        ("Australia/Adelaide", "2025-10-05", "a :30 offset, daylight time starts"),
        ("America/St_Johns", "2025-11-02", "Newfoundland, a -03:30 offset"),
        ("America/Moncton", "1999-10-31", "fall back from 00:01 to 23:01 of the day before"),
        ("Europe/Dublin", "2025-03-30", "negative daylight saving in the data"),
        ("Africa/Casablanca", "2025-02-23", "Ramadan change of offset"),
        ("Etc/GMT+5", "2025-06-01", "POSIX sign: UTC-5"),
        ("UTC", "2024-02-29", "a leap day in UTC"),
    ]
    for tz, d, why in days:
        expected = iso(start_of_day(date.fromisoformat(d), tz))
        f.ok(r, f"{tz} {d}", f"{why}; {ORACLE}", expected, date=d, tz=tz)
    f.err(r, "after 2099 the time-zone rules are unknown", "chrono-tz's table ends in 2099 (DESIGN.md)", "invalid_date", "date",
          date="2100-07-01", tz="Australia/Sydney")
    f.ok(r, "the last day of 2099", f"the end of the supported range; {ORACLE}", iso(start_of_day(date(2099, 12, 31), "Asia/Tokyo")),
         date="2099-12-31", tz="Asia/Tokyo")
    for bad_date in ["2025-02-29", "2025-2-03", "20250203", "2025-02-03T00:00:00Z"]:
        f.err(r, f"rejects date {bad_date!r}", "bad input", "invalid_date", "date", date=bad_date, tz="UTC")
    for bad_tz, code in [("Local", "invalid_time_zone"), ("", "invalid_time_zone"), ("Mars/Olympus_Mons", "invalid_time_zone"),
                         ("america/new_york", "invalid_time_zone"), (" UTC", "invalid_time_zone"), (None, "invalid_input")]:
        f.err(r, f"rejects zone {bad_tz!r}", "SPEC §4: Local and empty names are invalid; names are case-sensitive",
              code, "tz", date="2025-06-01", tz=bad_tz)
    return f


def window():
    f = VectorFile("window.json", "SPEC §4: viewing zone, the days parameter and usage windows")
    f.rule("resolve_viewing_tz", "resolveViewingTz", ["query_tz", "stored_tz"])
    f.rule("parse_days", "parseDays", ["raw", "default"])
    f.rule("since_from_days", "sinceFromDays", ["now", "days", "tz"])
    f.rule("since_exact", "sinceExact", ["now", "days", "tz"])
    f.rule("local_date", "localDate", ["instant", "tz"])
    s4 = "SPEC §4"

    ld = "local_date"
    for instant, tz, why in [
        ("2025-06-01T18:29:59Z", "Asia/Kolkata", "one second before India's midnight"),
        ("2025-06-01T18:30:00Z", "Asia/Kolkata", "India's midnight: the next date"),
        ("2025-06-01T18:15:00Z", "Asia/Kathmandu", "Nepal's midnight (UTC+05:45)"),
        ("2025-11-02T05:30:00Z", "America/New_York", "inside the fall-back fold"),
        ("2025-09-07T04:00:00Z", "America/Santiago", "the transition instant of a midnight gap"),
        ("2025-09-07T03:59:59Z", "America/Santiago", "one second before a midnight gap"),
        ("2011-12-30T10:00:00Z", "Pacific/Apia", "Samoa skipped 2011-12-30: the next date"),
        ("2025-10-05T15:59:59Z", "Australia/Lord_Howe", "Lord Howe, one second before its half-hour spring forward"),
        ("2026-11-20T23:59:59Z", "UTC", "the last second of a UTC date"),
    ]:
        f.ok(ld, f"{instant} in {tz}", f"{why}; {ORACLE}", local_date(parse(instant), tz).isoformat(), instant=instant, tz=tz)
    f.err(ld, "a date is not an instant", "bad input", "invalid_instant", "instant", instant="2025-06-01", tz="UTC")
    f.err(ld, "an unknown zone", s4, "invalid_time_zone", "tz", instant="2025-06-01T00:00:00Z", tz="Mars/Base")

    rv = "resolve_viewing_tz"
    f.ok(rv, "the query wins", s4, "Asia/Kolkata", query_tz="Asia/Kolkata", stored_tz="Europe/Paris")
    f.ok(rv, "the query is trimmed and returned as given", s4, "Asia/Kolkata", query_tz="  Asia/Kolkata\t", stored_tz="UTC")
    f.ok(rv, "a link stays a link", s4, "US/Pacific", query_tz="US/Pacific", stored_tz=None)
    f.ok(rv, "Local falls through to the stored zone", s4, "Europe/Paris", query_tz="Local", stored_tz="Europe/Paris")
    f.ok(rv, "a wrongly cased name falls through", s4, "Europe/Paris", query_tz="asia/kolkata", stored_tz=" Europe/Paris ")
    f.ok(rv, "an empty query falls through", s4, "Europe/Paris", query_tz="", stored_tz="Europe/Paris")
    f.ok(rv, "nothing valid gives UTC", s4, "UTC", query_tz="Mars/Base", stored_tz="")
    f.ok(rv, "nothing at all gives UTC", s4, "UTC")
    f.ok(rv, "a non-string query is no zone", s4, "Asia/Tokyo", query_tz=9, stored_tz="Asia/Tokyo")

    pd = "parse_days"
    for raw, want, why in [
        ("7", 7, "a plain integer"), ("+7", 7, "a leading plus"), ("007", 7, "leading zeros"),
        ("+0000365", 365, "plus and many zeros"), ("1", 1, "the smallest"), ("365", 365, "the largest"),
        ("366", 30, "above the range"), ("0", 30, "zero"), ("-7", 30, "negative"), (" 7", 30, "whitespace"),
        ("7.0", 30, "a decimal string"), ("1e2", 30, "an exponent"), ("", 30, "empty"), ("seven", 30, "words"),
        ("++7", 30, "two signs"), (7, 7, "a JSON integer"), (7.0, 7, "an integral JSON number"),
        (7.5, 30, "a fraction"), (0, 30, "a zero number"), (400, 30, "a number above the range"),
        (None, 30, "null"), (True, 30, "a boolean"), ([7], 30, "a list"), (NAN, 30, "NaN"), (INF, 30, "Infinity"),
    ]:
        f.ok(pd, f"{why}: {raw!r}", f"{s4}; seeds parseSinceParamInTZ", want, raw=raw, default=30)
    f.ok(pd, "absent uses the default", s4, 90, default=90)
    for bad, code in [(0, "invalid_days"), (366, "invalid_days"), (-1, "invalid_days"), (1.5, "invalid_days"), ("30", "invalid_days")]:
        f.err(pd, f"a default of {bad!r} is itself invalid", "bad input", code, "default", raw="7", default=bad)

    sf = "since_from_days"
    anchor = "SPEC §4 example, from the anchor's TestSinceFromDays"
    for now, days, tz, want in [
        ("2025-03-12T19:30:00Z", 3, "America/New_York", "2025-03-09T05:00:00Z"),
        ("2025-11-05T13:00:00Z", 4, "America/New_York", "2025-11-01T04:00:00Z"),
        ("2025-03-10T13:15:00Z", 2, "America/Los_Angeles", "2025-03-08T08:00:00Z"),
    ]:
        assert since_from_days(now, days, tz) == want, (now, days, tz)
        f.ok(sf, f"{tz} {days} days before {now}", anchor, want, now=now, days=days, tz=tz)
    for now, days, tz, why in [
        ("2025-11-03T15:00:00Z", 1, "America/New_York", "back across fall-back night: a 25-hour day"),
        ("2025-11-02T03:30:00Z", 0, "America/New_York", "today only, on the fall-back day"),
        ("2025-03-09T06:59:59Z", 0, "America/New_York", "one second before the spring gap"),
        ("2025-09-10T12:00:00Z", 3, "America/Santiago", "back to a day whose midnight does not exist"),
        ("2025-03-09T12:00:00Z", 0, "America/Havana", "today is a day whose midnight does not exist"),
        ("2015-10-20T12:00:00Z", 2, "America/Sao_Paulo", "back to the 2015 midnight gap"),
        ("2025-06-01T20:00:00Z", 1, "Asia/Kolkata", "now is already tomorrow in India"),
        ("2025-06-01T18:29:59Z", 1, "Asia/Kolkata", "one second before India's midnight"),
        ("2025-06-01T18:15:00Z", 0, "Asia/Kathmandu", "exactly Nepal's midnight"),
        ("2025-04-07T00:00:00Z", 1, "Pacific/Chatham", "across Chatham's fall back"),
        ("2025-10-06T00:00:00Z", 1, "Australia/Lord_Howe", "across Lord Howe's half-hour spring forward"),
        ("2011-12-31T12:00:00Z", 1, "Pacific/Apia", "back to the date Samoa skipped"),
        ("2026-05-19T16:00:00Z", 90, "UTC", "the usage default of 90 days"),
        ("2024-03-01T00:00:00Z", 365, "Europe/Berlin", "a year back across a leap day"),
    ]:
        f.ok(sf, f"{tz} {days} days before {now}", f"{why}; {ORACLE}", since_from_days(now, days, tz), now=now, days=days, tz=tz)
    bad_now = dict(days=3, tz="UTC")
    f.err(sf, "negative days", s4, "invalid_days", "days", now="2025-06-01T00:00:00Z", days=-1, tz="UTC")
    f.err(sf, "fractional days", "bad input", "invalid_days", "days", now="2025-06-01T00:00:00Z", days=1.5, tz="UTC")
    f.err(sf, "NaN days", "bad input", "invalid_days", "days", now="2025-06-01T00:00:00Z", days=NAN, tz="UTC")
    f.err(sf, "Infinity days", "bad input", "invalid_days", "days", now="2025-06-01T00:00:00Z", days=INF, tz="UTC")
    f.err(sf, "days as a string", "bad input", "invalid_days", "days", now="2025-06-01T00:00:00Z", days="3", tz="UTC")
    f.err(sf, "days beyond the calendar", "bad input", "invalid_days", "days", now="2025-06-01T00:00:00Z", days=4000000000, tz="UTC")
    f.err(sf, "a local time is not an instant", "bad input", "invalid_instant", "now", now="2025-06-01T00:00:00", **bad_now)
    f.err(sf, "a date is not an instant", "bad input", "invalid_instant", "now", now="2025-06-01", **bad_now)
    f.err(sf, "an instant after 2099", "chrono-tz's table ends in 2099 (DESIGN.md)", "invalid_instant", "now",
          now="2100-01-01T00:00:00Z", days=1, tz="UTC")
    f.ok(sf, "the last second of 2099", f"the end of the supported range; {ORACLE}", since_from_days("2099-12-31T23:59:59Z", 0, "UTC"),
         now="2099-12-31T23:59:59Z", days=0, tz="UTC")
    f.err(sf, "the host zone is not a rule input", s4, "invalid_time_zone", "tz", now="2025-06-01T00:00:00Z", days=3, tz="Local")

    se = "since_exact"
    for now, days, tz, why in [
        ("2025-03-12T19:30:00Z", 3, "America/New_York", "exactly 3 dates: today and 2 before"),
        ("2025-06-01T20:00:00Z", 7, "Asia/Kolkata", "a week of India's dates"),
        ("2025-11-02T12:00:00Z", 1, "America/Los_Angeles", "today only, on a fall-back day"),
        ("2025-09-08T12:00:00Z", 2, "America/Santiago", "yesterday had no midnight"),
    ]:
        f.ok(se, f"{tz} {days} dates ending at {now}", f"{why}; {ORACLE}", since_from_days(now, days - 1, tz), now=now, days=days, tz=tz)
    f.ok(se, "zero dates: the window starts tomorrow", s4, since_from_days("2025-06-01T20:00:00Z", -1, "Asia/Kolkata"),
         now="2025-06-01T20:00:00Z", days=0, tz="Asia/Kolkata")
    f.err(se, "negative days", s4, "invalid_days", "days", now="2025-06-01T00:00:00Z", days=-2, tz="UTC")
    f.err(se, "tomorrow would be in 2100", "chrono-tz's table ends in 2099 (DESIGN.md)", "invalid_days", "days",
          now="2099-12-31T12:00:00Z", days=0, tz="UTC")
    return f
