// Plan the teardown of a runtime the way the delete dialog does: ask for a
// strict delete; if active agents are in the way, confirm exactly those agents
// and plan again. The server runs the same planTeardown inside its transaction.
//
//   node examples/plan-teardown.mjs [snapshot.json]
import { readFileSync } from "node:fs";
import { planTeardown } from "runtime-rules";

const file = process.argv[2] ?? new URL("data/snapshot.json", import.meta.url);
const snapshot = JSON.parse(readFileSync(file, "utf8")); // runtime, agents, squads, autopilots, tasks, history
const actor = { user_id: "11111111-0000-4000-8000-000000000001", role: "member" };

let outcome = planTeardown({ actor, request: { mode: "strict", policy: "archive" }, snapshot });
if (outcome.type === "refusal" && outcome.refusal.code === "runtime_has_active_agents") {
  // The dialog lists these agents; the user confirms them.
  const confirmed = outcome.refusal.active_agents.map((agent) => agent.id);
  const request = { mode: "confirmed", policy: "archive", expected_active_agent_ids: confirmed };
  outcome = planTeardown({ actor, request, snapshot });
}

if (outcome.type === "plan") {
  const { response, effects, steps } = outcome.plan;
  console.log("plan:", response);
  console.log("history lost:", effects.history_deleted);
  console.log("steps:", steps.map((step) => step.op).join(" → "));
} else {
  console.log(`refused (${outcome.refusal.status} ${outcome.refusal.code}): ${outcome.refusal.error}`);
}
