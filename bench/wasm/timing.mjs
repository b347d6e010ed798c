// Timing helpers: wall-clock medians, a full GC before every sample (when
// node runs with --expose-gc) so one run's garbage is not billed to the next.

const gc = typeof globalThis.gc === "function" ? globalThis.gc : () => {};
export const gcExposed = typeof globalThis.gc === "function";

/** Runs `fn` once after a GC; its result and how long it took. */
export function once(fn) {
  gc();
  const t0 = performance.now();
  const result = fn();
  return { result, ms: performance.now() - t0 };
}

/**
 * How many samples to take: `forced` when given, else as many as fit in
 * `budgetMs` at `warmMs` each, between `min` and `max`.
 */
export function runCount({ forced, warmMs, budgetMs, min, max }) {
  if (forced !== undefined) return forced;
  return Math.max(min, Math.min(max, Math.floor(budgetMs / Math.max(warmMs, 1e-3))));
}

/** `runs` timed samples of `fn` (results dropped): samples, median, min. */
export function sample(fn, runs) {
  const samples = [];
  for (let i = 0; i < runs; i++) samples.push(once(fn).ms);
  return summary(samples);
}

/** Many calls of a fast `fn` per sample: median time per call. */
export function sampleFast(fn, { calls, runs }) {
  const samples = [];
  for (let r = 0; r < runs; r++) {
    gc();
    const t0 = performance.now();
    for (let i = 0; i < calls; i++) fn();
    samples.push((performance.now() - t0) / calls);
  }
  return summary(samples);
}

export function summary(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { runs: samples.length, median_ms: median, min_ms: sorted[0], max_ms: sorted.at(-1), samples_ms: samples };
}

/**
 * Samples several functions in rounds, one sample of each per round, so a
 * burst of load from another process lands on all of them rather than on
 * whichever happened to run then. `jobs`: [{ fn, runs }]; returns one
 * summary per job, in order.
 */
export function interleaved(jobs) {
  const samples = jobs.map(() => []);
  const rounds = Math.max(...jobs.map((j) => j.runs));
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < jobs.length; i++) {
      // Rotate who goes first, so no job always follows the same one.
      const k = (i + r) % jobs.length;
      if (samples[k].length < jobs[k].runs) samples[k].push(once(jobs[k].fn).ms);
    }
  }
  return samples.map(summary);
}

/** Median of a − b over paired samples (same round). */
export function pairedMedianDifference(a, b) {
  return summary(a.samples_ms.map((x, i) => x - b.samples_ms[i])).median_ms;
}
