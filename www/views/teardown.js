// The teardown dialog. It fetches the runtime's teardown snapshot, plans
// with the very function the server runs in its transaction (the wasm
// `planTeardown`), shows every effect before any click, and sends the
// agent set the user saw. When the server's live set differs it answers
// `runtime_delete_plan_changed`; the dialog says who came and who went,
// re-plans, and asks again. Events about the runtime re-plan it live.
import { h, mount, announce, freshId } from "../dom.js";
import { api } from "../api.js";
import * as rules from "../rules.js";
import { memberOf } from "../session.js";
import { onServerEvent } from "../events.js";

const POLICIES = [
  {
    value: "archive",
    label: "Archive and delete its agents",
    hint: "Active agents are archived, then every agent of the runtime is deleted with its finished tasks and chats.",
    route: "archive-agents-and-delete",
  },
  {
    value: "unbind",
    label: "Unbind its agents and keep them",
    hint: "No agent is deleted: they stay, without a runtime, until someone binds them again. History is kept, detached.",
    route: "unbind-agents-and-delete",
  },
];

const plural = (n, one, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** The name to show for an agent summary (restricted ones have no name). */
function agentLabel(agent, id) {
  if (!agent) return `agent ${id.slice(0, 8)}`;
  if (agent.restricted) return `a private agent (${agent.id.slice(0, 8)}…)`;
  return agent.name ?? `agent ${agent.id.slice(0, 8)}`;
}

/**
 * Opens the dialog for `runtime` (a record of GET /api/runtimes).
 * `onDeleted(response)` runs after the server carried the plan out.
 */
export function openTeardown(runtime, { opener, onDeleted } = {}) {
  const titleId = freshId("teardown-title");
  const dialog = h("dialog", { class: "teardown", "aria-labelledby": titleId, "data-testid": "teardown-dialog" });
  document.body.append(dialog);

  const state = {
    policy: "archive",
    snapshot: null,
    outcome: null,
    understood: false,
    busy: false,
    notice: null, // { kind: "changed" | "error" | "info", text, added: [], removed: [] }
    error: null,
    gone: false,
  };
  let seenActive = null; // the active ids the user has been shown

  const activeIds = (snapshot) => snapshot.agents.filter((a) => !a.archived_at).map((a) => a.id);
  const agentById = (id) => state.snapshot?.agents.find((a) => a.id === id);

  function plan() {
    const snapshot = state.snapshot;
    const member = memberOf(snapshot.runtime.workspace_id) ?? { user_id: "", role: "" };
    state.outcome = rules.planTeardown({
      actor: member,
      request: { mode: "confirmed", policy: state.policy, expected_active_agent_ids: activeIds(snapshot) },
      snapshot,
    });
  }

  /** Fetches the snapshot again and re-plans; notes agents that came or went. */
  async function reload(reason) {
    try {
      const snapshot = await api(`/api/runtimes/${runtime.id}/teardown-snapshot`);
      const live = activeIds(snapshot);
      if (seenActive !== null) {
        const diff = rules.compareAgentSets(live, seenActive);
        if (!diff.matches && reason !== "refused") {
          const named = (ids) => ids.map((id) => agentLabel(snapshot.agents.find((a) => a.id === id), id));
          state.notice = {
            kind: "changed",
            text: "The runtime's agents changed while this dialog was open. Check the plan again.",
            added: named(diff.added),
            removed: diff.removed.map((id) => agentLabel(agentById(id), id)),
          };
          state.understood = false;
        }
      }
      state.snapshot = snapshot;
      seenActive = live;
      plan();
    } catch (error) {
      if (error.status === 404) {
        state.gone = true;
        state.error = "This runtime no longer exists.";
      } else {
        state.error = error.message;
      }
    }
    render();
  }

  async function confirm() {
    if (state.outcome?.type !== "plan" || !state.understood || state.busy) return;
    const previewed = state.outcome.plan;
    const policy = POLICIES.find((p) => p.value === state.policy);
    state.busy = true;
    state.error = null;
    render();
    try {
      const response = await api(`/api/runtimes/${runtime.id}/${policy.route}`, {
        method: "POST",
        body: { expected_active_agent_ids: previewed.confirmed_agent_ids },
      });
      close();
      announce(`${runtime.name} was deleted.`);
      onDeleted?.(response, previewed);
    } catch (error) {
      state.busy = false;
      state.understood = false;
      const refusal = error.body;
      if (error.code === "runtime_delete_plan_changed" && refusal?.diff) {
        const label = (id) => agentLabel(refusal.active_agents?.find((a) => a.id === id) ?? agentById(id), id);
        state.notice = {
          kind: "changed",
          text: "Nothing was deleted: the runtime's agents changed since the plan was made. Here is the new plan; confirm again if it is still what you want.",
          added: refusal.diff.added.map(label),
          removed: refusal.diff.removed.map(label),
        };
        await reload("refused");
        dialog.querySelector("[data-testid=understood]")?.focus();
        return;
      }
      if (error.status === 404) {
        state.gone = true;
        state.error = "This runtime no longer exists.";
      } else {
        // A refusal (its sentence says what to do) or another error.
        state.error = refusal?.error ?? error.message;
      }
      render();
    }
  }

  function close() {
    unsubscribe();
    if (dialog.open) dialog.close();
    dialog.remove();
    if (opener?.isConnected) opener.focus();
    else document.getElementById("main")?.focus();
  }

  function section(effect, title, items, { empty = null, count = items.length } = {}) {
    if (count === 0 && empty === null) return null;
    return h("section", { class: "effect", "data-effect": effect, "data-count": String(count) },
      h("h3", {}, `${title} `, h("span", { class: "count" }, `(${count})`)),
      count === 0 ? h("p", { class: "sub" }, empty) : h("ul", {}, items.map((item) => h("li", {}, item))));
  }

  function planView(plan) {
    const e = plan.effects;
    const snapshot = state.snapshot;
    const squad = (id) => snapshot.squads.find((s) => s.id === id)?.name ?? id;
    const autopilot = (id) => snapshot.autopilots.find((a) => a.id === id)?.name ?? id;
    const agent = (id) => agentLabel(agentById(id), id);
    const tasks = e.cancel_tasks.length;
    const lost = e.history_deleted;
    const kept = e.history_detached;
    return h("div", { class: "plan", "data-testid": "plan" },
      section("archive_agents", "Agents archived", e.archive_agents.map(agent)),
      section("unbind_agents", "Agents unbound (kept, without a runtime)", e.unbind_agents.map(agent)),
      section("delete_agents", "Agents deleted", e.delete_agents.map(agent)),
      section("delete_squads", "Squads deleted (archived squads led by deleted agents)", e.delete_squads.map(squad)),
      section("pause_autopilots", "Autopilots paused", e.pause_autopilots.map(autopilot)),
      section("cancel_tasks", "Unfinished tasks cancelled", [], { count: tasks }),
      plan.policy === "archive"
        ? h("section", { class: "effect history", "data-effect": "history_deleted",
            "data-finished-tasks": String(lost.finished_tasks), "data-chat-sessions": String(lost.chat_sessions) },
            h("h3", {}, "History lost"),
            h("p", {}, `${plural(lost.finished_tasks, "finished task")} and ${plural(lost.chat_sessions, "chat session")} are deleted with the agents.`))
        : h("section", { class: "effect history", "data-effect": "history_detached",
            "data-finished-tasks": String(kept.finished_tasks), "data-chat-sessions": String(kept.chat_sessions) },
            h("h3", {}, "History kept"),
            h("p", {}, `${plural(kept.finished_tasks, "finished task")} and ${plural(kept.chat_sessions, "chat session")} are kept, detached from the runtime.`)),
      h("p", { class: "effect final", "data-effect": "delete_runtime" }, `Then ${snapshot.runtime.name} itself is deleted. Usage history stays in the reports.`));
  }

  function refusalView(refusal) {
    const leader = (id) => agentLabel(agentById(id), id);
    return h("div", { class: "refusal", role: "alert", "data-testid": "refusal", "data-code": refusal.code },
      h("p", { class: "refusal-sentence" }, refusal.error),
      refusal.blocking_squads?.length
        ? h("section", { class: "blocking", "data-testid": "blocking-squads" },
            h("h3", {}, "Squads that block this plan"),
            h("ul", {}, refusal.blocking_squads.map((s) => h("li", { "data-squad-id": s.id },
              h("strong", {}, s.name),
              ` is active and led by ${leader(s.leader_id)}, which this plan deletes. `,
              h("span", { class: "todo" }, `To go on: archive “${s.name}” or give it another leader, then open this dialog again${state.policy === "archive" ? " — or choose to unbind the agents instead, which deletes none" : ""}.`)))))
        : null);
  }

  function render() {
    const outcome = state.outcome;
    const canConfirm = outcome?.type === "plan" && state.understood && !state.busy && !state.gone;
    const name = state.snapshot?.runtime.name ?? runtime.name;
    const policyName = freshId("policy");
    const body = [];
    if (state.notice) {
      body.push(h("div", { class: `notice ${state.notice.kind}`, role: "status", "data-testid": "plan-notice" },
        h("p", {}, state.notice.text),
        state.notice.added?.length ? h("p", { "data-testid": "agents-added" }, "Added: ", state.notice.added.join(", ")) : null,
        state.notice.removed?.length ? h("p", { "data-testid": "agents-removed" }, "Gone: ", state.notice.removed.join(", ")) : null));
    }
    if (state.error) body.push(h("p", { class: "error", role: "alert", "data-testid": "teardown-error" }, state.error));
    if (!state.snapshot && !state.error) body.push(h("p", { class: "loading" }, "Working out what a teardown would do…"));
    if (state.snapshot && !state.gone) {
      body.push(h("fieldset", { class: "policy" },
        h("legend", {}, "What happens to its agents"),
        POLICIES.map((p) => {
          const id = freshId(`policy-${p.value}`);
          return h("div", { class: "radio" },
            h("input", {
              type: "radio", name: policyName, id, value: p.value, checked: state.policy === p.value,
              "aria-describedby": `${id}-hint`,
              onchange: () => { state.policy = p.value; state.understood = false; plan(); render(); dialog.querySelector(`#${id}`)?.focus(); },
            }),
            h("label", { for: id }, p.label),
            h("p", { class: "sub", id: `${id}-hint` }, p.hint));
        })));
      body.push(outcome.type === "plan" ? planView(outcome.plan) : refusalView(outcome.refusal));
      if (outcome.type === "plan") {
        const checkId = freshId("understood");
        body.push(h("div", { class: "confirm-check" },
          h("input", {
            type: "checkbox", id: checkId, "data-testid": "understood", checked: state.understood, disabled: state.busy,
            onchange: (e) => { state.understood = e.currentTarget.checked; render(); dialog.querySelector(`#${checkId}`)?.focus(); },
          }),
          h("label", { for: checkId }, `I understand: this deletes ${name} and cannot be undone.`)));
      }
    }
    mount(dialog,
      h("form", { method: "dialog", class: "dialog-body", onsubmit: (e) => { e.preventDefault(); confirm(); } },
        h("h2", { id: titleId }, `Delete runtime ${name}`),
        body,
        h("div", { class: "buttons" },
          h("button", { type: "button", class: "secondary", onclick: close }, state.gone ? "Close" : "Cancel"),
          state.gone ? null : h("button", {
            type: "submit", class: "danger", "data-testid": "confirm-teardown", disabled: !canConfirm,
            "aria-disabled": String(!canConfirm),
          }, state.busy ? "Deleting…" : "Delete runtime"))));
  }

  // Live: anything about this runtime, its agents, squads or autopilots re-plans.
  let pending = null;
  const unsubscribe = onServerEvent((event) => {
    const snapshot = state.snapshot;
    const touches = event.runtime_id === runtime.id
      || event.previous_runtime_id === runtime.id
      || (event.agent_id && snapshot?.agents.some((a) => a.id === event.agent_id))
      || (event.squad_id && snapshot?.squads.some((s) => s.id === event.squad_id))
      || event.type?.startsWith("autopilot:")
      || event.type?.startsWith("stream:");
    if (!touches || state.busy || state.gone) return;
    clearTimeout(pending);
    pending = setTimeout(() => reload("event"), 150);
  });

  dialog.addEventListener("cancel", (e) => { e.preventDefault(); if (!state.busy) close(); });
  render();
  dialog.showModal();
  reload("open").then(() => {
    dialog.querySelector("input[type=radio]:checked, button")?.focus();
  });
  return { close, dialog };
}
