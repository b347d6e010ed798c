//! Regression tests, each named after a defect of the original product
//! (`../shared/seeds/`) that SPEC.md fixes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use runtime_rules::cost::{CostRow, estimate_cost, slice_window};
use runtime_rules::teardown::{TeardownInput, plan_teardown};
use runtime_rules::usage::{UsageRow, rollup_usage, usage_daily};
use runtime_rules::window::{DayCount, since_from_days};
use runtime_rules::{Date, Instant, Outcome, RefusalCode, Zone, decode};
use serde_json::json;

const OWNER: &str = "11111111-0000-4000-8000-000000000001";
const RT: &str = "33333333-0000-4000-8000-000000000001";
const A1: &str = "44444444-0000-4000-8000-000000000001";

fn teardown(mode: &str, agent_archived: bool, squad_archived: bool) -> TeardownInput {
    let at = |archived: bool| {
        if archived {
            json!("2026-05-01T00:00:00Z")
        } else {
            json!(null)
        }
    };
    decode(
        "",
        json!({
            "actor": { "user_id": OWNER, "role": "member" },
            "request": { "mode": mode, "policy": "archive", "expected_active_agent_ids": if agent_archived { json!([]) } else { json!([A1]) } },
            "snapshot": {
                "runtime": { "id": RT, "workspace_id": RT, "name": "rt", "owner_id": OWNER, "visibility": "private", "status": "offline" },
                "agents": [{ "id": A1, "name": "lead", "visibility": "private", "owner_id": OWNER, "archived_at": at(agent_archived),
                             "instructions": "internal playbook", "custom_env": { "TOKEN": "sk-live-secret" }, "mcp_config": { "k": "v" } }],
                "squads": [{ "id": "55555555-0000-4000-8000-000000000001", "name": "core", "leader_id": A1, "archived_at": at(squad_archived) }],
                "autopilots": [], "tasks": [], "history": { "finished_tasks": 0, "chat_sessions": 0 }
            }
        }),
    )
    .unwrap()
}

fn refusal_code(input: &TeardownInput) -> Option<RefusalCode> {
    match plan_teardown(input).unwrap() {
        Outcome::Refusal { refusal } => Some(refusal.code),
        Outcome::Plan { .. } => None,
    }
}

/// The cascade endpoint archived an agent leading an active squad, then
/// failed to delete it on `squad.leader_id RESTRICT`: a 500.
#[test]
fn seeds_cascade_with_an_active_squad_was_a_500() {
    assert_eq!(
        refusal_code(&teardown("confirmed", false, false)),
        Some(RefusalCode::RuntimeHasActiveSquads)
    );
}

/// PR #2955's must-fix: an archived agent still leading an active squad.
#[test]
fn pr_2955_archived_leader_of_an_active_squad() {
    assert_eq!(
        refusal_code(&teardown("strict", true, false)),
        Some(RefusalCode::RuntimeHasActiveSquads)
    );
    // The archived squad itself is no obstacle: it is deleted first.
    assert_eq!(refusal_code(&teardown("strict", true, true)), None);
}

/// The anchor's 409 bodies carried full agent rows: instructions,
/// environment and MCP configuration.
#[test]
fn anchor_409_bodies_leaked_agent_secrets() {
    let input = teardown("strict", false, false);
    let body = serde_json::to_string(&plan_teardown(&input).unwrap()).unwrap();
    assert!(body.contains("runtime_has_active_agents"), "{body}");
    for secret in [
        "instructions",
        "playbook",
        "custom_env",
        "sk-live",
        "mcp_config",
    ] {
        assert!(!body.contains(secret), "{secret} leaked: {body}");
    }
}

/// Midnight does not exist on some days; the window must not start on the
/// day before (the anchor's `time.Date(..., 0, 0, 0, ...)` normalises into a
/// neighbouring instant).
#[test]
fn midnight_gap_days_start_on_the_day_itself() {
    for (tz, day) in [
        ("America/Santiago", "2025-09-07"),
        ("America/Havana", "2025-03-09"),
        ("America/Sao_Paulo", "2015-10-18"),
    ] {
        let zone = Zone::parse(tz, "tz").unwrap();
        let date = Date::parse(day, "date").unwrap();
        let start = zone.start_of_day(date).unwrap();
        assert_eq!(zone.date_of(start), date, "{tz}");
        assert!(
            zone.date_of(Instant::from_unix(start.unix_seconds() - 1, 0).unwrap()) < date,
            "{tz}"
        );
    }
}

/// KPI cards compared the last N+1 local dates with the N before them.
#[test]
fn kpi_windows_were_unequal() {
    let rows: Vec<CostRow> = (0..30)
        .map(|k| CostRow {
            date: Date::parse("2026-05-19", "d").unwrap().add_days(-k),
            ..CostRow::new("gpt-5", 1, 0, 0, 0)
        })
        .collect();
    let now = Instant::parse("2026-05-19T12:00:00Z", "now").unwrap();
    let w = slice_window(&rows, DayCount(7), Zone::UTC, now).unwrap();
    assert_eq!((w.current.len(), w.previous.len()), (7, 7));
}

/// The anchor rolled usage up by whole UTC hours: in India a local day
/// starts at 18:30 UTC, so half an hour of usage landed on the wrong date.
#[test]
fn whole_hour_rollup_put_india_on_the_wrong_day() {
    let row: UsageRow = decode(
        "row",
        json!({ "task_id": A1, "agent_id": A1, "runtime_id": RT, "workspace_id": RT, "provider": "openai", "model": "gpt-5",
                "input_tokens": 10, "output_tokens": 0, "cache_read_tokens": 0, "cache_write_tokens": 0,
                "created_at": "2025-06-01T18:40:00Z" }),
    )
    .unwrap();
    let buckets = rollup_usage(&[row]).unwrap();
    assert_eq!(
        buckets[0].key.bucket_start.to_string(),
        "2025-06-01T18:30:00Z"
    );
    let kolkata = Zone::parse("Asia/Kolkata", "tz").unwrap();
    let daily = usage_daily(
        &buckets,
        kolkata,
        Instant::parse("2025-06-01T00:00:00Z", "since").unwrap(),
    );
    assert_eq!(daily[0].date.to_string(), "2025-06-02");
}

/// `days=N` is N calendar days of the viewer, not N × 24 hours.
#[test]
fn usage_window_counts_calendar_days_across_dst() {
    let now = Instant::parse("2025-03-12T19:30:00Z", "now").unwrap();
    let ny = Zone::parse("America/New_York", "tz").unwrap();
    assert_eq!(
        since_from_days(now, DayCount(3), ny).unwrap().to_string(),
        "2025-03-09T05:00:00Z"
    );
}

/// A row with a provider-reported cost must not be priced again.
#[test]
fn reported_cost_was_charged_twice() {
    let row = CostRow {
        cost_usd_ticks: Some(160_000_000_000),
        ..CostRow::new("grok-4.5", 1_000_000, 1_000_000, 0, 0)
    };
    assert_eq!(estimate_cost(&row, None), 16.0);
}
