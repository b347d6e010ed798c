// Peak WebAssembly memory of `usageDaily` on the benchmark's rows, beside
// the size of the same rows as JSON. scripts/bench runs it in a process of
// its own, so the instance is fresh: a wasm memory grows and never shrinks,
// so its size after the call is the peak the call needed.
//
//   node bench/wasm/memory.mjs [--rows N] [--tz ZONE] [--out FILE]
//
// Prints one line; writes FILE (default bench/wasm-memory.json).

import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { parseArgs } from "node:util";

import { buckets, instant, START, ROWS } from "./data.mjs";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const { values: args } = parseArgs({ options: { rows: { type: "string" }, tz: { type: "string" }, out: { type: "string" } } });
const rows = Number(args.rows ?? ROWS);
const tz = args.tz ?? "America/New_York";
const out = path.resolve(args.out ?? path.join(ROOT, "bench/wasm-memory.json"));

// The web build, instantiated here and nowhere else in this process, so its
// memory is reachable (initSync returns the instance's exports).
const { initSync, usageDaily } = await import(path.join(ROOT, "pkg/web/runtime_rules.js"));
const wasm = initSync({ module: readFileSync(path.join(ROOT, "pkg/web/runtime_rules_bg.wasm")) });
const bytes = () => wasm.memory.buffer.byteLength;

const input = buckets(rows);
const inputJsonBytes = Buffer.byteLength(JSON.stringify(input));
const since = instant(START);
const atStart = bytes();
const answer = usageDaily(input, tz, since);
if (!Array.isArray(answer) || answer.length === 0) {
  console.error(`memory: usageDaily gave no rows for ${rows} buckets in ${tz}`);
  process.exit(1);
}
const peak = bytes();
// A second call on the same instance: whether it reuses what the first freed.
usageDaily(input, tz, since);

const result = {
  rows,
  tz,
  input_json_bytes: inputJsonBytes,
  wasm_memory_at_start_bytes: atStart,
  wasm_memory_peak_bytes: peak,
  wasm_memory_after_second_call_bytes: bytes(),
  output_rows: answer.length,
  date: new Date().toISOString(),
};
writeFileSync(out, JSON.stringify(result, null, 2) + "\n");
const mb = (n) => `${(n / 1e6).toFixed(1)} MB`;
console.log(
  `usageDaily on ${rows.toLocaleString("en-US")} rows (${tz}): wasm memory ${mb(atStart)} at start, ${mb(peak)} at peak, ` +
    `${mb(result.wasm_memory_after_second_call_bytes)} after a second call; the input as JSON is ${mb(inputJsonBytes)}`,
);
