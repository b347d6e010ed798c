// The package's WebAssembly, measured from Node: wasm size, `usageDaily` on
// 1,000,000 buckets beside two JavaScript implementations of the same rule,
// `planTeardown` on a 10,000-agent runtime, and where the time goes.
// Run it through scripts/bench-wasm (which passes --expose-gc); options:
//
//   --runs N        timed samples per measurement (default: as many as fit a
//                   time budget, 3..5 for wasm, 2..5 for Intl, after a warm-up)
//   --quick         one sample each, no formatToParts and no shuffled rows
//   --zones A,B     zones for usageDaily (default America/New_York,Asia/Kolkata,UTC)
//   --rows N        bucket rows (default 1,000,000, as benches/core.rs)
//   --entry esm|cjs which Node entry of the package to load (default esm:
//                   pkg/node/index.js, the web build; cjs: pkg/node/cjs)
//   --out FILE      results JSON (default bench/wasm-results.json)
//
// Progress goes to stderr, the table to stdout. No figure is asserted; the
// only failures are wrong answers (JS and wasm rows that differ, a plan
// that is not the expected one).

import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { isDeepStrictEqual } from "node:util";
import zlib from "node:zlib";

import { bigRuntime, buckets, instant, shuffled, START, STRANGER, ROWS } from "./data.mjs";
import { firstDifference, usageDailyIntl, usageDailyMemo } from "./daily.mjs";
import { table } from "../format.mjs";
import { gcExposed, interleaved, once, pairedMedianDifference, runCount, sample, sampleFast, summary } from "./timing.mjs";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
/** A path as the user may type it: relative to the checkout when inside it. */
const rel = (p) => (path.resolve(p).startsWith(ROOT) ? path.relative(ROOT, p) || "." : path.resolve(p));
const log = (...a) => console.error("bench-wasm:", ...a);

// ---------------------------------------------------------------- options

function options(argv) {
  const o = {
    runs: undefined,
    quick: false,
    zones: ["America/New_York", "Asia/Kolkata", "UTC"],
    rows: ROWS,
    entry: "esm",
    out: path.join(ROOT, "bench/wasm-results.json"),
  };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s);
    const value = () => inline ?? argv[++i] ?? usage(`${flag} needs a value`);
    switch (flag) {
      case "--runs": o.runs = positive(value(), flag); break;
      case "--quick": o.quick = true; break;
      case "--zones": o.zones = value().split(",").filter(Boolean); break;
      case "--rows": o.rows = positive(value(), flag); break;
      case "--entry": o.entry = value(); if (!["esm", "cjs"].includes(o.entry)) usage("--entry is esm or cjs"); break;
      case "--out": o.out = path.resolve(value()); break;
      case "-h": case "--help": usage(); break;
      default: usage(`unknown option ${argv[i]}`);
    }
  }
  if (o.quick && o.runs === undefined) o.runs = 1;
  return o;
}

function positive(text, flag) {
  const n = Number(text.replaceAll("_", ""));
  if (!Number.isInteger(n) || n < 1) usage(`${flag} takes a positive integer`);
  return n;
}

function usage(why) {
  const head = readFileSync(fileURLToPath(import.meta.url), "utf8").split("\n\n")[0];
  console.error(head.replace(/^\/\/ ?/gm, ""));
  if (why) console.error(`\nbench-wasm: ${why}`);
  process.exit(why ? 2 : 0);
}

// ---------------------------------------------------------------- helpers

const fmtInt = (n) => Math.round(n).toLocaleString("en-US");
function fmtMs(ms) {
  if (ms === undefined || ms === null || Number.isNaN(ms)) return "-";
  if (ms < 0) return `−${fmtMs(-ms)}`;
  if (ms < 0.1) return `${(ms * 1000).toFixed(1)} µs`;
  if (ms < 10) return ms.toFixed(2);
  if (ms < 1000) return ms.toFixed(1);
  return fmtInt(ms);
}
function fmtRate(perSecond) {
  if (perSecond >= 1e6) return `${(perSecond / 1e6).toFixed(2)} M/s`;
  return `${(perSecond / 1e3).toFixed(0)} k/s`;
}
function fmtRatio(other, wasm) {
  const r = other / wasm;
  if (!Number.isFinite(r)) return "-";
  return r >= 1 ? `${r.toFixed(2)}× (wasm faster)` : `${r.toFixed(2)}× (wasm ${(1 / r).toFixed(1)}× slower)`;
}

function fail(message) {
  console.error(`\nbench-wasm: FAILED: ${message}`);
  process.exit(1);
}

/** The wasm and a JS implementation must give the very same rows. */
function assertSame(label, wasmRows, jsRows) {
  const diff = firstDifference(wasmRows, jsRows);
  if (diff !== null || !isDeepStrictEqual(wasmRows, jsRows)) {
    fail(`${label}: the JavaScript rows differ from the wasm rows: ${diff ?? "deep-equal fails (types or prototypes)"}`);
  }
}

function cpuModel() {
  try {
    const line = readFileSync("/proc/cpuinfo", "utf8").split("\n").find((l) => /^model name\s*:/.test(l));
    if (line) return line.split(":")[1].trim();
  } catch {}
  return os.cpus()[0]?.model ?? "unknown";
}

/** A median from the last `cargo bench` (criterion), if one is on disk. */
function native(...parts) {
  const file = path.join(ROOT, "target/criterion", ...parts, "new/estimates.json");
  try {
    const est = JSON.parse(readFileSync(file, "utf8"));
    return { median_ms: est.median.point_estimate / 1e6, measured_at: statSync(file).mtime.toISOString(), file: rel(file) };
  } catch {
    return null;
  }
}

/** A wasm-bindgen JS snippet of the loaded build that exports `name`. */
function findSnippet(name) {
  const dir = path.join(ROOT, opts.entry === "esm" ? "pkg/web/snippets" : "pkg/node/cjs/snippets");
  let files;
  try {
    files = readdirSync(dir, { recursive: true }).filter((f) => f.endsWith(".js"));
  } catch {
    return null;
  }
  for (const f of files) {
    const file = path.join(dir, f);
    if (new RegExp(`export function ${name}\\b|exports\\.${name}\\b`).test(readFileSync(file, "utf8"))) return { file, name };
  }
  return null;
}

function gitIgnored(file) {
  const r = spawnSync("git", ["check-ignore", "-q", file], { cwd: ROOT });
  return r.status === 0 ? true : r.status === 1 ? false : null;
}

// ---------------------------------------------------------------- main

const opts = options(process.argv.slice(2));
const startedAt = new Date();
const loadBefore = os.loadavg();
const out = { version: 1 };
let previous = null;
try {
  previous = JSON.parse(readFileSync(opts.out, "utf8"));
} catch {}
const prevMs = (id) => previous?.measurements?.[id]?.median_ms;
const measurements = {};
const record = (id, m) => (measurements[id] = m);

// The package.
const wasmFiles = {
  web: path.join(ROOT, "pkg/web/runtime_rules_bg.wasm"),
  bundler: path.join(ROOT, "pkg/bundler/runtime_rules_bg.wasm"),
  "node/cjs": path.join(ROOT, "pkg/node/cjs/runtime_rules_bg.wasm"),
};
const entryFile = path.join(ROOT, opts.entry === "esm" ? "pkg/node/index.js" : "pkg/node/cjs/runtime_rules.js");
if (!existsSync(entryFile)) fail(`${rel(entryFile)} is missing: build the package (scripts/build --no-setup)`);
const webBytes = readFileSync(wasmFiles.web);
const rr = opts.entry === "esm" ? await import(entryFile) : createRequire(import.meta.url)(entryFile);
for (const f of ["usageDaily", "planTeardown", "tzdbVersion"]) {
  if (typeof rr[f] !== "function") fail(`the package has no ${f} export`);
}

// 1. Sizes.
const sizes = {};
for (const [name, file] of Object.entries(wasmFiles)) {
  if (!existsSync(file)) continue;
  const bytes = name === "web" ? webBytes : readFileSync(file);
  sizes[name] = {
    file: rel(file),
    raw: bytes.length,
    gzip9: zlib.gzipSync(bytes, { level: 9 }).length,
    sha256: createHash("sha256").update(bytes).digest("hex"),
  };
}
out.wasm_size = sizes;
out.package = {
  entry: rel(entryFile),
  wasm_built_at: statSync(wasmFiles.web).mtime.toISOString(),
  wasm_sha256: sizes.web.sha256,
  tzdb: rr.tzdbVersion(),
};

// The vectors: both JS implementations must agree with the wasm (and with
// the expected rows) on every case of tests/vectors/usage_daily.json.
const vectorFile = path.join(ROOT, "tests/vectors/usage_daily.json");
const vectorNotes = [];
let vectorCases = 0;
if (existsSync(vectorFile)) {
  const doc = JSON.parse(readFileSync(vectorFile, "utf8"));
  for (const c of doc.cases ?? []) {
    if (c.rule !== "usage_daily" || !("expected" in c)) continue;
    vectorCases++;
    const { buckets: bs, tz, since } = c.input;
    const wasmRows = rr.usageDaily(bs, tz, since);
    const impls = {
      "Intl format": usageDailyIntl(bs, tz, since, "format"),
      "Intl formatToParts": usageDailyIntl(bs, tz, since, "parts"),
      memoised: usageDailyMemo(bs, tz, since),
    };
    for (const [name, rows] of Object.entries(impls)) assertSame(`vector "${c.name}", JS ${name}`, wasmRows, rows);
    if (!isDeepStrictEqual(wasmRows, c.expected)) vectorNotes.push(`wasm and JS agree but differ from the expected rows of "${c.name}" (stale pkg/?)`);
  }
  log(`vectors: ${vectorCases} usage_daily cases, JS == wasm on all`);
} else {
  vectorNotes.push(`${rel(vectorFile)} not found: vectors not checked`);
}

// 2. usageDaily on 1,000,000 buckets.
let t = once(() => buckets(opts.rows));
const rows = t.result;
log(`generated ${fmtInt(rows.length)} buckets in ${fmtMs(t.ms)} ms`);
const since = instant(START);
const quick = opts.quick;
const impls = [
  { key: "wasm", label: "wasm usageDaily", run: (bs, tz, s) => rr.usageDaily(bs, tz, s), budgetMs: 5_000, min: 3, max: 5 },
  { key: "intl_format", label: "JS, Intl per row (en-CA format)", run: (bs, tz, s) => usageDailyIntl(bs, tz, s, "format"), budgetMs: 4_000, min: 2, max: 3 },
  ...(quick ? [] : [{ key: "intl_parts", label: "JS, Intl per row (formatToParts)", run: (bs, tz, s) => usageDailyIntl(bs, tz, s, "parts"), budgetMs: 5_000, min: 2, max: 3 }]),
  { key: "memo", label: "JS, memoised per instant", run: (bs, tz, s) => usageDailyMemo(bs, tz, s), budgetMs: 3_000, min: 3, max: 5 },
];

// Equality first, for every zone, before any timing: a `since` inside the
// data on a prefix (the filter), then the full input (the warm-up runs).
const prefix = rows.slice(0, Math.min(rows.length, 100_000));
// Halfway through the prefix, 7.5 minutes past a quarter hour.
const midSince = instant(Date.parse(prefix[prefix.length >> 1].bucket_start) / 1000 + 450);
for (const tz of opts.zones) {
  const want = rr.usageDaily(prefix, tz, midSince);
  if (want.length === 0) fail(`usageDaily on the prefix gave no rows in ${tz}`);
  for (const impl of impls.slice(1)) assertSame(`${tz}, since ${midSince}, ${impl.label}`, want, impl.run(prefix, tz, midSince));
}
log(`since filter: JS == wasm on ${fmtInt(prefix.length)} rows since ${midSince}, all zones`);

const warm = {};
for (const tz of opts.zones) {
  warm[tz] = {};
  for (const impl of impls) {
    log(`${tz}: warm-up ${impl.label}`);
    warm[tz][impl.key] = once(() => impl.run(rows, tz, since));
  }
  const wasmRows = warm[tz].wasm.result;
  for (const impl of impls.slice(1)) assertSame(`${tz}, ${impl.label}`, wasmRows, warm[tz][impl.key].result);
  log(`${tz}: ${wasmRows.length} rows, JS == wasm (deep-equal, same order)`);
}
const scrambled = quick ? null : shuffled(rows);
const SHUFFLE_TZ = opts.zones.includes("America/New_York") ? "America/New_York" : opts.zones[0];
let warmShuffled = null;
if (scrambled) {
  warmShuffled = {
    wasm: once(() => rr.usageDaily(scrambled, SHUFFLE_TZ, since)),
    memo: once(() => usageDailyMemo(scrambled, SHUFFLE_TZ, since)),
  };
  assertSame(`${SHUFFLE_TZ}, shuffled rows, wasm vs wasm in order`, warm[SHUFFLE_TZ].wasm.result, warmShuffled.wasm.result);
  assertSame(`${SHUFFLE_TZ}, shuffled rows, memoised`, warmShuffled.wasm.result, warmShuffled.memo.result);
  log(`shuffled rows: same rows as in time order`);
}

// Timings, per zone in rounds (one sample of every implementation per round).
const daily = {};
for (const tz of opts.zones) {
  daily[tz] = { output_rows: warm[tz].wasm.result.length };
  const jobs = impls.map((impl) => ({
    fn: () => impl.run(rows, tz, since),
    runs: runCount({ forced: opts.runs, warmMs: warm[tz][impl.key].ms, budgetMs: impl.budgetMs, min: impl.min, max: impl.max }),
  }));
  log(`${tz}: timing ${impls.map((impl, i) => `${impl.key} ×${jobs[i].runs}`).join(", ")}`);
  interleaved(jobs).forEach((m, i) => {
    const impl = impls[i];
    m.warmup_ms = warm[tz][impl.key].ms;
    m.rows_per_s = rows.length / (m.median_ms / 1000);
    daily[tz][impl.key] = record(`usage_daily/${tz}/${impl.key}`, m);
  });
}
let shuffledTimes = null;
if (scrambled) {
  const keys = ["wasm", "memo"];
  const fns = { wasm: () => rr.usageDaily(scrambled, SHUFFLE_TZ, since), memo: () => usageDailyMemo(scrambled, SHUFFLE_TZ, since) };
  const jobs = keys.map((key) => ({ fn: fns[key], runs: runCount({ forced: opts.runs, warmMs: warmShuffled[key].ms, budgetMs: key === "wasm" ? 4_000 : 1_500, min: 2, max: 3 }) }));
  log(`${SHUFFLE_TZ}: timing shuffled rows, wasm ×${jobs[0].runs}, memo ×${jobs[1].runs}`);
  shuffledTimes = {};
  interleaved(jobs).forEach((m, i) => {
    m.rows_per_s = rows.length / (m.median_ms / 1000);
    shuffledTimes[keys[i]] = record(`usage_daily_shuffled/${SHUFFLE_TZ}/${keys[i]}`, m);
  });
}

// Where the wasm time goes. `since` after every row: the export converts
// all rows (arguments are read in order, buckets first), the rule drops
// them all and the answer is []; that is the conversion of the input.
const BREAK_TZ = SHUFFLE_TZ;
const lateSince = "2099-12-31T00:00:00Z"; // the last year an Instant allows
const breakdown = {};
{
  log("breakdown: one-bucket call");
  const one = [rows[0]];
  rr.usageDaily(one, BREAK_TZ, since);
  breakdown.one_bucket = record("breakdown/one_bucket", sampleFast(() => rr.usageDaily(one, BREAK_TZ, since), { calls: 2000, runs: 5 }));

  // Full runs, conversion-only runs and (when the package has one) its JS
  // column-building snippet alone, in rounds: the difference full −
  // conversion (the rule and the answer) is taken within each round.
  const snippet = findSnippet("bucketColumns");
  const columnsOf = snippet ? (await import(snippet.file))[snippet.name] : null;
  log(`breakdown: full runs, input-conversion-only runs (since after every row)${columnsOf ? ", bucketColumns alone" : ""}, in rounds`);
  let w = once(() => rr.usageDaily(rows, BREAK_TZ, lateSince));
  if (w.result.length !== 0) fail(`usageDaily with since ${lateSince} returned rows`);
  const useColumns = columnsOf !== null && columnsOf(rows) !== null;
  const pairs = runCount({ forced: opts.runs, warmMs: w.ms + daily[BREAK_TZ].wasm.median_ms, budgetMs: 8_000, min: 3, max: 5 });
  const [full, conv, cols] = interleaved([
    { fn: () => rr.usageDaily(rows, BREAK_TZ, since), runs: pairs },
    { fn: () => rr.usageDaily(rows, BREAK_TZ, lateSince), runs: pairs },
    ...(useColumns ? [{ fn: () => columnsOf(rows), runs: pairs }] : []),
  ]);
  breakdown.full = record("breakdown/full", full);
  breakdown.input_conversion = record("breakdown/input_conversion", { ...conv, warmup_ms: w.ms });
  breakdown.rule_and_output_ms = pairedMedianDifference(full, conv);
  if (cols) breakdown.js_columns = record("breakdown/js_columns", { ...cols, file: rel(snippet.file) });

  // The general (serde) path: today's fast path (src/wasm/columns.*) takes
  // only plain objects, so one row with another prototype, put first, makes
  // it decline at once and every row goes through serde-wasm-bindgen.
  if (!quick) {
    log("breakdown: general serde path (rows[0] not a plain object)");
    class BucketRow {}
    const serdeRows = rows.slice();
    serdeRows[0] = Object.assign(new BucketRow(), rows[0]);
    // One sample, no warm-up (a few seconds each; the wasm is warm by now).
    w = once(() => rr.usageDaily(serdeRows, BREAK_TZ, since));
    assertSame(`${BREAK_TZ}, general path vs plain rows`, warm[BREAK_TZ].wasm.result, w.result);
    breakdown.general_path = record("breakdown/general_path", summary([w.ms]));
  }

  log("breakdown: JS reading every field of every row");
  const touch = () => {
    let n = 0;
    for (const b of rows) {
      n += b.bucket_start.length + b.workspace_id.length + b.runtime_id.length + b.agent_id.length + b.provider.length + b.model.length;
      n += b.input_tokens + b.output_tokens + b.cache_read_tokens + b.cache_write_tokens + b.cost_usd_ticks;
      n += b.uncosted_input_tokens + b.uncosted_output_tokens + b.uncosted_cache_read_tokens + b.uncosted_cache_write_tokens;
      n += b.task_count + b.event_count;
    }
    return n;
  };
  touch();
  breakdown.js_read_all_fields = record("breakdown/js_read_all_fields", sample(touch, 5));

  log("breakdown: JSON.stringify of the rows");
  w = once(() => JSON.stringify(rows).length);
  breakdown.json_stringify = record("breakdown/json_stringify", { ...summary([w.ms]), bytes: w.result });
}
const nativeDaily = {};
if (rows.length === ROWS) for (const tz of opts.zones) nativeDaily[tz] = native("usage_daily_1M", "usage_daily", tz.replaceAll("/", "_"));

// 3. planTeardown on the 10,000-agent runtime.
t = once(() => bigRuntime());
const teardownInput = t.result;
log(`planTeardown: input built in ${fmtMs(t.ms)} ms`);
const teardown = {};
{
  let w = once(() => rr.planTeardown(teardownInput));
  const outcome = w.result;
  if (outcome?.type !== "plan") fail(`planTeardown: expected a plan, got ${JSON.stringify(outcome).slice(0, 300)}`);
  if (outcome.plan.response.tasks_cancelled !== 100_000) fail(`planTeardown: ${outcome.plan.response.tasks_cancelled} tasks cancelled, expected 100,000`);
  const runs = runCount({ forced: opts.runs, warmMs: w.ms, budgetMs: 8_000, min: 3, max: 5 });
  log(`planTeardown: ${runs} run(s)`);
  teardown.plan = record("plan_teardown/plan", { ...sample(() => rr.planTeardown(teardownInput), runs), warmup_ms: w.ms });
  teardown.plan.answer = {
    json_bytes: JSON.stringify(outcome).length,
    events: outcome.plan.events.length,
    steps: outcome.plan.steps.length,
    response: outcome.plan.response,
  };

  // The same snapshot asked by a member who may not edit the runtime: the
  // export converts the whole input, the rule refuses at its first check.
  const strangerInput = { ...teardownInput, actor: STRANGER };
  w = once(() => rr.planTeardown(strangerInput));
  if (w.result?.type !== "refusal" || w.result.refusal.code !== "forbidden") fail(`planTeardown as a stranger: expected a forbidden refusal, got ${JSON.stringify(w.result).slice(0, 300)}`);
  log("planTeardown: forbidden refusal (input conversion)");
  teardown.input_conversion = record("plan_teardown/input_conversion", { ...sample(() => rr.planTeardown(strangerInput), runCount({ forced: opts.runs, warmMs: w.ms, budgetMs: 5_000, min: 3, max: 5 })), warmup_ms: w.ms });
  teardown.native = native("plan_teardown", "10k_agents_2k_squads_5k_autopilots_100k_tasks");
}

// 4. Environment.
const env = {
  date: startedAt.toISOString(),
  node: process.version,
  v8: process.versions.v8,
  icu: process.versions.icu,
  icu_tz: process.versions.tz,
  cpu: cpuModel(),
  cores: os.availableParallelism?.() ?? os.cpus().length,
  load_before: loadBefore.map((x) => +x.toFixed(2)),
  load_after: os.loadavg().map((x) => +x.toFixed(2)),
  gc_between_samples: gcExposed,
  total_s: +((Date.now() - startedAt.getTime()) / 1000).toFixed(1),
};

// ---------------------------------------------------------------- report

const lines = [];
const say = (s = "") => lines.push(s);
const prevCell = (id) => {
  const p = prevMs(id);
  if (p === undefined) return "";
  const now = measurements[id].median_ms;
  const change = ((now - p) / p) * 100;
  return `${fmtMs(p)} (${change >= 0 ? "+" : ""}${change.toFixed(0)}%)`;
};
const hasPrev = previous !== null && previous?.input?.rows === rows.length;

say(`runtime-rules wasm benchmark, ${env.date}`);
say(`package ${out.package.entry} (wasm built ${out.package.wasm_built_at}, sha256 ${out.package.wasm_sha256.slice(0, 12)}, tzdb ${out.package.tzdb})`);
say();
say("1. wasm size");
say(table(["build", "raw bytes", "gzip -9 bytes"], Object.entries(sizes).map(([k, s]) => [s.file, fmtInt(s.raw), fmtInt(s.gzip9)]), "lrr"));
const distinct = new Set(Object.values(sizes).map((s) => s.sha256)).size;
say(distinct === 1 ? "  (web, bundler and node/cjs hold the same .wasm, byte for byte)" : `  (${distinct} different .wasm files among the builds)`);
say();
say(`2. usageDaily, ${fmtInt(rows.length)} buckets from a plain JS array (benches/core.rs rows), since ${since}`);
say("   end to end: JS objects in, JS rows out; median ms (samples after one warm-up); rows/s = input rows");
say(`   equality checked first: JS rows deep-equal to wasm rows in every zone (also on ${vectorCases} vectors and with since inside the data)`);
const head = ["zone", "implementation", "runs", "median ms", "min ms", "rows/s", "JS time ÷ wasm time"];
if (hasPrev) head.push("previous run");
const body = [];
for (const tz of opts.zones) {
  for (const impl of impls) {
    const m = daily[tz][impl.key];
    const row = [
      impl === impls[0] ? `${tz} (${daily[tz].output_rows} rows out)` : "",
      impl.label,
      m.runs,
      fmtMs(m.median_ms),
      fmtMs(m.min_ms),
      fmtRate(m.rows_per_s),
      impl.key === "wasm" ? "" : fmtRatio(m.median_ms, daily[tz].wasm.median_ms),
    ];
    if (hasPrev) row.push(prevCell(`usage_daily/${tz}/${impl.key}`));
    body.push(row);
  }
  const n = nativeDaily[tz];
  if (n) {
    const row = ["", "native usage_daily (last cargo bench)", "", fmtMs(n.median_ms), "", fmtRate(rows.length / (n.median_ms / 1000)), `wasm time ÷ native ${(daily[tz].wasm.median_ms / n.median_ms).toFixed(1)}×`];
    if (hasPrev) row.push("");
    body.push(row);
  }
}
if (shuffledTimes) {
  for (const key of ["wasm", "memo"]) {
    const m = shuffledTimes[key];
    const row = [key === "wasm" ? `${SHUFFLE_TZ}, rows shuffled` : "", key === "wasm" ? "wasm usageDaily" : "JS, memoised per instant", m.runs, fmtMs(m.median_ms), fmtMs(m.min_ms), fmtRate(m.rows_per_s), key === "wasm" ? "" : fmtRatio(m.median_ms, shuffledTimes.wasm.median_ms)];
    if (hasPrev) row.push(prevCell(`usage_daily_shuffled/${SHUFFLE_TZ}/${key}`));
    body.push(row);
  }
}
say(table(head, body, "llrrrrl" + "l"));
say();
say(`   where the wasm time goes (${BREAK_TZ}):`);
const bd = breakdown;
const bhead = ["measurement", "median ms", "min ms", "median per input row"];
if (hasPrev) bhead.push("previous run");
const perRow = (ms) => `${((ms * 1000) / rows.length).toFixed(3)} µs`;
const brow = (label, id, ms, perRow) => {
  const r = [label, fmtMs(ms), id ? fmtMs(measurements[id].min_ms) : "", perRow ?? ""];
  if (hasPrev) r.push(id ? prevCell(id) : "");
  return r;
};
say(
  table(
    bhead,
    [
      brow("usageDaily, 1 bucket (call, tz and since parsing, answer)", "breakdown/one_bucket", bd.one_bucket.median_ms),
      brow(`usageDaily, all rows (full run, ${bd.full.runs} sample${bd.full.runs > 1 ? "s" : ""}, in rounds with the next lines)`, "breakdown/full", bd.full.median_ms, perRow(bd.full.median_ms)),
      brow(`usageDaily, all rows, since ${lateSince} (input read and converted, all filtered out)`, "breakdown/input_conversion", bd.input_conversion.median_ms, perRow(bd.input_conversion.median_ms)),
      brow("=> rule + output conversion (median of full − conversion, pair by pair)", null, bd.rule_and_output_ms, perRow(bd.rule_and_output_ms)),
      ...(bd.js_columns ? [brow(`JS part of the conversion: ${path.basename(bd.js_columns.file)} bucketColumns(rows) alone`, "breakdown/js_columns", bd.js_columns.median_ms, perRow(bd.js_columns.median_ms))] : []),
      ...(bd.general_path ? [brow("usageDaily, all rows via the general serde path (rows[0] not a plain object; 1 run)", "breakdown/general_path", bd.general_path.median_ms, perRow(bd.general_path.median_ms))] : []),
      brow("JS alone: read all 17 fields of every row (floor for any conversion)", "breakdown/js_read_all_fields", bd.js_read_all_fields.median_ms),
      brow(`JS alone: JSON.stringify(rows), ${(bd.json_stringify.bytes / 1e6).toFixed(0)} MB (1 run)`, "breakdown/json_stringify", bd.json_stringify.median_ms),
    ],
    "lrrr" + "r",
  ),
);
if (bd.general_path && bd.general_path.median_ms < 1.5 * bd.full.median_ms) {
  say("   note: the general-path line is close to the full run: the fast path may now accept rows[0], so it may not measure serde at all");
}
say();
say("3. planTeardown, 10,000 agents / 2,000 squads / 5,000 autopilots / 100,000 tasks (benches/core.rs runtime)");
say(`   end to end: JS input object in, JS outcome out (${fmtInt(teardown.plan.answer.events)} events, ${(teardown.plan.answer.json_bytes / 1e6).toFixed(1)} MB as JSON)`);
const thead = ["measurement", "runs", "median ms", "min ms"];
if (hasPrev) thead.push("previous run");
const trows = [
  ["planTeardown -> plan (archive, confirmed)", teardown.plan.runs, fmtMs(teardown.plan.median_ms), fmtMs(teardown.plan.min_ms), ...(hasPrev ? [prevCell("plan_teardown/plan")] : [])],
  ["same input by a stranger -> forbidden (input conversion)", teardown.input_conversion.runs, fmtMs(teardown.input_conversion.median_ms), fmtMs(teardown.input_conversion.min_ms), ...(hasPrev ? [prevCell("plan_teardown/input_conversion")] : [])],
];
if (teardown.native) trows.push(["native plan_teardown (last cargo bench)", "", fmtMs(teardown.native.median_ms), "", ...(hasPrev ? [""] : [])]);
say(table(thead, trows, "lrrr" + "r"));
say();
say("4. environment");
say(`   node ${env.node} (V8 ${env.v8}, ICU ${env.icu}, ICU tz ${env.icu_tz}); ${env.cpu}, ${env.cores} cores`);
say(`   load average ${env.load_before.join(" ")} before, ${env.load_after.join(" ")} after; GC before each sample: ${env.gc_between_samples ? "yes" : "no (run with --expose-gc)"}; ${env.total_s} s in all`);
const nativeAny = Object.values(nativeDaily).find(Boolean) ?? teardown.native;
if (nativeAny) say(`   native figures: criterion medians from target/criterion (measured ${nativeAny.measured_at}), not rerun here`);
for (const note of vectorNotes) say(`   note: ${note}`);

out.input = { rows: rows.length, since, generator: "benches/core.rs buckets() and big_runtime(), mirrored in bench/wasm/data.mjs" };
out.environment = env;
out.usage_daily = { zones: daily, shuffled: shuffledTimes && { zone: SHUFFLE_TZ, ...shuffledTimes }, breakdown: { zone: BREAK_TZ, ...breakdown }, native: nativeDaily };
out.plan_teardown = teardown;
out.measurements = measurements;
writeFileSync(opts.out, JSON.stringify(out, null, 2) + "\n");
const ignored = gitIgnored(opts.out);
say();
say(
  `results: ${rel(opts.out)}` +
    (ignored === true ? " (ignored by git)" : ignored === false ? " (NOT ignored by git: add `/bench/*.json` to .gitignore to keep results out of commits)" : ""),
);
if (previous && !hasPrev) say(`   (the previous results there were for a different input size, so no comparison column)`);
console.log(lines.join("\n"));
