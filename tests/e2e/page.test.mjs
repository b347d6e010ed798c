// The web page in headless Chromium against the real server on the demo
// database (issue #5's acceptance). Each test starts its own demo, so the
// teardowns of one never change what another sees.
import { test, after, beforeEach, afterEach } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import {
  startDemo, newPage, signIn, api, runtimeNamed, screenshot, closeBrowser, TOKENS,
} from "./harness.mjs";

const rules = createRequire(import.meta.url)("../../pkg/node/cjs/runtime_rules.js");

let demo;
let page;
beforeEach(async () => { demo = await startDemo(); });
afterEach(async () => {
  const problems = (page?.problems ?? []).filter((p) => !page.ignoreProblems?.test(p));
  await page?.context().close();
  page = null;
  await demo.stop();
  assert.deepEqual(problems, [], "the page logged no errors");
});
after(closeBrowser);

const dialog = () => page.getByTestId("teardown-dialog");
const effectCount = async (effect) => {
  const section = dialog().locator(`[data-effect="${effect}"]`);
  return (await section.count()) === 0 ? 0 : Number(await section.getAttribute("data-count"));
};
async function openDialogFromDetail(name) {
  await page.getByRole("link", { name, exact: true }).click();
  await page.getByTestId("delete-runtime").click();
  await dialog().getByTestId("plan").or(dialog().getByTestId("refusal")).waitFor();
}

test("switching the zone from UTC to Asia/Kolkata moves a late-evening UTC row to the next local date", async () => {
  page = await newPage({ timezoneId: "UTC" });
  await signIn(page, demo.url, "Ada Okafor");
  const runtime = await runtimeNamed(demo.url, TOKENS.ada, "ben-workstation");
  // The row lies between 18:30 and 24:00 UTC: the API's hour-of-day report in UTC says so.
  const hours = (await api(demo.url, TOKENS.ada, `/api/runtimes/${runtime.id}/usage/by-hour?days=30&tz=UTC`)).body;
  assert.equal(hours.length, 1, "ben-workstation has one usage row");
  assert.ok(hours[0].hour >= 18 && hours[0].hour < 24 && !(hours[0].hour === 18), `hour ${hours[0].hour} UTC`);

  await page.getByRole("link", { name: "ben-workstation", exact: true }).click();
  await page.getByLabel("Time zone").selectOption("UTC");
  await page.getByTestId("zone").filter({ hasText: "zone UTC" }).waitFor();
  const details = page.getByTestId("daily-usage");
  await details.locator("summary").click();
  const rows = details.locator("tbody tr[data-date]");
  await rows.first().waitFor();
  assert.equal(await rows.count(), 1);
  const utcDate = await rows.first().getAttribute("data-date");
  await screenshot(page, "detail-utc");

  const reports = [];
  page.on("request", (request) => {
    if (/\/api\/runtimes\/[^/]+\/(usage|activity)/.test(request.url())) reports.push(new URL(request.url()));
  });
  await page.getByLabel("Time zone").selectOption("Asia/Kolkata");
  await page.getByTestId("zone").filter({ hasText: "zone Asia/Kolkata" }).waitFor();
  await page.getByTestId("daily-usage").locator("summary").click();
  const moved = page.getByTestId("daily-usage").locator("tbody tr[data-date]");
  await moved.first().waitFor();
  assert.equal(await moved.count(), 1);
  const kolkataDate = await moved.first().getAttribute("data-date");
  const next = new Date(Date.parse(`${utcDate}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
  assert.equal(kolkataDate, next, `the ${utcDate} row (UTC) is on ${next} in Asia/Kolkata`);
  // Every report the view asked for was asked in the chosen zone.
  assert.match(page.url(), /tz=Asia%2FKolkata/);
  assert.ok(reports.length >= 3, `${reports.length} report requests`);
  for (const url of reports) assert.equal(url.searchParams.get("tz"), "Asia/Kolkata", url.pathname);
  await screenshot(page, "detail-kolkata");
});

test("deleting a runtime without agents, by keyboard, removes it from the list", async () => {
  page = await newPage();
  await signIn(page, demo.url, "Ada Okafor");
  const list = page.getByTestId("runtime-list");
  await screenshot(page, "list");
  const row = list.locator('tr[data-runtime-name="chen-old-laptop"]');
  await row.locator('[data-health="about_to_gc"]').waitFor();
  const id = await row.getAttribute("data-runtime-id");

  const opener = row.getByRole("button", { name: "Delete chen-old-laptop" });
  await opener.focus();
  await page.keyboard.press("Enter");
  await dialog().getByTestId("plan").waitFor();
  assert.ok(await dialog().evaluate((d) => d.contains(document.activeElement)), "focus moved into the dialog");
  // Escape closes and gives focus back to the button that opened it.
  await page.keyboard.press("Escape");
  await dialog().waitFor({ state: "detached" });
  assert.ok(await opener.evaluate((b) => b === document.activeElement), "focus returned to the opener");

  await page.keyboard.press("Enter");
  await dialog().getByTestId("plan").waitFor();
  for (const effect of ["archive_agents", "delete_agents", "delete_squads", "pause_autopilots", "cancel_tasks"]) {
    assert.equal(await effectCount(effect), 0, effect);
  }
  assert.ok(await dialog().getByTestId("confirm-teardown").isDisabled(), "confirm needs the checkbox");
  await screenshot(page, "dialog-empty-runtime", dialog());
  await dialog().getByTestId("understood").focus();
  await page.keyboard.press("Space");
  await dialog().getByTestId("confirm-teardown").focus();
  await page.keyboard.press("Enter");
  await dialog().waitFor({ state: "detached" });
  await row.waitFor({ state: "detached" });
  assert.equal((await api(demo.url, TOKENS.ada, `/api/runtimes/${id}`)).status, 404);
});

test("on a runtime with agents, the plan in the dialog is what the server does", async () => {
  page = await newPage();
  await signIn(page, demo.url, "Ada Okafor");
  const runtime = await runtimeNamed(demo.url, TOKENS.ada, "ci-runner-01");
  await openDialogFromDetail("ci-runner-01");
  const shown = {
    agents_archived: await effectCount("archive_agents"),
    agents_unbound: await effectCount("unbind_agents"),
    agents_deleted: await effectCount("delete_agents"),
    tasks_cancelled: await effectCount("cancel_tasks"),
    autopilots_paused: await effectCount("pause_autopilots"),
    squads_deleted: await effectCount("delete_squads"),
  };
  assert.ok(shown.agents_deleted > 0 && shown.tasks_cancelled > 0, JSON.stringify(shown));
  // The package from Node plans the same on the same snapshot.
  const snapshot = (await api(demo.url, TOKENS.ada, `/api/runtimes/${runtime.id}/teardown-snapshot`)).body;
  const active = snapshot.agents.filter((a) => !a.archived_at).map((a) => a.id);
  const outcome = rules.planTeardown({
    actor: { user_id: (await api(demo.url, TOKENS.ada, "/api/me")).body.id, role: "owner" },
    request: { mode: "confirmed", policy: "archive", expected_active_agent_ids: active },
    snapshot,
  });
  assert.equal(outcome.type, "plan");
  const { status: _, ...expected } = outcome.plan.response;
  assert.deepEqual(shown, expected);
  await screenshot(page, "dialog-plan", dialog());

  await dialog().getByTestId("understood").check();
  const answer = page.waitForResponse((r) => r.url().endsWith(`/api/runtimes/${runtime.id}/archive-agents-and-delete`));
  await dialog().getByTestId("confirm-teardown").click();
  const response = await answer;
  assert.equal(response.status(), 200);
  const { status, ...counts } = await response.json();
  assert.equal(status, "ok");
  assert.deepEqual(counts, shown, "the server did what the dialog showed");

  // The final state, through the API.
  await page.getByTestId("runtime-list").waitFor();
  assert.equal((await api(demo.url, TOKENS.ada, `/api/runtimes/${runtime.id}`)).status, 404);
  const agents = (await api(demo.url, TOKENS.ada, "/api/agents")).body.map((a) => a.id);
  for (const id of outcome.plan.effects.delete_agents) assert.ok(!agents.includes(id), `agent ${id} is gone`);
  const tasks = (await api(demo.url, TOKENS.ada, "/api/tasks")).body.map((t) => t.id);
  for (const id of outcome.plan.effects.cancel_tasks) assert.ok(!tasks.includes(id), `task ${id} is no longer open`);
  const autopilots = (await api(demo.url, TOKENS.ada, "/api/autopilots")).body;
  for (const id of outcome.plan.effects.pause_autopilots) {
    assert.equal(autopilots.find((a) => a.id === id)?.status, "paused", `autopilot ${id} is paused`);
  }
  assert.equal(await page.locator(`tr[data-runtime-id="${runtime.id}"]`).count(), 0, "the list no longer shows it");
});

async function addAgentWhileOpen({ liveEvents }) {
  page = await newPage();
  if (!liveEvents) {
    await page.route("**/api/events", (route) => route.abort());
    page.ignoreProblems = /net::ERR_FAILED/; // the aborted event stream
  }
  // The page's event stream answers before the second user acts.
  const connected = liveEvents && page.waitForResponse((r) => r.url().endsWith("/api/events") && r.status() === 200);
  await signIn(page, demo.url, "Ada Okafor");
  const runtime = await runtimeNamed(demo.url, TOKENS.ada, "chen-scratch");
  await openDialogFromDetail("chen-scratch");
  assert.equal(await effectCount("archive_agents"), 0);
  if (liveEvents) await connected;
  const created = await api(demo.url, TOKENS.chen, "/api/agents", {
    method: "POST",
    body: { runtime_id: runtime.id, name: "Newcomer", model: "claude-sonnet-4-6" },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  return { runtime, agent: created.body };
}

test("a second user adds an agent while the dialog is open: the dialog re-plans and names it", async () => {
  const { runtime, agent } = await addAgentWhileOpen({ liveEvents: true });
  await dialog().getByTestId("agents-added").filter({ hasText: "Newcomer" }).waitFor();
  await dialog().locator('[data-effect="archive_agents"]').filter({ hasText: "Newcomer" }).waitFor();
  assert.equal(await effectCount("delete_agents"), 1);
  await screenshot(page, "dialog-replanned", dialog());
  await dialog().getByTestId("understood").check();
  await dialog().getByTestId("confirm-teardown").click();
  await dialog().waitFor({ state: "detached" });
  assert.equal((await api(demo.url, TOKENS.ada, `/api/runtimes/${runtime.id}`)).status, 404);
  assert.ok(!(await api(demo.url, TOKENS.ada, "/api/agents")).body.some((a) => a.id === agent.id));
});

test("without live events the confirm is refused with runtime_delete_plan_changed, names the agent, and succeeds when confirmed again", async () => {
  const { runtime, agent } = await addAgentWhileOpen({ liveEvents: false });
  await dialog().getByTestId("understood").check();
  const refused = page.waitForResponse((r) => r.url().includes("/archive-agents-and-delete"));
  await dialog().getByTestId("confirm-teardown").click();
  const first = await refused;
  assert.equal(first.status(), 409);
  assert.equal((await first.json()).code, "runtime_delete_plan_changed");
  await dialog().getByTestId("agents-added").filter({ hasText: "Newcomer" }).waitFor();
  await dialog().locator('[data-effect="archive_agents"]').filter({ hasText: "Newcomer" }).waitFor();
  assert.ok(await dialog().getByTestId("confirm-teardown").isDisabled(), "asks again: the checkbox is cleared");
  await screenshot(page, "dialog-plan-changed", dialog());
  await dialog().getByTestId("understood").check();
  const accepted = page.waitForResponse((r) => r.url().includes("/archive-agents-and-delete"));
  await dialog().getByTestId("confirm-teardown").click();
  const second = await accepted;
  assert.equal(second.status(), 200);
  assert.equal((await second.json()).agents_deleted, 1);
  await dialog().waitFor({ state: "detached" });
  assert.equal((await api(demo.url, TOKENS.ada, `/api/runtimes/${runtime.id}`)).status, 404);
  assert.ok(!(await api(demo.url, TOKENS.ada, "/api/agents")).body.some((a) => a.id === agent.id));
});

test("a plain member sees no delete action on someone else's runtime, and the API answers 403 when forced", async () => {
  page = await newPage();
  await signIn(page, demo.url, "Divya Rao");
  const list = page.getByTestId("runtime-list");
  for (const name of ["ada-macbook", "ci-runner-01", "ben-workstation"]) {
    const row = list.locator(`tr[data-runtime-name="${name}"]`);
    await row.waitFor();
    assert.equal(await row.getByRole("button", { name: /Delete/ }).count(), 0, `no delete on ${name}`);
  }
  // Her own runtime has one.
  assert.equal(await list.locator('tr[data-runtime-name="divya-gpu-box"]').getByRole("button", { name: /Delete/ }).count(), 1);
  await page.getByRole("link", { name: "ci-runner-01", exact: true }).click();
  await page.getByTestId("kpis").waitFor();
  assert.equal(await page.getByTestId("delete-runtime").count(), 0);

  const runtime = await runtimeNamed(demo.url, TOKENS.divya, "ci-runner-01");
  // Forced from the page, with the page's own token.
  const forced = await page.evaluate(async (id) => {
    const auth = { Authorization: `Bearer ${localStorage.getItem("runtime-rules.token")}`, "Content-Type": "application/json" };
    const strict = await fetch(`/api/runtimes/${id}`, { method: "DELETE", headers: auth });
    const confirmed = await fetch(`/api/runtimes/${id}/archive-agents-and-delete`, {
      method: "POST", headers: auth, body: JSON.stringify({ expected_active_agent_ids: [] }),
    });
    return [strict.status, (await strict.json()).code, confirmed.status, (await confirmed.json()).code];
  }, runtime.id);
  assert.deepEqual(forced, [403, "forbidden", 403, "forbidden"]);
  assert.equal((await api(demo.url, TOKENS.divya, `/api/runtimes/${runtime.id}`)).status, 200, "still there");
});

test("an archived agent leading an active squad blocks the teardown: the dialog names the squad, says what to do, and cannot confirm", async () => {
  page = await newPage();
  await signIn(page, demo.url, "Ada Okafor");
  await openDialogFromDetail("divya-gpu-box");
  const refusal = dialog().getByTestId("refusal");
  assert.equal(await refusal.getAttribute("data-code"), "runtime_has_active_squads");
  const squads = dialog().getByTestId("blocking-squads");
  await squads.filter({ hasText: "Night shift" }).waitFor();
  assert.match(await squads.innerText(), /archive “Night shift” or give it another leader/);
  assert.equal(await dialog().getByTestId("understood").count(), 0, "nothing to confirm");
  const confirm = dialog().getByTestId("confirm-teardown");
  assert.ok(await confirm.isDisabled(), "no enabled confirm button");
  await screenshot(page, "dialog-blocked", dialog());
  // Unbinding deletes no agent, so no squad blocks it: the plan appears.
  await dialog().getByLabel("Unbind its agents and keep them").check();
  await dialog().getByTestId("plan").waitFor();
  assert.equal(await effectCount("unbind_agents"), 2);
  assert.ok(await confirm.isDisabled(), "still needs the checkbox");
});

test("at 375 px wide the list, the detail page and the dialog fit the screen", async () => {
  page = await newPage({ viewport: { width: 375, height: 740 } });
  await signIn(page, demo.url, "Ada Okafor");
  const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok((await overflow()) <= 0, "the list does not scroll sideways");
  await screenshot(page, "list-375");
  await page.getByRole("link", { name: "ada-macbook", exact: true }).click();
  await page.getByTestId("kpis").waitFor();
  await page.locator(".u-over").first().waitFor();
  assert.ok((await overflow()) <= 0, "the detail page does not scroll sideways");
  await screenshot(page, "detail-375");
  await page.getByTestId("delete-runtime").click();
  await dialog().getByTestId("refusal").or(dialog().getByTestId("plan")).waitFor();
  const box = await dialog().boundingBox();
  assert.ok(box.x >= 0 && box.x + box.width <= 375, `dialog within the screen: ${JSON.stringify(box)}`);
  await screenshot(page, "dialog-375", dialog());
});

test("agents show their presence: archived, unbound, online or unstable, working or queued", async () => {
  page = await newPage();
  await signIn(page, demo.url, "Ada Okafor");
  await page.getByRole("link", { name: "Agents", exact: true }).click();
  const list = page.getByTestId("agent-list");
  await list.waitFor();
  const presence = async (name) => {
    const row = list.locator("tbody tr").filter({ has: page.getByRole("rowheader", { name, exact: true }) });
    return [await row.locator("[data-availability]").getAttribute("data-availability"),
      await row.locator("[data-workload]").getAttribute("data-workload")];
  };
  assert.deepEqual(await presence("Atlas"), ["online", "working"]);
  assert.deepEqual(await presence("Bramble"), ["online", "queued"]);
  assert.deepEqual(await presence("Dusk (retired)"), ["archived", "idle"]);
  assert.deepEqual(await presence("Juniper"), ["unbound", "idle"]);
  assert.deepEqual(await presence("Iris"), ["online", "queued"]);
  await screenshot(page, "agents");
});

test("a price for an unmapped model is kept in the browser and counted; a built-in model has no editor", async () => {
  page = await newPage();
  await signIn(page, demo.url, "Ada Okafor");
  await page.getByRole("link", { name: "ada-macbook", exact: true }).click();
  const editor = page.getByTestId("unmapped-models");
  const form = editor.locator('form[data-model="ollama/acme-coder-34b"]');
  await form.waitFor();
  assert.equal(await editor.locator("form").count(), 1, "only the model the table does not know");
  const cost = async () => page.locator('[data-kpi="cost"] .kpi-value').innerText();
  const before = await cost();
  for (const [label, value] of [["Input", "100"], ["Output", "100"], ["Cache read", "10"], ["Cache write", "100"]]) {
    await form.getByLabel(label, { exact: true }).fill(value);
  }
  await form.getByRole("button", { name: "Save price" }).click();
  await page.locator('[data-kpi="cost"] .kpi-value').filter({ hasNotText: before }).waitFor();
  const parse = (text) => Number(text.replace(/[$,]/g, ""));
  assert.ok(parse(await cost()) > parse(before), `${before} → ${await cost()}`);
  const stored = await page.evaluate(() => JSON.parse(localStorage.getItem("runtime-rules.custom-prices")));
  assert.deepEqual(stored, { "ollama/acme-coder-34b": { input: 100, output: 100, cache_read: 10, cache_write: 100 } });
  await screenshot(page, "detail-custom-price");
});
