// How numbers and dates read on the page. Money and token counts use the
// core's formatters (SPEC §6); dates are the core's local dates, only
// reworded here — never converted through the browser's zone.
import * as rules from "./rules.js";

export const usd = (value) => rules.formatUsd(value);
export const tokens = (value) => rules.formatTokens(value);

/** "+12%", "−5%", "0%", or "—" when there is nothing to compare with. */
export function change(pct) {
  if (pct === null || pct === undefined) return "—";
  if (pct > 0) return `+${pct}%`;
  if (pct < 0) return `−${Math.abs(pct)}%`;
  return "0%";
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

function parts(date) {
  const [y, m, d] = date.split("-").map(Number);
  return { y, m, d, weekday: new Date(Date.UTC(y, m - 1, d)).getUTCDay() };
}

/** "2026-11-20" → "Nov 20" (a calendar date; no zone involved). */
export function shortDate(date) {
  const { m, d } = parts(date);
  return `${MONTHS[m - 1]} ${d}`;
}

/** "2026-11-20" → "Fri, Nov 20". */
export function longDate(date) {
  const { m, d, weekday } = parts(date);
  return `${WEEKDAYS[weekday]}, ${MONTHS[m - 1]} ${d}`;
}

/** The calendar date `n` days after `date` (negative: before). */
export function addDays(date, n) {
  const { y, m, d } = parts(date);
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}

/** "3 min ago", "2 h ago", "6 d ago" from two instants. */
export function ago(instant, now) {
  if (!instant) return "never";
  const seconds = Math.round((Date.parse(now) - Date.parse(instant)) / 1000);
  if (seconds < 0) return "just now";
  if (seconds < 90) return `${seconds} s ago`;
  if (seconds < 90 * 60) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 36 * 3600) return `${Math.round(seconds / 3600)} h ago`;
  return `${Math.round(seconds / 86400)} d ago`;
}

export function nowInstant() {
  return new Date().toISOString();
}

const HEALTH = {
  online: "online",
  recently_lost: "recently lost",
  offline: "offline",
  about_to_gc: "about to be collected",
};
export const healthLabel = (health) => HEALTH[health] ?? health;
