//! `runtime-rules daemon-sim` against the real server binary over a real
//! socket (SPEC §7, §8.2): the runtimes it registers are online, the tasks
//! it queues are claimed once each, started and finished as it reports,
//! and the usage it reports lands on the local day of the server's now in
//! the viewer's zone.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[allow(dead_code)]
#[path = "server_process/harness.rs"]
mod harness;

use std::collections::{BTreeMap, BTreeSet};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant as Clock, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

use harness::{BIN, Server, id, open_db, seed};
use runtime_rules::window::local_date;
use runtime_rules::{Date, Instant, Zone};

const OWNER: &str = "sim-test-owner";
const MEMBER: &str = "sim-test-member";
const DAEMON: &str = "sim-test-daemon";
const OTHER_DAEMON: &str = "sim-test-other-daemon";

/// Two workspaces: the first with an owner, a member and a daemon token
/// (the sim's, running for the owner), the second with a daemon token of
/// its own.
fn fixture() -> String {
    let (w1, w2) = (id(1, 1), id(1, 2));
    let (owner, member) = (id(2, 1), id(2, 2));
    json!({
        "workspaces": [{ "id": w1, "name": "Sim" }, { "id": w2, "name": "Elsewhere" }],
        "users": [
            { "id": owner, "name": "Olga", "token": OWNER, "timezone": "Pacific/Kiritimati" },
            { "id": member, "name": "Max", "token": MEMBER },
        ],
        "members": [
            { "workspace_id": w1, "user_id": owner, "role": "owner" },
            { "workspace_id": w1, "user_id": member, "role": "member" },
        ],
        "daemon_tokens": [
            // The sim's daemon runs for the owner, who therefore owns the
            // runtimes it registers and may bind agents to them.
            { "workspace_id": w1, "token": DAEMON, "user_id": owner },
            { "workspace_id": w2, "token": OTHER_DAEMON },
        ],
    })
    .to_string()
}

fn now() -> Instant {
    let since = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    Instant::from_unix(i64::try_from(since.as_secs()).unwrap(), 0).unwrap()
}

/// Runs `daemon-sim` with `args` (at most a minute) and answers its totals
/// line as `key → value`, with its stderr for messages.
fn run_sim(base: &str, args: &[&str]) -> (BTreeMap<String, f64>, String) {
    let dir = tempfile::tempdir().unwrap();
    let (out, err) = (dir.path().join("stdout"), dir.path().join("stderr"));
    let mut child = Command::new(BIN)
        .args(["daemon-sim", "--url", base])
        .args(args)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out).unwrap())
        .stderr(std::fs::File::create(&err).unwrap())
        .spawn()
        .unwrap();
    let deadline = Clock::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Clock::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "daemon-sim did not stop after --duration:\n{}",
                std::fs::read_to_string(&err).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let stdout = std::fs::read_to_string(&out).unwrap();
    let stderr = std::fs::read_to_string(&err).unwrap();
    assert!(
        status.success(),
        "daemon-sim failed ({status}):\n{stdout}\n{stderr}"
    );
    let line = stdout
        .lines()
        .find(|l| l.starts_with("daemon-sim totals:"))
        .unwrap_or_else(|| panic!("no totals line in {stdout:?}\n{stderr}"));
    let totals = line
        .trim_start_matches("daemon-sim totals:")
        .split_whitespace()
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap();
            (key.to_owned(), value.parse::<f64>().unwrap())
        })
        .collect();
    (totals, stderr)
}

/// Proves, over a real socket against the real binary: the sim registers
/// its runtimes in the daemon token's workspace (online, named by daemon
/// id, provider in rotation), binds and feeds its agents with the owner's
/// token, and every task it claimed was claimed once, started, and ended
/// completed or failed in the database exactly as it counted; the usage it
/// reported shows in `GET /api/runtimes/{id}/usage` on the local date of
/// the server's now, in three zones (one fourteen hours ahead of UTC, one
/// off the hour), to the token. Then a restarted sim registers the same
/// runtimes again instead of new ones, and a daemon token of another
/// workspace cannot register there.
#[test]
fn the_sim_registers_serves_its_queue_and_its_usage_lands_on_the_local_day() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("sim.sqlite");
    seed(&db, &fixture());
    let server = Server::start(&db);
    let workspace = id(1, 1);
    let zones = ["Pacific/Kiritimati", "Asia/Kolkata", "America/New_York"];
    let days_before: Vec<Date> = zones
        .iter()
        .map(|z| local_date(now(), Zone::parse(z, "tz").unwrap()))
        .collect();

    let (totals, stderr) = run_sim(
        &server.base,
        &[
            "--token",
            DAEMON,
            "--workspace",
            &workspace,
            "--user-token",
            OWNER,
            "--runtimes",
            "2",
            "--agents",
            "2",
            "--prefix",
            "simtest",
            "--heartbeat-secs",
            "1",
            "--task-ms",
            "50..250",
            "--fail-rate",
            "0.3",
            "--poll-ms",
            "100",
            "--seed",
            "7",
            "--duration",
            "4",
        ],
    );
    let days_after: Vec<Date> = zones
        .iter()
        .map(|z| local_date(now(), Zone::parse(z, "tz").unwrap()))
        .collect();
    let n = |key: &str| totals.get(key).copied().unwrap_or(-1.0) as i64;
    let summary = format!("{totals:?}\n{stderr}\n{}", server.log_text());
    assert_eq!(n("registered"), 2, "{summary}");
    assert_eq!(n("agents_created"), 4, "{summary}");
    assert_eq!(n("errors"), 0, "{summary}");
    assert_eq!(n("duplicate_claims"), 0, "{summary}");
    assert!(n("heartbeats") >= 4, "{summary}");
    assert!(n("queued") >= n("claims"), "{summary}");
    assert!(n("claims") >= 4, "{summary}");
    assert_eq!(n("started"), n("claims"), "{summary}");
    assert_eq!(n("completed") + n("failed"), n("started"), "{summary}");
    assert!(n("completed") > 0, "{summary}");
    assert!(n("usage_rows") >= n("started"), "{summary}");

    // The runtimes, as the owner sees them.
    let owner = server.client(Some(OWNER));
    let (status, listed) = owner.get("/api/runtimes");
    assert_eq!(status, 200, "{listed}");
    let mine = sim_runtimes(&listed);
    let found: BTreeSet<(&str, &str, &str, &str)> = mine
        .iter()
        .map(|r| {
            (
                r["daemon_id"].as_str().unwrap(),
                r["name"].as_str().unwrap(),
                r["provider"].as_str().unwrap(),
                r["status"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        found,
        BTreeSet::from([
            ("simtest-1", "simtest-1", "claude", "online"),
            ("simtest-2", "simtest-2", "codex", "online"),
        ]),
        "{listed}"
    );
    let runtime_ids: Vec<String> = mine
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect();
    for r in &mine {
        assert_eq!(r["workspace_id"], json!(workspace), "{r}");
    }

    // Two agents on each, named by the sim.
    for (k, runtime) in runtime_ids.iter().enumerate() {
        let (status, agents) = owner.get(&format!("/api/agents?runtime_id={runtime}"));
        assert_eq!(status, 200, "{agents}");
        let names: BTreeSet<&str> = agents
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|a| a["name"].as_str())
            .collect();
        let daemon = mine[k]["daemon_id"].as_str().unwrap();
        assert_eq!(
            names,
            BTreeSet::from([
                format!("{daemon}-agent-1").as_str(),
                format!("{daemon}-agent-2").as_str()
            ]),
            "{agents}"
        );
    }

    // The database agrees with the sim's counts: every claimed task ended.
    let conn = open_db(&db);
    let mut by_status: BTreeMap<String, i64> = BTreeMap::new();
    for runtime in &runtime_ids {
        let mut stmt = conn
            .prepare("SELECT status, count(*) FROM task WHERE runtime_id = ?1 GROUP BY status")
            .unwrap();
        let rows = stmt
            .query_map([runtime], |row| {
                Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)?))
            })
            .unwrap();
        for row in rows {
            let (status, count) = row.unwrap();
            *by_status.entry(status).or_default() += count;
        }
    }
    assert_eq!(
        by_status.get("completed").copied().unwrap_or(0),
        n("completed"),
        "{by_status:?}"
    );
    assert_eq!(
        by_status.get("failed").copied().unwrap_or(0),
        n("failed"),
        "{by_status:?}"
    );
    for status in ["dispatched", "running"] {
        assert_eq!(
            by_status.get(status),
            None,
            "{by_status:?}: none left {status}"
        );
    }
    let queued = by_status.get("queued").copied().unwrap_or(0);
    assert_eq!(
        n("claims") + queued,
        n("queued"),
        "queued = claimed + still queued: {by_status:?}"
    );

    // Its usage, on the local date of the server's now, in every zone.
    for (z, zone) in zones.iter().enumerate() {
        let days = BTreeSet::from([days_before[z].to_string(), days_after[z].to_string()]);
        let mut input = 0;
        for runtime in &runtime_ids {
            let path = format!("/api/runtimes/{runtime}/usage?days=7&tz={zone}");
            let (status, rows) = owner.get(&path);
            assert_eq!(status, 200, "{path}: {rows}");
            for row in rows.as_array().unwrap() {
                let date = row["date"].as_str().unwrap();
                assert!(
                    days.contains(date),
                    "{path}: a row on {date}, expected {days:?}: {row}"
                );
                input += row["input_tokens"].as_i64().unwrap();
            }
        }
        assert_eq!(
            input,
            n("input_tokens"),
            "{zone}: every input token reported"
        );
    }

    // A restarted sim says hello again: the same runtimes, not new ones.
    let (again, stderr) = run_sim(
        &server.base,
        &[
            "--token",
            DAEMON,
            "--workspace",
            &workspace,
            "--runtimes",
            "2",
            "--agents",
            "0",
            "--prefix",
            "simtest",
            "--duration",
            "0.5",
        ],
    );
    assert_eq!(again.get("registered"), Some(&2.0), "{again:?}\n{stderr}");
    let (_, listed) = owner.get("/api/runtimes");
    let count = sim_runtimes(&listed).len();
    assert_eq!(count, 2, "{listed}");

    // Another workspace's daemon token cannot register here.
    let (status, body) = server.client(Some(OTHER_DAEMON)).post(
        "/api/daemon/register",
        &json!({ "workspace_id": workspace, "daemon_id": "intruder", "provider": "claude", "name": "x" }),
    );
    assert_eq!(status, 404, "{body}");
    let out = Command::new(BIN)
        .args(["daemon-sim", "--url", &server.base, "--token", OTHER_DAEMON])
        .args(["--workspace", &workspace, "--duration", "1"])
        .env("RUST_LOG", "off")
        .output()
        .unwrap();
    assert!(!out.status.success(), "a refused registration ends the sim");
    let message = String::from_utf8_lossy(&out.stderr);
    assert!(message.contains("refused"), "{message}");
}

/// The runtimes of a runtime list that the sim registered.
fn sim_runtimes(listed: &Value) -> Vec<&Value> {
    listed
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| {
            r["daemon_id"]
                .as_str()
                .is_some_and(|d| d.starts_with("simtest-"))
        })
        .collect()
}
