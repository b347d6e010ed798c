//! `cargo bench`: how fast the two hot rules are, beside their baselines.
//!
//! - `usage_daily`: 100,000 and 1,000,000 quarter-hour buckets in UTC,
//!   America/New_York and Asia/Kolkata, beside a bare loop over the same rows that adds a
//!   constant offset and groups (what the work costs without time zones),
//!   and beside a loop that converts every row from scratch (what the
//!   original product's SQL did).
//! - `plan_teardown`: a runtime with 10,000 agents (half archived), 2,000
//!   squads, 5,000 autopilots and 100,000 open tasks.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::HashMap;
use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use runtime_rules::agent_set::AgentIdList;
use runtime_rules::teardown::{
    History, Mode, Policy, Request, Snapshot, TeardownInput, plan_teardown,
};
use runtime_rules::usage::{Bucket, RollupKey, Usage, usage_daily};
use runtime_rules::workspace::{Agent, AssigneeType, Autopilot, Member, Runtime, Squad, Task};
use runtime_rules::{Id, Instant, Outcome, Zone};

const ROWS: usize = 1_000_000;
const DAYS: i64 = 120;
const QUARTERS: i64 = DAYS * 96;
const START: i64 = 1_735_689_600; // 2025-01-01T00:00:00Z

/// 120 days of quarter hours × 87 series (agents × provider/model pairs),
/// in time order as an index scan returns them.
fn buckets() -> Vec<Bucket> {
    let models = [
        ("anthropic", "claude-sonnet-4-6"),
        ("anthropic", "claude-opus-4-7"),
        ("anthropic", "claude-haiku-4-5"),
        ("openai", "gpt-5"),
        ("openai", "gpt-5-codex"),
        ("openai", "gpt-5-mini"),
        ("cursor", "auto"),
        ("deepseek", "deepseek-v4-flash"),
        ("zhipu", "glm-5.1"),
        ("moonshot", "kimi-k2.6"),
        ("xai", "grok-4.5"),
        ("Anthropic", "claude-sonnet-4-6"),
        ("OpenAI", "gpt-5"),
        ("google", "gemini-3-pro"),
        ("mistral", "devstral-2"),
    ];
    let agents: Vec<Id> = (0..6).map(|i| Id::from_u128(0x4444_0000 + i)).collect();
    let series: Vec<(Id, &str, &str)> = agents
        .iter()
        .flat_map(|a| models.iter().map(move |(p, m)| (*a, *p, *m)))
        .take(87)
        .collect();
    let mut out = Vec::with_capacity(ROWS);
    'fill: for q in 0..QUARTERS {
        for (k, (agent, provider, model)) in series.iter().enumerate() {
            if out.len() == ROWS {
                break 'fill;
            }
            let n = (q as u64 * 31 + k as u64 * 7) % 5000;
            out.push(Bucket {
                key: RollupKey {
                    bucket_start: Instant::from_unix(START + q * 900, 0).unwrap(),
                    workspace_id: Id::from_u128(0x2222),
                    runtime_id: Id::from_u128(0x3333),
                    agent_id: *agent,
                    provider: (*provider).to_owned(),
                    model: (*model).to_owned(),
                },
                usage: Usage {
                    input_tokens: n,
                    output_tokens: n / 3,
                    cache_read_tokens: n * 4,
                    cache_write_tokens: n / 7,
                    cost_usd_ticks: if k % 2 == 0 { n * 1000 } else { 0 },
                    uncosted_input_tokens: if k % 2 == 0 { 0 } else { n },
                    ..Usage::default()
                },
                task_count: 1,
                event_count: 2,
            });
        }
    }
    out
}

/// The same rows in a scrambled order (a multiplicative permutation).
fn shuffled(rows: &[Bucket]) -> Vec<Bucket> {
    let n = rows.len();
    (0..n).map(|i| rows[(i * 7_919 + 13) % n].clone()).collect()
}

/// The same grouping map as the crate's reports, so the loops below differ
/// only in the time-zone work.
type Map<K, V> = HashMap<K, V, foldhash::fast::FixedState>;

/// The memory-traffic limit: add a constant offset and group by local day,
/// provider and model, summing the same nine counts. No time-zone rules.
fn bare_loop(rows: &[Bucket], offset: i64) -> usize {
    let mut groups: Map<(i64, &str, &str), Usage> = Map::default();
    for b in rows {
        let day = (b.key.bucket_start.unix_seconds() + offset).div_euclid(86_400);
        groups
            .entry((day, b.key.provider.as_str(), b.key.model.as_str()))
            .or_default()
            .add(&b.usage);
    }
    groups.len()
}

/// What the original product did: convert every row's instant from scratch
/// (a full time-zone lookup per row), then group like the bare loop.
fn per_row_conversion(rows: &[Bucket], zone: Zone) -> usize {
    let mut groups: Map<(i64, &str, &str), Usage> = Map::default();
    for b in rows {
        let local =
            b.key.bucket_start.unix_seconds() + i64::from(zone.offset_at(b.key.bucket_start));
        groups
            .entry((
                local.div_euclid(86_400),
                b.key.provider.as_str(),
                b.key.model.as_str(),
            ))
            .or_default()
            .add(&b.usage);
    }
    groups.len()
}

/// Zones of the size sweep, each with the constant offset its bare loop adds.
const ZONES: [(&str, i64); 3] = [
    ("UTC", 0),
    ("America/New_York", -5 * 3600),
    ("Asia/Kolkata", 19_800),
];

fn usage(c: &mut Criterion) {
    let all = buckets();
    assert_eq!(all.len(), ROWS);
    let since = Instant::from_unix(START, 0).unwrap();
    // 100,000 rows (the first of the same series) and 1,000,000: `scripts/bench`
    // reads both groups to plot rows per second against row count.
    // At 1M rows (30 ms a run) 10 samples fit 5 s; 20 would take 13.
    for (name, rows, samples, warm_up, measure) in [
        ("usage_daily_100k", &all[..100_000], 20, 1, 3),
        ("usage_daily_1M", &all[..], 10, 2, 5),
    ] {
        let mut group = c.benchmark_group(name);
        group
            .throughput(Throughput::Elements(rows.len() as u64))
            .sample_size(samples)
            .warm_up_time(Duration::from_secs(warm_up))
            .measurement_time(Duration::from_secs(measure));
        for (label, offset) in ZONES {
            let zone = Zone::parse(label, "tz").unwrap();
            group.bench_with_input(BenchmarkId::new("usage_daily", label), rows, |b, rows| {
                b.iter(|| usage_daily(black_box(rows), zone, since).len())
            });
            group.bench_with_input(BenchmarkId::new("bare_loop", label), rows, |b, rows| {
                b.iter(|| bare_loop(black_box(rows), offset))
            });
            group.bench_with_input(
                BenchmarkId::new("per_row_conversion", label),
                rows,
                |b, rows| b.iter(|| per_row_conversion(black_box(rows), zone)),
            );
        }
        if rows.len() == ROWS {
            let scrambled = shuffled(rows);
            let new_york = Zone::parse("America/New_York", "tz").unwrap();
            group.bench_with_input(
                BenchmarkId::new("usage_daily_shuffled", "America/New_York"),
                &scrambled,
                |b, rows| b.iter(|| usage_daily(black_box(rows), new_york, since).len()),
            );
            group.bench_with_input(
                BenchmarkId::new("bare_loop_shuffled", "America/New_York"),
                &scrambled,
                |b, rows| b.iter(|| bare_loop(black_box(rows), -5 * 3600)),
            );
        }
        group.finish();
    }
}

fn big_runtime() -> TeardownInput {
    let id = |kind: u128, n: u128| Id::from_u128((kind << 96) | n);
    let runtime = id(3, 1);
    let owner = id(1, 1);
    let archived = Some(Instant::from_unix(START, 0).unwrap());
    let agents: Vec<Agent> = (0..10_000)
        .map(|n| Agent {
            id: id(4, n),
            name: Some(format!("agent-{n}")),
            owner_id: Some(owner),
            visibility: Some("workspace".into()),
            archived_at: if n % 2 == 0 { archived } else { None },
            status: Some("idle".into()),
            model: Some("claude-sonnet-4-6".into()),
            restricted: false,
        })
        .collect();
    // Squads are led by archived agents and archived themselves, so the plan
    // goes through (an active one would be a refusal, decided much sooner).
    let squads = (0..2_000)
        .map(|n| Squad {
            id: id(5, n),
            name: format!("squad-{n}"),
            leader_id: id(4, (n * 2) % 10_000),
            archived_at: archived,
        })
        .collect();
    let autopilots = (0..5_000)
        .map(|n| Autopilot {
            id: id(6, n),
            name: format!("nightly-{n}"),
            status: if n % 3 == 0 {
                "paused".into()
            } else {
                "active".into()
            },
            assignee_type: if n % 4 == 0 {
                AssigneeType::Squad
            } else {
                AssigneeType::Agent
            },
            assignee_id: if n % 4 == 0 {
                id(5, n % 2_000)
            } else {
                id(4, n % 10_000)
            },
        })
        .collect();
    let tasks = (0..100_000)
        .map(|n| Task {
            id: id(7, n),
            agent_id: id(4, n % 10_000),
            runtime_id: Some(runtime),
            status: ["queued", "dispatched", "running", "waiting_local_directory"]
                [(n % 4) as usize]
                .into(),
        })
        .collect();
    let confirmed: AgentIdList = agents
        .iter()
        .filter(|a| a.is_active())
        .map(|a| a.id.to_string())
        .collect();
    TeardownInput {
        actor: Member {
            user_id: owner,
            role: "member".into(),
        },
        request: Request {
            mode: Mode::Confirmed,
            policy: Policy::Archive,
            expected_active_agent_ids: confirmed,
        },
        snapshot: Snapshot {
            runtime: Runtime {
                id: runtime,
                workspace_id: id(2, 1),
                name: "build farm".into(),
                owner_id: Some(owner),
                visibility: "private".into(),
                status: "offline".into(),
                last_seen_at: None,
            },
            agents,
            squads,
            autopilots,
            tasks,
            history: History {
                finished_tasks: 250_000,
                chat_sessions: 4_000,
            },
        },
    }
}

fn teardown(c: &mut Criterion) {
    let input = big_runtime();
    match plan_teardown(&input).unwrap() {
        Outcome::Plan { plan } => assert_eq!(plan.response.tasks_cancelled, 100_000),
        Outcome::Refusal { refusal } => panic!("the benchmark runtime must plan, got {refusal:?}"),
    }
    let mut group = c.benchmark_group("plan_teardown");
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(8));
    group.bench_function("10k_agents_2k_squads_5k_autopilots_100k_tasks", |b| {
        b.iter(|| plan_teardown(black_box(&input)).unwrap())
    });
    group.finish();
}

criterion_group!(benches, usage, teardown);
criterion_main!(benches);
