// Inputs of the benchmark, generated exactly as benches/core.rs generates
// the native ones (same arithmetic, same ids, same order), as the plain
// snake_case objects the package takes (SPEC §8.1, tests/vectors).
//
// core.rs uses no random numbers: its rows are a deterministic function of
// the quarter index and the series index, so neither does this file. Keep
// the two in step when one of them changes.

export const ROWS = 1_000_000;
export const DAYS = 120;
export const QUARTERS = DAYS * 96;
export const START = 1_735_689_600; // 2025-01-01T00:00:00Z

/** `Id::from_u128(bits)` as its canonical string (bits < 2^128 as BigInt). */
export function idFromU128(bits) {
  const hex = BigInt(bits).toString(16).padStart(32, "0");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** An `Instant` at whole unix seconds, as the core prints it (no fraction). */
export function instant(unixSeconds) {
  return new Date(unixSeconds * 1000).toISOString().slice(0, 19) + "Z";
}

const MODELS = [
  ["anthropic", "claude-sonnet-4-6"],
  ["anthropic", "claude-opus-4-7"],
  ["anthropic", "claude-haiku-4-5"],
  ["openai", "gpt-5"],
  ["openai", "gpt-5-codex"],
  ["openai", "gpt-5-mini"],
  ["cursor", "auto"],
  ["deepseek", "deepseek-v4-flash"],
  ["zhipu", "glm-5.1"],
  ["moonshot", "kimi-k2.6"],
  ["xai", "grok-4.5"],
  ["Anthropic", "claude-sonnet-4-6"],
  ["OpenAI", "gpt-5"],
  ["google", "gemini-3-pro"],
  ["mistral", "devstral-2"],
];

/**
 * core.rs `buckets()`: 120 days of quarter hours × 87 series (6 agents ×
 * 15 provider/model spellings, first 87), in time order as an index scan
 * returns them; `rows` of them (1,000,000 by default). Strings are shared
 * between rows, as a JSON.parse'd response would not do but a client cache
 * would; conversion copies each one anyway.
 */
export function buckets(rows = ROWS) {
  const agents = Array.from({ length: 6 }, (_, i) => idFromU128(0x4444_0000 + i));
  const series = agents.flatMap((agent) => MODELS.map(([provider, model]) => [agent, provider, model])).slice(0, 87);
  const workspace = idFromU128(0x2222);
  const runtime = idFromU128(0x3333);
  const out = new Array(rows);
  let i = 0;
  fill: for (let q = 0; q < QUARTERS; q++) {
    const bucketStart = instant(START + q * 900);
    for (let k = 0; k < series.length; k++) {
      if (i === rows) break fill;
      const [agent, provider, model] = series[k];
      const n = (q * 31 + k * 7) % 5000;
      out[i++] = {
        bucket_start: bucketStart,
        workspace_id: workspace,
        runtime_id: runtime,
        agent_id: agent,
        provider,
        model,
        input_tokens: n,
        output_tokens: Math.floor(n / 3),
        cache_read_tokens: n * 4,
        cache_write_tokens: Math.floor(n / 7),
        cost_usd_ticks: k % 2 === 0 ? n * 1000 : 0,
        uncosted_input_tokens: k % 2 === 0 ? 0 : n,
        uncosted_output_tokens: 0,
        uncosted_cache_read_tokens: 0,
        uncosted_cache_write_tokens: 0,
        task_count: 1,
        event_count: 2,
      };
    }
  }
  if (i !== rows) throw new Error(`buckets(): ${rows} rows asked, ${QUARTERS * 87} possible`);
  return out;
}

/** core.rs `shuffled()`: the same rows in a scrambled order (i·7919+13 mod n). */
export function shuffled(rows) {
  const n = rows.length;
  const out = new Array(n);
  for (let i = 0; i < n; i++) out[i] = rows[(i * 7_919 + 13) % n];
  return out;
}

/**
 * core.rs `big_runtime()`: 10,000 agents (even ones archived), 2,000
 * archived squads led by archived agents, 5,000 autopilots, 100,000 open
 * tasks; confirmed archive teardown by the runtime's owner. `actor`
 * overrides the actor (used to get a `forbidden` refusal on the same input).
 */
export function bigRuntime({ actor } = {}) {
  const id = (kind, n) => idFromU128((BigInt(kind) << 96n) | BigInt(n));
  const runtime = id(3, 1);
  const owner = id(1, 1);
  const archived = instant(START);
  const agents = Array.from({ length: 10_000 }, (_, n) => ({
    id: id(4, n),
    name: `agent-${n}`,
    owner_id: owner,
    visibility: "workspace",
    archived_at: n % 2 === 0 ? archived : null,
    status: "idle",
    model: "claude-sonnet-4-6",
  }));
  const squads = Array.from({ length: 2_000 }, (_, n) => ({
    id: id(5, n),
    name: `squad-${n}`,
    leader_id: id(4, (n * 2) % 10_000),
    archived_at: archived,
  }));
  const autopilots = Array.from({ length: 5_000 }, (_, n) => ({
    id: id(6, n),
    name: `nightly-${n}`,
    status: n % 3 === 0 ? "paused" : "active",
    assignee_type: n % 4 === 0 ? "squad" : "agent",
    assignee_id: n % 4 === 0 ? id(5, n % 2_000) : id(4, n % 10_000),
  }));
  const statuses = ["queued", "dispatched", "running", "waiting_local_directory"];
  const tasks = Array.from({ length: 100_000 }, (_, n) => ({
    id: id(7, n),
    agent_id: id(4, n % 10_000),
    runtime_id: runtime,
    status: statuses[n % 4],
  }));
  return {
    actor: actor ?? { user_id: owner, role: "member" },
    request: {
      mode: "confirmed",
      policy: "archive",
      expected_active_agent_ids: agents.filter((a) => a.archived_at === null).map((a) => a.id),
    },
    snapshot: {
      runtime: {
        id: runtime,
        workspace_id: id(2, 1),
        name: "build farm",
        owner_id: owner,
        visibility: "private",
        status: "offline",
        last_seen_at: null,
      },
      agents,
      squads,
      autopilots,
      tasks,
      history: { finished_tasks: 250_000, chat_sessions: 4_000 },
    },
  };
}

/** A member of the workspace who neither owns the runtime nor administers it. */
export const STRANGER = { user_id: idFromU128((1n << 96n) | 2n), role: "member" };
