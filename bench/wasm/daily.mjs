// Two JavaScript implementations of SPEC §5 `usage_daily` (src/usage/report.rs),
// the baselines the wasm export is compared with. Same rule, same output:
//
// - buckets whose `bucket_start` is at or after `since` (instants compared
//   as instants, not as strings);
// - grouped by the local date of `bucket_start` in `tz`, the provider
//   lowercased (`Anthropic` and `anthropic` are one series) and the model;
// - the nine sums of the bucket (`task_count`/`event_count` are not summed);
// - rows `{ date, provider, model, <nine sums> }` in that key order, sorted
//   by date descending, then provider, then model in byte (UTF-8) order.
//
// Sums are JavaScript numbers: exact while below 2^53, where the core would
// saturate at 2^64 - 1. Instants are compared at millisecond precision
// (Date.parse); the core keeps nanoseconds. Neither matters for quarter-hour
// buckets with counts a JavaScript number holds.

export const SUMS = [
  "input_tokens",
  "output_tokens",
  "cache_read_tokens",
  "cache_write_tokens",
  "cost_usd_ticks",
  "uncosted_input_tokens",
  "uncosted_output_tokens",
  "uncosted_cache_read_tokens",
  "uncosted_cache_write_tokens",
];

/** The local date `YYYY-MM-DD` of a unix millisecond in `tz`, by Intl. */
export function localDater(tz, how = "format") {
  const fmt = new Intl.DateTimeFormat("en-CA", {
    timeZone: tz,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
  });
  if (how === "parts") {
    return (ms) => {
      let y, m, d;
      for (const p of fmt.formatToParts(ms)) {
        if (p.type === "year") y = p.value;
        else if (p.type === "month") m = p.value;
        else if (p.type === "day") d = p.value;
      }
      return `${y.padStart(4, "0")}-${m}-${d}`;
    };
  }
  // en-CA formats as ISO `YYYY-MM-DD`; some ICU releases changed en-CA's
  // short date, so check once instead of grouping on garbage.
  const probe = fmt.format(Date.UTC(2025, 0, 15, 12));
  if (!/^\d{4}-\d{2}-\d{2}$/.test(probe)) {
    throw new Error(`Intl en-CA does not format dates as YYYY-MM-DD here (got ${JSON.stringify(probe)}); use --intl=parts`);
  }
  return (ms) => fmt.format(ms);
}

function parseSince(since) {
  const t = Date.parse(since);
  if (Number.isNaN(t)) throw new Error(`since is not an instant: ${since}`);
  return t;
}

/** Byte order of UTF-8 strings = code point order (not UTF-16 unit order). */
export function compareBytes(a, b) {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i);
    const y = b.codePointAt(i);
    if (x !== y) return x < y ? -1 : 1;
    if (x > 0xffff) i++;
  }
  return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
}

/** Date descending, then provider, then model (byte order). */
export function compareDaily(a, b) {
  if (a.date !== b.date) return a.date < b.date ? 1 : -1; // ASCII YYYY-MM-DD
  return compareBytes(a.provider, b.provider) || compareBytes(a.model, b.model);
}

function emptyRow(date, provider, model) {
  return {
    date,
    provider,
    model,
    input_tokens: 0,
    output_tokens: 0,
    cache_read_tokens: 0,
    cache_write_tokens: 0,
    cost_usd_ticks: 0,
    uncosted_input_tokens: 0,
    uncosted_output_tokens: 0,
    uncosted_cache_read_tokens: 0,
    uncosted_cache_write_tokens: 0,
  };
}

function addInto(row, b) {
  row.input_tokens += b.input_tokens;
  row.output_tokens += b.output_tokens;
  row.cache_read_tokens += b.cache_read_tokens;
  row.cache_write_tokens += b.cache_write_tokens;
  row.cost_usd_ticks += b.cost_usd_ticks;
  row.uncosted_input_tokens += b.uncosted_input_tokens;
  row.uncosted_output_tokens += b.uncosted_output_tokens;
  row.uncosted_cache_read_tokens += b.uncosted_cache_read_tokens;
  row.uncosted_cache_write_tokens += b.uncosted_cache_write_tokens;
}

/**
 * (a) What a client writes first: for every row, parse the instant, ask
 * Intl for its local date, lowercase the provider and group under a string
 * key. `how`: "format" (en-CA `format`) or "parts" (`formatToParts`).
 */
export function usageDailyIntl(buckets, tz, since, how = "format") {
  const sinceMs = parseSince(since);
  const dateOf = localDater(tz, how);
  const groups = new Map();
  for (const b of buckets) {
    const t = Date.parse(b.bucket_start);
    if (!(t >= sinceMs)) continue;
    const date = dateOf(t);
    const provider = b.provider.toLowerCase();
    const key = `${date}\u0000${provider}\u0000${b.model}`;
    let row = groups.get(key);
    if (row === undefined) groups.set(key, (row = emptyRow(date, provider, b.model)));
    addInto(row, b);
  }
  return [...groups.values()].sort(compareDaily);
}

/**
 * (b) The same rule with memoisation: Intl is asked once per distinct
 * `bucket_start` string (quarter-hour buckets repeat every instant once per
 * series), and provider/model spellings are interned to a small series
 * number, so a row costs two Map lookups and nine additions.
 */
export function usageDailyMemo(buckets, tz, since) {
  const sinceMs = parseSince(since);
  const dateOf = localDater(tz, "format");
  const SKIP = null;
  const instants = new Map(); // bucket_start -> day (an array of rows by series) or SKIP
  const days = new Map(); // date -> day
  const spellings = new Map(); // provider -> Map(model -> series)
  const seriesByName = new Map(); // lowercased provider \0 model -> series
  const names = []; // series -> [provider, model]
  for (const b of buckets) {
    let day = instants.get(b.bucket_start);
    if (day === undefined) {
      const t = Date.parse(b.bucket_start);
      if (!(t >= sinceMs)) {
        day = SKIP;
      } else {
        const date = dateOf(t);
        day = days.get(date);
        if (day === undefined) {
          day = [];
          day.date = date;
          days.set(date, day);
        }
      }
      instants.set(b.bucket_start, day);
    }
    if (day === SKIP) continue;
    let models = spellings.get(b.provider);
    if (models === undefined) spellings.set(b.provider, (models = new Map()));
    let series = models.get(b.model);
    if (series === undefined) {
      const provider = b.provider.toLowerCase();
      const name = `${provider}\u0000${b.model}`;
      series = seriesByName.get(name);
      if (series === undefined) {
        series = names.length;
        names.push([provider, b.model]);
        seriesByName.set(name, series);
      }
      models.set(b.model, series);
    }
    let row = day[series];
    if (row === undefined) day[series] = row = emptyRow(day.date, names[series][0], names[series][1]);
    addInto(row, b);
  }
  const rows = [];
  for (const day of days.values()) for (const row of day) if (row !== undefined) rows.push(row);
  return rows.sort(compareDaily);
}

/** Where two outputs first differ, or null when they are the same rows. */
export function firstDifference(a, b) {
  if (a.length !== b.length) return `${a.length} rows vs ${b.length} rows`;
  for (let i = 0; i < a.length; i++) {
    const x = JSON.stringify(a[i]);
    const y = JSON.stringify(b[i]);
    if (x !== y) return `row ${i}: ${x} vs ${y}`;
  }
  return null;
}
