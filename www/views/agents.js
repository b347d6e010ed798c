// Agents with their presence (SPEC §7 `agentPresence`): archived, unbound,
// or online / unstable / offline × working / queued / idle.
import { h, mount } from "../dom.js";
import { api } from "../api.js";
import * as rules from "../rules.js";
import { session, workspaceName } from "../session.js";
import { nowInstant } from "../format.js";
import { onServerEvent } from "../events.js";

const AVAILABILITY = {
  archived: "archived",
  unbound: "unbound",
  online: "online",
  unstable: "unstable",
  offline: "offline",
};

/** The presence and workload cells of one agent's row. */
export function presenceCells(agent, runtime, tasks, now) {
  const p = rules.agentPresence(agent, runtime, tasks, now);
  const work = p.availability === "archived" || p.availability === "unbound"
    ? "—"
    : `${p.workload}${p.running_count || p.queued_count ? ` (${p.running_count} running, ${p.queued_count} queued)` : ""}`
      + (p.capacity == null ? "" : `, at most ${p.capacity} at once`);
  return [
    h("td", {}, h("span", {
      class: `badge presence-${p.availability}`, "data-availability": p.availability,
    }, AVAILABILITY[p.availability] ?? p.availability)),
    h("td", { "data-workload": p.workload }, work),
  ];
}

export async function renderAgents(main, { stillCurrent, refresh }) {
  const [agents, runtimes, tasks] = await Promise.all([
    api("/api/agents"), api("/api/runtimes"), api("/api/tasks"),
  ]);
  if (!stillCurrent()) return;
  const now = nowInstant();
  const runtimeById = new Map(runtimes.map((r) => [r.id, r]));
  const manyWorkspaces = session.me.memberships.length > 1;
  mount(main,
    h("section", { class: "agents" },
      h("h1", {}, "Agents"),
      agents.length === 0
        ? h("p", { class: "empty" }, "No agents you can see.")
        : h("div", { class: "table-wrap" }, h("table", { "data-testid": "agent-list" },
            h("caption", { class: "visually-hidden" }, "Agents you can see, with their presence"),
            h("thead", {}, h("tr", {},
              h("th", { scope: "col" }, "Agent"), h("th", { scope: "col" }, "Presence"),
              h("th", { scope: "col" }, "Work"), h("th", { scope: "col" }, "Runtime"),
              h("th", { scope: "col" }, "Model"))),
            h("tbody", {}, agents.map((agent) => {
              const runtime = agent.runtime_id ? runtimeById.get(agent.runtime_id) ?? null : null;
              return h("tr", { "data-agent-id": agent.id },
                h("th", { scope: "row" }, agent.name,
                  manyWorkspaces ? h("span", { class: "sub" }, workspaceName(agent.workspace_id)) : null),
                presenceCells(agent, runtime, tasks, now),
                h("td", {}, runtime ? h("a", { href: `#/runtimes/${runtime.id}` }, runtime.name) : "—"),
                h("td", {}, agent.model));
            }))))));
  let pending = null;
  onServerEvent((event) => {
    if (!/^(agent|runtime|task|stream):/.test(event.type ?? "")) return;
    // Task events come every few seconds on a busy workspace: redraw at
    // most every 2 s for them.
    const routine = event.type.startsWith("task:");
    if (pending && routine) return;
    clearTimeout(pending);
    pending = setTimeout(() => { pending = null; if (stillCurrent()) refresh(); }, routine ? 2000 : 300);
  });
}
