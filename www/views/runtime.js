// One runtime: its usage in the chosen zone (KPIs with deltas over equal
// windows, daily and weekly cost, hour-of-day activity, cost by agent and
// by model, prices for unmapped models), its agents with their presence,
// and the way to delete it.
import { h, mount, announce } from "../dom.js";
import { api } from "../api.js";
import * as rules from "../rules.js";
import { session, useTz, memberOf, customPrices } from "../session.js";
import { usd, tokens, change, shortDate, longDate, addDays, nowInstant, healthLabel, ago } from "../format.js";
import { barChart } from "../charts.js";
import { openTeardown } from "./teardown.js";
import { onServerEvent } from "../events.js";
import { presenceCells } from "./agents.js";

const WINDOWS = [7, 30, 90];
const MAX_SERIES = 6;

const sumTokens = (t) => t.input_tokens + t.output_tokens + t.cache_read_tokens + t.cache_write_tokens;

/**
 * Every zone the picker offers: the names the rules accept (not the
 * browser's list, which may spell India "Asia/Calcutta"), UTC first.
 */
function zoneList() {
  return ["UTC", ...rules.timeZones().filter((z) => z !== "UTC")];
}

export async function renderRuntime(main, id, { query, stillCurrent, renderHeader, refresh }) {
  const tz = useTz(query.get("tz"));
  const days = WINDOWS.includes(Number(query.get("days"))) ? Number(query.get("days")) : 30;
  renderHeader();
  const now = nowInstant();
  const prices = customPrices.get();
  const q = (n) => ({ days: n, tz });
  // The daily report's days=179 covers 180 local dates (today and 179
  // before): the 90-day window and the 90 before it. The reports without a
  // date axis cover exactly `days` dates.
  const [runtime, daily, byAgent, activity, agents, tasks] = await Promise.all([
    api(`/api/runtimes/${id}`),
    api(`/api/runtimes/${id}/usage`, { query: q(179) }),
    api(`/api/runtimes/${id}/usage/by-agent`, { query: q(days) }),
    api(`/api/runtimes/${id}/activity`, { query: q(days) }),
    api("/api/agents", { query: { runtime_id: id } }),
    api("/api/tasks", { query: { runtime_id: id } }),
  ]);
  if (!stillCurrent()) return;

  const today = rules.localDate(now, tz);
  const first = addDays(today, -(days - 1));
  const dates = Array.from({ length: days }, (_, i) => addDays(first, i));
  const inWindow = daily.filter((row) => row.date >= first);
  const member = memberOf(runtime.workspace_id);
  const health = rules.runtimeHealth(runtime, now);
  const canDelete = member !== null && rules.canEditRuntime(member, runtime);
  const href = (changes) => {
    const params = new URLSearchParams({ tz, days: String(days), ...changes });
    return `#/runtimes/${id}?${params}`;
  };

  // --- KPIs: this window against the one before, equal lengths (SPEC §6).
  const { current, previous } = rules.sliceWindow(daily, days, tz, now);
  const cur = rules.usageTotals(current, prices);
  const prev = rules.usageTotals(previous, prices);
  const kpi = (name, key, value, before, fmt) => h("div", { class: "kpi", "data-kpi": key },
    h("h3", {}, name),
    h("p", { class: "kpi-value" }, fmt(value)),
    h("p", { class: "kpi-delta", title: `the ${days} days before: ${fmt(before)}` },
      change(rules.pctChange(value, before)), h("span", { class: "sub" }, ` vs the ${days} days before`)));

  // --- Daily cost, stacked by model group (the biggest groups; the rest as "other").
  const byModel = rules.aggregateByModel(inWindow, prices).sort((a, b) => b.cost.total - a.cost.total);
  const top = byModel.slice(0, MAX_SERIES).map((m) => m.model);
  const groupOf = (row) => {
    const key = rules.modelGroupKey(row.model, row.provider);
    return top.includes(key) ? key : "other";
  };
  const groups = [...top, ...(byModel.length > MAX_SERIES ? ["other"] : [])];
  const dateIndex = new Map(dates.map((d, i) => [d, i]));
  const stacks = new Map(groups.map((g) => [g, dates.map(() => 0)]));
  for (const row of inWindow) {
    const i = dateIndex.get(row.date);
    if (i !== undefined) stacks.get(groupOf(row))[i] += rules.estimateCost(row, prices);
  }
  const dailyChart = barChart({
    title: `Cost per local date in ${tz}, by model`,
    labels: dates.map(shortDate),
    series: groups.map((g) => ({ label: g, values: stacks.get(g) })),
    stacked: true,
    format: usd,
    axisLabel: "Date",
  });

  // --- Weekly cost (Monday weeks; the current one partial).
  const weeks = rules.aggregateByWeek(daily, Math.max(4, Math.ceil(days / 7)), tz, now, prices);
  const weeklyChart = barChart({
    title: "Cost per week (Monday to Sunday)",
    labels: weeks.map((w) => `${shortDate(w.week_start)}${w.partial ? "*" : ""}`),
    series: [{ label: "cost", values: weeks.map((w) => w.cost.total) }],
    format: usd,
    axisLabel: "Week",
  });

  // --- When tasks start, by local hour.
  const activityChart = barChart({
    title: `Task starts by hour of day in ${tz}`,
    labels: activity.map((a) => String(a.hour).padStart(2, "0")),
    series: [{ label: "tasks", values: activity.map((a) => a.count) }],
    format: (v) => String(Math.round(v)),
    integer: true,
    axisLabel: "Hour",
  });

  // --- Cost by agent and by model.
  const names = new Map(agents.map((a) => [a.id, a.name]));
  const agentTotals = rules.aggregateByAgent(byAgent, prices).sort((a, b) => b.cost.total - a.cost.total);
  const totalCost = cur.cost.total || 1;
  const costTable = (caption, head, rows) => h("div", { class: "table-wrap" },
    h("table", {},
      h("caption", {}, caption),
      h("thead", {}, h("tr", {}, head.map((c, i) => h("th", { scope: "col", class: i ? "num" : null }, c)))),
      h("tbody", {}, rows.length ? rows : h("tr", {}, h("td", { colspan: head.length, class: "empty" }, "No usage in this window.")))));

  // --- Unmapped models and their custom prices (built-in prices always win).
  const unmapped = rules.unmappedModels(daily);
  const priceEditor = unmapped.length === 0 ? null : h("section", { class: "card prices", "data-testid": "unmapped-models" },
    h("h2", {}, "Models without a price"),
    h("p", { class: "sub" }, "The built-in price table does not know these models, so their tokens cost $0 here unless you give them a price (USD per million tokens). Prices are kept in this browser only; a model the built-in table knows always uses the built-in price."),
    unmapped.map((key) => {
      const price = prices[key];
      const field = (name, label) => {
        const fid = `price-${key}-${name}`.replace(/[^A-Za-z0-9_-]/g, "_");
        return h("div", { class: "field" },
          h("label", { for: fid }, label),
          h("input", { id: fid, name, type: "number", min: "0", step: "any", inputmode: "decimal", value: price?.[name] ?? "", required: true }));
      };
      return h("form", {
        class: "price-form", "data-model": key,
        onsubmit: (e) => {
          e.preventDefault();
          const form = new FormData(e.currentTarget);
          const value = Object.fromEntries(["input", "output", "cache_read", "cache_write"].map((k) => [k, Number(form.get(k))]));
          if (Object.values(value).some((v) => !Number.isFinite(v) || v < 0)) return;
          customPrices.set(key, value);
          announce(`Price saved for ${key}`);
          refresh();
        },
      },
      h("fieldset", {},
        h("legend", {}, key, price ? h("span", { class: "badge" }, "custom price") : h("span", { class: "badge warn" }, "no price")),
        h("div", { class: "fields" },
          field("input", "Input"), field("output", "Output"), field("cache_read", "Cache read"), field("cache_write", "Cache write")),
        h("div", { class: "buttons" },
          h("button", { type: "submit" }, "Save price"),
          price ? h("button", { type: "button", class: "secondary", onclick: () => { customPrices.set(key, null); refresh(); } }, "Remove") : null)));
    }));

  const zoneSelect = h("select", {
    id: "tz", name: "tz", "data-testid": "tz-picker",
    onchange: (e) => { location.hash = href({ tz: e.currentTarget.value }); },
  }, zoneList().map((z) => h("option", { value: z, selected: z === tz }, z)));

  const windowPicker = h("div", { class: "segmented", role: "group", "aria-label": "Window" },
    WINDOWS.map((n) => h("a", { href: href({ days: String(n) }), "aria-current": n === days ? "true" : null, class: "segment" }, `${n} days`)));

  const presence = agents.length === 0
    ? h("p", { class: "empty" }, "No agents are bound to this runtime.")
    : h("div", { class: "table-wrap" }, h("table", { "data-testid": "runtime-agents" },
        h("caption", { class: "visually-hidden" }, "Agents of this runtime"),
        h("thead", {}, h("tr", {},
          h("th", { scope: "col" }, "Agent"), h("th", { scope: "col" }, "Presence"),
          h("th", { scope: "col" }, "Work"), h("th", { scope: "col" }, "Model"))),
        h("tbody", {}, agents.map((agent) => h("tr", { "data-agent-id": agent.id },
          h("th", { scope: "row" }, agent.name),
          presenceCells(agent, runtime, tasks, now),
          h("td", {}, agent.model))))));

  mount(main,
    h("section", { class: "runtime", "data-runtime-id": runtime.id },
      h("p", { class: "crumbs" }, h("a", { href: "#/runtimes" }, "Runtimes"), " / "),
      h("div", { class: "title-row" },
        h("h1", {}, runtime.name),
        h("span", { class: `badge health-${health}`, "data-health": health }, healthLabel(health)),
        canDelete ? h("button", {
          type: "button", class: "danger", "data-testid": "delete-runtime",
          onclick: (event) => openTeardown(runtime, {
            opener: event.currentTarget,
            onDeleted: () => { location.hash = "#/runtimes"; },
          }),
        }, "Delete runtime…") : null),
      h("p", { class: "facts" },
        `${runtime.visibility} · owner ${runtime.owner_id === null ? "none (shared)" : runtime.owner_id === session.me.id ? "you" : runtime.owner_name ?? "someone"}`,
        ` · ${runtime.agent_count} active agents`,
        runtime.provider ? ` · ${runtime.provider}` : "",
        ` · last seen ${ago(runtime.last_seen_at, now)}`),
      h("div", { class: "toolbar" },
        h("div", { class: "field" }, h("label", { for: "tz" }, "Time zone"), zoneSelect),
        windowPicker),
      h("div", { class: "kpis", "data-testid": "kpis" },
        kpi(`Cost, ${days} days`, "cost", cur.cost.total, prev.cost.total, usd),
        kpi(`Cache savings, ${days} days`, "cache_savings", cur.cache_savings, prev.cache_savings, usd),
        kpi(`Tokens, ${days} days`, "tokens", sumTokens(cur), sumTokens(prev), tokens)),
      h("section", { class: "card" }, dailyChart,
        h("details", { class: "data", "data-testid": "daily-usage" },
          h("summary", {}, "The numbers, per local date and model"),
          costTable(`Usage per local date in ${tz}`, ["Date", "Model", "Tokens", "Cost"],
            inWindow.map((row) => h("tr", { "data-date": row.date, "data-model": row.model },
              h("th", { scope: "row" }, h("time", { datetime: row.date }, longDate(row.date)), h("span", { class: "sub" }, ` ${row.date}`)),
              h("td", { class: "num" }, row.provider ? `${row.provider}/${row.model}` : row.model),
              h("td", { class: "num" }, tokens(sumTokens(row))),
              h("td", { class: "num" }, usd(rules.estimateCost(row, prices)))))))),
      h("div", { class: "two" },
        h("section", { class: "card" }, weeklyChart,
          h("p", { class: "sub" }, "* the current week, so far.")),
        h("section", { class: "card" }, activityChart)),
      h("div", { class: "two" },
        h("section", { class: "card" },
          costTable(`Cost by agent, ${days} days`, ["Agent", "Tokens", "Cost", "Share"],
            agentTotals.map((a) => h("tr", { "data-agent-id": a.agent_id },
              h("th", { scope: "row" }, names.get(a.agent_id) ?? `agent ${a.agent_id.slice(0, 8)}…`),
              h("td", { class: "num" }, tokens(sumTokens(a))),
              h("td", { class: "num" }, usd(a.cost.total)),
              h("td", { class: "num" }, `${Math.round((a.cost.total / totalCost) * 100)}%`))))),
        h("section", { class: "card" },
          costTable(`Cost by model, ${days} days`, ["Model", "Tokens", "Cost", "Cache savings"],
            byModel.map((m) => h("tr", { "data-model": m.model },
              h("th", { scope: "row" }, m.model),
              h("td", { class: "num" }, tokens(sumTokens(m))),
              h("td", { class: "num" }, usd(m.cost.total)),
              h("td", { class: "num" }, usd(m.cache_savings))))))),
      priceEditor,
      h("section", { class: "card" }, h("h2", {}, "Agents"), presence)));

  // The runtime changed elsewhere: show it as it is now (unless a dialog is open).
  let pending = null;
  onServerEvent((event) => {
    if (event.runtime_id !== id && event.previous_runtime_id !== id && !event.type?.startsWith("stream:")) return;
    if (event.type === "runtime:deleted") {
      if (!document.querySelector("dialog[open]")) location.hash = "#/runtimes";
      return;
    }
    // A busy runtime's tasks change every few seconds: show their effect
    // at most every 5 s rather than redrawing under the reader.
    const routine = /^(task|usage):/.test(event.type ?? "");
    if (pending && routine) return;
    clearTimeout(pending);
    pending = setTimeout(() => {
      pending = null;
      if (stillCurrent() && !document.querySelector("dialog[open]")) refresh();
    }, routine ? 5000 : 300);
  });
}
