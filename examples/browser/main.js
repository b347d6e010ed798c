// Preview a runtime's teardown in the browser with the very function the
// server runs. Loaded by examples/browser/index.html.
import init, { planTeardown, startOfLocalDay } from "runtime-rules";

await init(); // fetches and compiles the .wasm beside the module, once

const snapshot = await (await fetch("../data/snapshot.json")).json();
const actor = { user_id: "11111111-0000-4000-8000-000000000001", role: "member" };
const outcome = planTeardown({ actor, request: { mode: "strict", policy: "unbind" }, snapshot });
const preview = outcome.type === "plan" ? JSON.stringify(outcome.plan.response) : `refused: ${outcome.refusal.error}`;

// Santiago's clocks jump from 00:00 to 01:00 on 2025-09-07: the day starts at 01:00.
const dayStart = startOfLocalDay("2025-09-07", "America/Santiago");

const result = document.getElementById("result");
result.textContent = `${preview}\n2025-09-07 starts in America/Santiago at ${dayStart}`;
result.dataset.ok = "true";
