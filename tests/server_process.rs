//! The server as its users meet it: the `runtime-rules` binary, seeded
//! with `seed`, started with `serve`, spoken to over a real socket, and
//! its SQLite file inspected from outside (SPEC §3, §8.2-§8.4).
//!
//! - the event stream shows a teardown's events in plan order, only to its
//!   workspace, and SIGTERM ends the server cleanly while a stream is open;
//! - a teardown whose step fails midway changes nothing (a trigger
//!   injects the failure);
//! - a teardown of a large runtime killed with SIGKILL at any moment
//!   leaves all of the plan or none of it, and a sound database;
//! - teardowns racing agent creations, moves and archives: at most one
//!   wins, the others are refused, and the winner's answer is what happened.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "server_process/harness.rs"]
mod harness;
#[path = "server_process/world.rs"]
mod world;

use std::collections::BTreeSet;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use harness::{
    Client, EventStream, Next, Server, assert_sound, copy_db, differences, dump, id, open_db, seed,
};
use world::{AGENT, ALICE, AUTOPILOT, BOB, CAROL, RUNTIME, SQUAD, TASK, WORKSPACE};

fn teardown_path(runtime: &str, policy: &str) -> String {
    format!("/api/runtimes/{runtime}/{policy}-agents-and-delete")
}

fn confirm(ids: &[String]) -> Value {
    json!({ "expected_active_agent_ids": ids })
}

/// Proves, over a real socket against the real binary: the bearer token
/// gates the API (200 with it, 401 without); a member's event stream
/// receives a teardown run by another member of the same workspace as the
/// plan's events in plan order (tasks cancelled, agents archived, agents
/// deleted, autopilots paused, squads deleted, runtime deleted), ids only,
/// and nothing of another workspace's teardown; SIGTERM ends the event
/// stream and the process exits with success (graceful shutdown).
#[test]
fn event_stream_shows_the_plan_in_order_and_sigterm_shuts_down_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("events.sqlite");
    seed(&db, &world::two_workspaces());
    let mut server = Server::start(&db);
    let (ws_a, r1, r2, r3) = (
        id(WORKSPACE, 1),
        id(RUNTIME, 1),
        id(RUNTIME, 2),
        id(RUNTIME, 3),
    );
    let alice = server.client(Some(ALICE));

    let (status, runtimes) = alice.get("/api/runtimes");
    assert_eq!(status, 200, "{runtimes}");
    let listed: BTreeSet<&str> = runtimes
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["id"].as_str())
        .collect();
    assert_eq!(
        listed,
        BTreeSet::from([r1.as_str(), r2.as_str()]),
        "only workspace A's runtimes"
    );
    for token in [None, Some("nobody-holds-this-token")] {
        let (status, body) = server.client(token).get("/api/runtimes");
        assert_eq!(
            (status, &body["code"]),
            (401, &json!("unauthorized")),
            "token {token:?}"
        );
    }
    let (status, body) = alice.get(&format!("/api/runtimes/{r3}"));
    assert_eq!(
        (status, &body["code"]),
        (404, &json!("runtime_not_found")),
        "another workspace's runtime does not exist for Alice"
    );
    let (status, _) = server.client(None).get("/api/events");
    assert_eq!(status, 401, "the event stream needs a token too");

    let stream = EventStream::open(&server.base, BOB);

    // Workspace B's teardown first: none of its events may reach Bob.
    let (status, body) = server.client(Some(CAROL)).post(
        &teardown_path(&r3, "archive"),
        &confirm(&[id(AGENT, 11), id(AGENT, 12)]),
    );
    assert_eq!(status, 200, "{body}");

    let (status, response) = alice.post(
        &teardown_path(&r1, "archive"),
        &confirm(&[id(AGENT, 2), id(AGENT, 1)]),
    );
    assert_eq!(status, 200, "{response}");
    assert_eq!(
        response,
        json!({ "status": "ok", "agents_archived": 2, "agents_unbound": 0, "agents_deleted": 3,
                "tasks_cancelled": 3, "autopilots_paused": 2, "squads_deleted": 1 })
    );

    let expected: Vec<(&str, &str, String)> = vec![
        ("task:cancelled", "task_id", id(TASK, 1)),
        ("task:cancelled", "task_id", id(TASK, 2)),
        ("task:cancelled", "task_id", id(TASK, 4)),
        ("agent:archived", "agent_id", id(AGENT, 1)),
        ("agent:archived", "agent_id", id(AGENT, 2)),
        ("agent:deleted", "agent_id", id(AGENT, 1)),
        ("agent:deleted", "agent_id", id(AGENT, 2)),
        ("agent:deleted", "agent_id", id(AGENT, 3)),
        ("autopilot:paused", "autopilot_id", id(AUTOPILOT, 1)),
        ("autopilot:paused", "autopilot_id", id(AUTOPILOT, 2)),
        ("squad:deleted", "squad_id", id(SQUAD, 1)),
        ("runtime:deleted", "runtime_id", r1.clone()),
    ];
    let mut received = Vec::new();
    while received.len() < expected.len() {
        match stream.next(Duration::from_secs(10)) {
            Next::Event(event) => received.push(event),
            other => panic!(
                "after {} events: {other:?}; got {received:#?}",
                received.len()
            ),
        }
    }
    let allowed = [
        "type",
        "workspace_id",
        "runtime_id",
        "task_id",
        "agent_id",
        "autopilot_id",
        "squad_id",
    ];
    for (i, (event, (kind, subject, subject_id))) in received.iter().zip(&expected).enumerate() {
        let summary = format!("event {i}: {event}");
        assert_eq!(event["type"], json!(kind), "{summary}");
        assert_eq!(event[*subject], json!(subject_id), "{summary}");
        assert_eq!(event["workspace_id"], json!(ws_a), "{summary}");
        assert_eq!(event["runtime_id"], json!(r1), "{summary}");
        let keys: Vec<&String> = event.as_object().unwrap().keys().collect();
        assert!(
            keys.iter().all(|k| allowed.contains(&k.as_str())),
            "ids only: {summary}"
        );
    }

    // SIGTERM with the stream still open: the stream ends, the process
    // exits with success, and nothing else was ever sent to Bob.
    server.terminate();
    let shutdown = Instant::now();
    match stream.next(Duration::from_secs(5)) {
        Next::Ended => {}
        Next::Event(event) => panic!("an event nobody caused reached Bob: {event}"),
        Next::Silent => panic!("the event stream was still open 5 s after SIGTERM"),
    }
    let status = server.wait_exit(Duration::from_secs(5));
    assert!(
        status.is_some_and(|s| s.success()),
        "exit after SIGTERM: {status:?}\n{}",
        server.log_text()
    );
    println!("shut down {:?} after SIGTERM", shutdown.elapsed());
}

/// Proves that a teardown is one transaction: a trigger aborts it midway
/// (archive policy: when deleting the agents, after archive_agents,
/// cancel_tasks, pause_autopilots and delete_squads have run) and at its
/// very last step (unbind policy: deleting the runtime, after every other
/// step); each time the answer is an error and a dump of every table,
/// full rows compared, shows no change at all. Then, without the
/// triggers, the same server carries the teardown out: the failures left
/// no lock or half-open transaction behind.
#[test]
fn a_step_failing_midway_rolls_the_whole_teardown_back() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("atomic.sqlite");
    seed(&db, &world::two_workspaces());
    let conn = open_db(&db);
    let server = Server::start(&db);
    let alice = server.client(Some(ALICE));
    let r1 = id(RUNTIME, 1);
    let active = [id(AGENT, 1), id(AGENT, 2)];

    // The policy, where the trigger fires, and the step that fails there.
    let cases = [
        ("archive", "BEFORE DELETE ON agent", "delete_agents"),
        ("unbind", "BEFORE DELETE ON runtime", "delete_runtime"),
    ];
    for (policy, when, step) in cases {
        conn.execute_batch(&format!(
            "CREATE TRIGGER fail_midway {when} BEGIN SELECT RAISE(ABORT, 'injected failure'); END;"
        ))
        .unwrap();
        let (before, _) = dump(&conn);
        let (status, body) = alice.post(&teardown_path(&r1, policy), &confirm(&active));
        println!("{policy}, trigger {when}: {status} {body}");
        assert!(
            status >= 400,
            "{policy}: a failed teardown must not succeed: {status} {body}"
        );
        assert!(body["code"].is_string(), "{policy}: an error body: {body}");
        // The server names the failed step: the earlier steps had run.
        assert!(
            body["error"].as_str().unwrap_or("").contains(step),
            "{policy}: the failure is at {step}: {body}"
        );
        let (after, _) = dump(&conn);
        let changed = differences(&before, &after);
        assert!(
            changed.is_empty(),
            "{policy}: the failed teardown changed rows:\n{}",
            changed.join("\n")
        );
        assert_sound(&conn, policy);
        conn.execute_batch("DROP TRIGGER fail_midway;").unwrap();
    }

    let (status, body) = alice.post(&teardown_path(&r1, "archive"), &confirm(&active));
    assert_eq!(status, 200, "without the trigger: {body}");
    assert_eq!(body["agents_deleted"], json!(3), "{body}");
    let (status, _) = alice.get(&format!("/api/runtimes/{r1}"));
    assert_eq!(status, 404, "the runtime is gone");
    assert_sound(&conn, "after the teardown");
}

/// Proves that a crash cannot leave half a teardown: a runtime with 1,000
/// agents, 100,000 tasks (2% unfinished), squads, autopilots, chats and
/// issues is torn down (archive, then unbind policy), and the server is
/// killed with SIGKILL at several delays after the request is sent, each
/// time on a fresh copy of the seeded file. After each kill the file holds
/// either every row as before ("nothing") or exactly the state a
/// completed run of the same plan leaves ("all", the clock columns
/// aside); never a mixture. Foreign keys and integrity hold, and the
/// server starts on the killed file and agrees.
#[test]
fn sigkill_during_a_large_teardown_leaves_all_or_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let big = world::big(1_000, 100_000);
    let pristine = dir.path().join("pristine.sqlite");
    seed(&pristine, &big.json);
    let conn = open_db(&pristine);
    assert_sound(&conn, "seeded");
    let (before, _) = dump(&conn);
    drop(conn);
    println!("generated, seeded and dumped in {:?}", started.elapsed());
    let body = confirm(&big.active);
    let runtime_path = format!("/api/runtimes/{}", big.runtime);

    let (mut all, mut nothing) = (0, 0);
    for policy in ["archive", "unbind"] {
        let path = teardown_path(&big.runtime, policy);

        // A run to completion: what "all" looks like for this plan.
        let db = dir.path().join(format!("{policy}-complete.sqlite"));
        copy_db(&pristine, &db);
        let server = Server::start(&db);
        let sent = Instant::now();
        let (status, response) = server.client(Some(ALICE)).post(&path, &body);
        let took = sent.elapsed();
        assert_eq!(status, 200, "{response}");
        let counts = match policy {
            "archive" => (900, 0, 1_000),
            _ => (0, 1_000, 0),
        };
        assert_eq!(
            (
                &response["agents_archived"],
                &response["agents_unbound"],
                &response["agents_deleted"]
            ),
            (&json!(counts.0), &json!(counts.1), &json!(counts.2)),
            "{response}"
        );
        drop(server);
        let conn = open_db(&db);
        assert_sound(&conn, policy);
        let (_, complete) = dump(&conn);
        assert_big_teardown_done(&conn, policy);
        drop(conn);
        println!("{policy}: a complete teardown took {took:?}: {response}");

        // Fixed delays; the moments the write-ahead log first grows and
        // passes 4 MiB (pages of the open transaction being written: a
        // cache spill or the commit itself); just before and just after the
        // time a complete run took (either side of the commit, as it varies).
        let mut kills: Vec<Kill> = [0, 50, 200, 400]
            .into_iter()
            .map(|ms| Kill::After(Duration::from_millis(ms)))
            .collect();
        kills.extend([
            Kill::WalAbove(0),
            Kill::WalAbove(4 << 20),
            Kill::After(took * 9 / 10),
            Kill::After(took * 11 / 10),
        ]);
        for (round, kill) in kills.into_iter().enumerate() {
            let db = dir.path().join(format!("{policy}-{round}.sqlite"));
            copy_db(&pristine, &db);
            let wal = std::path::PathBuf::from(format!("{}-wal", db.display()));
            let mut server = Server::start(&db);
            let client = server.client(Some(ALICE));
            let (path, body) = (path.clone(), body.clone());
            let sent = Instant::now();
            let request = std::thread::spawn(move || {
                client
                    .try_call("POST", &path, Some(&body))
                    .map(|(status, _)| status)
                    .map_err(|e| e.to_string())
            });
            match kill {
                Kill::After(delay) => std::thread::sleep(delay),
                Kill::WalAbove(bytes) => {
                    let wal_len = || std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
                    while wal_len() <= bytes && !request.is_finished() {
                        std::thread::sleep(Duration::from_micros(200));
                    }
                }
            }
            server.kill();
            let delay = sent.elapsed();
            let answer = request.join().unwrap();

            let (exact, masked) = inspect(&db, &format!("{policy} killed after {delay:?}"));
            let outcome = if exact == before {
                nothing += 1;
                "nothing"
            } else if masked == complete {
                all += 1;
                "all"
            } else {
                panic!(
                    "{policy} killed after {delay:?}: neither nothing nor all.\nvs before:\n{}\nvs complete:\n{}",
                    differences(&before, &exact).join("\n"),
                    differences(&complete, &masked).join("\n")
                );
            };
            if answer == Ok(200) {
                assert_eq!(
                    outcome, "all",
                    "{policy}: answered 200, so it had committed"
                );
            } else if let Ok(status) = answer {
                panic!("{policy}: answered {status} before the kill");
            }

            // The server comes up on the killed file and agrees.
            let server = Server::start(&db);
            let (status, _) = server.client(Some(ALICE)).get(&runtime_path);
            let expected = if outcome == "all" { 404 } else { 200 };
            assert_eq!(
                status, expected,
                "{policy}: GET the runtime after a restart"
            );
            println!(
                "{policy}: SIGKILL ({kill:?}) {delay:?} after sending: {outcome} (client saw {answer:?})"
            );
        }
    }
    println!(
        "SIGKILL rounds: {all} all, {nothing} nothing ({:?} in all)",
        started.elapsed()
    );
}

/// Checks what a complete teardown of [`world::big`]'s runtime left:
/// every effect of the plan, counted in SQL.
fn assert_big_teardown_done(conn: &rusqlite::Connection, policy: &str) {
    // ?1 runtime 1; ?2-?3 its agents; ?4-?5 the archived squads they lead.
    // Spliced in as literals (constant ids): each query uses only some.
    let count = |sql: &str| -> i64 {
        let mut sql = sql.to_owned();
        let params = [
            id(RUNTIME, 1),
            id(AGENT, 1),
            id(AGENT, 1_000),
            id(SQUAD, 1),
            id(SQUAD, 30),
        ];
        for (i, value) in params.iter().enumerate() {
            sql = sql.replace(&format!("?{}", i + 1), &format!("'{value}'"));
        }
        conn.query_row(&sql, [], |row| row.get(0))
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
    };
    let of_agents = "agent_id BETWEEN ?2 AND ?3 OR runtime_id = ?1";
    let unfinished = "status IN ('queued', 'dispatched', 'running', 'waiting_local_directory')";
    let facts = [
        (
            "the runtime",
            "SELECT count(*) FROM runtime WHERE id = ?1",
            0,
        ),
        (
            "agents bound to it",
            "SELECT count(*) FROM agent WHERE runtime_id = ?1",
            0,
        ),
        (
            "active autopilots of its agents and their squads",
            "SELECT count(*) FROM autopilot WHERE status = 'active'
               AND (assignee_id BETWEEN ?2 AND ?3 OR assignee_id BETWEEN ?4 AND ?5)",
            0,
        ),
        (
            "unfinished tasks of its agents or on it",
            &format!("SELECT count(*) FROM task WHERE ({of_agents}) AND {unfinished}"),
            0,
        ),
    ];
    let by_policy = if policy == "archive" {
        [
            (
                "its agents",
                "SELECT count(*) FROM agent WHERE id BETWEEN ?2 AND ?3",
                0,
            ),
            // Runtime 2's 5,000 tasks, less the 250 pinned to runtime 1.
            ("tasks", "SELECT count(*) FROM task", 4_750),
            (
                "chats of its agents",
                "SELECT count(*) FROM chat_session WHERE agent_id BETWEEN ?2 AND ?3",
                0,
            ),
            ("squads", "SELECT count(*) FROM squad", 10),
            (
                "issues assigned to its agents",
                "SELECT count(*) FROM issue WHERE assignee_id BETWEEN ?2 AND ?3",
                0,
            ),
        ]
    } else {
        [
            (
                "its agents, unbound",
                "SELECT count(*) FROM agent WHERE id BETWEEN ?2 AND ?3 AND runtime_id IS NULL",
                1_000,
            ),
            (
                "tasks detached",
                "SELECT count(*) FROM task WHERE runtime_id IS NULL",
                95_250,
            ),
            (
                "chats detached",
                "SELECT count(*) FROM chat_session WHERE runtime_id IS NULL",
                3_000,
            ),
            ("squads", "SELECT count(*) FROM squad", 40),
            (
                "archived agents (none archived by unbind)",
                "SELECT count(*) FROM agent WHERE archived_at IS NOT NULL",
                100,
            ),
        ]
    };
    for (what, sql, expected) in facts.iter().chain(&by_policy) {
        assert_eq!(count(sql), *expected, "{policy}: {what}");
    }
}

/// When the SIGKILL test kills the server.
#[derive(Debug, Clone, Copy)]
enum Kill {
    /// This long after sending the request.
    After(Duration),
    /// As soon as the write-ahead log holds more than this many bytes (it
    /// is empty until the teardown writes): while the transaction writes.
    WalAbove(u64),
}

/// Checks a database file from outside (foreign keys, integrity) and
/// dumps it, both at once on two connections: these are the slow part of
/// the SIGKILL test.
fn inspect(db: &std::path::Path, label: &str) -> (harness::Dump, harness::Dump) {
    std::thread::scope(|scope| {
        let check = scope.spawn(|| assert_sound(&open_db(db), label));
        let dumps = dump(&open_db(db));
        check.join().unwrap();
        dumps
    })
}

/// When a racing teardown reads the set it confirms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Read {
    /// Before the race starts: stale as soon as anything changes.
    Early,
    /// When its thread starts, racing the changes.
    AtStart,
    /// A few milliseconds later, when most changes have committed.
    Late,
}

/// One request of the race.
#[derive(Debug, Clone)]
enum Job {
    /// A confirmed teardown with this policy; the confirmed set is read
    /// from the teardown snapshot, as a browser's dialog does.
    Teardown(&'static str, Read),
    /// `POST /api/agents` onto the runtime.
    Create(usize),
    /// `PATCH /api/agents/{id}` onto the runtime.
    Move(String),
    /// `POST /api/agents/{id}/archive` of one of the runtime's agents.
    Archive(String),
}

#[derive(Debug)]
struct Answer {
    job: Job,
    status: u16,
    body: Value,
    /// What a teardown confirmed.
    confirmed: BTreeSet<String>,
}

/// The active agents of `runtime` as its teardown snapshot shows them
/// (none once it is gone: the teardown then expects a 404).
fn confirmable(client: &Client, runtime: &str) -> BTreeSet<String> {
    let (status, snapshot) = client.get(&format!("/api/runtimes/{runtime}/teardown-snapshot"));
    match status {
        200 => snapshot["agents"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| a["archived_at"].is_null())
            .map(|a| a["id"].as_str().unwrap().to_owned())
            .collect(),
        404 => BTreeSet::new(),
        other => panic!("teardown snapshot: {other} {snapshot}"),
    }
}

/// Runs `job`; `early` is the set an [`Read::Early`] teardown read.
fn run_job(job: Job, client: &Client, runtime: &str, early: BTreeSet<String>) -> Answer {
    let mut confirmed = early;
    let (status, body) = match &job {
        Job::Teardown(policy, read) => {
            if *read == Read::Late {
                std::thread::sleep(Duration::from_millis(4));
            }
            if *read != Read::Early {
                confirmed = confirmable(client, runtime);
            }
            let ids: Vec<String> = confirmed.iter().cloned().collect();
            client.post(&teardown_path(runtime, policy), &confirm(&ids))
        }
        Job::Create(n) => client.post(
            "/api/agents",
            &json!({ "runtime_id": runtime, "name": format!("new agent {n}") }),
        ),
        Job::Move(agent) => client.call(
            "PATCH",
            &format!("/api/agents/{agent}"),
            Some(&json!({ "runtime_id": runtime })),
        ),
        Job::Archive(agent) => client.call("POST", &format!("/api/agents/{agent}/archive"), None),
    };
    Answer {
        job,
        status,
        body,
        confirmed,
    }
}

/// How many answers of each kind and status, in one line.
fn tally(answers: &[Answer]) -> String {
    let mut counts = std::collections::BTreeMap::new();
    for a in answers {
        let kind = match &a.job {
            Job::Teardown(policy, read) => format!("{policy}/{read:?}"),
            Job::Create(_) => "create".into(),
            Job::Move(_) => "move".into(),
            Job::Archive(_) => "archive agent".into(),
        };
        *counts.entry(format!("{kind} {}", a.status)).or_insert(0) += 1;
    }
    let parts: Vec<String> = counts.iter().map(|(k, n)| format!("{k} x{n}")).collect();
    parts.join(", ")
}

/// An agent's `(runtime_id, archived_at)`, or `None` when it is gone.
type AgentRow = Option<(Option<String>, Option<String>)>;

fn agent_row(conn: &rusqlite::Connection, agent: &str) -> AgentRow {
    use rusqlite::OptionalExtension;
    conn.query_row(
        "SELECT runtime_id, archived_at FROM agent WHERE id = ?1",
        [agent],
        |row| Ok((row.get(0)?, row.get(1)?)),
    )
    .optional()
    .unwrap()
}

fn unfinished_tasks(conn: &rusqlite::Connection, agent: &str) -> i64 {
    conn.query_row(
        "SELECT count(*) FROM task WHERE agent_id = ?1
           AND status IN ('queued', 'dispatched', 'running', 'waiting_local_directory')",
        [agent],
        |row| row.get(0),
    )
    .unwrap()
}

/// Proves that teardowns hold under concurrency: against one runtime with
/// five active agents, confirmed archive and unbind cascades (each with the
/// set it read at its start) race agent creations onto the runtime, moves
/// of other agents onto it and archives of its agents, each thread with its
/// own HTTP connection. Every answer is 200/201 or 409 (or a 404 for a
/// request processed after the runtime or agent was deleted), never 500 or
/// 503; at most one teardown succeeds; foreign keys hold; and the winner's
/// counts are what happened: every agent created or moved onto the runtime
/// was in the winner's confirmed set (one added after the winner read its
/// set makes the winner's plan stale: a 409 `runtime_delete_plan_changed`),
/// and every agent bound at its commit was deleted or unbound.
#[test]
fn racing_teardowns_and_agent_changes_stay_consistent() {
    let dir = tempfile::tempdir().unwrap();
    let race = world::race();
    let pristine = dir.path().join("pristine.sqlite");
    seed(&pristine, &race.json);
    let mut winners = Vec::new();
    for round in 0..10 {
        let db = dir.path().join(format!("race-{round}.sqlite"));
        copy_db(&pristine, &db);
        let server = Server::start(&db);
        let late = if round % 2 == 0 { "archive" } else { "unbind" };
        let mut jobs = vec![
            Job::Teardown("archive", Read::Early),
            Job::Teardown("unbind", Read::Early),
            Job::Teardown("archive", Read::AtStart),
            Job::Teardown("unbind", Read::AtStart),
            Job::Teardown(late, Read::Late),
        ];
        jobs.extend((0..3).map(Job::Create));
        jobs.extend(
            (0..3).map(|i| Job::Move(race.movers[(round + i * 3) % race.movers.len()].clone())),
        );
        jobs.extend((0..2).map(|i| Job::Archive(race.originals[(round + i * 2) % 5].clone())));
        let turn = round * 3 % jobs.len();
        jobs.rotate_left(turn);

        let barrier = Arc::new(Barrier::new(jobs.len()));
        let threads: Vec<_> = jobs
            .into_iter()
            .enumerate()
            .map(|(i, job)| {
                let client = server.client(Some(ALICE));
                let barrier = Arc::clone(&barrier);
                let runtime = race.runtime.clone();
                let jitter = Duration::from_micros(((i * 7 + round * 3) % 5) as u64 * 400);
                std::thread::spawn(move || {
                    let early = match job {
                        Job::Teardown(_, Read::Early) => confirmable(&client, &runtime),
                        _ => BTreeSet::new(),
                    };
                    barrier.wait();
                    std::thread::sleep(jitter);
                    run_job(job, &client, &runtime, early)
                })
            })
            .collect();
        let answers: Vec<Answer> = threads.into_iter().map(|t| t.join().unwrap()).collect();
        let log = server.log_text();
        drop(server);

        let summary: Vec<String> = answers
            .iter()
            .map(|a| format!("{:?} -> {} {}", a.job, a.status, a.body["code"]))
            .collect();
        let summary = summary.join("\n");
        let code = |a: &Answer| a.body["code"].as_str().unwrap_or("").to_owned();
        for a in &answers {
            let allowed = match &a.job {
                Job::Teardown(..) => {
                    a.status == 200
                        || (a.status == 409 && code(a) == "runtime_delete_plan_changed")
                        // Processed after the winner committed: the runtime no longer exists.
                        || (a.status == 404 && code(a) == "runtime_not_found")
                }
                // Also 404 `runtime_not_found` after the runtime was deleted.
                Job::Create(_) => {
                    a.status == 201 || (a.status == 404 && code(a) == "runtime_not_found")
                }
                Job::Move(_) => {
                    a.status == 200 || (a.status == 404 && code(a) == "runtime_not_found")
                }
                // 404 `agent_not_found`: the archive policy deleted the agent first.
                Job::Archive(_) => {
                    a.status == 200 || (a.status == 404 && code(a) == "agent_not_found")
                }
            };
            assert!(
                allowed,
                "round {round}: {:?} answered {} {}\nall answers:\n{summary}\nserver log:\n{log}",
                a.job, a.status, a.body
            );
        }

        let won: Vec<&Answer> = answers
            .iter()
            .filter(|a| matches!(a.job, Job::Teardown(..)) && a.status == 200)
            .collect();
        assert!(
            won.len() <= 1,
            "round {round}: several teardowns succeeded:\n{summary}"
        );
        let ok = |pick: fn(&Job) -> bool, status: u16| -> BTreeSet<String> {
            answers
                .iter()
                .filter(|a| pick(&a.job) && a.status == status)
                .map(|a| match &a.job {
                    Job::Create(_) => a.body["id"].as_str().unwrap().to_owned(),
                    Job::Move(agent) | Job::Archive(agent) => agent.clone(),
                    Job::Teardown(..) => unreachable!(),
                })
                .collect()
        };
        let created = ok(|j| matches!(j, Job::Create(_)), 201);
        let moved = ok(|j| matches!(j, Job::Move(_)), 200);
        let archived = ok(|j| matches!(j, Job::Archive(_)), 200);

        let conn = open_db(&db);
        assert_sound(&conn, &format!("round {round}"));
        let runtime_left: i64 = conn
            .query_row(
                "SELECT count(*) FROM runtime WHERE id = ?1",
                [&race.runtime],
                |row| row.get(0),
            )
            .unwrap();
        let Some(winner) = won.first() else {
            // Nobody won: nothing was torn down and every change stands.
            assert_eq!(runtime_left, 1, "round {round}: no teardown succeeded");
            assert!(
                answers.iter().all(|a| a.status != 404),
                "round {round}: a 404 though the runtime stayed:\n{summary}"
            );
            for agent in created.iter().chain(&moved) {
                let row = agent_row(&conn, agent).unwrap();
                assert_eq!(row.0.as_deref(), Some(race.runtime.as_str()), "{agent}");
            }
            println!("round {round}: no teardown won; {}", tally(&answers));
            winners.push("none");
            continue;
        };
        assert_eq!(
            runtime_left, 0,
            "round {round}: the winner deleted the runtime"
        );
        let Job::Teardown(policy, _) = winner.job else {
            unreachable!()
        };
        let c = &winner.confirmed;
        let response = &winner.body;
        let context = format!("round {round}, {policy} won with {c:?}: {response}\n{summary}");

        // A creation or move that succeeded committed before the winner
        // (after it the runtime is gone: 404), so the winner confirmed it.
        for agent in created.iter().chain(&moved) {
            assert!(
                c.contains(agent),
                "{agent} was bound but not confirmed; {context}"
            );
        }
        let bound: BTreeSet<String> = race
            .originals
            .iter()
            .chain(&created)
            .chain(&moved)
            .cloned()
            .collect();
        let tasks: usize = bound
            .iter()
            .map(|a| race.unfinished.get(a).copied().unwrap_or(0))
            .sum();
        let autopilots: usize = bound
            .iter()
            .map(|a| race.autopilots.get(a).copied().unwrap_or(0))
            .sum();
        assert_eq!(response["tasks_cancelled"], json!(tasks), "{context}");
        assert_eq!(
            response["autopilots_paused"],
            json!(autopilots),
            "{context}"
        );
        let paused: i64 = conn
            .query_row(
                "SELECT count(*) FROM autopilot WHERE status = 'paused'",
                [],
                |row| row.get(0),
            )
            .unwrap();
        assert_eq!(paused, autopilots as i64, "{context}");
        for agent in &bound {
            let row = agent_row(&conn, agent);
            if policy == "archive" {
                assert_eq!(row, None, "{agent} deleted; {context}");
            } else {
                let (runtime, archived_at) =
                    row.unwrap_or_else(|| panic!("{agent} kept; {context}"));
                assert_eq!(runtime, None, "{agent} unbound; {context}");
                assert_eq!(
                    unfinished_tasks(&conn, agent),
                    0,
                    "{agent}'s tasks; {context}"
                );
                // Active at the end: active at the commit, so confirmed.
                // Confirmed but archived now: archived after the commit.
                match archived_at {
                    None => assert!(
                        c.contains(agent),
                        "{agent} active, not confirmed; {context}"
                    ),
                    Some(_) if c.contains(agent) => {
                        assert!(archived.contains(agent), "{agent}; {context}")
                    }
                    Some(_) => {}
                }
            }
        }
        for agent in c {
            assert!(
                bound.contains(agent),
                "{agent} confirmed, never bound; {context}"
            );
        }
        if policy == "archive" {
            assert_eq!(response["agents_archived"], json!(c.len()), "{context}");
            assert_eq!(response["agents_deleted"], json!(bound.len()), "{context}");
            assert_eq!(response["agents_unbound"], json!(0), "{context}");
            // An archive that succeeded came before the commit (after it the
            // agent is gone), so the winner did not count that agent as active.
            for agent in &archived {
                assert!(!c.contains(agent), "{agent} archived first; {context}");
            }
        } else {
            assert_eq!(response["agents_unbound"], json!(bound.len()), "{context}");
            assert_eq!(response["agents_archived"], json!(0), "{context}");
            assert_eq!(response["agents_deleted"], json!(0), "{context}");
        }
        // Movers that came too late stayed where they were.
        for agent in &race.movers {
            if !moved.contains(agent) {
                let row = agent_row(&conn, agent).unwrap();
                assert_eq!(row.0, Some(id(RUNTIME, 2)), "{agent}; {context}");
            }
        }
        println!(
            "round {round}: {policy} won, confirming {} agents; {}",
            c.len(),
            tally(&answers)
        );
        winners.push(policy);
    }
    println!("winners by round: {winners:?}");
}
