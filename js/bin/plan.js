// `runtime-rules plan`: the teardown plan of a runtime, or the refusal, from a
// snapshot file. planTeardown decides everything; this file builds its input
// from the flags and prints its answer.
import { planTeardown, snapshotForViewer } from "../node/index.js";
import { InputError, UsageError, readJson, sourceName } from "./input.js";

export const usage =
  "usage: runtime-rules plan <snapshot.json> --actor <user_id> --role <owner|admin|member> " +
  "[--policy archive|unbind] [--confirm <id,…> | --confirm-live] [--json]";

export const help = `${usage}

Plans the teardown of a runtime with the package's planTeardown, the function
the server runs inside its transaction, and prints the plan or the refusal.

  <snapshot.json>   the planner's snapshot (SPEC §3.1: runtime, agents, squads,
                    autopilots, tasks, history), or an object holding it under
                    "snapshot", e.g. GET /api/runtimes/{id}/teardown-snapshot;
                    "-" reads standard input
  --actor <user_id> the member asking (a UUID)
  --role <role>     their workspace role: owner, admin or member
  --policy <p>      archive (default): archive the active agents, then delete
                    every agent of the runtime; unbind: keep every agent, unbound
  --confirm <ids>   confirmed mode: the active agents you confirmed, comma-
                    separated ("" confirms that there are none)
  --confirm-live    confirmed mode, confirming the agents that are active now
                    (the list a strict refusal names)
  --json            print the outcome as JSON: { type: "plan", plan } or
                    { type: "refusal", refusal }

Without --confirm or --confirm-live the request is strict: it is refused while
any agent of the runtime is active. The plan does not depend on the time of day,
so there is no --now.

Exit status: 0 a plan, 3 a refusal, 2 bad flags or bad input.`;

export const options = {
  actor: { type: "string" },
  role: { type: "string" },
  policy: { type: "string", default: "archive" },
  confirm: { type: "string" },
  "confirm-live": { type: "boolean", default: false },
  json: { type: "boolean", default: false },
  help: { type: "boolean", short: "h", default: false },
};

const ROLES = ["owner", "admin", "member"];
const POLICIES = ["archive", "unbind"];

/** Runs the command; returns the exit status. */
export function run({ values, positionals }) {
  if (positionals.length !== 1) throw new UsageError("expected one snapshot file");
  if (values.actor === undefined) throw new UsageError("--actor is required");
  if (!ROLES.includes(values.role)) throw new UsageError("--role must be owner, admin or member");
  if (!POLICIES.includes(values.policy)) throw new UsageError("--policy must be archive or unbind");
  if (values.confirm !== undefined && values["confirm-live"]) {
    throw new UsageError("give --confirm or --confirm-live, not both");
  }

  const file = positionals[0];
  const content = readJson(file);
  const wrapped = content !== null && typeof content === "object" && !Array.isArray(content) && "snapshot" in content;
  const snapshot = wrapped ? content.snapshot : content;
  const actor = { user_id: values.actor, role: values.role };
  const plan = (request) => judged(file, wrapped, () => planTeardown({ actor, request, snapshot }));

  const policy = values.policy;
  let outcome;
  if (values["confirm-live"]) {
    // The live active agents are the ones a strict request is refused for;
    // with no such refusal there are none to confirm.
    const strict = plan({ mode: "strict", policy });
    const live = strict.type === "refusal" ? (strict.refusal.active_agents ?? []).map((a) => a.id) : [];
    outcome = plan({ mode: "confirmed", policy, expected_active_agent_ids: live });
  } else if (values.confirm !== undefined) {
    const ids = values.confirm === "" ? [] : values.confirm.split(",");
    outcome = plan({ mode: "confirmed", policy, expected_active_agent_ids: ids });
  } else {
    outcome = plan({ mode: "strict", policy });
  }

  if (values.json) {
    console.log(JSON.stringify(outcome, null, 2));
  } else {
    const names = judged(file, wrapped, () => Names.of(snapshotForViewer(actor, snapshot)));
    console.log(outcome.type === "plan" ? describePlan(outcome.plan, names) : describeRefusal(outcome.refusal, names));
  }
  return outcome.type === "plan" ? 0 : 3;
}

/**
 * Calls the package; a thrown input error becomes an InputError naming where
 * the bad value came from: the file and the path inside it, or the flag.
 */
function judged(file, wrapped, call) {
  try {
    return call();
  } catch (e) {
    if (typeof e?.code !== "string") throw e;
    throw new InputError(where(e.field ?? "", file, wrapped), `${e.code}: ${e.message}`);
  }
}

/** The file or flag a field of planTeardown's input came from. */
function where(field, file, wrapped) {
  const name = sourceName(file);
  const under = (prefix) => field === prefix || field.startsWith(`${prefix}.`) || field.startsWith(`${prefix}[`);
  if (under("snapshot")) {
    const path = wrapped ? field : field.slice("snapshot".length).replace(/^\./, "");
    return path === "" ? name : `${name}: ${path}`;
  }
  if (under("request.expected_active_agent_ids")) {
    return `--confirm${field.slice("request.expected_active_agent_ids".length)}`;
  }
  if (field === "actor.role") return "--role";
  if (under("actor")) return "--actor";
  return field === "" ? name : `${name}: ${field}`;
}

/** Names of the records a plan or refusal names by id, as the actor may see them. */
class Names {
  static of(snapshot) {
    const names = new Names();
    for (const a of snapshot.agents) {
      names.agents.set(a.id, a.restricted ? "(restricted)" : a.name ?? "(unnamed)");
    }
    for (const s of snapshot.squads) names.squads.set(s.id, s.name);
    for (const p of snapshot.autopilots) names.autopilots.set(p.id, p.name);
    names.runtime = snapshot.runtime.name;
    return names;
  }
  agents = new Map();
  squads = new Map();
  autopilots = new Map();
  runtime = "";
}

const plural = (n, one, many) => `${n} ${n === 1 ? one : many}`;
const LIST_LIMIT = 10;

/** Lines listing `ids` with their names, at most LIST_LIMIT of them. */
function listed(ids, names) {
  const lines = ids.slice(0, LIST_LIMIT).map((id) => `  ${id}  ${names.get(id) ?? ""}`.trimEnd());
  if (ids.length > LIST_LIMIT) lines.push(`  … and ${ids.length - LIST_LIMIT} more (--json lists all)`);
  return lines;
}

function historyText(h) {
  return `${plural(h.finished_tasks, "finished task", "finished tasks")}, ${plural(h.chat_sessions, "chat session", "chat sessions")}`;
}

function describePlan(plan, names) {
  const { effects: e, response: r } = plan;
  const out = [
    `Plan: delete runtime "${names.runtime}" (${plan.runtime_id}), ${plan.policy} policy, ${plan.mode} mode`,
  ];
  if (plan.mode === "confirmed") {
    out.push(`Confirmed active agents: ${plan.confirmed_agent_ids.length}`);
  }
  const section = (count, one, many, ids, table, note = "") => {
    if (count === 0) return;
    out.push(`${plural(count, one, many)}${note}`, ...listed(ids, table));
  };
  section(r.agents_archived, "agent archived", "agents archived", e.archive_agents, names.agents);
  section(r.agents_unbound, "agent unbound", "agents unbound", e.unbind_agents, names.agents);
  section(r.agents_deleted, "agent deleted", "agents deleted", e.delete_agents, names.agents);
  section(r.squads_deleted, "squad deleted", "squads deleted", e.delete_squads, names.squads);
  const reason = plan.steps.find((s) => s.op === "pause_autopilots")?.pause_reason;
  section(
    r.autopilots_paused,
    "autopilot paused",
    "autopilots paused",
    e.pause_autopilots,
    names.autopilots,
    reason ? ` (pause reason: ${reason})` : "",
  );
  if (r.tasks_cancelled > 0) out.push(plural(r.tasks_cancelled, "unfinished task cancelled", "unfinished tasks cancelled"));
  const none = (h) => h.finished_tasks === 0 && h.chat_sessions === 0;
  if (!none(e.history_deleted)) out.push(`History lost: ${historyText(e.history_deleted)}`);
  if (!none(e.history_detached)) out.push(`History kept, detached from the runtime: ${historyText(e.history_detached)}`);
  if (r.agents_archived + r.agents_unbound + r.agents_deleted + r.squads_deleted + r.autopilots_paused + r.tasks_cancelled === 0) {
    out.push("No agent, squad, autopilot or task is affected.");
  }
  if (e.delete_runtime) out.push("The runtime is deleted.");
  out.push(`Steps: ${plan.steps.map((s) => s.op).join(" → ")}`);
  return out.join("\n");
}

function describeRefusal(refusal, names) {
  const out = [`Refused (${refusal.status} ${refusal.code}): ${refusal.error}`];
  const agent = (a) => `  ${a.id}  ${a.restricted ? "(restricted)" : a.name ?? "(unnamed)"}`.trimEnd();
  if (refusal.diff) {
    const { added, removed } = refusal.diff;
    if (added.length > 0) out.push("Added since you confirmed (active now, not confirmed):", ...listed(added, names.agents));
    if (removed.length > 0) out.push("Gone since you confirmed (confirmed, no longer active):", ...listed(removed, names.agents));
  }
  if (refusal.active_agents) {
    out.push(`Active agents now: ${refusal.active_agents.length}`, ...refusal.active_agents.slice(0, LIST_LIMIT).map(agent));
    if (refusal.active_agents.length > LIST_LIMIT) out.push(`  … and ${refusal.active_agents.length - LIST_LIMIT} more (--json lists all)`);
  }
  if (refusal.blocking_squads) {
    out.push("Blocking squads:");
    for (const s of refusal.blocking_squads) {
      out.push(`  ${s.id}  ${s.name}, led by ${s.leader_id} ${names.agents.get(s.leader_id) ?? ""}`.trimEnd());
    }
  }
  if (refusal.active_agents?.length > 0) {
    out.push(`To confirm them: --confirm ${refusal.active_agents.map((a) => a.id).join(",")} (or --confirm-live)`);
  }
  return out.join("\n");
}
