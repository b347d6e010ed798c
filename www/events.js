// The server's live events, fanned out to whichever view is showing.
import { followEvents } from "./api.js";

const listeners = new Set();
let stop = null;

/** Calls `listener(event)` for every event until the view changes. */
export function onServerEvent(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Forgets the listeners of the view that is going away. */
export function clearListeners() {
  listeners.clear();
}

/** (Re)connects with the current token. */
export function startEvents() {
  stop?.();
  stop = followEvents((event) => {
    for (const listener of [...listeners]) listener(event);
  });
}

export function stopEvents() {
  stop?.();
  stop = null;
}
