// The report of scripts/bench: reads what its parts measured, prints one
// table with every figure beside its baseline, and writes
// bench/results.json, bench/results.md (the README's tables) and
// bench/rows-per-second.svg.
//
//   node bench/report.mjs --since ISO-TIME
//
// Every part must have written its figures after --since (the start of the
// run), so no figure of an older run is ever shown beside a new baseline.
// The parts:
//   target/criterion/usage_daily_{100k,1M}/…, plan_teardown/…   cargo bench --bench core
//   bench/wasm-100k.json, bench/wasm-1M.json      bench/wasm/main.mjs (wasm, Intl, memoised)
//   bench/postgres-results.json                   bench/postgres.mjs
//   bench/wasm-memory.json                        bench/wasm/memory.mjs
//   bench/server-results.json                     scripts/bench-server

import { execFileSync } from "node:child_process";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

import { rowsPerSecondSvg, short } from "./chart.mjs";
import { markdownTable, table } from "./format.mjs";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const { values } = parseArgs({ options: { since: { type: "string" } } });
const since = values.since ? Date.parse(values.since) : 0;
const fail = (message) => {
  console.error(`bench: FAILED: ${message}`);
  process.exit(1);
};
if (Number.isNaN(since)) fail(`--since ${values.since} is not a time`);

const rel = (file) => path.relative(ROOT, file);
/** A part's output, refused when it is older than this run. */
function fresh(file) {
  const at = statSync(file, { throwIfNoEntry: false })?.mtimeMs;
  if (at === undefined) fail(`${rel(file)} is missing: its part of the benchmark did not run`);
  if (at < since) fail(`${rel(file)} is from an earlier run (${new Date(at).toISOString()})`);
  return file;
}
const json = (file) => JSON.parse(readFileSync(fresh(file), "utf8"));
const criterion = (...parts) => json(path.join(ROOT, "target/criterion", ...parts, "new/estimates.json")).median.point_estimate / 1e6;

const ZONES = ["UTC", "America/New_York", "Asia/Kolkata"];
const SIZES = [
  { rows: 100_000, criterion: "usage_daily_100k", wasm: "bench/wasm-100k.json" },
  { rows: 1_000_000, criterion: "usage_daily_1M", wasm: "bench/wasm-1M.json" },
];
const wasmRuns = Object.fromEntries(SIZES.map((s) => [s.rows, json(path.join(ROOT, s.wasm))]));
const pg = json(path.join(ROOT, "bench/postgres-results.json"));
const memory = json(path.join(ROOT, "bench/wasm-memory.json"));
const server = json(path.join(ROOT, "bench/server-results.json"));
const pgName = `PostgreSQL ${pg.postgresql.split(" ")[0]}, GROUP BY (bucket AT TIME ZONE tz)::date, lower(provider), model`;

// The contenders of usage_daily; `ms(size, zone)` is a median in ms.
const native = (fn) => (size, zone) => criterion(size.criterion, fn, zone.replaceAll("/", "_"));
const wasm = (key) => (size, zone) => wasmRuns[size.rows].usage_daily.zones[zone][key].median_ms;
const CONTENDERS = [
  { key: "bare_loop", label: "bare loop", long: "bare loop: constant offset + grouping, no time zones (the memory-traffic limit, native)", ms: native("bare_loop") },
  { key: "native", label: "usage_daily, native", long: "`usage_daily`, native Rust", ms: native("usage_daily") },
  { key: "per_row_conversion", label: "per-row conversion, native", long: "every row converted from scratch, native (the original product's way)", ms: native("per_row_conversion") },
  { key: "wasm", label: "usageDaily, wasm on Node", long: "`usageDaily`, wasm on Node (JS objects in, JS rows out)", ms: wasm("wasm") },
  { key: "memo", label: "JS, memoised", long: "JavaScript, memoised per distinct bucket start", ms: wasm("memo") },
  { key: "intl_format", label: "JS, Intl per row (format)", long: "JavaScript, `Intl.DateTimeFormat.format` (en-CA) per row", ms: wasm("intl_format") },
  { key: "intl_parts", label: "JS, Intl per row (formatToParts)", long: "JavaScript, `Intl.DateTimeFormat.formatToParts` per row", ms: wasm("intl_parts") },
  { key: "postgres", label: "PostgreSQL", long: pgName, ms: (size, zone) => pg.results[size.rows][zone].median_ms },
];

const contender = (key) => CONTENDERS.find((c) => c.key === key);
const usage = {};
for (const zone of ZONES) {
  usage[zone] = {};
  for (const size of SIZES) {
    const nativeMs = contender("native").ms(size, zone);
    const wasmMs = contender("wasm").ms(size, zone);
    usage[zone][size.rows] = Object.fromEntries(
      CONTENDERS.map((c) => {
        const ms = c.ms(size, zone);
        return [c.key, { median_ms: ms, rows_per_s: size.rows / (ms / 1000), time_vs_native: ms / nativeMs, time_vs_wasm: ms / wasmMs }];
      }),
    );
  }
}

const wasm1M = wasmRuns[1_000_000];
const teardown = {
  native_ms: criterion("plan_teardown", "10k_agents_2k_squads_5k_autopilots_100k_tasks"),
  wasm_ms: wasm1M.plan_teardown.plan.median_ms,
  wasm_input_conversion_ms: wasm1M.plan_teardown.input_conversion.median_ms,
  answer_json_bytes: wasm1M.plan_teardown.plan.answer.json_bytes,
};
const size = wasm1M.wasm_size.web;
const srv = server.teardown.results;
const u90 = server.usage.results.days_90;
const u30 = server.usage.results.days_30;

const machine = {
  date: new Date().toISOString(),
  cpu: server.machine.cpu,
  cores: os.availableParallelism(),
  memory_gib: +(os.totalmem() / 2 ** 30).toFixed(1),
  os: `${os.type()} ${os.release()}`,
  node: process.version,
  rustc: server.machine.rustc,
  postgresql: pg.postgresql,
  sqlite: server.machine.sqlite,
  commit: commit(),
  load_average: os.loadavg().map((x) => +x.toFixed(2)),
};

// ---------------------------------------------------------------- tables

const int = (n) => Math.round(n).toLocaleString("en-US");
const ms = (n) => (n < 10 ? n.toFixed(2) : n < 100 ? n.toFixed(1) : int(n));
const mb = (n) => `${(n / 1e6).toFixed(1)} MB`;
const ratio = (r) => (r >= 10 ? r.toFixed(0) : r >= 1 ? r.toFixed(1) : r.toFixed(2));
const zoneName = (z) => z.split("/").at(-1).replaceAll("_", " ");

const tables = [];
{
  const head = ["usage_daily: rows per second (time ÷ native usage_daily's)", ...ZONES.flatMap((z) => SIZES.map((s) => `${zoneName(z)}, ${short(s.rows)}`))];
  const body = CONTENDERS.map((c) => [c.long, ...ZONES.flatMap((z) => SIZES.map((s) => { const m = usage[z][s.rows][c.key]; return `${short(m.rows_per_s)}/s (${ratio(m.time_vs_native)}×)`; }))]);
  tables.push({ head, body, align: "l" + "r".repeat(head.length - 1) });
}
{
  const head = ["at 1,000,000 rows: time ÷ wasm's", ...ZONES.map(zoneName)];
  const body = CONTENDERS.filter((c) => c.key !== "wasm").map((c) => [c.long, ...ZONES.map((z) => `${ratio(usage[z][1_000_000][c.key].time_vs_wasm)}×`)]);
  tables.push({ head, body, align: "l" + "r".repeat(head.length - 1) });
}
tables.push({
  head: ["other figures", "measured", "baseline in the same run", "ratio"],
  body: [
    ["`plan_teardown`, 10,000 agents, 2,000 squads, 5,000 autopilots, 100,000 tasks", `${ms(teardown.wasm_ms)} ms in wasm on Node (end to end; ${mb(teardown.answer_json_bytes)} answer)`, `${ms(teardown.native_ms)} ms native`, `${ratio(teardown.wasm_ms / teardown.native_ms)}×`],
    ["`.wasm` size", `${int(size.raw)} B raw, ${int(size.gzip9)} B gzip (zlib, level 9)`, "target 200,000 B gzip", `${ratio(size.gzip9 / 200_000)}×`],
    [`peak wasm memory, \`usageDaily\` on ${int(memory.rows)} rows (${memory.tz})`, `${mb(memory.wasm_memory_peak_bytes)} (${mb(memory.wasm_memory_at_start_bytes)} at start)`, `input as JSON: ${mb(memory.input_json_bytes)}`, `${ratio(memory.wasm_memory_peak_bytes / memory.input_json_bytes)}×`],
    [`server: \`POST …/archive-agents-and-delete\`, ${int(server.teardown.world.agents)} agents, ${int(server.teardown.world.tasks)} tasks`, `median ${ms(srv.archive.median_ms)} ms, max ${ms(srv.archive.max_ms)} ms`, "target 1,000 ms", `${ratio(srv.archive.max_ms / 1000)}×`],
    ["server: `POST …/unbind-agents-and-delete`, the same runtime", `median ${ms(srv.unbind.median_ms)} ms, max ${ms(srv.unbind.max_ms)} ms`, "target 1,000 ms", `${ratio(srv.unbind.max_ms / 1000)}×`],
    [`server: \`GET …/usage?days=90\`, ${int(server.options.usage_rows)} raw rows, open loop ${u90.open_loop.rate_rps} req/s`, latencies(u90.open_loop.result), "target p99 50 ms", `${ratio(u90.open_loop.result.latency_ms.p99 / 50)}×`],
    [`server: \`GET …/usage?days=30\`, the same load`, latencies(u30.open_loop.result), "target p99 50 ms", `${ratio(u30.open_loop.result.latency_ms.p99 / 50)}×`],
    [`server: \`GET …/usage?days=90\`, closed loop, ${u90.closed_loop_max.clients} clients`, `${latencies(u90.closed_loop_max.result)}, ${int(u90.closed_loop_max.result.achieved_rps)} req/s`, `1 client: ${int(u90.closed_loop_1_client.result.achieved_rps)} req/s`, `${ratio(u90.closed_loop_max.result.achieved_rps / u90.closed_loop_1_client.result.achieved_rps)}×`],
  ],
  align: "llll",
});
function latencies(r) {
  const l = r.latency_ms;
  return `p50 ${ms(l.p50)}, p90 ${ms(l.p90)}, p99 ${ms(l.p99)}, max ${ms(l.max)} ms`;
}

const machineLine = `${machine.date.slice(0, 10)}, ${machine.cpu}, ${machine.cores} cores, ${machine.memory_gib} GiB; ${machine.os}; Node ${machine.node}, ${machine.rustc}, PostgreSQL ${pg.postgresql.split(" ")[0]}, SQLite ${machine.sqlite}; commit ${machine.commit}`;

const text = ({ head, body, align }) => table(head, body.map((r) => r.map((c) => String(c).replaceAll("`", ""))), align);
const markdown = ({ head, body, align }) => markdownTable(head, body, align);

console.log(`runtime-rules benchmark (scripts/bench): ${machineLine}\n`);
console.log(tables.map(text).join("\n\n"));
const md = `${machineLine}\n\n${tables.map(markdown).join("\n\n")}\n`;
writeFileSync(path.join(ROOT, "bench/results.md"), md);

const svg = rowsPerSecondSvg({
  title: "usage_daily: rows per second against row count",
  subtitle: `scripts/bench, ${machine.date.slice(0, 10)}, ${machine.cpu}, ${machine.cores} cores, commit ${machine.commit}; quarter-hour rows from 2025-01-01 (benches/core.rs), medians`,
  panels: ZONES.map((zone) => ({
    title: zone,
    series: CONTENDERS.map((c) => ({ label: c.label, points: SIZES.map((s) => [s.rows, usage[zone][s.rows][c.key].rows_per_s]) })),
  })),
});
writeFileSync(path.join(ROOT, "bench/rows-per-second.svg"), svg);

const results = {
  version: 1,
  machine,
  usage_daily: {
    since: pg.since,
    contenders: Object.fromEntries(CONTENDERS.map((c) => [c.key, c.long.replaceAll("`", "")])),
    zones: usage,
  },
  plan_teardown: teardown,
  wasm_size: { raw: size.raw, gzip9: size.gzip9, sha256: size.sha256 },
  wasm_memory: memory,
  server: {
    teardown: { world: server.teardown.world, archive: pick(srv.archive), unbind: pick(srv.unbind), snapshot: pick(srv.snapshot) },
    usage: Object.fromEntries(
      [["days_90", u90], ["days_30", u30]].map(([k, u]) => [k, { route: u.route, open_loop: { rate_rps: u.open_loop.rate_rps, ...u.open_loop.result }, closed_loop_max: { clients: u.closed_loop_max.clients, ...u.closed_loop_max.result } }]),
    ),
  },
  postgresql: { version: pg.postgresql, query: pg.query, max_parallel_workers_per_gather: pg.max_parallel_workers_per_gather },
};
function commit() {
  const git = (...args) => execFileSync("git", args, { cwd: ROOT, encoding: "utf8" }).trim();
  return git("rev-parse", "--short", "HEAD") + (git("status", "--porcelain", "--untracked-files=no") ? " + uncommitted changes" : "");
}
function pick(r) {
  return { route: r.route, median_ms: r.median_ms, max_ms: r.max_ms };
}
writeFileSync(path.join(ROOT, "bench/results.json"), JSON.stringify(results, null, 2) + "\n");
console.log(`\nwritten: bench/results.json, bench/results.md (the README's tables), bench/rows-per-second.svg`);
