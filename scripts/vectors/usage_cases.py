"""§5 usage: rollup, daily, per agent, per hour, activity. Local dates and
hours of expected rows come from zoneinfo (see time_cases.ORACLE)."""
from datetime import datetime, timezone
from zoneinfo import ZoneInfo
from common import VectorFile, uid, agent_id
from time_cases import ORACLE, parse

WS, RT = uid("workspace", 1), uid("runtime", 1)
T = lambda n: uid("task", n)
SUMS = ["input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens", "cost_usd_ticks",
        "uncosted_input_tokens", "uncosted_output_tokens", "uncosted_cache_read_tokens", "uncosted_cache_write_tokens"]
TOKENS = SUMS[:4]


def local(ts, tz):
    return datetime.fromtimestamp(ts, ZoneInfo(tz))


def bucket(start, model="claude-sonnet-4-6", provider="anthropic", agent=1, tokens=(100, 10, 0, 0), ticks=0,
           uncosted=None, tasks=1, events=1):
    uncosted = tokens if uncosted is None else uncosted
    return {"bucket_start": start, "workspace_id": WS, "runtime_id": RT, "agent_id": agent_id(agent),
            "provider": provider, "model": model, **dict(zip(TOKENS, tokens)), "cost_usd_ticks": ticks,
            **dict(zip(SUMS[5:], uncosted)), "task_count": tasks, "event_count": events}


def raw(created, task=1, agent=1, model="claude-sonnet-4-6", provider="anthropic", tokens=(100, 10, 0, 0),
        ticks=None, workspace=WS):
    row = {"task_id": T(task), "agent_id": agent_id(agent), "runtime_id": RT, "provider": provider,
           "model": model, **dict(zip(TOKENS, tokens)), "cost_usd_ticks": ticks, "created_at": created}
    if workspace:
        row["workspace_id"] = workspace
    return row


def sums_of(rows):
    return {k: sum(r[k] for r in rows) for k in SUMS}


def daily(buckets, tz, since):
    groups = {}
    for b in buckets:
        if parse(b["bucket_start"]) < parse(since):
            continue
        key = (local(parse(b["bucket_start"]), tz).date().isoformat(), b["provider"].lower(), b["model"])
        groups.setdefault(key, []).append(b)
    keys = sorted(groups, key=lambda k: (k[1].encode(), k[2].encode()))
    keys = sorted(keys, key=lambda k: k[0], reverse=True)
    return [{"date": d, "provider": p, "model": m, **sums_of(groups[(d, p, m)])} for d, p, m in keys]


def usage_daily():
    f = VectorFile("usage_daily.json", "SPEC §5: daily usage in the viewer's zone from quarter-hour buckets")
    f.rule("usage_daily", "usageDaily", ["buckets", "tz", "since"])
    r = "usage_daily"
    since = "2025-01-01T00:00:00Z"

    def case(name, why, buckets, tz, since=since):
        f.ok(r, name, f"{why}; {ORACLE}", daily(buckets, tz, since), buckets=buckets, tz=tz, since=since)

    india = [bucket("2025-06-01T18:15:00Z", tokens=(1, 0, 0, 0)), bucket("2025-06-01T18:30:00Z", tokens=(2, 0, 0, 0)),
             bucket("2025-06-01T23:45:00Z", tokens=(4, 0, 0, 0))]
    case("UTC keeps the evening on its own date", "issue #5: the Kolkata acceptance, UTC side", india, "UTC")
    case("Kolkata moves 18:30 UTC and later to the next date", "SPEC §5: a :30 zone is exact with quarter hours", india, "Asia/Kolkata")
    case("Kathmandu's midnight is at 18:15 UTC", "SPEC §5: a :45 zone", india, "Asia/Kathmandu")
    chatham = [bucket("2025-05-31T11:00:00Z"), bucket("2025-05-31T11:15:00Z")]
    case("Chatham's midnight is at 11:15 UTC", "SPEC §5: the anchor's whole-hour rollup got this wrong", chatham, "Pacific/Chatham")
    lord_howe = [bucket("2025-06-01T13:15:00Z"), bucket("2025-06-01T13:30:00Z")]
    case("Lord Howe's midnight is at 13:30 UTC", "SPEC §5", lord_howe, "Australia/Lord_Howe")
    adelaide = [bucket("2025-06-01T14:15:00Z"), bucket("2025-06-01T14:30:00Z")]
    case("Adelaide's midnight is at 14:30 UTC", "SPEC §5: a :30 zone", adelaide, "Australia/Adelaide")
    st_johns = [bucket("2025-01-15T03:15:00Z"), bucket("2025-01-15T03:30:00Z")]
    case("Newfoundland's midnight is at 03:30 UTC", "SPEC §5", st_johns, "America/St_Johns")
    fall = [bucket("2025-11-02T03:45:00Z", tokens=(1, 0, 0, 0)), bucket("2025-11-02T04:00:00Z", tokens=(2, 0, 0, 0)),
            bucket("2025-11-02T05:30:00Z", tokens=(4, 0, 0, 0)), bucket("2025-11-02T06:30:00Z", tokens=(8, 0, 0, 0)),
            bucket("2025-11-03T04:45:00Z", tokens=(16, 0, 0, 0)), bucket("2025-11-03T05:00:00Z", tokens=(32, 0, 0, 0))]
    case("New York fall-back day has 25 hours", "SPEC §5: two UTC hours share 01:00", fall, "America/New_York")
    spring = [bucket("2025-03-09T04:45:00Z", tokens=(1, 0, 0, 0)), bucket("2025-03-09T05:00:00Z", tokens=(2, 0, 0, 0)),
              bucket("2025-03-09T06:45:00Z", tokens=(4, 0, 0, 0)), bucket("2025-03-09T07:00:00Z", tokens=(8, 0, 0, 0)),
              bucket("2025-03-10T03:45:00Z", tokens=(16, 0, 0, 0)), bucket("2025-03-10T04:00:00Z", tokens=(32, 0, 0, 0))]
    case("New York spring-forward day has 23 hours", "SPEC §5", spring, "America/New_York")
    case("Los Angeles spring-forward day", "issue #2 DST list", [bucket("2025-03-09T07:45:00Z"), bucket("2025-03-09T08:00:00Z"),
                                                                 bucket("2025-03-10T06:45:00Z"), bucket("2025-03-10T07:00:00Z")], "America/Los_Angeles")
    case("Los Angeles fall-back day", "issue #2 DST list", [bucket("2025-11-02T06:45:00Z"), bucket("2025-11-02T07:00:00Z"),
                                                            bucket("2025-11-03T07:45:00Z"), bucket("2025-11-03T08:00:00Z")], "America/Los_Angeles")
    santiago = [bucket("2025-09-07T03:45:00Z"), bucket("2025-09-07T04:00:00Z")]
    case("Santiago's day without midnight starts at 04:00 UTC", "SPEC §4", santiago, "America/Santiago")
    havana = [bucket("2025-03-09T04:45:00Z"), bucket("2025-03-09T05:00:00Z")]
    case("Havana's day without midnight starts at 05:00 UTC", "SPEC §4", havana, "America/Havana")
    sao = [bucket("2015-10-18T02:45:00Z"), bucket("2015-10-18T03:00:00Z")]
    case("São Paulo's day without midnight starts at 03:00 UTC", "SPEC §4", sao, "America/Sao_Paulo", since="2015-01-01T00:00:00Z")
    mixed = [bucket("2025-06-02T10:00:00Z", "gpt-5", "OpenAI", tokens=(5, 5, 5, 5), ticks=0, uncosted=(5, 5, 5, 5)),
             bucket("2025-06-02T11:00:00Z", "gpt-5", "openai", agent=2, tokens=(1, 2, 3, 4), ticks=700, uncosted=(0, 0, 0, 0)),
             bucket("2025-06-02T12:00:00Z", "Zeta", "anthropic", tokens=(1, 1, 1, 1)),
             bucket("2025-06-02T12:00:00Z", "alpha", "anthropic", tokens=(1, 1, 1, 1)),
             bucket("2025-06-01T12:00:00Z", "alpha", "anthropic", tokens=(9, 9, 9, 9))]
    case("providers merge case-insensitively; order is date desc, provider, model bytes", "SPEC §5 ordering", mixed, "UTC")
    edge = [bucket("2025-05-31T23:45:00Z", tokens=(1, 0, 0, 0)), bucket("2025-06-01T00:00:00Z", tokens=(2, 0, 0, 0))]
    case("a bucket exactly at since is in, one before is out", "SPEC §5: at or after since", edge, "UTC", since="2025-06-01T00:00:00Z")
    case("no buckets, no rows", "SPEC §5", [], "UTC")
    good = [bucket("2025-06-01T00:00:00Z")]
    f.err(r, "a bucket start that is not an instant", "bad input", "invalid_instant", "buckets[0].bucket_start",
          buckets=[dict(good[0], bucket_start="2025-06-01 00:00")], tz="UTC", since=since)
    f.err(r, "negative tokens", "bad input", "invalid_count", "buckets[0].input_tokens",
          buckets=[dict(good[0], input_tokens=-5)], tz="UTC", since=since)
    f.err(r, "a missing model", "bad input", "invalid_input", "buckets[0].model",
          buckets=[{k: v for k, v in good[0].items() if k != "model"}], tz="UTC", since=since)
    f.err(r, "an unknown zone", "bad input", "invalid_time_zone", "tz", buckets=good, tz="Asia/Calcutta_", since=since)
    f.err(r, "since is not an instant", "bad input", "invalid_instant", "since", buckets=good, tz="UTC", since="2025-06-01")
    return f


def usage():
    f = VectorFile("usage.json", "SPEC §5: the quarter-hour rollup and reports over raw rows")
    f.rule("rollup_usage", "rollupUsage", ["rows"])
    f.rule("usage_by_agent", "usageByAgent", ["rows", "since"])
    f.rule("usage_by_hour", "usageByHour", ["rows", "tz", "since"])
    f.rule("fill_hours", "fillHours", ["rows"])
    f.rule("task_activity", "taskActivity", ["started_at", "tz"])
    s5 = "SPEC §5"

    ru = "rollup_usage"
    rows = [raw("2025-06-01T10:07:00Z", task=1, provider="OpenAI", model="gpt-5", tokens=(100, 10, 5, 1), ticks=None),
            raw("2025-06-01T10:14:59.999Z", task=1, provider="openai", model="gpt-5", tokens=(200, 20, 0, 0), ticks=123456),
            raw("2025-06-01T10:14:00Z", task=2, provider="openai", model="gpt-5", tokens=(1, 1, 1, 1), ticks=0),
            raw("2025-06-01T10:15:00Z", task=2, provider="openai", model="gpt-5", tokens=(7, 0, 0, 0))]
    f.ok(ru, "quarter hours, lowercased providers, distinct tasks, costed and uncosted rows", f"{s5} rollup",
         [{"bucket_start": "2025-06-01T10:00:00Z", "workspace_id": WS, "runtime_id": RT, "agent_id": agent_id(1),
           "provider": "openai", "model": "gpt-5", "input_tokens": 301, "output_tokens": 31, "cache_read_tokens": 6,
           "cache_write_tokens": 2, "cost_usd_ticks": 123456, "uncosted_input_tokens": 101, "uncosted_output_tokens": 11,
           "uncosted_cache_read_tokens": 6, "uncosted_cache_write_tokens": 2, "task_count": 2, "event_count": 3},
          {"bucket_start": "2025-06-01T10:15:00Z", "workspace_id": WS, "runtime_id": RT, "agent_id": agent_id(1),
           "provider": "openai", "model": "gpt-5", "input_tokens": 7, "output_tokens": 0, "cache_read_tokens": 0,
           "cache_write_tokens": 0, "cost_usd_ticks": 0, "uncosted_input_tokens": 7, "uncosted_output_tokens": 0,
           "uncosted_cache_read_tokens": 0, "uncosted_cache_write_tokens": 0, "task_count": 1, "event_count": 1}],
         rows=rows)
    f.ok(ru, "agents and models are separate buckets, sorted by key", f"{s5} rollup",
         [dict(bucket("2025-06-01T09:00:00Z", model="a", agent=1, tokens=(1, 0, 0, 0))),
          dict(bucket("2025-06-01T09:00:00Z", model="b", agent=1, tokens=(2, 0, 0, 0))),
          dict(bucket("2025-06-01T09:00:00Z", model="a", agent=2, tokens=(3, 0, 0, 0)))],
         rows=[raw("2025-06-01T09:01:00Z", agent=2, model="a", tokens=(3, 0, 0, 0)),
               raw("2025-06-01T09:02:00Z", agent=1, model="b", tokens=(2, 0, 0, 0)),
               raw("2025-06-01T09:03:00Z", agent=1, model="a", tokens=(1, 0, 0, 0))])
    f.err(ru, "a row without workspace cannot be rolled up", "bad input", "invalid_input", "rows[1].workspace_id",
          rows=[raw("2025-06-01T09:00:00Z"), raw("2025-06-01T09:00:00Z", workspace=None)])
    f.err(ru, "negative ticks", "bad input", "invalid_count", "rows[0].cost_usd_ticks", rows=[raw("2025-06-01T09:00:00Z", ticks=-1)])
    f.err(ru, "a created_at that is not an instant", "bad input", "invalid_instant", "rows[0].created_at", rows=[raw("June 1st")])

    ba = "usage_by_agent"
    rows = [raw("2025-06-01T09:00:00Z", task=1, agent=2, provider="Anthropic", tokens=(10, 1, 0, 0)),
            raw("2025-06-01T10:00:00Z", task=2, agent=2, provider="anthropic", tokens=(20, 2, 0, 0), ticks=5000),
            raw("2025-06-01T11:00:00Z", task=2, agent=1, model="gpt-5", provider="openai", tokens=(1, 1, 1, 1)),
            raw("2025-05-31T23:59:59Z", task=3, agent=1, model="gpt-5", provider="openai", tokens=(99, 0, 0, 0))]
    f.ok(ba, "grouped by agent, provider and model, with distinct tasks", f"{s5} by agent",
         [{"agent_id": agent_id(1), "provider": "openai", "model": "gpt-5", "input_tokens": 1, "output_tokens": 1,
           "cache_read_tokens": 1, "cache_write_tokens": 1, "cost_usd_ticks": 0, "uncosted_input_tokens": 1,
           "uncosted_output_tokens": 1, "uncosted_cache_read_tokens": 1, "uncosted_cache_write_tokens": 1, "task_count": 1},
          {"agent_id": agent_id(2), "provider": "anthropic", "model": "claude-sonnet-4-6", "input_tokens": 30,
           "output_tokens": 3, "cache_read_tokens": 0, "cache_write_tokens": 0, "cost_usd_ticks": 5000,
           "uncosted_input_tokens": 10, "uncosted_output_tokens": 1, "uncosted_cache_read_tokens": 0,
           "uncosted_cache_write_tokens": 0, "task_count": 2}],
         rows=rows, since="2025-06-01T00:00:00Z")

    bh = "usage_by_hour"

    def by_hour(rows, tz, since):
        groups = {}
        for r in rows:
            if parse(r["created_at"]) < parse(since):
                continue
            key = (local(parse(r["created_at"]), tz).hour, r["model"])
            groups.setdefault(key, []).append(r)
        out = []
        for (h, m) in sorted(groups, key=lambda k: (k[0], k[1].encode())):
            rs = groups[(h, m)]
            costed = [r for r in rs if (r["cost_usd_ticks"] or 0) > 0]
            row = {"hour": h, "model": m, **{k: sum(r[k] for r in rs) for k in TOKENS},
                   "cost_usd_ticks": sum(r["cost_usd_ticks"] for r in costed)}
            row.update({"uncosted_" + k: sum(r[k] for r in rs if r not in costed) for k in TOKENS})
            row["task_count"] = len({r["task_id"] for r in rs})
            out.append(row)
        return out

    fall = [raw("2025-11-02T05:10:00Z", task=1), raw("2025-11-02T06:10:00Z", task=2),
            raw("2025-11-02T06:20:00Z", task=2, model="gpt-5"), raw("2025-11-02T15:00:00Z", task=3, ticks=99)]
    f.ok(bh, "two UTC hours share New York's 01:00 on the fall-back day", f"{s5}; {ORACLE}",
         by_hour(fall, "America/New_York", "2025-11-01T00:00:00Z"), rows=fall, tz="America/New_York", since="2025-11-01T00:00:00Z")
    spring = [raw("2025-03-09T06:59:00Z", task=1), raw("2025-03-09T07:00:00Z", task=2)]
    f.ok(bh, "02:00 never occurs in New York on the spring-forward day", f"{s5}; {ORACLE}",
         by_hour(spring, "America/New_York", "2025-03-01T00:00:00Z"), rows=spring, tz="America/New_York", since="2025-03-01T00:00:00Z")
    india = [raw("2025-06-01T18:29:00Z", task=1), raw("2025-06-01T18:30:00Z", task=2), raw("2025-06-01T05:00:00Z", task=3)]
    f.ok(bh, "Kolkata's hours start at half past UTC hours; since excludes earlier rows", f"{s5}; {ORACLE}",
         by_hour(india, "Asia/Kolkata", "2025-06-01T06:00:00Z"), rows=india, tz="Asia/Kolkata", since="2025-06-01T06:00:00Z")

    fh = "fill_hours"
    zero = {k: 0 for k in SUMS}
    hour_row = lambda h, m, n, tasks: {"hour": h, "model": m, **dict(zero, input_tokens=n, uncosted_input_tokens=n), "task_count": tasks}
    expected = [{"hour": h, **zero, "task_count": 0} for h in range(24)]
    expected[1] = {"hour": 1, **dict(zero, input_tokens=300, uncosted_input_tokens=300), "task_count": 3}
    expected[23] = {"hour": 23, **dict(zero, input_tokens=5, uncosted_input_tokens=5), "task_count": 1}
    f.ok(fh, "24 rows, models of an hour summed, zeros elsewhere", f"{s5} fill_hours", expected,
         rows=[hour_row(1, "a", 100, 1), hour_row(1, "b", 200, 2), hour_row(23, "a", 5, 1)])
    f.ok(fh, "no rows: 24 zero rows", f"{s5} fill_hours", [{"hour": h, **zero, "task_count": 0} for h in range(24)], rows=[])
    f.err(fh, "hour 24 does not exist", "bad input", "invalid_input", "rows[0].hour", rows=[hour_row(24, "a", 1, 1)])

    ta = "task_activity"
    starts = ["2025-06-01T18:29:59Z", "2025-06-01T18:30:00Z", None, "2025-06-02T02:00:00Z", "2025-06-02T02:59:00Z"]
    counts = [0] * 24
    for s in starts:
        if s:
            counts[local(parse(s), "Asia/Kolkata").hour] += 1
    f.ok(ta, "hour-of-day starts in Kolkata, nulls skipped", f"SPEC §5 task_activity; {ORACLE}",
         [{"hour": h, "count": c} for h, c in enumerate(counts)], started_at=starts, tz="Asia/Kolkata")
    f.ok(ta, "no tasks: 24 zero hours", "SPEC §5", [{"hour": h, "count": 0} for h in range(24)], started_at=[], tz="UTC")
    f.err(ta, "a start that is not an instant", "bad input", "invalid_instant", "started_at[1]", started_at=[None, "noon"], tz="UTC")
    return f
