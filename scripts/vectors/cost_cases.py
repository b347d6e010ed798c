"""§6 cost: prices, estimates, aggregates, windows and display helpers.
Prices below are typed from SPEC §9, not read from pricing.json, so the
table itself is under test too."""
from common import VectorFile, uid, agent_id, NAN, INF

S6, S9 = "SPEC §6", "SPEC §9 example"
ANCHOR = "the anchor's packages/views/runtimes/utils.test.ts"
M = 1_000_000
SONNET = (3, 15, 0.30, 3.75)      # claude-sonnet-4-6
GPT5 = (1.25, 10, 0.125, 1.25)    # gpt-5
OPUS47 = (5, 25, 0.50, 6.25)      # claude-opus-4-7


def row(model, i=0, o=0, r=0, w=0, **kw):
    x = {"model": model}
    for k, v in (("input_tokens", i), ("output_tokens", o), ("cache_read_tokens", r), ("cache_write_tokens", w)):
        if v:
            x[k] = v
    x.update(kw)
    return x


def parts(price, i=0, o=0, r=0, w=0):
    return [i * price[0] / 1e6, o * price[1] / 1e6, r * price[2] / 1e6, w * price[3] / 1e6]


def pricing():
    f = VectorFile("pricing.json", "SPEC §6: how a model string finds its price key")
    f.rule("pricing_candidates", "pricingCandidates", ["model", "provider"])
    f.rule("model_group_key", "modelGroupKey", ["model", "provider"])
    f.rule("pricing_key", "pricingKey", ["model", "provider"])
    pc = "pricing_candidates"
    for model, provider, want, why in [
        ("anthropic/claude-opus-4.7[1m]", None,
         ["anthropic/claude-opus-4.7[1m]", "claude-opus-4.7[1m]", "claude-opus-4-7[1m]", "claude-opus-4-7"], "vendor, dots, tag"),
        ("gpt-5-2025-08-07", None, ["gpt-5-2025-08-07", "gpt-5"], "a dashed date"),
        ("claude-haiku-4.5-20251001", None,
         ["claude-haiku-4.5-20251001", "claude-haiku-4-5-20251001", "claude-haiku-4.5", "claude-haiku-4-5"], "a compact date"),
        ("claude-3-5-haiku-latest", None, ["claude-3-5-haiku-latest", "claude-3-5-haiku"], "-latest"),
        ("auto", " Cursor ", ["cursor/auto", "auto"], "provider trimmed and lowercased, qualified first"),
        ("cursor/composer-2", "cursor", ["cursor/composer-2", "composer-2"], "never cursor/cursor/"),
        ("anthropic/claude-sonnet-4.6", "anthropic",
         ["anthropic/claude-sonnet-4.6", "anthropic/claude-sonnet-4-6", "claude-sonnet-4.6", "claude-sonnet-4-6"], "qualified, then bare"),
        ("openrouter/anthropic/claude-x", None, ["openrouter/anthropic/claude-x", "anthropic/claude-x"], "one vendor prefix only"),
        ("Claude-Sonnet-4.6", None, ["Claude-Sonnet-4.6"], "claude- is matched case-sensitively"),
        ("9lives/gpt-5", None, ["9lives/gpt-5"], "a vendor starts with a letter"),
        ("gpt-5", "  ", ["gpt-5"], "a blank provider is no provider"),
        ("", "openai", [], "an empty model has no candidates"),
    ]:
        args = {"model": model} if provider is None else {"model": model, "provider": provider}
        f.ok(pc, f"{model!r} with {provider!r}: {why}", S6, want, **args)

    gk = "model_group_key"
    for model, provider, want, why in [
        ("claude-sonnet-4-6", "anthropic", "claude-sonnet-4-6", "priced as it is"),
        ("anthropic/claude-sonnet-4.6", "anthropic", "anthropic/claude-sonnet-4.6", "priced without the provider's help"),
        ("auto", "cursor", "cursor/auto", "priced only with its provider"),
        ("auto", "acme", "acme/auto", "another provider's auto stays apart"),
        ("my-model", None, "my-model", "no provider"),
        ("", "OpenAI ", "openai", "an empty model groups under its provider"),
        ("", None, "unknown", "nothing at all"),
    ]:
        args = {"model": model} if provider is None else {"model": model, "provider": provider}
        f.ok(gk, f"{model!r} with {provider!r}", f"{S6}; {why}", want, **args)
    pk = "pricing_key"
    f.ok(pk, "provider-qualified", S6, "cursor/auto", model="auto", provider="Cursor")
    f.ok(pk, "never doubled", S6, "cursor/auto", model="cursor/auto", provider="cursor")
    f.ok(pk, "without provider", S6, "auto", model="auto")
    return f


def cost():
    f = VectorFile("cost.json", "SPEC §6: estimated cost, its breakdown, cache savings, unmapped models")
    f.rule("estimate_cost", "estimateCost", ["row", "custom_prices"])
    f.rule("cost_breakdown", "costBreakdown", ["row", "custom_prices"])
    f.rule("cache_savings", "cacheSavings", ["row", "custom_prices"])
    f.rule("unmapped_models", "unmappedModels", ["rows", "custom_prices"])
    ec = "estimate_cost"
    for name, source, want, r in [
        ("claude-sonnet-4-6 1M in + 1M out", S9, 18, row("claude-sonnet-4-6", M, M)),
        ("claude-opus-4.7 with dots", S9, 30, row("claude-opus-4.7", M, M)),
        ("gpt-5 with a date suffix", S9, 1.25, row("gpt-5-2025-08-07", M)),
        ("vendor prefix and dots", S9, 18, row("anthropic/claude-sonnet-4.6", M, M)),
        ("auto of cursor", S9, 1.25, row("auto", M, provider="cursor")),
        ("auto of acme has no price", S9, 0, row("auto", M, provider="acme")),
        ("a reported cost is not charged twice", S9, 16, row("grok-4.5", M, M, cost_usd_ticks=160_000_000_000)),
        ("gpt-5-codex with cache reads", ANCHOR, 11.5, row("gpt-5-codex", M, M, 2 * M)),
        ("vendor, dots and a date", ANCHOR, 30, row("anthropic/claude-opus-4.7-20251001", M, M)),
        ("a context tag", ANCHOR, 30, row("claude-opus-4-7[1m]", M, M)),
        ("haiku with dots and a compact date", ANCHOR, 1, row("claude-haiku-4.5-20251001", M)),
        ("gpt-5.5 input", ANCHOR, 5, row("gpt-5.5", M)),
        ("gpt-5.4 output", ANCHOR, 15, row("gpt-5.4", 0, M)),
        ("gpt-5.4-mini", ANCHOR, 5.25, row("gpt-5.4-mini", M, M)),
        ("gpt-5.3-codex", ANCHOR, 15.75, row("gpt-5.3-codex", M, M)),
        ("deepseek-v4-flash with cache reads", ANCHOR, 0.4228, row("deepseek-v4-flash", M, M, M)),
        ("kimi-k2.6", ANCHOR, 4.95, row("kimi-k2.6", M, M)),
        ("glm-5.1", ANCHOR, 5.8, row("glm-5.1", M, M)),
        ("glm-4.5-flash is free", ANCHOR, 0, row("glm-4.5-flash", M, M)),
        ("deepseek/ vendor prefix", ANCHOR, 0.14, row("deepseek/deepseek-v4-flash", M)),
        ("moonshotai/ vendor prefix", ANCHOR, 0.95, row("moonshotai/kimi-k2.6", M)),
        ("an unknown model costs nothing", ANCHOR, 0, row("gpt-5.5-mini", M, M)),
        ("constructor is an unknown model", "SPEC §6: maps, never objects", 0, row("constructor", M)),
        ("__proto__ is an unknown model", "SPEC §6: maps, never objects", 0, row("__proto__", M)),
        ("reported cost plus uncosted tokens", S6, 4,
         row("claude-sonnet-4-6", M, M, cost_usd_ticks=10_000_000_000, uncosted_input_tokens=M)),
        ("missing uncosted fields count 0", S6, 1 + 3,
         row("claude-sonnet-4-6", M, M, M, M, cost_usd_ticks=10_000_000_000, uncosted_input_tokens=M,
             uncosted_output_tokens=None)),
        ("a reported zero is no report", S6, 18, row("claude-sonnet-4-6", M, M, cost_usd_ticks=0)),
        ("a null cost is no report", S6, 18, row("claude-sonnet-4-6", M, M, cost_usd_ticks=None)),
        ("only a reported cost, model unknown", S6, 2.5, row("mystery", M, M, cost_usd_ticks=25_000_000_000)),
        ("no tokens at all", S6, 0, row("claude-sonnet-4-6")),
    ]:
        f.ok(ec, name, source, want, row=r)
    custom = {"gpt-5.5-mini": {"input": 1, "output": 4, "cache_read": 0.1, "cache_write": 1},
              "claude-sonnet-4-6": {"input": 999, "output": 999, "cache_read": 999, "cache_write": 999},
              "brand-new-model": {"input": 2, "output": 8, "cache_read": 0.2, "cache_write": 2},
              "acme/auto": {"input": 0.5, "output": 1, "cache_read": 0, "cache_write": 0}}
    f.ok(ec, "a custom price for an unknown model", ANCHOR, 5, row=row("gpt-5.5-mini", M, M), custom_prices=custom)
    f.ok(ec, "the built-in table wins over a custom price", ANCHOR, 3, row=row("claude-sonnet-4-6", M), custom_prices=custom)
    f.ok(ec, "a custom price applies through date stripping", ANCHOR, 2, row=row("brand-new-model-2026-04-01", M), custom_prices=custom)
    f.ok(ec, "a custom price under the provider-qualified key", S6, 0.5, row=row("auto", M, provider="ACME"), custom_prices=custom)
    f.ok(ec, "null custom prices", S6, 18, row=row("claude-sonnet-4-6", M, M), custom_prices=None)
    f.err(ec, "a row without model", "bad input", "invalid_input", "row.model", row={"input_tokens": 5})
    f.err(ec, "negative tokens", "bad input", "invalid_count", "row.input_tokens", row=row("gpt-5", -5))
    f.err(ec, "fractional tokens", "bad input", "invalid_count", "row.output_tokens", row=row("gpt-5", 0, 2.5))
    f.err(ec, "more tokens than a JavaScript number holds exactly", "bad input", "invalid_count", "row.input_tokens",
          row=row("gpt-5", 2 ** 53))
    f.ok(ec, "the largest exact JavaScript integer is a count", S6, (2 ** 53 - 1) * 1.25 / 1e6, row=row("gpt-5", 2 ** 53 - 1))
    f.err(ec, "tokens as a string", "bad input", "invalid_count", "row.cache_read_tokens", row=row("gpt-5", 0, 0, "12"))
    f.err(ec, "a negative custom price", "bad input", "invalid_number", "custom_prices.x.input",
          row=row("x", M), custom_prices={"x": {"input": -1, "output": 0, "cache_read": 0, "cache_write": 0}})
    f.err(ec, "a custom price missing a field", "bad input", "invalid_input", "custom_prices.x.cache_write",
          row=row("x", M), custom_prices={"x": {"input": 1, "output": 0, "cache_read": 0}})
    f.err(ec, "custom prices that are not an object", "bad input", "invalid_input", "custom_prices",
          row=row("x", M), custom_prices=[1, 2])

    cb = "cost_breakdown"
    br = lambda p: dict(zip(["input", "output", "cache_read", "cache_write"], p))
    f.ok(cb, "table prices by kind", S6, br(parts(SONNET, M, M, M, M)), row=row("claude-sonnet-4-6", M, M, M, M))
    f.ok(cb, "a reported cost spread like the table would charge", S6, br([4, 12, 0, 0]),
         row=row("grok-4.5", M, M, cost_usd_ticks=160_000_000_000))
    f.ok(cb, "uncosted tokens priced, the rest of the report spread", S6, br([3, 1, 0, 0]),
         row=row("claude-sonnet-4-6", M, M, cost_usd_ticks=10_000_000_000, uncosted_input_tokens=M))
    f.ok(cb, "an unpriced model: the report on input", S6, br([2.5, 0, 0, 0]), row=row("mystery", M, M, cost_usd_ticks=25_000_000_000))
    f.ok(cb, "nothing to spread against: the report on input", S6, br([2 + 3, 0, 0, 0]),
         row=row("claude-sonnet-4-6", M, cost_usd_ticks=20_000_000_000, uncosted_input_tokens=M))

    cs = "cache_savings"
    f.ok(cs, "sonnet cache reads", S6, 2.7, row=row("claude-sonnet-4-6", 0, 0, M))
    f.ok(cs, "gpt-5 cache reads", S6, 2.25, row=row("gpt-5", 0, 0, 2 * M))
    f.ok(cs, "every cache read counts, reported or not", S6, 2.7,
         row=row("claude-sonnet-4-6", 0, 0, M, cost_usd_ticks=5, uncosted_input_tokens=0))
    f.ok(cs, "unpriced saves nothing", S6, 0, row=row("mystery", 0, 0, M))

    um = "unmapped_models"
    f.ok(um, "only the unknown model", ANCHOR, ["fictional-model-x"],
         rows=[row("claude-sonnet-4-6", M), row("gpt-5-codex", M), row("fictional-model-x", M)])
    f.ok(um, "listed under the key a custom price would use", S9, ["acme/auto"], rows=[row("auto", M, provider="acme")])
    f.ok(um, "sorted and unique; covered, empty and fully reported rows are not listed", S6, ["acme/x", "zeta"],
         rows=[row("zeta", 1), row("x", 1, provider="acme"), row("zeta", 2), row("paid", M, cost_usd_ticks=7),
               row("empty"), row("", M), row("brand-new-model", M)], custom_prices=custom)
    return f


def aggregate():
    f = VectorFile("aggregate.json", "SPEC §6: totals by date, week, agent and model, and equal KPI windows")
    f.rule("usage_totals", "usageTotals", ["rows", "custom_prices"])
    f.rule("aggregate_by_date", "aggregateByDate", ["rows", "custom_prices"])
    f.rule("aggregate_by_week", "aggregateByWeek", ["rows", "weeks", "tz", "now", "custom_prices"])
    f.rule("aggregate_by_agent", "aggregateByAgent", ["rows", "custom_prices"])
    f.rule("aggregate_by_model", "aggregateByModel", ["rows", "custom_prices"])
    f.rule("slice_window", "sliceWindow", ["rows", "days", "tz", "now"])

    def totals(rows_with_price, savings=0.0, tasks=0):
        t = {"input_tokens": 0, "output_tokens": 0, "cache_read_tokens": 0, "cache_write_tokens": 0}
        c = [0.0] * 4
        for price, (i, o, r, w) in rows_with_price:
            for k, v in zip(t, (i, o, r, w)):
                t[k] += v
            if price:
                c = [a + b for a, b in zip(c, parts(price, i, o, r, w))]
        cost = dict(zip(["input", "output", "cache_read", "cache_write"], c), total=sum(c))
        return {**t, "cost": cost, "cache_savings": savings, "task_count": tasks}

    d = lambda date, model, *tok: row(model, *tok, date=date)
    rows = [d("2026-05-10", "claude-sonnet-4-6", M, M // 2), d("2026-05-09", "claude-sonnet-4-6", M),
            d("2026-05-10", "gpt-5", M, 0, 2 * M)]
    f.ok("aggregate_by_date", "dates ascending, kinds and savings summed", "SPEC §6; anchor aggregateDailyCost",
         [{"date": "2026-05-09", **totals([(SONNET, (M, 0, 0, 0))])},
          {"date": "2026-05-10", **totals([(SONNET, (M, M // 2, 0, 0)), (GPT5, (M, 0, 2 * M, 0))], savings=2.25)}],
         rows=rows)
    f.err("aggregate_by_date", "a row without a date", "bad input", "invalid_input", "rows[1].date",
          rows=[rows[0], row("gpt-5", M)])
    f.ok("usage_totals", "everything summed, tasks where present", S6,
         totals([(SONNET, (M, M // 2, 0, 0)), (SONNET, (M, 0, 0, 0)), (GPT5, (M, 0, 2 * M, 0)), (None, (5, 0, 0, 0))],
                savings=2.25, tasks=4),
         rows=rows + [row("mystery", 5, task_count=4)])

    aw = "aggregate_by_week"
    week = lambda start, end, partial, days, t: {"week_start": start, "week_end": end, "partial": partial, "days_covered": days, **t}
    zero = totals([])
    f.ok(aw, "two complete weeks on a Sunday", ANCHOR,
         [week("2026-05-11", "2026-05-17", False, 7, totals([(SONNET, (M, M, 0, 0))])),
          week("2026-05-18", "2026-05-24", False, 7, totals([(SONNET, (2 * M, 0, 0, 0))]))],
         rows=[d("2026-05-12", "claude-sonnet-4-6", M, M), d("2026-05-24", "claude-sonnet-4-6", 2 * M)],
         weeks=2, tz="UTC", now="2026-05-24T12:00:00Z")
    f.ok(aw, "the current week covers Monday to today", ANCHOR,
         [week("2026-05-18", "2026-05-24", True, 3, zero)], rows=[], weeks=1, tz="UTC", now="2026-05-20T12:00:00Z")
    f.ok(aw, "two rows of a week add up", ANCHOR,
         [week("2026-05-11", "2026-05-17", False, 7, totals([(SONNET, (M, M, 0, 0)), (SONNET, (M, M, 0, 0))]))],
         rows=[d("2026-05-11", "claude-sonnet-4-6", M, M), d("2026-05-17", "claude-sonnet-4-6", M, M)],
         weeks=1, tz="UTC", now="2026-05-17T08:00:00Z")
    f.ok(aw, "empty weeks are filled, older rows dropped", ANCHOR,
         [week(s, e, p, n, zero) for s, e, p, n in [("2026-04-20", "2026-04-26", False, 7), ("2026-04-27", "2026-05-03", False, 7),
                                                     ("2026-05-04", "2026-05-10", False, 7), ("2026-05-11", "2026-05-17", False, 7),
                                                     ("2026-05-18", "2026-05-24", True, 2)]],
         rows=[d("2026-04-13", "claude-sonnet-4-6", M)], weeks=5, tz="UTC", now="2026-05-19T12:00:00Z")
    f.ok(aw, "rows after today are dropped, as in slice_window", S6,
         [week("2026-05-18", "2026-05-24", True, 3, totals([(SONNET, (M, 0, 0, 0))]))],
         rows=[d("2026-05-19", "claude-sonnet-4-6", M), d("2026-05-22", "claude-sonnet-4-6", 5 * M)],
         weeks=1, tz="UTC", now="2026-05-20T12:00:00Z")
    f.ok(aw, "today is Monday in Tokyo while it is Sunday in UTC", "SPEC §6; weeks in the viewer's zone",
         [week("2026-05-18", "2026-05-24", True, 1, zero)], rows=[], weeks=1, tz="Asia/Tokyo", now="2026-05-17T23:30:00Z")
    f.err(aw, "zero weeks", "bad input", "invalid_count", "weeks", rows=[], weeks=0, tz="UTC", now="2026-05-19T12:00:00Z")
    f.err(aw, "fractional weeks", "bad input", "invalid_count", "weeks", rows=[], weeks=1.5, tz="UTC", now="2026-05-19T12:00:00Z")

    A = agent_id
    ag = lambda n, model, *tok, tasks=None: row(model, *tok, agent_id=A(n), **({"task_count": tasks} if tasks else {}))
    f.ok("aggregate_by_agent", "most expensive first, ties by id, tasks summed", "SPEC §6; anchor aggregateCostByAgent",
         [{"agent_id": A(3), **totals([(SONNET, (M, 0, 0, 0)), (GPT5, (0, M, 0, 0))], tasks=5)},
          {"agent_id": A(1), **totals([(GPT5, (M, 0, 0, 0))], tasks=1)},
          {"agent_id": A(2), **totals([(GPT5, (M, 0, 0, 0))], tasks=2)}],
         rows=[ag(2, "gpt-5", M, tasks=2), ag(3, "claude-sonnet-4-6", M, tasks=3), ag(1, "gpt-5", M, tasks=1),
               ag(3, "gpt-5", 0, M, tasks=2)])
    f.err("aggregate_by_agent", "a row without an agent", "bad input", "invalid_input", "rows[0].agent_id", rows=[row("gpt-5", 1)])

    f.ok("aggregate_by_model", "grouped by model key, most expensive first", "SPEC §6; anchor aggregateCostByModel",
         [{"model": "claude-sonnet-4-6", **totals([(SONNET, (M, 0, 0, 0)), (SONNET, (0, M, 0, 0))])},
          {"model": "cursor/auto", **totals([((1.25, 6, 0.25, 0), (M, 0, 0, 0))])},
          {"model": "acme/auto", **totals([(None, (M, 0, 0, 0))])}],
         rows=[row("claude-sonnet-4-6", M), row("auto", M, provider="acme"), row("auto", M, provider="cursor"),
               row("claude-sonnet-4-6", 0, M)])

    sw = "slice_window"
    dated = lambda *dates: [row("gpt-5", 1, date=x) for x in dates]
    # Rows come back as cost rows: absent token counts read as 0 and are written out.
    as_cost_row = lambda r: {"output_tokens": 0, "cache_read_tokens": 0, "cache_write_tokens": 0, **r}
    out = lambda *dates: [as_cost_row(r) for r in dated(*dates)]
    f.ok(sw, "two windows of 7 dates each; future and older rows dropped",
         "SPEC §6: equal lengths (the anchor compared 8 dates with 7)",
         {"current": out("2026-05-13", "2026-05-15", "2026-05-19"), "previous": out("2026-05-08", "2026-05-12")},
         rows=dated("2026-05-01", "2026-05-08", "2026-05-12", "2026-05-13", "2026-05-15", "2026-05-19", "2026-05-20"),
         days=7, tz="UTC", now="2026-05-19T12:00:00Z")
    f.ok(sw, "today is the viewer's today", "SPEC §6; anchor sliceWindow Shanghai case",
         {"current": out("2026-05-19", "2026-05-20"), "previous": out("2026-05-13")},
         rows=dated("2026-05-13", "2026-05-19", "2026-05-20"), days=7, tz="Asia/Shanghai", now="2026-05-19T23:00:00Z")
    f.ok(sw, "one day against the day before", S6,
         {"current": out("2026-05-19"), "previous": out("2026-05-18")},
         rows=dated("2026-05-17", "2026-05-18", "2026-05-19"), days=1, tz="UTC", now="2026-05-19T00:00:00Z")
    f.ok(sw, "zero days: both windows empty", S6, {"current": [], "previous": []},
         rows=dated("2026-05-19"), days=0, tz="UTC", now="2026-05-19T12:00:00Z")
    f.err(sw, "negative days", "bad input", "invalid_days", "days", rows=[], days=-7, tz="UTC", now="2026-05-19T12:00:00Z")
    f.err(sw, "a row without a date", "bad input", "invalid_input", "rows[0].date", rows=[row("gpt-5", 1)], days=7,
          tz="UTC", now="2026-05-19T12:00:00Z")
    return f


def format_():
    f = VectorFile("format.json", "SPEC §6: KPI deltas and display helpers, exactly as JavaScript prints them")
    f.rule("pct_change", "pctChange", ["cur", "prev"])
    f.rule("format_tokens", "formatTokens", ["n"])
    f.rule("format_usd", "formatUsd", ["usd"])
    f.rule("tzdb_version", "tzdbVersion", [])
    node = "values checked with Node 20"
    for cur, prev, want in [(120, 100, 20), (80, 100, -20), (100, 0, None), (5, -1, None), (100, 100, 0),
                            (99.5, 100, 0), (100.5, 100, 1), (1, 3, -67), (2, 3, -33), (0, 4, -100), (97.5, 100, -2)]:
        f.ok("pct_change", f"{cur} against {prev}", f"{S6}: Math.round, half toward +∞, no negative zero; {node}", want, cur=cur, prev=prev)
    f.err("pct_change", "NaN", "bad input", "invalid_number", "cur", cur=NAN, prev=1)
    f.err("pct_change", "Infinity", "bad input", "invalid_number", "prev", cur=1, prev=INF)
    for n, want in [(0, "0"), (999, "999"), (1000, "1K"), (1050, "1.1K"), (1500, "1.5K"), (999949, "999.9K"),
                    (999950, "1M"), (999999, "1M"), (1234567, "1.2M"), (2.2e9, "2.2B"), (1e12, "1T"), (2e12, "2T"),
                    (1.5e15, "1500T")]:
        f.ok("format_tokens", f"{n:g}", f"{S6}; {node}", want, n=n)
    for bad in (-1, 1.5, NAN):
        f.err("format_tokens", f"{bad} is not a count", "bad input", "invalid_count", "n", n=bad)
    for usd, want in [(150.6, "$151"), (0.5, "$0.50"), (100, "$100"), (100.5, "$101"), (99.995, "$100.00"),
                      (99.999, "$100.00"), (0, "$0.00"), (1234567.891, "$1234568"), (-1.234, "$-1.23"),
                      (0.125, "$0.13"), (1.005, "$1.00")]:
        f.ok("format_usd", f"{usd}", f"{S6}: toFixed rounds the exact binary value, ties up; {node}", want, usd=usd)
    f.err("format_usd", "NaN", "bad input", "invalid_number", "usd", usd=NAN)
    f.err("format_usd", "a string", "bad input", "invalid_input", "usd", usd="12")
    f.ok("tzdb_version", "the compiled IANA release", "SPEC §8.1 tzdbVersion", "2025b")
    return f
