// usageDaily reads plain rows through a fast column path and anything else
// through serde. Both must answer alike: the same rows, the same errors.
// Rows whose prototype is not Object.prototype take the general path, so
// each input is run both ways.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";

const root = new URL("../../", import.meta.url).pathname;
const { usageDaily } = createRequire(import.meta.url)(join(resolve(root, process.env.PKG ?? "pkg"), "node/cjs/runtime_rules.js"));

/** A small deterministic PRNG (mulberry32), so failures reproduce. */
function prng(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ZONES = ["UTC", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe", "America/Santiago", "Pacific/Chatham"];
const PROVIDERS = ["anthropic", "Anthropic", "OPENAI", "openai", "deepseek"];
const MODELS = ["claude-sonnet-4-6", "gpt-5", "deepseek-chat", "Gpt-5"];
const SUMS = [
  "input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens", "cost_usd_ticks",
  "uncosted_input_tokens", "uncosted_output_tokens", "uncosted_cache_read_tokens", "uncosted_cache_write_tokens",
];
const id = (n) => `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;

function buckets(random, n) {
  const pick = (xs) => xs[Math.floor(random() * xs.length)];
  // Quarter hours over 2025, with clusters around the DST changes.
  const base = Date.parse("2025-01-01T00:00:00Z");
  return Array.from({ length: n }, () => {
    const row = {
      bucket_start: new Date(base + Math.floor(random() * 35040) * 900_000).toISOString().replace(".000Z", "Z"),
      workspace_id: id(1),
      runtime_id: id(2),
      agent_id: id(Math.floor(random() * 4)),
      provider: pick(PROVIDERS),
      model: pick(MODELS),
      task_count: Math.floor(random() * 3),
      event_count: Math.floor(random() * 9),
    };
    // Up to 2^40 per row: large, and sums of a few hundred rows stay exact.
    for (const k of SUMS) row[k] = random() < 0.01 ? 2 ** 40 - Math.floor(random() * 9) : Math.floor(random() * 5000);
    return row;
  });
}

const general = (rows) => rows.map((r) => Object.assign(Object.create({ general: true }), r));

function outcome(f) {
  try {
    return { rows: f() };
  } catch (e) {
    return { code: e.code, field: e.field, message: e.message };
  }
}

test("the fast path and the general path give the same rows", () => {
  const random = prng(7);
  for (let round = 0; round < 30; round++) {
    const rows = buckets(random, 1 + Math.floor(random() * 400));
    const tz = ZONES[round % ZONES.length];
    const since = round % 3 === 0 ? "2025-06-01T00:00:00Z" : "2024-12-31T00:00:00Z";
    const fast = outcome(() => usageDaily(rows, tz, since));
    assert.ok(fast.rows, `round ${round}: ${fast.message}`);
    assert.deepEqual(fast, outcome(() => usageDaily(general(rows), tz, since)), `round ${round} in ${tz}`);
  }
});

test("a bad value anywhere gives the same error on both paths", () => {
  const random = prng(11);
  const bad = [
    ["bucket_start", "2025-01-01 00:00"], ["bucket_start", 0], ["agent_id", "not-an-id"], ["workspace_id", null],
    ["provider", 3], ["model", undefined], ["input_tokens", -1], ["output_tokens", 1.5], ["cost_usd_ticks", 2 ** 53],
    ["task_count", "1"], ["event_count", NaN], ["uncosted_cache_write_tokens", Infinity],
  ];
  for (const [field, value] of bad) {
    const rows = buckets(random, 50);
    const at = Math.floor(random() * rows.length);
    rows[at][field] = value;
    const fast = outcome(() => usageDaily(rows, "Asia/Kolkata", "2025-01-01T00:00:00Z"));
    assert.ok(fast.code, `${field} = ${String(value)} was accepted`);
    assert.deepEqual(fast, outcome(() => usageDaily(general(rows), "Asia/Kolkata", "2025-01-01T00:00:00Z")));
    assert.ok(fast.field.startsWith(`buckets[${at}]`), `${fast.field} for row ${at}`);
  }
});

test("a sum beyond 2^53 - 1 is an error, never a rounded number", () => {
  const rows = buckets(prng(5), 2).map((r) => ({ ...r, bucket_start: "2025-03-01T00:00:00Z", provider: "p", model: "m" }));
  for (const r of rows) r.input_tokens = Number.MAX_SAFE_INTEGER;
  const fast = outcome(() => usageDaily(rows, "UTC", "2025-01-01T00:00:00Z"));
  assert.equal(fast.code, "invalid_count");
  assert.deepEqual(fast, outcome(() => usageDaily(general(rows), "UTC", "2025-01-01T00:00:00Z")));
});

test("missing and unusual rows fall back to the general path", () => {
  const rows = buckets(prng(3), 5);
  assert.deepEqual(outcome(() => usageDaily(rows.slice(0, 0), "UTC", "2025-01-01T00:00:00Z")), { rows: [] });
  for (const odd of [null, 3, "x", [rows[0]]]) {
    const input = [...rows, odd];
    assert.deepEqual(outcome(() => usageDaily(input, "UTC", "2025-01-01T00:00:00Z")),
      outcome(() => usageDaily(general(rows).concat([odd]), "UTC", "2025-01-01T00:00:00Z")));
  }
  // A BigInt count is a count to serde-wasm-bindgen; the fast path leaves it to that path.
  const big = rows.map((r) => ({ ...r, cache_read_tokens: 10n }));
  assert.deepEqual(outcome(() => usageDaily(big, "UTC", "2025-01-01T00:00:00Z")),
    outcome(() => usageDaily(rows.map((r) => ({ ...r, cache_read_tokens: 10 })), "UTC", "2025-01-01T00:00:00Z")));
  for (const notRows of [null, undefined, {}, "rows", 5]) {
    const got = outcome(() => usageDaily(notRows, "UTC", "2025-01-01T00:00:00Z"));
    assert.equal(got.code, "invalid_input");
    assert.equal(got.field, "buckets");
  }
});
