// Last week's cost by model in the viewer's time zone: the 7 local dates
// ending today, from raw usage rows. The reported cost counts as reported;
// tokens without one are priced from the built-in table.
//
//   node examples/weekly-cost-by-model.mjs [usage.json] [time zone] [now]
//
// `now` defaults to a fixed instant so that the output is reproducible; a real
// report passes new Date().toISOString().
import { readFileSync } from "node:fs";
import { aggregateByModel, formatTokens, formatUsd, rollupUsage, sinceExact, usageDaily } from "runtime-rules";

const [
  file = new URL("data/usage.json", import.meta.url),
  tz = process.env.REPORT_TZ ?? "Asia/Kolkata",
  now = process.env.REPORT_NOW ?? "2025-06-08T18:00:00Z",
] = process.argv.slice(2);

const rows = JSON.parse(readFileSync(file, "utf8"));
const since = sinceExact(now, 7, tz); // the start of the 7 local dates ending today
const daily = usageDaily(rollupUsage(rows), tz, since); // quarter-hour buckets, then local dates

console.log(`Cost by model, the last 7 days in ${tz} (since ${since}):`);
for (const { model, input_tokens, output_tokens, cost } of aggregateByModel(daily)) {
  const tokens = `${formatTokens(input_tokens)} in, ${formatTokens(output_tokens)} out`;
  console.log(`  ${model.padEnd(20)} ${tokens.padEnd(18)} ${formatUsd(cost.total).padStart(8)}`);
}
