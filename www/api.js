// The server's HTTP API (SPEC §8.2) with the signed-in user's token, and
// its event stream. The token lives in localStorage; nothing else does.

const TOKEN_KEY = "runtime-rules.token";

export const token = {
  get: () => localStorage.getItem(TOKEN_KEY),
  set: (value) => localStorage.setItem(TOKEN_KEY, value),
  clear: () => localStorage.removeItem(TOKEN_KEY),
};

/** An answer other than 2xx: `status`, the stable `code`, the JSON `body`. */
export class ApiError extends Error {
  constructor(status, body) {
    super(body?.error ?? `the server answered ${status}`);
    this.name = "ApiError";
    this.status = status;
    this.code = body?.code ?? "http_error";
    this.body = body;
  }
}

function headers(extra = {}) {
  const h = { Accept: "application/json", ...extra };
  const t = token.get();
  if (t) h.Authorization = `Bearer ${t}`;
  return h;
}

/**
 * api("/api/runtimes/ID/usage", { query: { days: 13, tz } })
 * api("/api/runtimes/ID/archive-agents-and-delete", { method: "POST", body })
 */
export async function api(path, { method = "GET", query, body } = {}) {
  const url = new URL(path, location.origin);
  for (const [name, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== null) url.searchParams.set(name, String(value));
  }
  const init = { method, headers: headers(body === undefined ? {} : { "Content-Type": "application/json" }) };
  if (body !== undefined) init.body = JSON.stringify(body);
  const response = await fetch(url, init);
  const text = await response.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = { error: text.slice(0, 200), code: "not_json" };
    }
  }
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

/**
 * Follows GET /api/events (server-sent events) with the token in a header,
 * which EventSource cannot send: fetch reads the stream instead. Calls
 * `onEvent(event)` per event; reconnects after a pause when the stream
 * ends; `onEvent({ type: "stream:reconnected" })` after a reconnect, since
 * events may have been missed. Returns a function that stops it.
 */
export function followEvents(onEvent) {
  const controller = new AbortController();
  let attempt = 0;
  (async () => {
    while (!controller.signal.aborted) {
      try {
        const response = await fetch("/api/events", {
          headers: headers({ Accept: "text/event-stream" }),
          signal: controller.signal,
        });
        if (!response.ok || !response.body) throw new ApiError(response.status, null);
        if (attempt > 0) onEvent({ type: "stream:reconnected" });
        attempt = 0;
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = "";
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let end;
          while ((end = buffer.indexOf("\n\n")) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const data = block
              .split("\n")
              .filter((line) => line.startsWith("data:"))
              .map((line) => line.slice(5).replace(/^ /, ""))
              .join("\n");
            if (!data) continue; // keep-alive comments
            try {
              onEvent(JSON.parse(data));
            } catch (error) {
              console.error("event handler failed", error);
            }
          }
        }
      } catch (error) {
        if (controller.signal.aborted) return;
        if (error?.status === 401) return;
      }
      attempt += 1;
      await new Promise((resolve) => setTimeout(resolve, Math.min(30_000, 500 * 2 ** attempt)));
    }
  })();
  return () => controller.abort();
}
