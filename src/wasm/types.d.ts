// The shapes the functions of `runtime-rules` take and return (SPEC.md).
//
// wasm-bindgen copies this text into the package's .d.ts, next to
// the function declarations generated from src/wasm.rs, so it holds plain
// `export` declarations only. Every field follows the Rust serde type it
// mirrors (src/workspace.rs, access.rs, refusal.rs, agent_set.rs,
// teardown/, window.rs, usage/, cost/, liveness.rs, queue.rs): a field the core reads with a
// default is optional here, a field the core leaves out when empty is
// optional on the way out, and an absent value that is written is `null`.
// Inputs accept what the core accepts as valid input; outputs are what it
// writes. `scripts/check-types` checks both against every test vector.
//
// No name here may shadow a global the generated glue uses: the web
// build's `InitInput` mentions the DOM's `Response`, so the teardown's
// shapes are `TeardownResponse`, `TeardownEvent` and `HistoryCounts`
// (not `Response`, `Event`, `History`).
//
// Words as in SPEC.md: a runtime runs agents; an agent is active while
// `archived_at` is null; a squad is a team of agents with one leader; an
// autopilot is a scheduled job assigned to an agent or a squad; a task is
// one unit of agent work; a member is a user of the workspace.

// ---------------------------------------------------------------- values

/**
 * A UUID. Read in the 36-character dashed form or the 32-hex form, hex
 * digits in either case; always written in canonical lowercase
 * `8-4-4-4-12` form.
 */
export type Id = string;

/**
 * A point in time as RFC 3339 text. Read with `Z` or a numeric offset and
 * optional fractional seconds, years 0001 to 2099; always written in UTC
 * with a `Z` (`2026-05-19T16:00:00Z`), with a fraction only when it is not
 * zero.
 */
export type Instant = string;

/** A calendar date, exactly `YYYY-MM-DD`. */
export type LocalDate = string;

/**
 * An IANA time-zone name such as `America/New_York`; links such as
 * `US/Pacific` included. Case-sensitive; `Local` and `""` are invalid.
 */
export type TimeZone = string;

/**
 * The raw `?days=` value as it arrived: a string holding a base-10 integer
 * in 1..=365 (a leading `+` and leading zeros allowed), or such a number.
 * Anything else, absent included, gives the default day count.
 */
export type RawDays = unknown;

// ---------------------------------------------------------------- errors

/** The stable code of an input error, as `code` of the thrown `Error`. */
export type ErrorCode =
  | "invalid_input"
  | "invalid_id"
  | "duplicate_id"
  | "invalid_agent_ids"
  | "invalid_time_zone"
  | "invalid_date"
  | "invalid_instant"
  | "invalid_days"
  | "invalid_count"
  | "invalid_number";

/**
 * What every function throws for invalid input (never for a refusal, which
 * is returned): `message` says what is wrong, `code` is stable, `field` is
 * the path of the value at fault (`snapshot.agents[2].id`) when there is one.
 */
export interface RuntimeRulesError extends Error {
  name: "RuntimeRulesError";
  code: ErrorCode;
  field?: string;
}

// ------------------------------------------------------- §1 the workspace

/**
 * A member's role in the workspace. Owners and admins may edit every
 * runtime and see every agent; roles are case-sensitive.
 */
export type Role = "owner" | "admin" | "member";

/** A user acting in a workspace, with their role. */
export interface Member {
  /** The user. */
  user_id: Id;
  /** `owner`, `admin` or `member`. */
  role: Role;
}

/** Who may bind agents to a runtime: `public` (anyone) or `private` (its owner). */
export type RuntimeVisibility = "private" | "public";

/**
 * A runtime: a machine or daemon that runs agents. Unknown fields are
 * ignored, so a runtime fetched from the API can be passed as it is.
 */
export interface Runtime {
  /** The runtime. */
  id: Id;
  /** Its workspace. */
  workspace_id: Id;
  /** Display name. */
  name: string;
  /** The user who owns it; `null` (or absent) for a shared daemon. */
  owner_id?: Id | null;
  /** `public`, or anything else, which counts as private. */
  visibility: RuntimeVisibility | (string & {});
  /** `online`, or anything else, which counts as offline. */
  status: "online" | "offline" | (string & {});
  /** The last heartbeat; `null` (or absent) if it never sent one. */
  last_seen_at?: Instant | null;
}

/**
 * An agent bound to a runtime. Only `id` is required. An agent the viewer
 * may not see arrives (and leaves `snapshotForViewer`) as
 * `{ id, archived_at, restricted: true }`. Secrets the server keeps on an
 * agent (instructions, environment, MCP configuration) have no field here
 * and never come back out.
 */
export interface Agent {
  /** The agent. */
  id: Id;
  /** Display name. */
  name?: string | null;
  /** The user who owns it. */
  owner_id?: Id | null;
  /**
   * `workspace` or `public`: every member sees it; anything else
   * (`private`, absent): its owner and workspace owners/admins only.
   */
  visibility?: "workspace" | "public" | "private" | (string & {}) | null;
  /** When it was archived; `null` (or absent) while active. */
  archived_at?: Instant | null;
  /** Its working status as the server reports it (`idle`, `working`, ...). */
  status?: string | null;
  /** Its model. */
  model?: string | null;
  /** `true` on an agent redacted for a viewer who may not see it (leave it out, not `undefined`, otherwise). */
  restricted?: boolean;
}

/**
 * A requested change to a runtime (`PATCH /api/runtimes/{id}`); as the
 * plan of `planRuntimeUpdate`, the part of the request that changes
 * something (fields that would not change are left out).
 */
export interface RuntimePatch {
  /** A new name; trimmed, must not be empty. */
  name?: string | null;
  /** A new visibility. */
  visibility?: RuntimeVisibility | null;
}

// ------------------------------------------------------------- refusals

/**
 * What a planner answers: a plan (`type: "plan"`), or a refusal
 * (`type: "refusal"`), which is an answer, not an error. Narrow on `type`.
 */
export type Outcome<T> =
  | { type: "plan"; plan: T }
  | { type: "refusal"; refusal: Refusal };

/** Why a plan is refused. */
export type RefusalCode =
  | "forbidden"
  | "runtime_has_active_agents"
  | "runtime_delete_plan_changed"
  | "runtime_has_active_squads";

/**
 * "Not allowed, and here is what to do next": the HTTP status (403 for
 * `forbidden`, 409 otherwise), a stable code, a sentence for people, and
 * where relevant the live active agents, the difference to the confirmed
 * set and the squads in the way. Lists are sorted by id. A refusal has no
 * side effect.
 */
export interface Refusal {
  /** HTTP status. */
  status: 403 | 409;
  /** Stable code. */
  code: RefusalCode;
  /** What happened and what to do next. */
  error: string;
  /**
   * The live active agents, as summaries (with `runtime_has_active_agents`
   * and `runtime_delete_plan_changed` only).
   */
  active_agents?: AgentSummary[];
  /** The live active set against the confirmed set. */
  diff?: AgentSetDiff;
  /** Active squads led by agents the plan would delete. */
  blocking_squads?: BlockingSquad[];
}

/** Agents that appeared (`added`) and went away (`removed`), each sorted. */
export interface AgentSetDiff {
  /** Live but not confirmed. */
  added: Id[];
  /** Confirmed but no longer live. */
  removed: Id[];
}

/** A squad that blocks a teardown until it is archived or given another leader. */
export interface BlockingSquad {
  /** The squad. */
  id: Id;
  /** Its name. */
  name: string;
  /** Its leader, an agent the plan would delete. */
  leader_id: Id;
}

/**
 * How an agent leaves the server: its public description, or, for a viewer
 * who may not see it, only its id. Narrow on `restricted`.
 */
export type AgentSummary = VisibleAgentSummary | RestrictedAgentSummary;

/** An agent the viewer may see: its public description, `null` where unknown. */
export interface VisibleAgentSummary {
  /** The agent. */
  id: Id;
  /** Display name. */
  name: string | null;
  /** Its owner. */
  owner_id: Id | null;
  /** Its visibility. */
  visibility: string | null;
  /** Its working status. */
  status: string | null;
  /** Its model. */
  model: string | null;
  /** When it was archived; `null` while active. */
  archived_at: Instant | null;
  /** Never set on a visible summary. */
  restricted?: never;
}

/** An agent hidden from the viewer: the id is needed to confirm a plan, nothing else. */
export interface RestrictedAgentSummary {
  /** The agent. */
  id: Id;
  /** Always `true`. */
  restricted: true;
}

// ---------------------------------------------------- §2 confirming a set

/**
 * A list of agent ids as a user confirmed it: UUIDs in the dashed or the
 * 32-hex form, either case. `null` or absent is the empty set ("I confirmed
 * there are no active agents").
 */
export type AgentIdList = readonly Id[] | null | undefined;

/** The live set of active agents against the set a user confirmed. */
export interface SetComparison {
  /** The two sets are equal. */
  matches: boolean;
  /** Live but not confirmed: agents that appeared. Sorted. */
  added: Id[];
  /** Confirmed but not live: agents that went away. Sorted. */
  removed: Id[];
}

// --------------------------------------------------------- §3 teardown

/** How a teardown treats active agents: refuse while any is active, or act on the confirmed ones. */
export type TeardownMode = "strict" | "confirmed";

/** What a teardown does to the agents: archive then delete them, or unbind them. */
export type TeardownPolicy = "archive" | "unbind";

/** The planner's input: who asks, what they ask for, and the snapshot. */
export interface TeardownInput {
  /** The member asking. */
  actor: Member;
  /** Mode, policy and the confirmed agents. */
  request: TeardownRequest;
  /** Everything the teardown touches. */
  snapshot: Snapshot;
}

/** What the member asks for. */
export interface TeardownRequest {
  /** `strict` refuses while agents are active; `confirmed` acts on the confirmed ones. */
  mode: TeardownMode;
  /** `archive` (then delete) or `unbind`. */
  policy: TeardownPolicy;
  /** Confirmed mode: the active agents the user confirmed. Ignored in strict mode. */
  expected_active_agent_ids?: AgentIdList;
}

/**
 * Everything a teardown touches, read in one transaction: the runtime, every
 * agent bound to it (active and archived), the squads they lead, the
 * autopilots assigned to them or their squads, the unfinished tasks on the
 * runtime or of its agents, and the count of finished history rows.
 * Records outside that scope are ignored; so are unknown fields.
 */
export interface Snapshot {
  /** The runtime. */
  runtime: Runtime;
  /** Its agents. */
  agents: Agent[];
  /** Squads led by its agents. */
  squads: Squad[];
  /** Autopilots assigned to its agents or their squads. */
  autopilots: Autopilot[];
  /** Unfinished tasks on the runtime or of its agents. */
  tasks: Task[];
  /** Finished rows a teardown deletes or detaches. */
  history: HistoryCounts;
}

/** A squad: a team of agents with one leader. */
export interface Squad {
  /** The squad. */
  id: Id;
  /** Display name. */
  name: string;
  /** The leading agent (a squad's leader cannot be deleted under it). */
  leader_id: Id;
  /** When it was archived; `null` (or absent) while active. */
  archived_at?: Instant | null;
}

/** Whom an autopilot is assigned to. */
export type AssigneeType = "agent" | "squad";

/** An autopilot: a scheduled job assigned to an agent or a squad. */
export interface Autopilot {
  /** The autopilot. */
  id: Id;
  /** Display name. */
  name: string;
  /** `active`, `paused`, ...; only `active` ones are paused by a teardown. */
  status: "active" | "paused" | (string & {});
  /** Agent or squad. */
  assignee_type: AssigneeType;
  /** The agent or squad. */
  assignee_id: Id;
}

/** A task in the queue. */
export interface Task {
  /** The task. */
  id: Id;
  /** The agent that runs it. */
  agent_id: Id;
  /** The runtime it is queued on (maybe not its agent's); `null` once detached. */
  runtime_id?: Id | null;
  /**
   * `queued`, `dispatched`, `running` or `waiting_local_directory` while
   * unfinished; anything else is finished.
   */
  status:
    | "queued"
    | "dispatched"
    | "running"
    | "waiting_local_directory"
    | (string & {});
}

/** Rows of history: finished tasks (on the runtime or of its agents) and its agents' chat sessions. */
export interface HistoryCounts {
  /** Finished task rows. */
  finished_tasks: number;
  /** Chat sessions. */
  chat_sessions: number;
}

/**
 * A teardown plan: effects for the dialog, steps for the executor, events
 * to publish after commit and the HTTP response. Every id list is sorted;
 * the same input gives the same plan, byte for byte.
 */
export interface Plan {
  /** `archive` or `unbind`. */
  policy: TeardownPolicy;
  /** `strict` or `confirmed`. */
  mode: TeardownMode;
  /** The runtime torn down. */
  runtime_id: Id;
  /** The confirmed agents (empty in strict mode). */
  confirmed_agent_ids: Id[];
  /** What happens, for the dialog. */
  effects: Effects;
  /** The executor's script, in order. */
  steps: Step[];
  /** What to publish after commit, in order. */
  events: TeardownEvent[];
  /** The HTTP response body on success. */
  response: TeardownResponse;
}

/** What a plan does, for the dialog to show before the user confirms. */
export interface Effects {
  /** Active agents archived (archive policy, confirmed mode). */
  archive_agents: Id[];
  /** Agents unbound from the runtime (unbind policy). */
  unbind_agents: Id[];
  /** Agents deleted with their history (archive policy). */
  delete_agents: Id[];
  /** Archived squads led by deleted agents, deleted first. */
  delete_squads: Id[];
  /** Active autopilots paused. */
  pause_autopilots: Id[];
  /** Unfinished tasks cancelled. */
  cancel_tasks: Id[];
  /** History rows lost (archive policy; zero under unbind). */
  history_deleted: HistoryCounts;
  /** History rows kept, detached from the runtime (unbind policy; zero under archive). */
  history_detached: HistoryCounts;
  /** Always `true`: both policies end by deleting the runtime. */
  delete_runtime: true;
}

/**
 * An executor operation. Archive policy, in order: `lock_runtime`,
 * `archive_agents`, `cancel_tasks`, `pause_autopilots`, `delete_squads`,
 * `delete_agents`, `delete_runtime`; unbind policy: `lock_runtime`,
 * `unbind_agents`, `pause_autopilots`, `cancel_tasks`, `detach_history`,
 * `delete_runtime`.
 */
export type Op =
  | "lock_runtime"
  | "archive_agents"
  | "unbind_agents"
  | "cancel_tasks"
  | "pause_autopilots"
  | "delete_squads"
  | "delete_agents"
  | "detach_history"
  | "delete_runtime";

/** One step of the executor's script. */
export interface Step {
  /** What to do. */
  op: Op;
  /** To which rows (the runtime id for `lock_runtime`, `detach_history` and `delete_runtime`). */
  ids: Id[];
  /** For `pause_autopilots` under the unbind policy: the reason to record. */
  pause_reason?: "agent_runtime_required";
}

/**
 * An event to publish after commit. Ids only (no names, no summaries):
 * events reach every member of the workspace. Narrow on `type`.
 */
export type TeardownEvent =
  | { type: "task:cancelled"; workspace_id: Id; runtime_id: Id; task_id: Id }
  | { type: "agent:archived"; workspace_id: Id; runtime_id: Id; agent_id: Id }
  | { type: "agent:deleted"; workspace_id: Id; runtime_id: Id; agent_id: Id }
  | { type: "agent:unbound"; workspace_id: Id; runtime_id: Id; agent_id: Id }
  | { type: "autopilot:paused"; workspace_id: Id; runtime_id: Id; autopilot_id: Id }
  | { type: "squad:deleted"; workspace_id: Id; runtime_id: Id; squad_id: Id }
  | { type: "runtime:deleted"; workspace_id: Id; runtime_id: Id };

/** The HTTP response on success: the lengths of the effect lists (0 where one does not apply). */
export interface TeardownResponse {
  /** Always `ok`. */
  status: "ok";
  /** Agents archived. */
  agents_archived: number;
  /** Agents unbound. */
  agents_unbound: number;
  /** Agents deleted. */
  agents_deleted: number;
  /** Tasks cancelled. */
  tasks_cancelled: number;
  /** Autopilots paused. */
  autopilots_paused: number;
  /** Squads deleted. */
  squads_deleted: number;
}

// ------------------------------------------------------------ §5 usage

/**
 * A raw usage row: one per task × provider × model, as the daemon reports
 * it. Token counts are non-negative integers.
 */
export interface UsageRow {
  /** The task. */
  task_id: Id;
  /** The agent. */
  agent_id: Id;
  /** The runtime (a plain value: usage outlives its runtime). */
  runtime_id: Id;
  /** The workspace; `rollupUsage` needs it, the reports do not. */
  workspace_id?: Id | null;
  /** The provider, any case. */
  provider: string;
  /** The model, as reported. */
  model: string;
  /** Input tokens. */
  input_tokens: number;
  /** Output tokens. */
  output_tokens: number;
  /** Cache-read tokens. */
  cache_read_tokens: number;
  /** Cache-write tokens. */
  cache_write_tokens: number;
  /** The provider-reported cost in units of 1e-10 USD; `null` (or absent) when not reported. */
  cost_usd_ticks?: number | null;
  /** When the usage was reported. */
  created_at: Instant;
}

/**
 * The nine sums every usage report carries: the four token counts,
 * `cost_usd_ticks` over rows that reported a cost, and the four
 * `uncosted_*` token counts of rows that did not.
 */
export interface UsageSums {
  /** Input tokens. */
  input_tokens: number;
  /** Output tokens. */
  output_tokens: number;
  /** Cache-read tokens. */
  cache_read_tokens: number;
  /** Cache-write tokens. */
  cache_write_tokens: number;
  /** Reported cost, in units of 1e-10 USD. */
  cost_usd_ticks: number;
  /** Input tokens of rows without a reported cost. */
  uncosted_input_tokens: number;
  /** Output tokens of rows without a reported cost. */
  uncosted_output_tokens: number;
  /** Cache-read tokens of rows without a reported cost. */
  uncosted_cache_read_tokens: number;
  /** Cache-write tokens of rows without a reported cost. */
  uncosted_cache_write_tokens: number;
}

/**
 * A rollup bucket: the sums of the raw rows of one quarter hour (UTC) ×
 * workspace × runtime × agent × lowercased provider × model.
 */
export interface Bucket extends UsageSums {
  /** The quarter-hour instant (UTC, 15-minute floor of `created_at`). */
  bucket_start: Instant;
  /** Workspace. */
  workspace_id: Id;
  /** Runtime. */
  runtime_id: Id;
  /** Agent. */
  agent_id: Id;
  /** Provider, lowercased. */
  provider: string;
  /** Model, as reported. */
  model: string;
  /** Distinct tasks in the bucket. */
  task_count: number;
  /** Usage reports summed. */
  event_count: number;
}

/** Daily usage of one provider and model, by local date in the viewer's zone. */
export interface DailyRow extends UsageSums {
  /** Local date. */
  date: LocalDate;
  /** Provider, lowercased. */
  provider: string;
  /** Model. */
  model: string;
}

/** Usage of one agent, provider and model. */
export interface AgentRow extends UsageSums {
  /** Agent. */
  agent_id: Id;
  /** Provider, lowercased. */
  provider: string;
  /** Model. */
  model: string;
  /** Distinct tasks. */
  task_count: number;
}

/** Usage of one model in one local hour of the day. */
export interface HourRow extends UsageSums {
  /** Local wall-clock hour, 0..=23. */
  hour: number;
  /** Model. */
  model: string;
  /** Distinct tasks. */
  task_count: number;
}

/** Usage of every model in one local hour of the day (`fillHours`: 24 of them). */
export interface HourTotal extends UsageSums {
  /** Local wall-clock hour, 0..=23. */
  hour: number;
  /** Tasks, summed over the hour's models. */
  task_count: number;
}

/** Task starts in one local hour of the day. */
export interface HourCount {
  /** Local wall-clock hour, 0..=23. */
  hour: number;
  /** Tasks started. */
  count: number;
}

// ------------------------------------------------------------- §6 cost

/**
 * A row to put a price on: any usage row with a model (a daily, agent or
 * raw row, or one built by hand). Absent token counts are 0; leave such a
 * count out rather than setting it to `undefined` or `null`, which the
 * core rejects. `date` is needed by the by-date, by-week and window
 * functions, `agent_id` by `aggregateByAgent`.
 */
export interface CostRow {
  /** Local date (aggregates by date and week, `sliceWindow`). */
  date?: LocalDate | null;
  /** Agent (`aggregateByAgent`). */
  agent_id?: Id | null;
  /** Provider; with one, `provider/model` prices are tried first. */
  provider?: string | null;
  /** Model, as reported. */
  model: string;
  /** Input tokens. */
  input_tokens?: number;
  /** Output tokens. */
  output_tokens?: number;
  /** Cache-read tokens. */
  cache_read_tokens?: number;
  /** Cache-write tokens. */
  cache_write_tokens?: number;
  /** Provider-reported cost, in units of 1e-10 USD; a row "has a reported cost" when it is above 0. */
  cost_usd_ticks?: number | null;
  /**
   * Input tokens the reported cost does not cover. When present (not
   * null), the four `uncosted_*` fields are the tokens to price, a missing
   * one counting 0; otherwise all tokens are priced unless the row has a
   * reported cost.
   */
  uncosted_input_tokens?: number | null;
  /** Output tokens the reported cost does not cover. */
  uncosted_output_tokens?: number | null;
  /** Cache-read tokens the reported cost does not cover. */
  uncosted_cache_read_tokens?: number | null;
  /** Cache-write tokens the reported cost does not cover. */
  uncosted_cache_write_tokens?: number | null;
  /** Tasks, summed by the aggregates. */
  task_count?: number | null;
}

/**
 * A cost row as `sliceWindow` hands it back: its date, the four token
 * counts (0 where absent) and the other fields that were given.
 */
export interface WindowRow {
  /** Local date. */
  date: LocalDate;
  /** Agent. */
  agent_id?: Id;
  /** Provider. */
  provider?: string;
  /** Model. */
  model: string;
  /** Input tokens. */
  input_tokens: number;
  /** Output tokens. */
  output_tokens: number;
  /** Cache-read tokens. */
  cache_read_tokens: number;
  /** Cache-write tokens. */
  cache_write_tokens: number;
  /** Reported cost, in units of 1e-10 USD. */
  cost_usd_ticks?: number;
  /** Input tokens the reported cost does not cover. */
  uncosted_input_tokens?: number;
  /** Output tokens the reported cost does not cover. */
  uncosted_output_tokens?: number;
  /** Cache-read tokens the reported cost does not cover. */
  uncosted_cache_read_tokens?: number;
  /** Cache-write tokens the reported cost does not cover. */
  uncosted_cache_write_tokens?: number;
  /** Tasks. */
  task_count?: number;
}

/** USD per million tokens of each kind; finite and at least 0. */
export interface Price {
  /** Input tokens. */
  input: number;
  /** Output tokens. */
  output: number;
  /** Cache-read tokens. */
  cache_read: number;
  /** Cache-write tokens. */
  cache_write: number;
}

/**
 * The user's own prices for models the built-in table does not know, by
 * pricing key (`acme/auto`, `brand-new-model`; see `pricingKey`). The
 * built-in table always wins.
 */
export type CustomPrices = { [pricingKey: string]: Price };

/** A cost in USD split by token kind; the parts add up to `estimateCost`. */
export interface Breakdown {
  /** Input tokens, USD. */
  input: number;
  /** Output tokens, USD. */
  output: number;
  /** Cache-read tokens, USD. */
  cache_read: number;
  /** Cache-write tokens, USD. */
  cache_write: number;
}

/** A cost in USD split by token kind, with its total. */
export interface CostSplit extends Breakdown {
  /** The sum of the rows' estimated costs. */
  total: number;
}

/** Token counts, estimated cost, cache savings and tasks of a set of rows. */
export interface Totals {
  /** Input tokens. */
  input_tokens: number;
  /** Output tokens. */
  output_tokens: number;
  /** Cache-read tokens. */
  cache_read_tokens: number;
  /** Cache-write tokens. */
  cache_write_tokens: number;
  /** Estimated cost, USD. */
  cost: CostSplit;
  /** What reading from the cache saved, USD. */
  cache_savings: number;
  /** Tasks, summed over rows that carry `task_count`. */
  task_count: number;
}

/** The totals of one local date. */
export interface DateTotal extends Totals {
  /** Local date. */
  date: LocalDate;
}

/** The totals of one Monday-to-Sunday week. */
export interface WeekTotal extends Totals {
  /** Monday. */
  week_start: LocalDate;
  /** Sunday. */
  week_end: LocalDate;
  /** Today is before the week's Sunday (the current week, `days_covered` < 7). */
  partial: boolean;
  /** Days of the week up to and including today (7 for past weeks). */
  days_covered: number;
}

/** The totals of one agent. */
export interface AgentTotal extends Totals {
  /** Agent. */
  agent_id: Id;
}

/** The totals of one model group (see `modelGroupKey`). */
export interface ModelTotal extends Totals {
  /** The group key. */
  model: string;
}

/**
 * The rows of the KPI window and of the window before it, of equal length:
 * `current` holds the `days` local dates ending today, `previous` the
 * `days` dates before those. Order is kept.
 */
export interface WindowSlice {
  /** Rows of the last `days` local dates, today included. */
  current: WindowRow[];
  /** Rows of the `days` local dates before those. */
  previous: WindowRow[];
}

// -------------------------------------------------------- §7 liveness

/**
 * A runtime as `runtimeHealth` and `agentPresence` read it. Other fields
 * are ignored, so a `Runtime` fetched from the API can be passed as it is.
 */
export interface RuntimeState {
  /** `online`, or anything else, which counts as offline; case-sensitive. */
  status: "online" | "offline" | (string & {});
  /** The last heartbeat; `null` (or absent) if it never sent one. */
  last_seen_at?: Instant | null;
  /** Agents bound to it, active or archived; `null` (or absent) counts as none. */
  bound_agent_count?: number | null;
}

/**
 * How a runtime's liveness reads to people: `online`; `recently_lost`
 * (offline, last heartbeat under 5 minutes ago or in the future);
 * `offline`; `about_to_gc` (offline over 6 days, no agent bound, so the
 * collector deletes it at 7).
 */
export type Health = "online" | "recently_lost" | "offline" | "about_to_gc";

/**
 * An agent as `agentPresence` reads it. Other fields are ignored, so an
 * agent fetched from the API can be passed as it is.
 */
export interface AgentState {
  /** The agent: its tasks are those with this `agent_id`. */
  id: Id;
  /** The runtime it is bound to; `null` (or absent) when unbound. */
  runtime_id?: Id | null;
  /** When it was archived; `null` (or absent) while active. */
  archived_at?: Instant | null;
  /** How many tasks it may run at once; `null` (or absent) when not set. */
  max_concurrent_tasks?: number | null;
}

/** A task as `agentPresence` reads it: whose it is and its status. Other fields are ignored. */
export interface TaskState {
  /** The agent that runs it. */
  agent_id: Id;
  /**
   * `running` counts as working; `queued`, `dispatched` and
   * `waiting_local_directory` as queued; anything else (finished) for nothing.
   */
  status: Task["status"];
}

/**
 * Whether an agent can take work: `online`; `unstable` (its runtime went
 * offline under 5 minutes ago); `offline` (its runtime is offline or
 * missing); `unbound` (no runtime); `archived`.
 */
export type Availability = "online" | "unstable" | "offline" | "unbound" | "archived";

/** What an agent is doing: `working` (a task running), `queued` (one waiting), `idle`. */
export type Workload = "working" | "queued" | "idle";

/** The presence of an agent (an archived one is always `idle` with counts 0). */
export interface Presence {
  /** Whether it can take work. */
  availability: Availability;
  /** What it is doing. */
  workload: Workload;
  /** Its running tasks. */
  running_count: number;
  /** Its tasks queued, dispatched or waiting for their local directory. */
  queued_count: number;
  /** Its `max_concurrent_tasks`; `null` when not set. */
  capacity: number | null;
}

// ------------------------------------------------------ §7 the task queue

/**
 * Where a task is in its life. `completed`, `failed` and `cancelled` are
 * final; `dispatched` and `running` mean a runtime holds it.
 */
export type TaskStatus =
  | "queued"
  | "dispatched"
  | "running"
  | "waiting_local_directory"
  | "completed"
  | "failed"
  | "cancelled";

/**
 * A task as the queue rules read it. Only `id`, `agent_id`, `status` and
 * `created_at` are required; other fields are ignored, so a stored task
 * can be passed as it is.
 */
export interface QueueTask {
  /** The task. */
  id: Id;
  /** The agent that runs it. */
  agent_id: Id;
  /** The runtime it is queued on; `null` once detached. */
  runtime_id?: Id | null;
  /** The issue it works on, if any. */
  issue_id?: Id | null;
  /** The chat session it answers, if any. */
  chat_session_id?: Id | null;
  /** The autopilot run that made it, if any. */
  autopilot_run_id?: Id | null;
  /** Where it is. */
  status: TaskStatus;
  /** Higher runs first; an integer, 0 when absent. */
  priority?: number;
  /** When it was queued. */
  created_at: Instant;
  /** When a runtime claimed it. */
  dispatched_at?: Instant | null;
  /** When it started. */
  started_at?: Instant | null;
  /** When it completed, failed or was cancelled. */
  finished_at?: Instant | null;
  /** The token of its current claim; kept until it ends. */
  claim_token?: Id | null;
  /** When the current claim's lease runs out (while dispatched). */
  claim_expires_at?: Instant | null;
  /** Which attempt this is, from 1 (the default). */
  attempt?: number;
  /** How many attempts it may have; 2 when absent. */
  max_attempts?: number;
  /** The task this one retries. */
  parent_task_id?: Id | null;
  /** Why it failed (`runtime_offline`, `timeout`, `agent_error`, ...). */
  failure_reason?: string | null;
  /** What the daemon said when it failed. */
  error?: string | null;
  /** The agent's session, once it has one. */
  session_id?: string | null;
  /** The agent's working directory, once it has one. */
  work_dir?: string | null;
}

/** A task as `retryOf` writes it: every field present, `null` where there is no value. */
export type QueueTaskRecord = Required<QueueTask>;

/** What `claimNext` looks at. */
export interface ClaimInput {
  /** The runtime claiming: only its `queued` tasks are candidates. */
  runtime_id: Id;
  /** Only this agent's tasks; `null` (or absent) for any agent's. */
  agent_id?: Id | null;
  /**
   * The agents whose tasks may be claimed, when known: an archived one
   * gets nothing, one already holding `max_concurrent_tasks` dispatched or
   * running tasks gets nothing more. An agent missing here has no limit.
   */
  agents?: AgentState[];
  /**
   * The queued tasks of the runtime and the dispatched and running tasks
   * of their agents (on any runtime); other tasks are ignored.
   */
  tasks: QueueTask[];
}

/** A claim: the task dispatched, its token and its 60-second lease. */
export interface Claim {
  /** The task claimed. */
  task_id: Id;
  /** Always `dispatched`. */
  status: "dispatched";
  /** The token the daemon must present to start, complete or fail it. */
  claim_token: Id;
  /** When the claim was made (`now`). */
  dispatched_at: Instant;
  /** When the lease runs out: `now` + 60 s. */
  claim_expires_at: Instant;
}

/**
 * What an agent's tasks queue behind, one at a time: their issue, else
 * their chat session, else (a quick task with no link at all) `no_link`.
 * Narrow on `kind`.
 */
export type SerializationKey =
  | { kind: "issue"; id: Id }
  | { kind: "chat_session"; id: Id }
  | { kind: "no_link" };

/** What a daemon asks to do with a claimed task. */
export type LeaseAction = "start" | "complete" | "fail";

/**
 * Why a daemon may not do what it asked (HTTP 409 with this code):
 * `claim_token_required` (the task was claimed with a token, the request
 * has none), `claim_superseded` (another token), `claim_expired` (the
 * lease ran out), `task_state_conflict` (not a state the action applies to).
 */
export type LeaseConflict = "claim_token_required" | "claim_superseded" | "claim_expired" | "task_state_conflict";

/**
 * The answer to a start, complete or fail: go ahead; `already_done` (the
 * same start repeated on a task it already started: answer with the task,
 * change nothing); or a conflict. Narrow on `type`.
 */
export type LeaseCheck =
  | { type: "proceed" }
  | { type: "already_done" }
  | { type: "conflict"; reason: LeaseConflict };

/**
 * Why a task does or does not get another attempt, checked in this order:
 * `not_failed`, `reason_not_retryable` (not `runtime_offline`,
 * `runtime_recovery`, `timeout` or `codex_semantic_inactivity`),
 * `attempts_exhausted`, `autopilot_run`, `no_link` (no issue or chat
 * session); else `retryable`.
 */
export type RetryReason =
  | "retryable"
  | "not_failed"
  | "reason_not_retryable"
  | "attempts_exhausted"
  | "autopilot_run"
  | "no_link";

/**
 * A task as `retryDecision` reads it (SPEC §8.1); a `QueueTask` or a stored
 * task can be passed as it is, other fields are ignored.
 */
export interface RetryTask {
  /** Where it is. */
  status: TaskStatus;
  /** Why it failed. */
  failure_reason?: string | null;
  /** Which attempt this is, from 1 (the default). */
  attempt?: number;
  /** How many attempts it may have; 2 when absent. */
  max_attempts?: number;
  /** The autopilot run that made it, if any. */
  autopilot_run_id?: Id | null;
  /** The issue it works on, if any. */
  issue_id?: Id | null;
  /** The chat session it answers, if any. */
  chat_session_id?: Id | null;
}

/** Whether a failed task gets another attempt (`retryOf`), and why. */
export interface RetryDecision {
  /** `true`: queue a new attempt. */
  retry: boolean;
  /** Why. */
  reason: RetryReason;
}

/** A session a new task resumes, from the newest ended turn of that session. */
export interface Resume {
  /** The session. */
  session_id: string;
  /** Its working directory; `null` when unknown. */
  work_dir: string | null;
  /** The runtime of the row it comes from; `null` when detached. */
  runtime_id: Id | null;
  /** The row it comes from. */
  task_id: Id;
}

/**
 * The instants the sweeper compares with at `now`: a row is past a limit
 * when its instant is strictly before the cutoff.
 */
export interface SweepCutoffs {
  /** An online runtime last seen before this (`now` − 150 s) is stale. */
  stale_before: Instant;
  /** An offline runtime last seen before this (`now` − 7 days) may be collected. */
  collect_before: Instant;
  /** A task dispatched before this (`now` − 300 s) timed out. */
  dispatched_before: Instant;
  /** A task started before this (`now` − 9000 s) timed out. */
  running_before: Instant;
  /** A task queued before this (`now` − 7200 s) expired. */
  queued_before: Instant;
}

/**
 * What a heartbeat does: `touch` (bump `last_seen_at` only while the row
 * is still online; if no row changed, come online instead) or
 * `come_online` (mark it online: a change of state others hear about).
 */
export type Heartbeat = "touch" | "come_online";

/** Why the sweeper fails a task: `timeout` (dispatched or running too long) or `queued_expired`. */
export type SweepReason = "timeout" | "queued_expired";
