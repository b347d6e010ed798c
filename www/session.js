// Who is signed in, the zone the page uses, and the user's custom prices.

import { api, token } from "./api.js";
import * as rules from "./rules.js";

const PRICES_KEY = "runtime-rules.custom-prices";

export const session = {
  /** GET /api/me: `id`, `name`, `timezone`, `memberships`. */
  me: null,
  /** The zone of every report and date label (an IANA name). */
  tz: "UTC",
};

/** The browser's own zone, when it names one. */
const browserTz = Intl.DateTimeFormat().resolvedOptions().timeZone ?? null;

/** The zone to use when the page was not told one: stored, else the browser's. */
function defaultTz() {
  return rules.resolveViewingTz(session.me?.timezone ?? null, browserTz);
}

/** `tz` if the rules know it, else the default (SPEC §4 `resolveViewingTz`). */
export function useTz(tz) {
  session.tz = rules.resolveViewingTz(tz ?? null, defaultTz());
  return session.tz;
}

export async function signIn(value) {
  token.set(value);
  try {
    session.me = await api("/api/me");
  } catch (error) {
    token.clear();
    session.me = null;
    throw error;
  }
  useTz(null);
  return session.me;
}

/** Restores the session of a stored token; false when there is none or it no longer works. */
export async function restore() {
  if (!token.get()) return false;
  try {
    session.me = await api("/api/me");
    useTz(null);
    return true;
  } catch {
    token.clear();
    return false;
  }
}

export function signOut() {
  token.clear();
  session.me = null;
}

/** The viewer as a member of `workspaceId` (`{ user_id, role }`), or null. */
export function memberOf(workspaceId) {
  const membership = session.me?.memberships.find((m) => m.workspace_id === workspaceId);
  return membership ? { user_id: session.me.id, role: membership.role } : null;
}

export function workspaceName(workspaceId) {
  return session.me?.memberships.find((m) => m.workspace_id === workspaceId)?.workspace_name ?? "";
}

/**
 * Custom prices by pricing key, kept in this browser (SPEC §6: only for
 * models the built-in table does not know; the built-in table wins).
 */
export const customPrices = {
  get() {
    try {
      const value = JSON.parse(localStorage.getItem(PRICES_KEY) ?? "{}");
      return value && typeof value === "object" && !Array.isArray(value) ? value : {};
    } catch {
      return {};
    }
  },
  set(key, price) {
    const all = customPrices.get();
    if (price) all[key] = price;
    else delete all[key];
    localStorage.setItem(PRICES_KEY, JSON.stringify(all));
  },
};
