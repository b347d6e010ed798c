// PostgreSQL as a contender of `usage_daily`: the benchmark's rows (those
// of benches/core.rs, from bench/wasm/data.mjs) loaded into a table, and
// per row count and zone the query the original product would run,
//
//   SELECT (bucket_start AT TIME ZONE tz)::date, lower(provider), model,
//          sum(…) for the nine counts
//     FROM usage_N WHERE bucket_start >= since GROUP BY 1, 2, 3
//
// first checked equal to the package's `usageDaily` on the same rows, then
// timed with psql's \timing (client to server and back, answer included).
// scripts/bench runs it under scripts/with-postgres, which starts a private
// server and sets PGHOST; options:
//
//   --sizes A,B   row counts (default 100000,1000000)
//   --zones A,B   zones (default UTC,America/New_York,Asia/Kolkata)
//   --runs N      timed runs per query after one warm-up (default 5)
//   --out FILE    results JSON (default bench/postgres-results.json)

import { spawnSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, rmSync, writeSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { isDeepStrictEqual, parseArgs } from "node:util";

import { buckets, instant, START } from "./wasm/data.mjs";
import { compareDaily, firstDifference, SUMS } from "./wasm/daily.mjs";
import { summary } from "./wasm/timing.mjs";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const { values } = parseArgs({
  options: {
    sizes: { type: "string", default: "100000,1000000" },
    zones: { type: "string", default: "UTC,America/New_York,Asia/Kolkata" },
    runs: { type: "string", default: "5" },
    out: { type: "string", default: path.join(ROOT, "bench/postgres-results.json") },
  },
});
const sizes = values.sizes.split(",").map(Number);
const zones = values.zones.split(",");
const runs = Number(values.runs);
const log = (...a) => console.error("bench-postgres:", ...a);
const fail = (message) => {
  console.error(`bench-postgres: FAILED: ${message}`);
  process.exit(1);
};
if (!process.env.PGHOST) fail("PGHOST is not set: run it as scripts/with-postgres node bench/postgres.mjs");


/** Runs a psql script; its standard output. */
function psql(script, extra = []) {
  const r = spawnSync("psql", ["-X", "-q", "-At", "-F", "|", "-v", "ON_ERROR_STOP=1", ...extra, "-f", "-"], {
    input: script,
    encoding: "utf8",
    maxBuffer: 1 << 28,
  });
  if (r.status !== 0) fail(`psql: ${r.stderr || r.error}`);
  return r.stdout;
}

const quote = (text) => `'${text.replaceAll("'", "''")}'`;
const query = (table, tz, since) =>
  `SELECT (bucket_start AT TIME ZONE ${quote(tz)})::date, lower(provider), model, ` +
  SUMS.map((c) => `sum(${c})`).join(", ") +
  ` FROM ${table} WHERE bucket_start >= ${quote(since)} GROUP BY 1, 2, 3;`;

// The rows, through a CSV file (psql's \copy reads it client-side).
const largest = Math.max(...sizes);
const rows = buckets(largest);
const dir = mkdtempSync(path.join(os.tmpdir(), "bench-postgres-"));
const csv = path.join(dir, "rows.csv");
try {
  const fd = openSync(csv, "w");
  let chunk = "";
  rows.forEach((b, n) => {
    chunk += `${n},${b.bucket_start},${b.provider},${b.model},${SUMS.map((c) => b[c]).join(",")}\n`;
    if (chunk.length > 1 << 20) {
      writeSync(fd, chunk);
      chunk = "";
    }
  });
  writeSync(fd, chunk);
  closeSync(fd);
  log(`loading ${largest.toLocaleString("en-US")} rows`);
  psql(
    `SET TIME ZONE 'UTC';
     CREATE TABLE usage_rows (n int, bucket_start timestamptz, provider text, model text, ${SUMS.map((c) => `${c} bigint`).join(", ")});
     \\copy usage_rows FROM '${csv}' (FORMAT csv)
     ${sizes.map((s) => `CREATE TABLE usage_${s} AS SELECT * FROM usage_rows WHERE n < ${s} ORDER BY n;`).join("\n")}
     VACUUM ANALYZE;`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}

// The package's answer on the same rows, to compare with.
const { usageDaily } = await import(path.join(ROOT, "pkg/node/index.js"));
const since = instant(START);

const version = psql("SHOW server_version;").trim();
const parallel = psql("SHOW max_parallel_workers_per_gather;").trim();
const results = {};
for (const size of sizes) {
  const input = rows.slice(0, size);
  for (const tz of zones) {
    const sql = query(`usage_${size}`, tz, since);
    const theirs = psql(`SET TIME ZONE 'UTC';\n${sql}`)
      .trim()
      .split("\n")
      .map((line) => {
        const [date, provider, model, ...sums] = line.split("|");
        return { date, provider, model, ...Object.fromEntries(SUMS.map((c, i) => [c, Number(sums[i])])) };
      })
      .sort(compareDaily);
    // usageDaily's own order is the SPEC's (date descending, provider, model).
    const ours = usageDaily(input, tz, since);
    if (!isDeepStrictEqual(theirs, ours)) {
      fail(`${size} rows, ${tz}: PostgreSQL's rows differ from usageDaily's: ${firstDifference(theirs, ours) ?? "deep-equal fails"}`);
    }
    // One warm-up, then the timed runs; answers go to /dev/null.
    const timed = psql(`SET TIME ZONE 'UTC';\n\\o /dev/null\n${sql}\n\\timing on\n${`${sql}\n`.repeat(runs)}`);
    const samples = [...timed.matchAll(/^Time: ([\d.]+) ms/gm)].map((m) => Number(m[1]));
    if (samples.length !== runs) fail(`${size} rows, ${tz}: expected ${runs} timings from psql, got ${samples.length}`);
    const m = summary(samples);
    m.rows_per_s = size / (m.median_ms / 1000);
    m.output_rows = ours.length;
    (results[size] ??= {})[tz] = m;
    log(`${size.toLocaleString("en-US")} rows, ${tz}: ${ours.length} rows equal to usageDaily's; median ${m.median_ms.toFixed(1)} ms`);
  }
}

writeFileSync(
  values.out,
  JSON.stringify({ postgresql: version, max_parallel_workers_per_gather: Number(parallel), since, query: query("usage_N", "<tz>", since), runs, results, date: new Date().toISOString() }, null, 2) + "\n",
);
