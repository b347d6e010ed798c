// The runtimes list: health, owner, visibility, agents, and the cost of
// the last 7 local dates against the 7 before (equal windows, SPEC §6).
import { h, mount, announce } from "../dom.js";
import { api } from "../api.js";
import * as rules from "../rules.js";
import { session, memberOf, workspaceName, customPrices } from "../session.js";
import { usd, change, healthLabel, nowInstant, ago } from "../format.js";
import { openTeardown } from "./teardown.js";
import { onServerEvent } from "../events.js";

/** Cost of the last `days` local dates and of the `days` before them. */
function costWindow(rows, days, tz, now, prices) {
  const { current, previous } = rules.sliceWindow(rows, days, tz, now);
  const cur = rules.usageTotals(current, prices).cost.total;
  const prev = rules.usageTotals(previous, prices).cost.total;
  return { current: cur, previous: prev, pct: rules.pctChange(cur, prev) };
}

export async function renderRuntimes(main, { stillCurrent, refresh }) {
  const tz = session.tz;
  const runtimes = await api("/api/runtimes");
  const now = nowInstant();
  const prices = customPrices.get();
  // 13 days back covers 14 local dates: this week and the one before.
  const usage = await Promise.all(runtimes.map((r) =>
    api(`/api/runtimes/${r.id}/usage`, { query: { days: 13, tz } }).catch(() => [])));
  if (!stillCurrent()) return;
  const manyWorkspaces = session.me.memberships.length > 1;

  const rows = runtimes.map((runtime, i) => {
    const health = rules.runtimeHealth(runtime, now);
    const cost = costWindow(usage[i], 7, tz, now, prices);
    const member = memberOf(runtime.workspace_id);
    const canDelete = member !== null && rules.canEditRuntime(member, runtime);
    const owner = runtime.owner_id === null
      ? "shared"
      : runtime.owner_id === session.me.id ? "you" : (runtime.owner_name ?? "someone");
    const archived = runtime.bound_agent_count - runtime.agent_count;
    return h("tr", { dataset: { runtimeId: runtime.id, runtimeName: runtime.name } },
      h("th", { scope: "row" },
        h("a", { href: `#/runtimes/${runtime.id}?tz=${encodeURIComponent(tz)}` }, runtime.name),
        manyWorkspaces ? h("span", { class: "sub" }, workspaceName(runtime.workspace_id)) : null),
      h("td", { "data-label": "Health" }, h("span", {},
        h("span", { class: `badge health-${health}`, "data-health": health }, healthLabel(health)),
        runtime.status === "online" ? null : h("span", { class: "sub" }, `seen ${ago(runtime.last_seen_at, now)}`))),
      h("td", { "data-label": "Owner" }, owner),
      h("td", { "data-label": "Visibility" }, runtime.visibility),
      h("td", { class: "num", "data-label": "Agents" }, h("span", {}, String(runtime.agent_count),
        archived > 0 ? h("span", { class: "sub" }, `+${archived} archived`) : null)),
      h("td", { class: "num", "data-testid": "cost-7d", "data-label": "Cost, 7 days" }, usd(cost.current)),
      h("td", { class: `num delta ${cost.pct > 0 ? "up" : cost.pct < 0 ? "down" : ""}`, title: `previous 7 days: ${usd(cost.previous)}`, "data-label": "vs 7 before" },
        change(cost.pct)),
      h("td", { class: "actions" },
        canDelete
          ? h("button", {
              type: "button",
              class: "danger small",
              "aria-label": `Delete ${runtime.name}`,
              onclick: (event) => openTeardown(runtime, {
                opener: event.currentTarget,
                onDeleted: () => { announce(`${runtime.name} was deleted`); refresh(); },
              }),
            }, "Delete")
          : null));
  });

  mount(main,
    h("section", { class: "runtimes" },
      h("div", { class: "title-row" },
        h("h1", {}, "Runtimes"),
        h("p", { class: "hint" }, `Costs are of local dates in ${tz}.`)),
      runtimes.length === 0
        ? h("p", { class: "empty" }, "No runtimes yet: a daemon registers one when it starts.")
        : h("div", { class: "table-wrap" },
            h("table", { class: "runtime-table", "data-testid": "runtime-list" },
              h("caption", { class: "visually-hidden" }, "Runtimes you can see"),
              h("thead", {}, h("tr", {},
                h("th", { scope: "col" }, "Name"),
                h("th", { scope: "col" }, "Health"),
                h("th", { scope: "col" }, "Owner"),
                h("th", { scope: "col" }, "Visibility"),
                h("th", { scope: "col", class: "num" }, "Agents"),
                h("th", { scope: "col", class: "num" }, "Cost, 7 days"),
                h("th", { scope: "col", class: "num" }, "vs 7 before"),
                h("th", { scope: "col" }, h("span", { class: "visually-hidden" }, "Actions")))),
              h("tbody", {}, rows)))));

  // Another tab or user changed something: show the list as it is now.
  let pending = null;
  onServerEvent((event) => {
    if (!/^(runtime|agent):|^stream:/.test(event.type ?? "")) return;
    clearTimeout(pending);
    pending = setTimeout(() => {
      if (stillCurrent() && !document.querySelector("dialog[open]")) refresh();
    }, 300);
  });
}
