// `runtime-rules usage`: a table of tokens and cost from a file of raw usage
// rows or rollup buckets, by local date, week, agent, model or hour of the
// viewer's zone. Every window, local date, grouping, price and number format
// comes from the package; this file only chains its functions.
import {
  aggregateByAgent,
  aggregateByDate,
  aggregateByModel,
  aggregateByWeek,
  fillHours,
  formatTokens,
  formatUsd,
  parseDays,
  rollupUsage,
  sinceFromDays,
  startOfLocalDay,
  unmappedModels,
  usageByAgent,
  usageByHour,
  usageDaily,
  usageTotals,
} from "../node/index.js";
import { InputError, UsageError, readJson, sourceName } from "./input.js";
import { table } from "./table.js";

export const usage =
  "usage: runtime-rules usage <rows.json | -> --tz <zone> [--days N] [--weeks N] [--now <instant>] " +
  "[--by day|week|agent|model|hour] [--json]";

export const help = `${usage}

Prints tokens (input, output, cache read, cache write) and cost from a JSON
array of raw usage rows (SPEC §5, with created_at) or of rollup buckets (with
bucket_start), by the local dates and hours of a time zone.

  <rows.json | ->   the rows; "-" reads standard input
  --tz <zone>       the IANA time zone of the report, e.g. Asia/Kolkata
  --days N          the window: today (partial) and the N local dates before
                    it, as the server's ?days= (1..365, default 30)
  --weeks N         --by week: the last N Monday weeks, ending with the current
                    one (default 4); --days does not apply
  --now <instant>   the time the report is made, RFC 3339 UTC (default: now)
  --by <what>       day (default): one row per local date
                    week: one row per Monday-to-Sunday week, zeros included
                    model: one row per model, most expensive first
                    agent: one row per agent, most expensive first (raw rows only)
                    hour: the 24 local hours of the day (raw rows only)
  --json            print the package's rows as JSON instead of a table

Cost is the provider-reported cost (cost_usd_ticks) plus the tokens it does not
cover at the built-in prices; models without a price are listed under the
table. The window has a start and no end: rows after --now count too.

Exit status: 0 a report, 2 bad flags or bad input.`;

export const options = {
  tz: { type: "string" },
  days: { type: "string" },
  weeks: { type: "string", default: "4" },
  now: { type: "string" },
  by: { type: "string", default: "day" },
  json: { type: "boolean", default: false },
  help: { type: "boolean", short: "h", default: false },
};

const DEFAULT_DAYS = 30;
/** The first column's title for each --by. */
const COLUMN = { day: "date", week: "week", agent: "agent", model: "model", hour: "hour" };
const BY = Object.keys(COLUMN);
const plural = (n, one, many) => `${n} ${n === 1 ? one : many}`;
const TOKENS = ["input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens"];

/** Runs the command; returns the exit status. */
export function run({ values, positionals }) {
  if (positionals.length !== 1) throw new UsageError("expected one rows file (or - for standard input)");
  if (values.tz === undefined) throw new UsageError("--tz is required");
  if (!BY.includes(values.by)) throw new UsageError(`--by must be one of ${BY.join(", ")}`);

  const file = positionals[0];
  const name = sourceName(file);
  const rows = readJson(file);
  if (!Array.isArray(rows)) throw new InputError(name, "expected a JSON array of usage rows or rollup buckets");
  const kind = kindOf(rows, name);
  const call = (fn) => judged(name, fn);

  const { tz, by } = values;
  // The command is a host: it may read the clock, and hands the time to the rules.
  const now = values.now ?? new Date().toISOString();
  const days = call(() => parseDays(values.days, DEFAULT_DAYS));
  // parseDays answers its default for anything it does not accept; asked with
  // two different defaults, it tells a rejected --days from an accepted one.
  if (values.days !== undefined && call(() => parseDays(values.days, 1)) !== call(() => parseDays(values.days, 2))) {
    throw new InputError("--days", `${JSON.stringify(values.days)} is not a day count (see runtime-rules usage --help)`);
  }
  let since = call(() => sinceFromDays(now, days, tz));

  const needsRaw = (report) => {
    if (kind !== "raw") {
      throw new InputError(
        name,
        `--by ${by} needs raw usage rows (with created_at): ${report} reads raw rows, ` +
          `and the package has no ${by} report over rollup buckets`,
      );
    }
  };
  const buckets = () => (kind === "raw" ? call(() => rollupUsage(rows)) : rows);

  // `source`: the cost rows the report sums; `report`: its rows, each with a label.
  let source;
  let report;
  let title;
  const span = `${plural(days, "day", "days")} and today in ${tz} (since ${since}), now ${now}`;
  switch (by) {
    case "day": {
      source = call(() => usageDaily(buckets(), tz, since));
      report = call(() => aggregateByDate(source)).map((r) => ({ label: r.date, row: r }));
      title = `Usage by local date: ${span}`;
      break;
    }
    case "model": {
      source = call(() => usageDaily(buckets(), tz, since));
      report = call(() => aggregateByModel(source)).map((r) => ({ label: r.model, row: r }));
      title = `Usage by model: ${span}`;
      break;
    }
    case "week": {
      const weeks = Number(values.weeks);
      // The weeks of the report, asked of the package with no rows: the
      // window starts with the first one.
      const grid = call(() => aggregateByWeek([], weeks, tz, now));
      since = call(() => startOfLocalDay(grid[0].week_start, tz));
      source = call(() => usageDaily(buckets(), tz, since));
      report = call(() => aggregateByWeek(source, weeks, tz, now)).map((r) => ({
        label: `${r.week_start} – ${r.week_end}${r.partial ? ` (${r.days_covered} of 7 days)` : ""}`,
        row: r,
      }));
      title = `Usage by week (Monday to Sunday): the last ${plural(weeks, "week", "weeks")} in ${tz} (since ${since}), now ${now}`;
      break;
    }
    case "agent": {
      needsRaw("usageByAgent");
      source = call(() => usageByAgent(rows, since));
      report = call(() => aggregateByAgent(source)).map((r) => ({ label: r.agent_id, row: r }));
      title = `Usage by agent: ${span}`;
      break;
    }
    case "hour": {
      needsRaw("usageByHour");
      source = call(() => usageByHour(rows, tz, since));
      report = call(() => fillHours(source)).map((h) => ({
        label: `${String(h.hour).padStart(2, "0")}:00`,
        // Hours sum every model; the cost of an hour is the total of its models' rows.
        row: { ...h, cost: call(() => usageTotals(source.filter((r) => r.hour === h.hour))).cost },
      }));
      title = `Usage by local hour of the day: ${span}`;
      break;
    }
  }
  const totals = call(() => usageTotals(source));
  const unpriced = call(() => unmappedModels(source));

  if (values.json) {
    const length = by === "week" ? { weeks: Number(values.weeks) } : { days };
    const out = { by, tz, now, since, ...length, source: kind, rows: report.map((r) => r.row), totals, unmapped_models: unpriced };
    console.log(JSON.stringify(out, null, 2));
    return 0;
  }
  const line = (label, r) => [label, ...TOKENS.map((t) => formatTokens(r[t])), formatUsd(r.cost.total)];
  const lines = [title, ""];
  if (report.length === 0) {
    lines.push("No usage in this window.");
  } else {
    const header = [COLUMN[by], "input", "output", "cache read", "cache write", "cost"];
    lines.push(table(header, [...report.map((r) => line(r.label, r.row)), line("total", totals)]));
  }
  if (unpriced.length > 0) {
    lines.push("", `No price for ${unpriced.join(", ")}: their tokens without a reported cost count as ${formatUsd(0)}.`);
  }
  console.log(lines.join("\n"));
  return 0;
}

/** Whether the file holds raw rows or rollup buckets (all of one kind). */
function kindOf(rows, name) {
  const kinds = rows.map((r) =>
    r === null || typeof r !== "object" || Array.isArray(r)
      ? null
      : "bucket_start" in r
        ? "buckets"
        : "created_at" in r
          ? "raw"
          : null,
  );
  if (rows.length === 0) return "raw";
  const first = kinds[0];
  if (first === null) {
    throw new InputError(`${name}: [0]`, "expected a raw usage row (with created_at) or a rollup bucket (with bucket_start)");
  }
  const odd = kinds.findIndex((k) => k !== first);
  if (odd >= 0) {
    const what = first === "raw" ? "a raw usage row (with created_at)" : "a rollup bucket (with bucket_start)";
    throw new InputError(`${name}: [${odd}]`, `expected ${what}, as [0] is`);
  }
  return first;
}

/**
 * Calls the package; a thrown input error becomes an InputError naming where
 * the bad value came from: the rows file and the path inside it, or the flag.
 */
function judged(name, call) {
  try {
    return call();
  } catch (e) {
    if (typeof e?.code !== "string") throw e;
    const field = e.field ?? "";
    const row = /^(?:rows|buckets)(\[.*)$/.exec(field);
    const flag = { tz: "--tz", now: "--now", days: "--days", weeks: "--weeks" }[field];
    const at = row ? `${name}: ${row[1]}` : flag ?? (field === "" ? name : `${name}: ${field}`);
    throw new InputError(at, `${e.code}: ${e.message}`);
  }
}
