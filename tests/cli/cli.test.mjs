// The package's `runtime-rules` command, run as a child process the way npm's
// bin link runs it, on the small files of tests/cli/fixtures/.
//
//   node --test tests/cli/        (after scripts/build; PKG=dir to test another build)
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const root = new URL("../../", import.meta.url).pathname;
const pkg = resolve(root, process.env.PKG ?? "pkg");
const bin = join(pkg, "bin/runtime-rules.js");
const fixtures = join(root, "tests/cli/fixtures");

/** Runs the command in the fixtures folder: { status, stdout, stderr }. */
function cli(args, input) {
  const r = spawnSync(bin, args, { cwd: fixtures, encoding: "utf8", input });
  if (r.error) throw r.error;
  return r;
}

const OWNER = ["--actor", "11111111-0000-4000-8000-000000000001", "--role", "member"]; // owns the runtime
const A1 = "44444444-0000-4000-8000-000000000001"; // active, visible
const A2 = "44444444-0000-4000-8000-000000000002"; // active, private to another user
const A3 = "44444444-0000-4000-8000-000000000003"; // archived
const NOW = ["--now", "2025-06-05T12:00:00Z"];

test("plan: confirming the live agents gives a plan and its counts (exit 0)", () => {
  const r = cli(["plan", "snapshot.json", ...OWNER, "--confirm-live"]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /archive policy, confirmed mode/);
  assert.match(r.stdout, /^2 agents archived$/m);
  assert.match(r.stdout, /^3 agents deleted$/m);
  assert.match(r.stdout, /^1 squad deleted$/m);
  assert.match(r.stdout, /^2 autopilots paused$/m);
  assert.match(r.stdout, /^3 unfinished tasks cancelled$/m);
  assert.match(r.stdout, /^History lost: 12 finished tasks, 3 chat sessions$/m);
  // An agent the actor may not see is named by its id only.
  assert.match(r.stdout, new RegExp(`${A2}  \\(restricted\\)`));
  assert.doesNotMatch(r.stdout, /secret helper/);
});

test("plan --json: the outcome as the package returns it", () => {
  const r = cli(["plan", "snapshot.json", ...OWNER, "--confirm", `${A2},${A1}`, "--json"]);
  assert.equal(r.status, 0, r.stderr);
  const outcome = JSON.parse(r.stdout);
  assert.equal(outcome.type, "plan");
  assert.deepEqual(outcome.plan.confirmed_agent_ids, [A1, A2]);
  assert.deepEqual(outcome.plan.response, {
    status: "ok",
    agents_archived: 2,
    agents_unbound: 0,
    agents_deleted: 3,
    tasks_cancelled: 3,
    autopilots_paused: 2,
    squads_deleted: 1,
  });
});

test("plan --policy unbind: agents unbound, history detached", () => {
  const r = cli(["plan", "snapshot.json", ...OWNER, "--confirm-live", "--policy", "unbind"]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^3 agents unbound$/m);
  assert.match(r.stdout, /pause reason: agent_runtime_required/);
  assert.match(r.stdout, /^History kept, detached from the runtime: 12 finished tasks, 3 chat sessions$/m);
});

test("plan: a strict request with active agents is refused (exit 3) with its sentence", () => {
  const r = cli(["plan", "snapshot.json", ...OWNER]);
  assert.equal(r.status, 3, r.stderr);
  assert.match(r.stdout, /Refused \(409 runtime_has_active_agents\): cannot delete runtime: 2 active agents are bound to it/);
  assert.match(r.stdout, new RegExp(`--confirm ${A1},${A2}`));
});

test("plan: a stale --confirm is refused with who was added and who went away", () => {
  const r = cli(["plan", "snapshot.json", ...OWNER, "--confirm", `${A1},${A3}`]);
  assert.equal(r.status, 3, r.stderr);
  assert.match(r.stdout, /runtime_delete_plan_changed/);
  assert.match(r.stdout, /the active agents changed since you confirmed \(1 added, 1 removed\)/);
  assert.match(r.stdout, new RegExp(`Added since you confirmed[^\\n]*\\n  ${A2}`));
  assert.match(r.stdout, new RegExp(`Gone since you confirmed[^\\n]*\\n  ${A3}  old builder`));

  const json = JSON.parse(cli(["plan", "snapshot.json", ...OWNER, "--confirm", `${A1},${A3}`, "--json"]).stdout);
  assert.deepEqual(json.refusal.diff, { added: [A2], removed: [A3] });
});

test("plan: the server's { snapshot } answer is read too; an active squad blocks the archive", () => {
  const r = cli(["plan", "teardown-snapshot.json", ...OWNER, "--confirm-live"]);
  assert.equal(r.status, 3, r.stderr);
  assert.match(r.stdout, /runtime_has_active_squads/);
  assert.match(r.stdout, /55555555-0000-4000-8000-000000000002  core crew/);
});

test("plan: someone who may not edit the runtime is refused", () => {
  const r = cli(["plan", "snapshot.json", "--actor", "11111111-0000-4000-8000-000000000002", "--role", "member"]);
  assert.equal(r.status, 3);
  assert.match(r.stdout, /Refused \(403 forbidden\)/);
});

test("plan: a malformed id in the file names the file and the path (exit 2)", () => {
  const r = cli(["plan", "bad-agent-id.json", ...OWNER]);
  assert.equal(r.status, 2);
  assert.equal(r.stdout, "");
  assert.match(r.stderr, /^runtime-rules: bad-agent-id\.json: agents\[2\]\.id: invalid_id: /);
});

test("plan: bad JSON is reported at its line and column (exit 2)", () => {
  const r = cli(["plan", "invalid.json", ...OWNER]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /^runtime-rules: invalid\.json: invalid JSON at line 5, column 3: /);
});

test("plan: a malformed confirmed id names the flag and the element (exit 2)", () => {
  const r = cli(["plan", "snapshot.json", ...OWNER, "--confirm", `${A1},nope`]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /^runtime-rules: --confirm\[1\]: invalid_agent_ids: /);
});

test("plan: bad flags and missing files exit 2", () => {
  for (const args of [
    ["plan", "snapshot.json"],
    ["plan", "snapshot.json", ...OWNER, "--frobnicate"],
    ["plan", "snapshot.json", "--actor", "11111111-0000-4000-8000-000000000001", "--role", "root"],
    ["plan", "snapshot.json", ...OWNER, "--confirm", A1, "--confirm-live"],
    ["frobnicate"],
    [],
  ]) {
    const r = cli(args);
    assert.equal(r.status, 2, args.join(" "));
    assert.match(r.stderr, /\nusage: runtime-rules /, args.join(" "));
  }
  const r = cli(["plan", "missing.json", ...OWNER]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /^runtime-rules: missing\.json: cannot read/);
});

test("usage by day: a row at 19:00 UTC falls on the next local date in Kolkata", () => {
  const kolkata = cli(["usage", "usage.json", "--tz", "Asia/Kolkata", ...NOW]);
  assert.equal(kolkata.status, 0, kolkata.stderr);
  assert.match(kolkata.stdout, /^2025-06-02 +1M +1M +0 +0 +\$18\.00$/m);
  assert.match(kolkata.stdout, /^2025-06-01 +2M +10K +0 +0 +\$3\.00$/m);

  const utc = cli(["usage", "usage.json", "--tz", "UTC", ...NOW]);
  assert.equal(utc.status, 0, utc.stderr);
  assert.match(utc.stdout, /^2025-06-01 +3M +1M +0 +0 +\$21\.00$/m);
  assert.match(utc.stdout, /^total +3\.6M +1\.1M +1M +200K +\$24\.50$/m);
  assert.match(utc.stdout, /No price for acme\/auto/);
});

test("usage by day reads rollup buckets from standard input as well", () => {
  const r = cli(["usage", "-", "--tz", "Asia/Kolkata", ...NOW, "--json"], readFileSync(join(fixtures, "buckets.json")));
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.source, "buckets");
  assert.equal(out.since, "2025-05-05T18:30:00Z");
  const june2 = out.rows.find((row) => row.date === "2025-06-02");
  assert.equal(june2.input_tokens, 1_000_000);
  assert.equal(june2.cost.total, 18);
});

test("usage by week, model, agent and hour", () => {
  const week = cli(["usage", "usage.json", "--tz", "Asia/Kolkata", ...NOW, "--by", "week", "--weeks", "2"]);
  assert.equal(week.status, 0, week.stderr);
  assert.match(week.stdout, /^2025-05-26 – 2025-06-01 +2M .*\$3\.00$/m);
  assert.match(week.stdout, /^2025-06-02 – 2025-06-08 \(4 of 7 days\) .*\$21\.50$/m);

  const model = cli(["usage", "usage.json", "--tz", "UTC", ...NOW, "--by", "model"]);
  assert.equal(model.status, 0, model.stderr);
  assert.match(model.stdout, /^claude-sonnet-4-6 +1M +1M +0 +0 +\$18\.00$/m);

  const agent = cli(["usage", "usage.json", "--tz", "UTC", ...NOW, "--by", "agent"]);
  assert.equal(agent.status, 0, agent.stderr);
  assert.match(agent.stdout, new RegExp(`^${A1} .*\\$21\\.50$`, "m"));

  const hour = cli(["usage", "usage.json", "--tz", "Asia/Kolkata", ...NOW, "--by", "hour"]);
  assert.equal(hour.status, 0, hour.stderr);
  assert.equal(hour.stdout.match(/^\d\d:00 /gm).length, 24);
  assert.match(hour.stdout, /^00:00 +1M +1M .*\$18\.00$/m);
});

test("usage: bad zone, instant, days and rows exit 2 naming the flag or the row", () => {
  const bad = (args, pattern) => {
    const r = cli(["usage", ...args]);
    assert.equal(r.status, 2, args.join(" "));
    assert.match(r.stderr, pattern);
  };
  bad(["usage.json", "--tz", "Mars/Olympus", ...NOW], /^runtime-rules: --tz: invalid_time_zone: /);
  bad(["usage.json", "--tz", "UTC", "--now", "yesterday"], /^runtime-rules: --now: invalid_instant: /);
  bad(["usage.json", "--tz", "UTC", ...NOW, "--days", "abc"], /^runtime-rules: --days: /);
  bad(["usage.json", ...NOW], /--tz is required\nusage: runtime-rules usage /);
  bad(["buckets.json", "--tz", "UTC", ...NOW, "--by", "hour"], /^runtime-rules: buckets\.json: --by hour needs raw usage rows/);
  bad(["snapshot.json", "--tz", "UTC", ...NOW], /^runtime-rules: snapshot\.json: expected a JSON array/);
});

test("usage: a bad value in a row names the file and the row's field", () => {
  const rows = JSON.parse(readFileSync(join(fixtures, "usage.json"), "utf8"));
  rows[1].input_tokens = -5;
  const r = cli(["usage", "-", "--tz", "UTC", ...NOW], JSON.stringify(rows));
  assert.equal(r.status, 2);
  assert.match(r.stderr, /^runtime-rules: <stdin>: \[1\]\.input_tokens: invalid_count: /);
});

test("--version prints the package version and the tz database", async () => {
  const api = await import(pathToFileURL(join(pkg, "node/index.js")));
  const { version } = JSON.parse(readFileSync(join(pkg, "package.json"), "utf8"));
  const r = cli(["--version"]);
  assert.equal(r.status, 0);
  assert.equal(r.stdout, `runtime-rules ${version}\ntz database ${api.tzdbVersion()}\n`);
});

test("--help, plan --help and usage --help", () => {
  const top = cli(["--help"]);
  assert.equal(top.status, 0);
  assert.match(top.stdout, /usage: runtime-rules plan /);
  assert.match(top.stdout, /usage: runtime-rules usage /);
  for (const command of ["plan", "usage"]) {
    const r = cli([command, "--help"]);
    assert.equal(r.status, 0);
    assert.match(r.stdout, new RegExp(`^usage: runtime-rules ${command} `));
    assert.match(r.stdout, /Exit status:/);
  }
});
