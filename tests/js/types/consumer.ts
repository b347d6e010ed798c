// A TypeScript caller of every function of `runtime-rules`, type-checked
// (never run) by scripts/check-types against the built package's .d.ts.
//
// Each section calls its functions with correctly typed arguments and uses
// the results through their declared types; each `@ts-expect-error` line
// proves that a wrong shape is rejected (tsc fails on an expect-error line
// that has no error). Keep one call per exported function: check-types
// fails when a function of the package is not called here.

import {
  agentPresence,
  aggregateByAgent,
  aggregateByDate,
  aggregateByModel,
  aggregateByWeek,
  cacheSavings,
  canEditRuntime,
  canSeeAgent,
  canSetRuntimeVisibility,
  canUseRuntimeForAgent,
  compareAgentSets,
  costBreakdown,
  estimateCost,
  fillHours,
  formatTokens,
  formatUsd,
  modelGroupKey,
  parseAgentIds,
  parseDays,
  pctChange,
  planRuntimeUpdate,
  planTeardown,
  pricingCandidates,
  pricingKey,
  resolveViewingTz,
  rollupUsage,
  runtimeHealth,
  sinceExact,
  sinceFromDays,
  localDate,
  sliceWindow,
  snapshotForViewer,
  startOfLocalDay,
  taskActivity,
  tzdbVersion,
  timeZones,
  unmappedModels,
  usageByAgent,
  usageByHour,
  usageDaily,
  usageTotals,
  checkLease,
  claimNext,
  heartbeatDecision,
  isCollectable,
  isStale,
  leaseExpired,
  legacyDaemonIds,
  retryDecision,
  retryOf,
  serializationKey,
  sessionToResume,
  sweepCutoffs,
  sweepReason,
} from "runtime-rules";
import type {
  Agent,
  AgentState,
  AgentSummary,
  Bucket,
  CostRow,
  CustomPrices,
  ErrorCode,
  Health,
  Member,
  Outcome,
  Plan,
  Presence,
  Refusal,
  RuntimeRulesError,
  Runtime,
  RuntimePatch,
  RuntimeState,
  Snapshot,
  TaskState,
  TeardownEvent,
  TeardownInput,
  UsageRow,
  WindowRow,
  Claim,
  ClaimInput,
  Heartbeat,
  LeaseCheck,
  LeaseConflict,
  QueueTask,
  QueueTaskRecord,
  Resume,
  RetryDecision,
  SerializationKey,
  SweepCutoffs,
  SweepReason,
} from "runtime-rules";

const ids = {
  alice: "11111111-0000-4000-8000-000000000001",
  bob: "11111111-0000-4000-8000-000000000002",
  workspace: "22222222-0000-4000-8000-000000000001",
  runtime: "33333333-0000-4000-8000-000000000001",
  agent1: "44444444-0000-4000-8000-000000000001",
  agent2: "44444444-0000-4000-8000-000000000002",
  squad: "55555555-0000-4000-8000-000000000001",
  autopilot: "66666666-0000-4000-8000-000000000001",
  task: "77777777-0000-4000-8000-000000000001",
} as const;

// ------------------------------------------------------------ §1 access

const alice: Member = { user_id: ids.alice, role: "owner" };
const bob: Member = { user_id: ids.bob, role: "member" };
const laptop: Runtime = {
  id: ids.runtime,
  workspace_id: ids.workspace,
  name: "laptop",
  owner_id: ids.alice,
  visibility: "private",
  status: "online",
  last_seen_at: "2026-05-19T16:00:00Z",
};
// A shared daemon: no owner, never seen.
const shared: Runtime = {
  id: ids.runtime,
  workspace_id: ids.workspace,
  name: "ci",
  visibility: "public",
  status: "offline",
};
const reviewer: Agent = { id: ids.agent1, name: "reviewer", owner_id: ids.alice, visibility: "private" };

const mayEdit: boolean = canEditRuntime(bob, laptop);
const mayUse: boolean = canUseRuntimeForAgent(bob, shared);
const maySetVisibility: boolean = canSetRuntimeVisibility(alice, laptop);
const maySee: boolean = canSeeAgent(bob, reviewer);
void [mayEdit, mayUse, maySetVisibility, maySee];

const rename: Outcome<RuntimePatch> = planRuntimeUpdate(alice, laptop, { name: "desk", visibility: "public" });
if (rename.type === "plan") {
  const change: RuntimePatch = rename.plan;
  const newName: string | null | undefined = change.name;
  void newName;
} else {
  const status: 403 | 409 = rename.refusal.status;
  void status;
}

// @ts-expect-error a role is one of owner, admin, member
canEditRuntime({ user_id: ids.bob, role: "boss" }, laptop);
// @ts-expect-error a user id is a UUID string, not a number
canEditRuntime({ user_id: 42, role: "member" }, laptop);
// @ts-expect-error a runtime needs its workspace_id
canUseRuntimeForAgent(bob, { id: ids.runtime, name: "laptop", visibility: "public", status: "online" });
// @ts-expect-error an agent needs its id
canSeeAgent(bob, { name: "reviewer" });
// @ts-expect-error a patch sets visibility to private or public only
planRuntimeUpdate(alice, laptop, { visibility: "workspace" });
// @ts-expect-error the plan exists only once the outcome is narrowed to "plan"
void rename.plan;

// ------------------------------------------------- §2 confirming a set

const confirmed: string[] = parseAgentIds([ids.agent1, "44444444000040008000000000000002"]);
const nothingConfirmed: string[] = parseAgentIds(null);
const comparison = compareAgentSets([ids.agent1, ids.agent2], confirmed);
const matches: boolean = comparison.matches;
const appeared: string[] = comparison.added;
const wentAway: string[] = comparison.removed;
void [nothingConfirmed, matches, appeared, wentAway];

// @ts-expect-error agent ids are strings
parseAgentIds([1, 2]);
// @ts-expect-error a comparison has no `same` field
void comparison.same;

// -------------------------------------------------------- §3 teardown

const snapshot: Snapshot = {
  runtime: laptop,
  agents: [
    reviewer,
    { id: ids.agent2, archived_at: "2026-05-01T10:00:00Z", restricted: true },
  ],
  squads: [{ id: ids.squad, name: "nightly", leader_id: ids.agent1, archived_at: null }],
  autopilots: [
    { id: ids.autopilot, name: "nightly", status: "active", assignee_type: "squad", assignee_id: ids.squad },
  ],
  tasks: [{ id: ids.task, agent_id: ids.agent1, runtime_id: ids.runtime, status: "queued" }],
  history: { finished_tasks: 12, chat_sessions: 3 },
};
const input: TeardownInput = {
  actor: alice,
  request: { mode: "confirmed", policy: "archive", expected_active_agent_ids: [ids.agent1] },
  snapshot,
};

const outcome: Outcome<Plan> = planTeardown(input);
if (outcome.type === "plan") {
  const plan: Plan = outcome.plan;
  const deleted: string[] = plan.effects.delete_agents;
  const lost: number = plan.effects.history_deleted.finished_tasks + plan.effects.history_deleted.chat_sessions;
  const always: true = plan.effects.delete_runtime;
  for (const step of plan.steps) {
    const reason: "agent_runtime_required" | undefined = step.pause_reason;
    void [step.op, step.ids, reason];
  }
  for (const event of plan.events) {
    const subject: string = describe(event);
    void subject;
  }
  const ok: "ok" = plan.response.status;
  const archived: number = plan.response.agents_archived;
  void [deleted, lost, always, ok, archived];
} else {
  const refusal: Refusal = outcome.refusal;
  const summaries: AgentSummary[] = refusal.active_agents ?? [];
  for (const agent of summaries) {
    if (agent.restricted) {
      const hidden: true = agent.restricted;
      void hidden;
    } else {
      const name: string | null = agent.name;
      void name;
    }
  }
  const added: string[] | undefined = refusal.diff?.added;
  const leaders: string[] = (refusal.blocking_squads ?? []).map((squad) => squad.leader_id);
  void [added, leaders];
}

/** The subject of an event: narrowing on `type` gives the id field. */
function describe(event: TeardownEvent): string {
  switch (event.type) {
    case "task:cancelled":
      return event.task_id;
    case "agent:archived":
    case "agent:deleted":
    case "agent:unbound":
      return event.agent_id;
    case "autopilot:paused":
      return event.autopilot_id;
    case "squad:deleted":
      return event.squad_id;
    case "runtime:deleted":
      return event.runtime_id;
  }
}

const seen: Snapshot = snapshotForViewer(bob, snapshot);
const firstAgent: Agent | undefined = seen.agents[0];
void firstAgent?.restricted;

// @ts-expect-error the mode is strict or confirmed
planTeardown({ ...input, request: { mode: "lenient", policy: "archive" } });
// @ts-expect-error a teardown input needs its snapshot
planTeardown({ actor: alice, request: { mode: "strict", policy: "unbind" } });
// @ts-expect-error an autopilot is assigned to an agent or a squad
snapshotForViewer(bob, { ...snapshot, autopilots: [{ id: ids.autopilot, name: "x", status: "active", assignee_type: "team", assignee_id: ids.squad }] });
// @ts-expect-error the refusal exists only once the outcome is narrowed to "refusal"
void outcome.refusal;

// ------------------------------------------- §4 windows and time zones

const tz: string = resolveViewingTz(new URLSearchParams("tz=Asia/Kolkata").get("tz"), undefined);
const days: number = parseDays(new URLSearchParams("days=7").get("days"), 30);
const dayStart: string = startOfLocalDay("2025-09-07", "America/Santiago");
const since: string = sinceFromDays("2025-03-12T19:30:00Z", days, tz);
const today: string = localDate("2025-06-01T20:00:00Z", "Asia/Kolkata");
// @ts-expect-error localDate needs the zone
localDate("2025-06-01T20:00:00Z");
const sinceN: string = sinceExact("2025-03-12T19:30:00Z", 3, "America/New_York");
void [dayStart, sinceN];

// @ts-expect-error the query zone is text
resolveViewingTz(9, "UTC");
// @ts-expect-error the default day count is a number
parseDays("7", "30");
// @ts-expect-error a zone is an IANA name string
startOfLocalDay("2025-09-07", -3);
// @ts-expect-error sinceFromDays needs the zone
sinceFromDays("2025-03-12T19:30:00Z", 3);

// ------------------------------------------------------------ §5 usage

const rows: UsageRow[] = [
  {
    task_id: ids.task,
    agent_id: ids.agent1,
    runtime_id: ids.runtime,
    workspace_id: ids.workspace,
    provider: "Anthropic",
    model: "claude-sonnet-4-6",
    input_tokens: 1200,
    output_tokens: 300,
    cache_read_tokens: 0,
    cache_write_tokens: 0,
    cost_usd_ticks: null,
    created_at: "2025-06-01T18:37:00Z",
  },
];
const buckets: Bucket[] = rollupUsage(rows);
const daily = usageDaily(buckets, tz, since);
const byAgent = usageByAgent(rows, since);
const byHour = usageByHour(rows, tz, since);
const hours = fillHours(byHour);
const activity = taskActivity(["2025-06-01T18:30:00Z", null], tz);
const dailyCost: number = daily.reduce((sum, row) => sum + row.cost_usd_ticks, 0);
const firstDate: string | undefined = daily[0]?.date;
const agentTasks: number = byAgent.reduce((sum, row) => sum + row.task_count, 0);
const busiestHour: number = hours.reduce((best, h) => (h.input_tokens > best.input_tokens ? h : best)).hour;
const starts: number = activity.reduce((sum, h) => sum + h.count, 0);
void [dailyCost, firstDate, agentTasks, busiestHour, starts];

// @ts-expect-error a raw row needs its created_at
rollupUsage([{ ...rows[0]!, created_at: undefined }]);
// @ts-expect-error token counts are numbers
usageByAgent([{ ...rows[0]!, input_tokens: "1200" }], since);
// @ts-expect-error buckets are not raw rows: they carry sums and counts
usageDaily(rows, tz, since);
// @ts-expect-error fillHours' rows have no model
void hours[0]?.model;

// ------------------------------------------------------------- §6 cost

const prices: CustomPrices = { "acme/auto": { input: 0.5, output: 1, cache_read: 0, cache_write: 0 } };
const row: CostRow = { model: "auto", provider: "acme", input_tokens: 1_000_000, date: "2026-05-19", agent_id: ids.agent1 };
const candidates: string[] = pricingCandidates("anthropic/claude-opus-4.7[1m]", null);
const key: string = pricingKey("auto", "Cursor");
const group: string = modelGroupKey("auto", undefined);
const usd: number = estimateCost(row, prices);
const usdBuiltIn: number = estimateCost({ model: "claude-sonnet-4-6", output_tokens: 10 });
const parts = costBreakdown(row, null);
const partsSum: number = parts.input + parts.output + parts.cache_read + parts.cache_write;
const saved: number = cacheSavings(row);
const unmapped: string[] = unmappedModels([row, ...daily], prices);
const totals = usageTotals([...daily, ...byAgent], prices);
const totalUsd: number = totals.cost.total;
const byDate = aggregateByDate([row], prices);
const weeks = aggregateByWeek([row], 4, tz, "2026-05-20T12:00:00Z", prices);
const partialWeek: boolean | undefined = weeks.at(-1)?.partial;
const agentTotals = aggregateByAgent([row]);
const modelTotals = aggregateByModel([row], prices);
const window = sliceWindow([row], 7, tz, "2026-05-20T12:00:00Z");
const current: WindowRow[] = window.current;
const currentTokens: number = current.reduce((sum, r) => sum + r.input_tokens, 0);
const change: number | null = pctChange(currentTokens, window.previous.length);
const tokens: string = formatTokens(totals.input_tokens);
const money: string = formatUsd(totalUsd);
const tzdb: string = tzdbVersion();
const zones: string[] = timeZones();
void [candidates, key, group, usd, usdBuiltIn, partsSum, saved, unmapped, byDate[0]?.date];
void [partialWeek, agentTotals[0]?.agent_id, modelTotals[0]?.model, change, tokens, money, tzdb];

// @ts-expect-error a cost row needs its model
estimateCost({ input_tokens: 5 }, null);
// @ts-expect-error a price has all four token kinds
estimateCost(row, { "acme/auto": { input: 1, output: 2 } });
// @ts-expect-error the weeks count is a number
aggregateByWeek([row], "4", tz, "2026-05-20T12:00:00Z", prices);
// @ts-expect-error pctChange may answer null (no previous value)
const notNull: number = pctChange(1, 0);
// @ts-expect-error formatTokens takes a count, not text
formatTokens("1200");
void notNull;

// -------------------------------------------------------- §7 liveness

// A runtime record from the API passes as it is; so does a bare state.
const laptopHealth: Health = runtimeHealth(laptop, "2026-05-19T16:03:00Z");
const lost: RuntimeState = { status: "offline", last_seen_at: "2026-05-13T15:59:59Z", bound_agent_count: 0 };
const lostHealth: Health = runtimeHealth(lost, "2026-05-19T16:00:00Z");
const doomed: boolean = lostHealth === "about_to_gc";
void [laptopHealth, doomed];

const worker: AgentState = { id: ids.agent1, runtime_id: ids.runtime, archived_at: null, max_concurrent_tasks: 2 };
const queue: TaskState[] = [...snapshot.tasks, { agent_id: ids.agent2, status: "running" }];
const presence: Presence = agentPresence(worker, lost, queue, "2026-05-19T16:00:00Z");
const missingRuntime: Presence = agentPresence(reviewer, null, [], "2026-05-19T16:00:00Z");
const busy: boolean = presence.workload === "working" || presence.availability === "unstable";
const free: number | null = presence.capacity === null ? null : presence.capacity - presence.running_count;
void [missingRuntime.queued_count, busy, free];

// @ts-expect-error a runtime needs its status
runtimeHealth({ last_seen_at: "2026-05-19T16:00:00Z" }, "2026-05-19T16:00:00Z");
// @ts-expect-error health is a string, never null
const noHealth: null = runtimeHealth(lost, "2026-05-19T16:00:00Z");
// @ts-expect-error a task's agent id is a UUID string
agentPresence(worker, lost, [{ agent_id: 7, status: "queued" }], "2026-05-19T16:00:00Z");
// @ts-expect-error capacity may be null (no max_concurrent_tasks)
const capacity: number = presence.capacity;
// @ts-expect-error "stale" is not an availability
void (presence.availability === "stale");
void [noHealth, capacity];

// ---------------------------------------------------- §7 the task queue

const now = "2026-05-19T16:00:00Z";
const issue = "88888888-0000-4000-8000-000000000001";
const token = "cccccccc-0000-4000-8000-000000000001";
// A stored task passes as it is; only id, agent_id, status and created_at are required.
const queued: QueueTask = {
  id: ids.task,
  agent_id: ids.agent1,
  runtime_id: ids.runtime,
  issue_id: issue,
  status: "queued",
  priority: 2,
  created_at: "2026-05-19T15:00:00Z",
};
const claimInput: ClaimInput = { runtime_id: ids.runtime, agent_id: null, agents: [worker], tasks: [queued] };
const claim: Claim | null = claimNext(claimInput, token, now);
const leaseEnd: string | undefined = claim?.claim_expires_at;
const queueKey: SerializationKey | null = serializationKey(queued);
const keyId: string | null = queueKey === null || queueKey.kind === "no_link" ? null : queueKey.id;
const dispatched: QueueTask = { ...queued, status: "dispatched", claim_token: token, claim_expires_at: leaseEnd ?? null };
const lapsed: boolean = leaseExpired(dispatched, now);
const check: LeaseCheck = checkLease(dispatched, "start", token, now);
const refused: LeaseConflict | null = check.type === "conflict" ? check.reason : null;
const legacyCheck: LeaseCheck = checkLease({ ...dispatched, claim_token: null }, "fail", null, now);
void [leaseEnd, keyId, lapsed, refused, legacyCheck];

const failedTask: QueueTask = { ...queued, status: "failed", failure_reason: "runtime_offline", attempt: 1 };
const decision: RetryDecision = retryDecision(failedTask);
if (decision.retry) {
  const next: QueueTaskRecord = retryOf(failedTask, "77777777-0000-4000-8000-000000000002", now);
  const parentId: string | null = next.parent_task_id;
  const nextAttempt: number = next.attempt;
  void [parentId, nextAttempt];
}
const resume: Resume | null = sessionToResume([{ ...failedTask, session_id: "s1" }], ids.agent1, issue);
const resumeDir: string | null | undefined = resume?.work_dir;
const limits: SweepCutoffs = sweepCutoffs(now);
const beat: Heartbeat = heartbeatDecision(laptop);
const stale: boolean = isStale(lost, now);
const swept: SweepReason | null = sweepReason(dispatched, limits.dispatched_before);
const collectable: boolean = isCollectable(lost, 0, now);
const legacyIds: string[] = legacyDaemonIds("laptop.local", "work");
const legacyNoProfile: string[] = legacyDaemonIds("laptop");
void [resumeDir, beat, stale, swept, collectable, legacyIds, legacyNoProfile];

// SPEC §8.1's fields alone are a task to the retry rule.
const specOnly: RetryDecision = retryDecision({
  status: "failed", failure_reason: "timeout", attempt: 1, max_attempts: 2,
  autopilot_run_id: null, issue_id: issue, chat_session_id: null,
});
void specOnly;
// @ts-expect-error the retry rule needs the task's status
retryDecision({ failure_reason: "timeout", attempt: 1 });
// @ts-expect-error statuses are the seven task statuses, lowercase
leaseExpired({ ...queued, status: "Queued" }, now);
// @ts-expect-error actions are start, complete and fail
checkLease(dispatched, "restart", token, now);
// @ts-expect-error the claim token may be null but not left out
checkLease(dispatched, "start", now);
// @ts-expect-error a claim may be null (nothing claimable)
const mustClaim: Claim = claimNext(claimInput, token, now);
// @ts-expect-error a serialization key has no id once it is no_link
void (queueKey?.kind === "no_link" && queueKey.id);
// @ts-expect-error the unfinished task count is a number
isCollectable(lost, "0", now);
// @ts-expect-error "expired" is not a sweep reason
void (swept === "expired");
void mustClaim;

// ------------------------------------------------------------ errors

try {
  startOfLocalDay("2025-02-30", "UTC");
} catch (e) {
  const error = e as RuntimeRulesError;
  const code: ErrorCode = error.code;
  const field: string | undefined = error.field;
  void [code, field];
}
