// Reads usage buckets from JavaScript objects into columns for usageDaily:
// one pass in JavaScript, then a few bulk copies into WebAssembly, instead
// of a serde conversion per field of every row (25 times slower).
//
// No rule lives here and nothing is decided: values are copied as they are.
// Every distinct string (instant, id, provider, model) is handed over once,
// and Rust parses it with the parsers the general path uses. On anything
// but a plain row whose every field has its ordinary type (a string, a
// non-negative safe integer), it returns null, and the caller takes the
// general path, which reports errors with their exact field.

/** The nine sums of a row, in the order Rust reads them. */
const SUMS = 9;

const isCount = (value) => Number.isSafeInteger(value) && value >= 0;

/** A table of distinct values: each gets the index of its first sight. */
function table() {
  const index = new Map();
  const values = [];
  return {
    values,
    id(value) {
      let i = index.get(value);
      if (i === undefined) {
        i = values.length;
        index.set(value, i);
        values.push(value);
      }
      return i;
    },
  };
}

export function bucketColumns(rows) {
  if (!Array.isArray(rows)) return null;
  const n = rows.length;
  const starts = new Uint32Array(n);
  const series = new Uint32Array(n);
  const sums = new Float64Array(n * SUMS);
  const startTable = table();
  const ids = new Set();
  const models = new Map(); // provider -> (model -> series index)
  const seriesNames = [];
  let lastStart, lastStartId, lastProvider, lastModel, lastSeries, lastWorkspace, lastRuntime, lastAgent;

  for (let i = 0; i < n; i++) {
    const row = rows[i];
    if (row === null || typeof row !== "object" || Object.getPrototypeOf(row) !== Object.prototype) return null;

    const start = row.bucket_start;
    if (typeof start !== "string") return null;
    if (start !== lastStart) {
      lastStart = start;
      lastStartId = startTable.id(start);
    }
    starts[i] = lastStartId;

    const provider = row.provider;
    const model = row.model;
    if (typeof provider !== "string" || typeof model !== "string") return null;
    if (provider !== lastProvider || model !== lastModel) {
      let byModel = models.get(provider);
      if (byModel === undefined) models.set(provider, (byModel = new Map()));
      let s = byModel.get(model);
      if (s === undefined) {
        s = seriesNames.length / 2;
        byModel.set(model, s);
        seriesNames.push(provider, model);
      }
      lastProvider = provider;
      lastModel = model;
      lastSeries = s;
    }
    series[i] = lastSeries;

    // Property reads are spelled out: a computed key per field makes
    // V8's loads megamorphic and this loop ten times slower.
    const workspace = row.workspace_id;
    const runtime = row.runtime_id;
    const agent = row.agent_id;
    if (typeof workspace !== "string" || typeof runtime !== "string" || typeof agent !== "string") return null;
    if (workspace !== lastWorkspace) ids.add((lastWorkspace = workspace));
    if (runtime !== lastRuntime) ids.add((lastRuntime = runtime));
    if (agent !== lastAgent) ids.add((lastAgent = agent));
    if (!isCount(row.task_count) || !isCount(row.event_count)) return null;

    const at = i * SUMS;
    const a = row.input_tokens, b = row.output_tokens, c = row.cache_read_tokens, d = row.cache_write_tokens;
    const e = row.cost_usd_ticks, f = row.uncosted_input_tokens, g = row.uncosted_output_tokens;
    const h = row.uncosted_cache_read_tokens, k = row.uncosted_cache_write_tokens;
    if (!(isCount(a) && isCount(b) && isCount(c) && isCount(d) && isCount(e) && isCount(f) && isCount(g) && isCount(h) && isCount(k))) {
      return null;
    }
    sums[at] = a;
    sums[at + 1] = b;
    sums[at + 2] = c;
    sums[at + 3] = d;
    sums[at + 4] = e;
    sums[at + 5] = f;
    sums[at + 6] = g;
    sums[at + 7] = h;
    sums[at + 8] = k;
  }
  return { starts, startTexts: startTable.values, series, seriesNames, ids: [...ids], sums };
}
