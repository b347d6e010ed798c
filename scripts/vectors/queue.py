"""§7 the task queue: claims, claim tokens, retries, session resume, the
sweeper's limits, heartbeats, collection and legacy daemon ids.

Expected values are reasoned from SPEC §7 (numbers: lease 60 s, stale
150 s, dispatched 300 s, running 9000 s, queued 7200 s, collection 7 days,
max_attempts 2). Every limit is strict: exactly at a limit is still inside
it, one nanosecond past it is out."""
from common import VectorFile, agent_id, uid

NOW = "2026-05-19T16:00:00Z"
RT1, RT2 = uid("runtime", 1), uid("runtime", 2)
A1, A2 = agent_id(1), agent_id(2)


def ref(prefix, n):
    return f"{prefix}-0000-4000-8000-{n:012d}"


def T(n):
    return uid("task", n)


def ISSUE(n):
    return ref("88888888", n)


def CHAT(n):
    return ref("99999999", n)


def RUN(n):
    return ref("aaaaaaaa", n)


TOKEN, OTHER_TOKEN = ref("cccccccc", 1), ref("cccccccc", 2)
I1, I2 = ISSUE(1), ISSUE(2)
C1, C2 = CHAT(1), CHAT(2)
R1, R2 = RUN(1), RUN(2)

STATUSES = ["queued", "dispatched", "running", "waiting_local_directory", "completed", "failed", "cancelled"]
TERMINAL = {"completed", "failed", "cancelled"}


def task(n, status="queued", agent=A1, runtime=RT1, created_at="2026-05-19T15:00:00Z", priority=0, **extra):
    return {"id": T(n), "agent_id": agent, "runtime_id": runtime, "status": status,
            "priority": priority, "created_at": created_at, **extra}


def claim_input(tasks, agent=None, agents=None, runtime=RT1):
    body = {"runtime_id": runtime, "agent_id": agent, "tasks": tasks}
    if agents is not None:
        body["agents"] = agents
    return body


def claimed(n, now=NOW, expires="2026-05-19T16:01:00Z", token=TOKEN):
    return {"task_id": T(n), "status": "dispatched", "claim_token": token,
            "dispatched_at": now, "claim_expires_at": expires}


def conflict(reason):
    return {"type": "conflict", "reason": reason}


PROCEED = {"type": "proceed"}
ALREADY_DONE = {"type": "already_done"}


def queue():
    f = VectorFile("queue.json", "SPEC §7: the task queue — claims, claim tokens, retries, session resume, "
                   "the sweeper's limits, heartbeats, collection and legacy daemon ids")
    f.rule("claim_next", "claimNext", ["input", "claim_token", "now"])
    f.rule("serialization_key", "serializationKey", ["task"])
    f.rule("lease_expired", "leaseExpired", ["task", "now"])
    f.rule("check_lease", "checkLease", ["task", "action", "claim_token", "now"])
    f.rule("retry_decision", "retryDecision", ["task"])
    f.rule("retry_of", "retryOf", ["parent", "id", "now"])
    f.rule("session_to_resume", "sessionToResume", ["tasks", "agent_id", "issue_id"])
    f.rule("cutoffs", "sweepCutoffs", ["now"])
    f.rule("heartbeat", "heartbeatDecision", ["runtime"])
    f.rule("is_stale", "isStale", ["runtime", "now"])
    f.rule("sweep_reason", "sweepReason", ["task", "now"])
    f.rule("is_collectable", "isCollectable", ["runtime", "unfinished_tasks", "now"])
    f.rule("legacy_daemon_ids", "legacyDaemonIds", ["hostname", "profile"])
    claims(f)
    keys(f)
    leases(f)
    retries(f)
    resume(f)
    sweeper(f)
    legacy(f)
    return f


# ------------------------------------------------------------------ claims

def claims(f):
    c = "claim_next"
    s7 = "SPEC §7 (claim)"
    key = "SPEC §7 (claim: serialization key)"
    cap = "capacity: agent.max_concurrent_tasks (issue #7)"

    def ok(name, expected, tasks, source=s7, agent=None, agents=None, now=NOW, token=TOKEN, runtime=RT1):
        f.ok(c, name, source, expected, input=claim_input(tasks, agent, agents, runtime), claim_token=token, now=now)

    ok("nothing queued: no claim", None, [])
    ok("one queued task is claimed: dispatched, the token, a 60 s lease", claimed(1), [task(1)])
    ok("priority first: the higher priority wins over an older task", claimed(2),
       [task(1, priority=0, created_at="2026-05-19T15:00:00Z"), task(2, priority=5, created_at="2026-05-19T15:30:00Z")])
    ok("same priority: the oldest first", claimed(2),
       [task(1, created_at="2026-05-19T15:30:00Z"), task(2, created_at="2026-05-19T15:00:00Z")])
    ok("age compares instants, not text: an offset", claimed(2),
       [task(1, created_at="2026-05-19T15:30:00Z"), task(2, created_at="2026-05-19T17:00:00+02:00")])
    ok("same priority and age: the lowest id", claimed(1),
       [task(2), task(3), task(1)])
    ok("a negative priority runs after priority 0", claimed(2),
       [task(1, priority=-1, created_at="2026-05-19T14:00:00Z"), task(2, priority=0)])
    ok("order is priority, then age, then id across several tasks", claimed(4),
       [task(1, priority=1, created_at="2026-05-19T15:10:00Z"), task(2, priority=3, created_at="2026-05-19T15:20:00Z"),
        task(3, priority=3, created_at="2026-05-19T15:20:00Z"), task(4, priority=3, created_at="2026-05-19T15:05:00Z"),
        task(5, priority=2, created_at="2026-05-19T14:00:00Z")])

    ok("another runtime's task is never claimed, whatever its priority", claimed(2),
       [task(1, runtime=RT2, priority=10, created_at="2026-05-19T14:00:00Z"), task(2)])
    ok("only another runtime's tasks: no claim", None, [task(1, runtime=RT2), task(2, runtime=RT2)])
    ok("a detached task (runtime_id null) is never claimed", None, [task(1, runtime=None)])
    ok("a task without runtime_id is never claimed", None,
       [{k: v for k, v in task(1).items() if k != "runtime_id"}])
    ok("runtime ids compare as UUIDs, not as text", claimed(1), [task(1)], runtime=RT1.upper().replace("-", ""))
    ok("only queued tasks are candidates", None,
       [task(1, "waiting_local_directory"), task(2, "completed"), task(3, "failed"), task(4, "cancelled"),
        task(5, "dispatched", agent=A2, issue_id=I2), task(6, "running", agent=A2, issue_id=I1)])

    ok("agent filter: only that agent's tasks", claimed(2),
       [task(1, agent=A1, priority=9), task(2, agent=A2)], agent=A2)
    ok("agent filter with no task of that agent: no claim", None, [task(1, agent=A1)], agent=A2)
    ok("agent_id null: any agent's task, by priority", claimed(2),
       [task(1, agent=A1, priority=1), task(2, agent=A2, priority=2)])
    f.ok(c, "agent_id absent: any agent's task", s7, claimed(1),
         input={"runtime_id": RT1, "tasks": [task(1, agent=A2)]}, claim_token=TOKEN, now=NOW)

    ok("an issue task waits while the agent's task on that issue is running", None,
       [task(1, "running", issue_id=I1), task(2, issue_id=I1)], key)
    ok("an issue task waits while the agent's task on that issue is dispatched", None,
       [task(1, "dispatched", issue_id=I1), task(2, issue_id=I1)], key)
    ok("a task on another issue does not wait", claimed(2),
       [task(1, "running", issue_id=I1), task(2, issue_id=I2)], key)
    ok("another agent's running task on the same issue does not block", claimed(2),
       [task(1, "running", agent=A2, issue_id=I1), task(2, issue_id=I1)], key)
    ok("the blocked task is passed over for the next one", claimed(3),
       [task(1, "running", issue_id=I1), task(2, issue_id=I1, priority=9), task(3, issue_id=I2)], key)
    ok("two queued on one issue: the oldest is claimed (queued does not block)", claimed(2),
       [task(1, issue_id=I1, created_at="2026-05-19T15:30:00Z"), task(2, issue_id=I1)], key)
    ok("finished tasks on the same issue do not block", claimed(4),
       [task(1, "completed", issue_id=I1), task(2, "failed", issue_id=I1), task(3, "cancelled", issue_id=I1),
        task(4, issue_id=I1)], key)
    ok("waiting for its local directory does not block", claimed(2),
       [task(1, "waiting_local_directory", issue_id=I1), task(2, issue_id=I1)], key)
    ok("an in-flight task on another runtime blocks its issue too", None,
       [task(1, "running", runtime=RT2, issue_id=I1), task(2, issue_id=I1)], key)
    ok("a dispatched task whose lease ran out still blocks until it is requeued", None,
       [task(1, "dispatched", issue_id=I1, claim_token=OTHER_TOKEN, dispatched_at="2026-05-19T15:58:00Z",
             claim_expires_at="2026-05-19T15:59:00Z"), task(2, issue_id=I1)],
       "SPEC §7 (expired leases are requeued by their runtime when it claims, before the claim)")
    ok("a chat task waits for the running turn of its chat session", None,
       [task(1, "running", chat_session_id=C1), task(2, chat_session_id=C1)], key)
    ok("a chat task of another session does not wait", claimed(2),
       [task(1, "running", chat_session_id=C1), task(2, chat_session_id=C2)], key)
    ok("with an issue and a chat session the issue is the key: it waits for its issue", None,
       [task(1, "running", issue_id=I1), task(2, issue_id=I1, chat_session_id=C1)], key)
    ok("with an issue and a chat session the issue is the key: not for its chat session", claimed(2),
       [task(1, "running", chat_session_id=C1), task(2, issue_id=I1, chat_session_id=C1)], key)
    ok("a quick task waits while another quick task of the agent is in flight", None,
       [task(1, "dispatched"), task(2)], key)
    ok("a quick task does not wait for an issue task", claimed(2),
       [task(1, "running", issue_id=I1), task(2)], key)
    ok("an issue task does not wait for a quick task", claimed(2),
       [task(1, "running"), task(2, issue_id=I1)], key)
    ok("a quick task does not wait for an autopilot run", claimed(2),
       [task(1, "running", autopilot_run_id=R1), task(2)], key)
    ok("another agent's quick task does not block", claimed(2),
       [task(1, "running", agent=A2), task(2)], key)
    ok("autopilot runs never serialize: another run is in flight", claimed(2),
       [task(1, "running", autopilot_run_id=R1), task(2, autopilot_run_id=R2)], key)
    ok("autopilot runs never serialize: not even behind the same run", claimed(2),
       [task(1, "running", autopilot_run_id=R1), task(2, autopilot_run_id=R1)], key)
    ok("an autopilot run does not wait for a quick task", claimed(2),
       [task(1, "running"), task(2, autopilot_run_id=R1)], key)
    ok("an autopilot run on an issue waits for its issue", None,
       [task(1, "running", issue_id=I1), task(2, issue_id=I1, autopilot_run_id=R1)], key)

    ok("an archived agent gets nothing", None,
       [task(1)], agents=[{"id": A1, "archived_at": "2026-05-18T00:00:00Z"}], source=cap)
    ok("an archived agent's task is passed over for another agent's", claimed(2),
       [task(1, priority=9), task(2, agent=A2)], agents=[{"id": A1, "archived_at": "2026-05-18T00:00:00Z"}],
       source=cap)
    ok("an active agent in the list claims", claimed(1),
       [task(1)], agents=[{"id": A1, "runtime_id": RT1, "archived_at": None, "max_concurrent_tasks": None}], source=cap)
    ok("at capacity: 1 of max_concurrent_tasks 1 running", None,
       [task(1, "running", issue_id=I1), task(2, issue_id=I2)], agents=[{"id": A1, "max_concurrent_tasks": 1}],
       source=cap)
    ok("below capacity: 1 of 2 running", claimed(2),
       [task(1, "running", issue_id=I1), task(2, issue_id=I2)], agents=[{"id": A1, "max_concurrent_tasks": 2}],
       source=cap)
    ok("dispatched tasks count toward capacity", None,
       [task(1, "running", issue_id=I1), task(2, "dispatched", issue_id=I2), task(3, chat_session_id=C1)],
       agents=[{"id": A1, "max_concurrent_tasks": 2}], source=cap)
    ok("in-flight tasks on another runtime count toward capacity", None,
       [task(1, "running", runtime=RT2, issue_id=I1), task(2, issue_id=I2)],
       agents=[{"id": A1, "max_concurrent_tasks": 1}], source=cap)
    ok("queued and waiting tasks do not count toward capacity", claimed(3),
       [task(1, "waiting_local_directory", issue_id=I1), task(2, "queued", runtime=RT2, issue_id=I2),
        task(3, chat_session_id=C1)],
       agents=[{"id": A1, "max_concurrent_tasks": 1}], source=cap)
    ok("max_concurrent_tasks 0 gets nothing", None,
       [task(1)], agents=[{"id": A1, "max_concurrent_tasks": 0}], source=cap)
    ok("max_concurrent_tasks null: no limit", claimed(3),
       [task(1, "running", issue_id=I1), task(2, "running", issue_id=I2), task(3)],
       agents=[{"id": A1, "max_concurrent_tasks": None}], source=cap)
    ok("an agent missing from agents has no limit", claimed(1),
       [task(1)], agents=[{"id": A2, "max_concurrent_tasks": 0}], source=cap)
    ok("capacity is per agent: another agent's in-flight tasks do not count", claimed(2),
       [task(1, "running", agent=A2), task(2)], agents=[{"id": A1, "max_concurrent_tasks": 1}], source=cap)
    ok("a full agent's task is passed over for another agent's", claimed(3),
       [task(1, "running", issue_id=I1), task(2, issue_id=I2, priority=9), task(3, agent=A2)],
       agents=[{"id": A1, "max_concurrent_tasks": 1}, {"id": A2, "max_concurrent_tasks": 1}], source=cap)

    ok("the lease ends 60 s after now, to the fraction of a second", claimed(
        1, now="2026-05-19T16:00:00.250Z", expires="2026-05-19T16:01:00.250Z"),
       [task(1)], now="2026-05-19T16:00:00.25Z")
    ok("instants are written in UTC", claimed(1), [task(1)], now="2026-05-19T18:00:00+02:00")
    ok("a lease past 2099 ends at the last instant", claimed(
        1, now="2099-12-31T23:59:30Z", expires="2099-12-31T23:59:59.999999999Z"), [task(1)], now="2099-12-31T23:59:30Z",
       source="SPEC §7; instants end in 2099 (SPEC conventions)")
    ok("the claim token is written canonically", claimed(1), [task(1)], token=TOKEN.upper().replace("-", ""))
    ok("records pass as they are", claimed(1),
       [task(1, issue_id=I1, chat_session_id=None, autopilot_run_id=None, attempt=1, max_attempts=2,
             session_id=None, work_dir=None, claim_token=None, claim_expires_at=None, dispatched_at=None,
             started_at=None, finished_at=None, failure_reason=None, error=None, parent_task_id=None,
             workspace_id=uid("workspace", 1), context={"prompt": "x"}, force_fresh_session=False)],
       agents=[{"id": A1, "name": "reviewer", "runtime_id": RT1, "archived_at": None, "max_concurrent_tasks": 3,
                "visibility": "workspace"}])

    bad = "bad input"
    f.err(c, "a claim needs its runtime", bad, "invalid_input", "input.runtime_id",
          input={"tasks": []}, claim_token=TOKEN, now=NOW)
    f.err(c, "a claim needs its tasks", bad, "invalid_input", "input.tasks",
          input={"runtime_id": RT1}, claim_token=TOKEN, now=NOW)
    f.err(c, "tasks must be a list", bad, "invalid_input", "input.tasks",
          input={"runtime_id": RT1, "tasks": task(1)}, claim_token=TOKEN, now=NOW)
    f.err(c, "an unknown task status", bad, "invalid_input", "input.tasks[1].status",
          input=claim_input([task(1), task(2, "done")]), claim_token=TOKEN, now=NOW)
    f.err(c, "statuses are lowercase", bad, "invalid_input", "input.tasks[0].status",
          input=claim_input([task(1, "Queued")]), claim_token=TOKEN, now=NOW)
    f.err(c, "a task needs created_at", bad, "invalid_input", "input.tasks[0].created_at",
          input=claim_input([{k: v for k, v in task(1).items() if k != "created_at"}]), claim_token=TOKEN, now=NOW)
    f.err(c, "a malformed task id", bad, "invalid_id", "input.tasks[0].id",
          input=claim_input([task(1, id="task-1")]), claim_token=TOKEN, now=NOW)
    f.err(c, "a fractional priority", bad, "invalid_number", "input.tasks[0].priority",
          input=claim_input([task(1, priority=1.5)]), claim_token=TOKEN, now=NOW)
    f.err(c, "a priority beyond 2^53", bad, "invalid_number", "input.tasks[0].priority",
          input=claim_input([task(1, priority=2**53)]), claim_token=TOKEN, now=NOW)
    f.ok(c, "a whole priority sent as a JavaScript number (5.0) is 5", "SPEC §8.1 (JSON-compatible values)",
         claimed(2), input=claim_input([task(1, priority=0), task(2, priority=5.0)]), claim_token=TOKEN, now=NOW)
    f.err(c, "a negative attempt", bad, "invalid_count", "input.tasks[0].attempt",
          input=claim_input([task(1, attempt=-1)]), claim_token=TOKEN, now=NOW)
    f.err(c, "a negative max_concurrent_tasks", bad, "invalid_count", "input.agents[0].max_concurrent_tasks",
          input=claim_input([task(1)], agents=[{"id": A1, "max_concurrent_tasks": -1}]), claim_token=TOKEN, now=NOW)
    f.err(c, "a malformed agent filter", bad, "invalid_id", "input.agent_id",
          input=claim_input([task(1)], agent="agent-1"), claim_token=TOKEN, now=NOW)
    f.err(c, "a malformed claim token", bad, "invalid_id", "claim_token",
          input=claim_input([task(1)]), claim_token="token-1", now=NOW)
    f.err(c, "a claim needs a token", bad, "invalid_input", "claim_token",
          input=claim_input([task(1)]), claim_token=None, now=NOW)
    f.err(c, "a malformed now", bad, "invalid_instant", "now",
          input=claim_input([task(1)]), claim_token=TOKEN, now="2026-05-19 16:00")


# ------------------------------------------------------- serialization keys

def keys(f):
    k = "serialization_key"
    s7 = "SPEC §7 (key: issue id; else chat session id; else \"no link\" for quick tasks)"
    f.ok(k, "an issue task queues behind its issue", s7, {"kind": "issue", "id": I1}, task=task(1, issue_id=I1))
    f.ok(k, "a chat task queues behind its chat session", s7, {"kind": "chat_session", "id": C1},
         task=task(1, chat_session_id=C1))
    f.ok(k, "an issue and a chat session: the issue", s7, {"kind": "issue", "id": I1},
         task=task(1, issue_id=I1, chat_session_id=C1))
    f.ok(k, "a quick task (no link): no_link", s7, {"kind": "no_link"}, task=task(1))
    f.ok(k, "null links are no links", s7, {"kind": "no_link"},
         task=task(1, issue_id=None, chat_session_id=None, autopilot_run_id=None))
    f.ok(k, "an autopilot run alone never serializes", s7, None, task=task(1, autopilot_run_id=R1))
    f.ok(k, "an autopilot run on an issue: the issue", s7, {"kind": "issue", "id": I1},
         task=task(1, issue_id=I1, autopilot_run_id=R1))
    f.ok(k, "an autopilot run in a chat session: the chat session", s7, {"kind": "chat_session", "id": C1},
         task=task(1, chat_session_id=C1, autopilot_run_id=R1))
    f.ok(k, "the status does not matter", s7, {"kind": "issue", "id": I1}, task=task(1, "completed", issue_id=I1))
    f.ok(k, "ids are written canonically", s7, {"kind": "issue", "id": I1},
         task=task(1, issue_id=I1.upper().replace("-", "")))
    f.err(k, "a malformed issue id", "bad input", "invalid_id", "task.issue_id", task=task(1, issue_id="ISSUE-1"))
    f.err(k, "a task needs its agent", "bad input", "invalid_input", "task.agent_id",
          task={k2: v for k2, v in task(1).items() if k2 != "agent_id"})


# ------------------------------------------------------------ claim tokens

def expected_lease(action, status, task_token, given, lease_over):
    """SPEC §7, start/fail/complete with claim tokens, one rule at a time."""
    # A task that ended accepts nothing more, with or without a token.
    if status in TERMINAL:
        return conflict("task_state_conflict")
    # A task claimed with a token can never be touched without it ...
    if task_token is not None and given is None:
        return conflict("claim_token_required")
    # ... nor with another one; a legacy (tokenless) row takes no token.
    if given != task_token:
        return conflict("claim_superseded")
    if action == "start":
        if status == "dispatched":
            return conflict("claim_expired") if lease_over else PROCEED
        if status == "running" and given is not None:
            return ALREADY_DONE  # the same start again: answer with the task
        return conflict("task_state_conflict")
    if action == "complete":
        return PROCEED if status == "running" else conflict("task_state_conflict")
    # fail: dispatched (lease not over) or running
    if status == "dispatched":
        return conflict("claim_expired") if lease_over else PROCEED
    return PROCEED if status == "running" else conflict("task_state_conflict")


def leases(f):
    le = "lease_expired"
    s7 = "SPEC §7 (lease 60 s)"
    leased = lambda end, status="dispatched", **extra: task(
        1, status, claim_token=TOKEN, dispatched_at="2026-05-19T15:59:00Z", claim_expires_at=end, **extra)
    f.ok(le, "a lease with time left is not expired", s7, False, task=leased("2026-05-19T16:00:30Z"), now=NOW)
    f.ok(le, "the lease's last instant still counts", s7, False, task=leased("2026-05-19T16:00:00Z"), now=NOW)
    f.ok(le, "one nanosecond after the lease it is expired", s7, True,
         task=leased("2026-05-19T16:00:00Z"), now="2026-05-19T16:00:00.000000001Z")
    f.ok(le, "a lease that ended a nanosecond before now is expired", s7, True,
         task=leased("2026-05-19T15:59:59.999999999Z"), now=NOW)
    f.ok(le, "a lease ending at the same instant written with an offset is not expired", s7, False,
         task=leased("2026-05-19T18:00:00+02:00"), now=NOW)
    f.ok(le, "a running task holds no lease", s7, False, task=leased("2026-05-19T15:00:00Z", "running"), now=NOW)
    f.ok(le, "a queued task holds no lease", s7, False, task=leased("2026-05-19T15:00:00Z", "queued"), now=NOW)
    f.ok(le, "a finished task holds no lease", s7, False, task=leased("2026-05-19T15:00:00Z", "failed"), now=NOW)
    f.ok(le, "a dispatched legacy row without a lease never expires", s7, False,
         task=task(1, "dispatched", dispatched_at="2026-05-19T10:00:00Z"), now=NOW)
    f.err(le, "a malformed claim_expires_at", "bad input", "invalid_instant", "task.claim_expires_at",
          task=leased("soon"), now=NOW)
    f.err(le, "a malformed now", "bad input", "invalid_instant", "now", task=leased(NOW), now="16:00")

    cl = "check_lease"
    s7 = "SPEC §7 (start, complete and fail with a claim token)"
    live, over = "2026-05-19T16:00:30Z", "2026-05-19T15:59:30Z"
    tokens = {"the same token": TOKEN, "another token": OTHER_TOKEN, "no token": None}
    for action in ["start", "complete", "fail"]:
        for status in STATUSES:
            for lease_name, end in [("lease live", live), ("lease over", over)]:
                if lease_name == "lease over" and status != "dispatched":
                    continue
                t = task(1, status, issue_id=I1, claim_token=TOKEN, dispatched_at="2026-05-19T15:59:00Z",
                         claim_expires_at=end)
                for token_name, given in tokens.items():
                    where = f"{status}, {lease_name}" if status == "dispatched" else status
                    f.ok(cl, f"{action} · {where} · {token_name}", s7,
                         expected_lease(action, status, TOKEN, given, end == over),
                         task=t, action=action, claim_token=given, now=NOW)
            # A legacy row: claimed without a token, no lease.
            legacy = task(1, status, issue_id=I1, dispatched_at="2026-05-19T15:00:00Z")
            for token_name, given in [("no token", None), ("a token", TOKEN)]:
                f.ok(cl, f"{action} · {status}, legacy row without a token · {token_name}",
                     "SPEC §7; tokenless legacy rows (seed agent.sql)",
                     expected_lease(action, status, None, given, False),
                     task=legacy, action=action, claim_token=given, now=NOW)

    dispatched = lambda end: task(1, "dispatched", claim_token=TOKEN, dispatched_at="2026-05-19T15:59:00Z",
                                  claim_expires_at=end)
    f.ok(cl, "start at the lease's last instant proceeds", s7, PROCEED,
         task=dispatched(NOW), action="start", claim_token=TOKEN, now=NOW)
    f.ok(cl, "start one nanosecond after the lease is claim_expired", s7, conflict("claim_expired"),
         task=dispatched(NOW), action="start", claim_token=TOKEN, now="2026-05-19T16:00:00.000000001Z")
    f.ok(cl, "fail at the lease's last instant proceeds", s7, PROCEED,
         task=dispatched(NOW), action="fail", claim_token=TOKEN, now=NOW)
    f.ok(cl, "fail one nanosecond after the lease is claim_expired", s7, conflict("claim_expired"),
         task=dispatched(NOW), action="fail", claim_token=TOKEN, now="2026-05-19T16:00:00.000000001Z")
    f.ok(cl, "a lapsed lease on a running task does not matter: complete", s7, PROCEED,
         task=task(1, "running", claim_token=TOKEN, claim_expires_at="2026-05-19T15:00:00Z",
                   started_at="2026-05-19T14:59:30Z"),
         action="complete", claim_token=TOKEN, now=NOW)
    f.ok(cl, "a lapsed lease on a running task does not matter: the repeated start", s7, ALREADY_DONE,
         task=task(1, "running", claim_token=TOKEN, claim_expires_at="2026-05-19T15:00:00Z"),
         action="start", claim_token=TOKEN, now=NOW)
    f.ok(cl, "tokens compare as UUIDs: the 32-hex uppercase form is the same token", s7, PROCEED,
         task=dispatched("2026-05-19T16:00:30Z"), action="start",
         claim_token=TOKEN.upper().replace("-", ""), now=NOW)
    f.ok(cl, "a dispatched token row without a lease end starts", s7, PROCEED,
         task=task(1, "dispatched", claim_token=TOKEN), action="start", claim_token=TOKEN, now=NOW)
    f.ok(cl, "no token on a tokened task is claim_token_required even with the lease over", s7,
         conflict("claim_token_required"),
         task=dispatched("2026-05-19T15:00:00Z"), action="start", claim_token=None, now=NOW)
    f.ok(cl, "another token is claim_superseded even with the lease over", s7, conflict("claim_superseded"),
         task=dispatched("2026-05-19T15:00:00Z"), action="fail", claim_token=OTHER_TOKEN, now=NOW)
    bad = "bad input"
    f.err(cl, "a malformed claim token is a 400", "SPEC §7 (a malformed token is a 400)", "invalid_id",
          "claim_token", task=dispatched(NOW), action="start", claim_token="not-a-token", now=NOW)
    f.err(cl, "an unknown action", bad, "invalid_input", "action",
          task=dispatched(NOW), action="restart", claim_token=TOKEN, now=NOW)
    f.err(cl, "actions are lowercase", bad, "invalid_input", "action",
          task=dispatched(NOW), action="Start", claim_token=TOKEN, now=NOW)
    f.err(cl, "an unknown task status", bad, "invalid_input", "task.status",
          task=task(1, "paused"), action="start", claim_token=TOKEN, now=NOW)
    f.err(cl, "a malformed task claim token", bad, "invalid_id", "task.claim_token",
          task=task(1, "dispatched", claim_token="x"), action="start", claim_token=TOKEN, now=NOW)
    f.err(cl, "a malformed now", bad, "invalid_instant", "now",
          task=dispatched(NOW), action="start", claim_token=TOKEN, now="now")


# ----------------------------------------------------------------- retries

def failed(reason="runtime_offline", status="failed", **extra):
    fields = {"issue_id": I1, "failure_reason": reason, "attempt": 1, "max_attempts": 2,
              "finished_at": "2026-05-19T15:30:00Z", "error": "runtime went offline"}
    fields.update(extra)
    return task(1, status, **fields)


def decision(reason):
    return {"retry": reason == "retryable", "reason": reason}


def retries(f):
    r = "retry_decision"
    s7 = "SPEC §7 (retry)"
    for reason in ["runtime_offline", "runtime_recovery", "timeout", "codex_semantic_inactivity"]:
        f.ok(r, f"{reason} retries", s7, decision("retryable"), task=failed(reason))
    for reason in ["agent_error", "queued_expired", "iteration_limit", "api_invalid_request", "Timeout", ""]:
        f.ok(r, f"{reason or 'an empty reason'} does not retry", s7, decision("reason_not_retryable"),
             task=failed(reason))
    f.ok(r, "no failure reason does not retry", s7, decision("reason_not_retryable"), task=failed(None))
    f.ok(r, "attempt 2 of 2: exhausted", s7, decision("attempts_exhausted"), task=failed(attempt=2))
    f.ok(r, "attempt 3 of 2: exhausted", s7, decision("attempts_exhausted"), task=failed(attempt=3))
    f.ok(r, "attempt 2 of 3 retries", s7, decision("retryable"), task=failed(attempt=2, max_attempts=3))
    f.ok(r, "max_attempts 1: the first attempt is the last", s7, decision("attempts_exhausted"),
         task=failed(max_attempts=1))
    f.ok(r, "max_attempts 0 never retries", s7, decision("attempts_exhausted"), task=failed(max_attempts=0))
    no_max = {k: v for k, v in failed().items() if k != "max_attempts"}
    f.ok(r, "max_attempts defaults to 2: attempt 1 retries", s7, decision("retryable"), task=no_max)
    f.ok(r, "max_attempts defaults to 2: attempt 2 is exhausted", s7, decision("attempts_exhausted"),
         task={**no_max, "attempt": 2})
    no_attempt = {k: v for k, v in failed().items() if k != "attempt"}
    f.ok(r, "attempt defaults to 1: retries under the default max", s7, decision("retryable"),
         task={k: v for k, v in no_attempt.items() if k != "max_attempts"})
    f.ok(r, "attempt defaults to 1: exhausted under max_attempts 1", s7, decision("attempts_exhausted"),
         task={**no_attempt, "max_attempts": 1})
    f.ok(r, "attempts arrive as JavaScript numbers: 2.0 is 2", s7, decision("attempts_exhausted"),
         task=failed(attempt=2.0, max_attempts=2.0))
    f.ok(r, "an autopilot run does not retry", s7, decision("autopilot_run"), task=failed(autopilot_run_id=R1))
    f.ok(r, "an autopilot run without a link does not retry", s7, decision("autopilot_run"),
         task=failed(issue_id=None, autopilot_run_id=R1))
    f.ok(r, "a task without an issue or a chat session does not retry", s7, decision("no_link"),
         task=failed(issue_id=None))
    f.ok(r, "a chat task retries", s7, decision("retryable"), task=failed(issue_id=None, chat_session_id=C1))
    f.ok(r, "a completed task is not retried", s7, decision("not_failed"), task=failed(status="completed"))
    f.ok(r, "a cancelled task is not retried", s7, decision("not_failed"), task=failed(status="cancelled"))
    f.ok(r, "a running task is not retried, whatever its reason says", s7, decision("not_failed"),
         task=failed(status="running"))
    order = "SPEC §7; the first condition that fails is the reason"
    f.ok(r, "checked in order: the reason before the attempts", order, decision("reason_not_retryable"),
         task=failed("agent_error", attempt=2, autopilot_run_id=R1, issue_id=None))
    f.ok(r, "checked in order: the attempts before the autopilot run", order, decision("attempts_exhausted"),
         task=failed(attempt=2, autopilot_run_id=R1, issue_id=None))
    f.ok(r, "checked in order: the autopilot run before the link", order, decision("autopilot_run"),
         task=failed(autopilot_run_id=R1, issue_id=None))
    spec = "SPEC §8.1: task: status, failure_reason, attempt, max_attempts, autopilot_run_id, issue_id, chat_session_id"
    only = {"status": "failed", "failure_reason": "timeout", "attempt": 1, "max_attempts": 2,
            "autopilot_run_id": None, "issue_id": I1, "chat_session_id": None}
    f.ok(r, "exactly the fields SPEC §8.1 names: retries", spec, decision("retryable"), task=only)
    f.ok(r, "exactly the fields SPEC §8.1 names: a chat task", spec, decision("retryable"),
         task={**only, "issue_id": None, "chat_session_id": C1})
    f.ok(r, "exactly the fields SPEC §8.1 names: no link", spec, decision("no_link"),
         task={**only, "issue_id": None})
    f.ok(r, "only a status: not failed", spec, decision("not_failed"), task={"status": "queued"})
    f.ok(r, "only a status, failed: no reason, no retry", spec, decision("reason_not_retryable"),
         task={"status": "failed"})
    bad = "bad input"
    f.err(r, "no status", bad, "invalid_input", "task.status", task={"failure_reason": "timeout"})
    f.err(r, "an unknown status", bad, "invalid_input", "task.status", task=failed(status="errored"))
    f.err(r, "a negative attempt", bad, "invalid_count", "task.attempt", task=failed(attempt=-1))
    f.err(r, "a fractional max_attempts", bad, "invalid_count", "task.max_attempts", task=failed(max_attempts=1.5))
    f.err(r, "a failure reason is text", bad, "invalid_input", "task.failure_reason", task=failed(7))
    f.err(r, "a malformed autopilot run id", bad, "invalid_id", "task.autopilot_run_id",
          task=failed(autopilot_run_id="run-1"))

    ro = "retry_of"
    s7 = "SPEC §7 (retry: attempt + 1, parent_task_id, same session id and work dir)"
    parent = failed(priority=3, dispatched_at="2026-05-19T15:01:00Z", started_at="2026-05-19T15:02:00Z",
                    claim_token=TOKEN, claim_expires_at=None, session_id="sess-1", work_dir="/work/a1")

    def attempt(**fields):
        base = {"id": T(9), "agent_id": A1, "runtime_id": RT1, "issue_id": I1, "chat_session_id": None,
                "autopilot_run_id": None, "status": "queued", "priority": 0, "created_at": NOW,
                "dispatched_at": None, "started_at": None, "finished_at": None, "claim_token": None,
                "claim_expires_at": None, "attempt": 2, "max_attempts": 2, "parent_task_id": T(1),
                "failure_reason": None, "error": None, "session_id": None, "work_dir": None}
        base.update(fields)
        return base

    f.ok(ro, "a new queued attempt: attempt + 1, its parent, the same session and work dir", s7,
         attempt(priority=3, session_id="sess-1", work_dir="/work/a1"), parent=parent, id=T(9), now=NOW)
    f.ok(ro, "a parent with only the required fields: attempt 1 becomes 2, max_attempts 2", s7, attempt(
        runtime_id=None, issue_id=None),
         parent={"id": T(1), "agent_id": A1, "status": "failed", "created_at": "2026-05-19T15:00:00Z"},
         id=T(9), now=NOW)
    f.ok(ro, "a chat task keeps its chat session", s7,
         attempt(issue_id=None, chat_session_id=C1, session_id="sess-9"),
         parent=failed(issue_id=None, chat_session_id=C1, session_id="sess-9"), id=T(9), now=NOW)
    f.ok(ro, "max_attempts is kept", s7, attempt(attempt=4, max_attempts=5),
         parent=failed(attempt=3, max_attempts=5), id=T(9), now=NOW)
    f.ok(ro, "a retry of a retry points at its own parent", s7, attempt(attempt=3, max_attempts=3),
         parent=failed(attempt=2, max_attempts=3, parent_task_id=T(0)), id=T(9), now=NOW)
    f.ok(ro, "the runtime is the parent's", s7, attempt(runtime_id=RT2),
         parent=failed(runtime=RT2), id=T(9), now=NOW)
    f.ok(ro, "ids and instants are written canonically", s7, attempt(),
         parent=failed(), id=T(9).upper().replace("-", ""), now="2026-05-19T18:00:00+02:00")
    bad = "bad input"
    f.err(ro, "a malformed new id", bad, "invalid_id", "id", parent=parent, id="new", now=NOW)
    f.err(ro, "a parent needs its agent", bad, "invalid_input", "parent.agent_id",
          parent={k: v for k, v in parent.items() if k != "agent_id"}, id=T(9), now=NOW)
    f.err(ro, "a malformed now", bad, "invalid_instant", "now", parent=parent, id=T(9), now="today")


# ----------------------------------------------------------- session resume

def turn(n, status, session, finished_at=None, agent=A1, issue=I1, **extra):
    fields = {"issue_id": issue, "session_id": session, "work_dir": f"/work/{session}" if session else None}
    if finished_at is not None:
        fields["finished_at"] = finished_at
    fields.update(extra)
    return task(n, status, agent=agent, **fields)


def resumed(n, session, runtime=RT1, work_dir="default"):
    return {"session_id": session, "work_dir": f"/work/{session}" if work_dir == "default" else work_dir,
            "runtime_id": runtime, "task_id": T(n)}


def resume(f):
    s = "session_to_resume"
    s7 = "SPEC §7 (session resume)"

    def ok(name, expected, tasks, source=s7, agent=A1, issue=I1):
        f.ok(s, name, source, expected, tasks=tasks, agent_id=agent, issue_id=issue)

    ok("no tasks: nothing to resume", None, [])
    ok("a completed turn is resumed", resumed(1, "s1"), [turn(1, "completed", "s1", "2026-05-19T15:00:00Z")])
    ok("the newest usable session wins", resumed(2, "s2"),
       [turn(1, "completed", "s1", "2026-05-19T15:00:00Z"), turn(2, "completed", "s2", "2026-05-19T15:30:00Z")])
    ok("a cancelled turn is usable", resumed(1, "s1"), [turn(1, "cancelled", "s1", "2026-05-19T15:00:00Z")])
    ok("a turn that failed for an ordinary reason is usable", resumed(1, "s1"),
       [turn(1, "failed", "s1", "2026-05-19T15:00:00Z", failure_reason="agent_error", error="tool crashed")])
    ok("a turn that timed out is usable", resumed(1, "s1"),
       [turn(1, "failed", "s1", "2026-05-19T15:00:00Z", failure_reason="timeout", error="task timed out")])
    ok("a failed turn with no reason and no error is usable", resumed(1, "s1"),
       [turn(1, "failed", "s1", "2026-05-19T15:00:00Z")])
    for reason in ["iteration_limit", "agent_fallback_message", "api_invalid_request"]:
        ok(f"a turn that failed with {reason} is not resumed", None,
           [turn(1, "failed", "s1", "2026-05-19T15:00:00Z", failure_reason=reason)])
    ok("an error with 400 and invalid_request_error is not resumed", None,
       [turn(1, "failed", "s1", "2026-05-19T15:00:00Z", failure_reason="agent_error",
             error='API Error: 400 {"type":"error","error":{"type":"invalid_request_error"}}')])
    ok("400 and invalid_request_error in any case", None,
       [turn(1, "failed", "s1", "2026-05-19T15:00:00Z", failure_reason="agent_error",
             error="HTTP 400: INVALID_REQUEST_ERROR (image too large)")])
    ok("400 and invalid_request_error count even without a failure reason", None,
       [turn(1, "failed", "s1", "2026-05-19T15:00:00Z", error="status 400 invalid_request_error")])
    ok("400 alone is usable", resumed(1, "s1"),
       [turn(1, "failed", "s1", "2026-05-19T15:00:00Z", failure_reason="agent_error", error="HTTP 400 Bad Request")])
    ok("invalid_request_error alone is usable", resumed(1, "s1"),
       [turn(1, "failed", "s1", "2026-05-19T15:00:00Z", failure_reason="agent_error",
             error="invalid_request_error: retry later")])
    ok("the poison markers only poison a failed turn", resumed(1, "s1"),
       [turn(1, "completed", "s1", "2026-05-19T15:00:00Z", failure_reason="iteration_limit",
             error="400 invalid_request_error")])
    ok("a session whose newest turn is poisoned is not resumed, though an older turn completed", None,
       [turn(1, "completed", "s1", "2026-05-19T15:00:00Z"),
        turn(2, "failed", "s1", "2026-05-19T15:30:00Z", failure_reason="iteration_limit")],
       "SPEC §7 (per session: filtering row by row resurrects a poisoned session)")
    ok("the resumed-poisoned session is passed over for another usable session", resumed(3, "s2"),
       [turn(1, "completed", "s1", "2026-05-19T15:00:00Z"),
        turn(2, "failed", "s1", "2026-05-19T15:30:00Z", failure_reason="api_invalid_request"),
        turn(3, "completed", "s2", "2026-05-19T14:00:00Z")],
       "SPEC §7 (per session: filtering row by row resurrects a poisoned session)")
    ok("a session poisoned by its error text is passed over", resumed(3, "s2"),
       [turn(3, "completed", "s2", "2026-05-19T14:00:00Z"),
        turn(1, "completed", "s1", "2026-05-19T15:00:00Z"),
        turn(2, "failed", "s1", "2026-05-19T15:30:00Z", failure_reason="agent_error",
             error="400 Invalid_Request_Error")],
       "SPEC §7 (per session)")
    ok("a poisoned older turn does not end a session whose newest turn is fine", resumed(2, "s1"),
       [turn(1, "failed", "s1", "2026-05-19T15:00:00Z", failure_reason="iteration_limit"),
        turn(2, "completed", "s1", "2026-05-19T15:30:00Z")],
       "SPEC §7 (the newest terminal row per session decides)")
    ok("running and unfinished tasks are ignored", resumed(1, "s1"),
       [turn(1, "completed", "s1", "2026-05-19T15:00:00Z"),
        turn(2, "running", "s2", started_at="2026-05-19T15:50:00Z"),
        turn(3, "dispatched", "s3", dispatched_at="2026-05-19T15:55:00Z"),
        turn(4, "queued", "s4", created_at="2026-05-19T15:58:00Z"),
        turn(5, "waiting_local_directory", "s5", created_at="2026-05-19T15:57:00Z")])
    ok("a running turn does not end its session's resume", resumed(1, "s1"),
       [turn(1, "completed", "s1", "2026-05-19T15:00:00Z"),
        turn(2, "running", "s1", started_at="2026-05-19T15:50:00Z")])
    ok("finished rows without a session are ignored", resumed(2, "s1"),
       [turn(1, "completed", None, "2026-05-19T15:30:00Z"), turn(2, "completed", "s1", "2026-05-19T15:00:00Z")])
    ok("other agents' and other issues' tasks are ignored", resumed(3, "s1"),
       [turn(1, "completed", "s8", "2026-05-19T15:50:00Z", agent=A2),
        turn(2, "completed", "s9", "2026-05-19T15:40:00Z", issue=I2),
        turn(4, "completed", "s7", "2026-05-19T15:45:00Z", issue=None, chat_session_id=C1),
        turn(3, "completed", "s1", "2026-05-19T15:00:00Z")])
    ok("another agent's poisoned turn in the same session does not poison it", resumed(1, "s1"),
       [turn(1, "completed", "s1", "2026-05-19T15:00:00Z"),
        turn(2, "failed", "s1", "2026-05-19T15:30:00Z", agent=A2, failure_reason="iteration_limit")])
    ok("agent and issue ids compare as UUIDs", resumed(1, "s1"),
       [turn(1, "completed", "s1", "2026-05-19T15:00:00Z")],
       agent=A1.upper(), issue=I1.replace("-", ""))
    ok("newest by finished_at, not by created_at", resumed(1, "s1"),
       [turn(1, "completed", "s1", "2026-05-19T15:50:00Z", created_at="2026-05-19T14:00:00Z"),
        turn(2, "completed", "s2", "2026-05-19T15:40:00Z", created_at="2026-05-19T15:30:00Z")])
    ok("without finished_at, started_at decides", resumed(1, "s1"),
       [turn(1, "cancelled", "s1", started_at="2026-05-19T15:45:00Z", created_at="2026-05-19T14:00:00Z"),
        turn(2, "completed", "s2", "2026-05-19T15:40:00Z")],
       "SPEC §7; newest as the seed orders it: finished, else started, else dispatched, else created")
    ok("without finished_at and started_at, dispatched_at decides", resumed(1, "s1"),
       [turn(1, "cancelled", "s1", dispatched_at="2026-05-19T15:45:00Z", created_at="2026-05-19T14:00:00Z"),
        turn(2, "completed", "s2", "2026-05-19T15:40:00Z")],
       "SPEC §7; newest as the seed orders it: finished, else started, else dispatched, else created")
    ok("a row with only created_at is as new as its creation", resumed(2, "s2"),
       [turn(1, "cancelled", "s1", created_at="2026-05-19T15:30:00Z"),
        turn(2, "completed", "s2", "2026-05-19T15:40:00Z")],
       "SPEC §7; newest as the seed orders it: finished, else started, else dispatched, else created")
    ok("the newest row of a session is found by time, not by list order", None,
       [turn(2, "failed", "s1", "2026-05-19T15:30:00Z", failure_reason="agent_fallback_message"),
        turn(1, "completed", "s1", "2026-05-19T15:00:00Z")])
    ok("work_dir and runtime come from the deciding row", resumed(2, "s1", runtime=RT2, work_dir="/b"),
       [turn(1, "completed", "s1", "2026-05-19T15:00:00Z", work_dir="/a"),
        turn(2, "completed", "s1", "2026-05-19T15:30:00Z", work_dir="/b", runtime=RT2)])
    ok("an unknown work_dir and a detached runtime are null", resumed(1, "s1", runtime=None, work_dir=None),
       [turn(1, "completed", "s1", "2026-05-19T15:00:00Z", work_dir=None, runtime=None)])
    ok("session ids are compared as text, exactly", resumed(2, "S1"),
       [turn(1, "failed", "s1", "2026-05-19T15:30:00Z", failure_reason="iteration_limit"),
        turn(2, "completed", "S1", "2026-05-19T15:00:00Z")])
    bad = "bad input"
    f.err(s, "tasks must be a list", bad, "invalid_input", "tasks",
          tasks=turn(1, "completed", "s1"), agent_id=A1, issue_id=I1)
    f.err(s, "an unknown status names its index", bad, "invalid_input", "tasks[1].status",
          tasks=[turn(1, "completed", "s1"), turn(2, "finished", "s1")], agent_id=A1, issue_id=I1)
    f.err(s, "a session id is text", bad, "invalid_input", "tasks[0].session_id",
          tasks=[turn(1, "completed", 42)], agent_id=A1, issue_id=I1)
    f.err(s, "a malformed agent id", bad, "invalid_id", "agent_id", tasks=[], agent_id="agent-1", issue_id=I1)
    f.err(s, "an issue is required", bad, "invalid_input", "issue_id", tasks=[], agent_id=A1, issue_id=None)


# ------------------------------------------------------------- the sweeper

def sweeper(f):
    cu = "cutoffs"
    s7 = "SPEC §7 (stale 150 s, collection 7 days, dispatched 300 s, running 9000 s, queued 7200 s)"
    f.ok(cu, "the cutoffs at now", s7,
         {"stale_before": "2026-05-19T15:57:30Z", "collect_before": "2026-05-12T16:00:00Z",
          "dispatched_before": "2026-05-19T15:55:00Z", "running_before": "2026-05-19T13:30:00Z",
          "queued_before": "2026-05-19T14:00:00Z"}, now=NOW)
    f.ok(cu, "the cutoffs keep the nanoseconds of now", s7,
         {"stale_before": "2026-05-19T15:57:30.000000001Z", "collect_before": "2026-05-12T16:00:00.000000001Z",
          "dispatched_before": "2026-05-19T15:55:00.000000001Z", "running_before": "2026-05-19T13:30:00.000000001Z",
          "queued_before": "2026-05-19T14:00:00.000000001Z"}, now="2026-05-19T16:00:00.000000001Z")
    f.ok(cu, "an offset in now is the same instant", s7,
         {"stale_before": "2026-05-19T15:57:30Z", "collect_before": "2026-05-12T16:00:00Z",
          "dispatched_before": "2026-05-19T15:55:00Z", "running_before": "2026-05-19T13:30:00Z",
          "queued_before": "2026-05-19T14:00:00Z"}, now="2026-05-19T11:00:00-05:00")
    f.ok(cu, "across a month boundary", s7,
         {"stale_before": "2026-02-28T23:59:00Z", "collect_before": "2026-02-22T00:01:30Z",
          "dispatched_before": "2026-02-28T23:56:30Z", "running_before": "2026-02-28T21:31:30Z",
          "queued_before": "2026-02-28T22:01:30Z"}, now="2026-03-01T00:01:30Z")
    f.ok(cu, "cutoffs before year 1 stop at its first instant", "SPEC §7; instants start in year 0001",
         {"stale_before": "0001-01-01T00:57:30Z", "collect_before": "0001-01-01T00:00:00Z",
          "dispatched_before": "0001-01-01T00:55:00Z", "running_before": "0001-01-01T00:00:00Z",
          "queued_before": "0001-01-01T00:00:00Z"}, now="0001-01-01T01:00:00Z")
    f.err(cu, "a malformed now", "bad input", "invalid_instant", "now", now="2026-05-19")
    f.err(cu, "now is required", "bad input", "invalid_input", "now", now=None)

    hb = "heartbeat"
    s7 = "SPEC §7 (heartbeat)"
    f.ok(hb, "an online runtime: touch last_seen_at only", s7, "touch",
         runtime={"status": "online", "last_seen_at": "2026-05-19T15:59:45Z"})
    f.ok(hb, "an offline runtime comes online", s7, "come_online",
         runtime={"status": "offline", "last_seen_at": "2026-05-19T15:50:00Z"})
    f.ok(hb, "a runtime flipped offline a moment ago comes online, not touched", s7, "come_online",
         runtime={"status": "offline", "last_seen_at": "2026-05-19T15:57:29Z"})
    f.ok(hb, "online and never seen: touch", s7, "touch", runtime={"status": "online"})
    f.ok(hb, "offline and never seen: come online", s7, "come_online", runtime={"status": "offline", "last_seen_at": None})
    f.ok(hb, "status is case-sensitive: ONLINE is not online", s7, "come_online", runtime={"status": "ONLINE"})
    f.ok(hb, "a runtime record passes as it is", s7, "touch",
         runtime={"id": RT1, "workspace_id": uid("workspace", 1), "name": "laptop", "status": "online",
                  "last_seen_at": NOW, "bound_agent_count": 2, "daemon_id": "laptop.local", "provider": "claude"})
    f.err(hb, "a runtime needs its status", "bad input", "invalid_input", "runtime.status",
          runtime={"last_seen_at": NOW})
    f.err(hb, "status is text", "bad input", "invalid_input", "runtime.status", runtime={"status": True})

    st = "is_stale"
    s7 = "SPEC §7 (stale after 150 s)"
    online = lambda seen: {"status": "online", "last_seen_at": seen}
    f.ok(st, "seen 15 s ago: fresh", s7, False, runtime=online("2026-05-19T15:59:45Z"), now=NOW)
    f.ok(st, "seen exactly 150 s ago: not yet stale", s7, False, runtime=online("2026-05-19T15:57:30Z"), now=NOW)
    f.ok(st, "seen 150 s and 1 ns ago: stale", s7, True, runtime=online("2026-05-19T15:57:29.999999999Z"), now=NOW)
    f.ok(st, "the edge moves with the nanoseconds of now", s7, False,
         runtime=online("2026-05-19T15:57:30.5Z"), now="2026-05-19T16:00:00.5Z")
    f.ok(st, "one nanosecond past the edge with a fractional now", s7, True,
         runtime=online("2026-05-19T15:57:30.499999999Z"), now="2026-05-19T16:00:00.5Z")
    f.ok(st, "seen an hour ago: stale", s7, True, runtime=online("2026-05-19T15:00:00Z"), now=NOW)
    f.ok(st, "a heartbeat in the future is fresh", s7, False, runtime=online("2026-05-19T16:05:00Z"), now=NOW)
    f.ok(st, "online and never seen: stale (nothing proves it alive)", s7, True, runtime={"status": "online"}, now=NOW)
    f.ok(st, "an offline runtime is not stale: the sweeper already flipped it", s7, False,
         runtime={"status": "offline", "last_seen_at": "2026-05-19T15:00:00Z"}, now=NOW)
    f.ok(st, "status is case-sensitive: ONLINE is not online", s7, False,
         runtime={"status": "ONLINE", "last_seen_at": "2026-05-19T15:00:00Z"}, now=NOW)
    f.err(st, "a malformed last_seen_at", "bad input", "invalid_instant", "runtime.last_seen_at",
          runtime=online("yesterday"), now=NOW)
    f.err(st, "a malformed now", "bad input", "invalid_instant", "now", runtime=online(NOW), now="")

    sw = "sweep_reason"
    s7 = "SPEC §7 (the sweeper: dispatched 300 s, running 9000 s, queued 7200 s)"
    f.ok(sw, "dispatched exactly 300 s ago: not yet", s7, None,
         task=task(1, "dispatched", dispatched_at="2026-05-19T15:55:00Z"), now=NOW)
    f.ok(sw, "dispatched 300 s and 1 ns ago: timeout", s7, "timeout",
         task=task(1, "dispatched", dispatched_at="2026-05-19T15:54:59.999999999Z"), now=NOW)
    f.ok(sw, "running exactly 9000 s: not yet", s7, None,
         task=task(1, "running", created_at="2026-05-19T13:00:00Z", started_at="2026-05-19T13:30:00Z"), now=NOW)
    f.ok(sw, "running 9000 s and 1 ns: timeout", s7, "timeout",
         task=task(1, "running", created_at="2026-05-19T13:00:00Z", started_at="2026-05-19T13:29:59.999999999Z"),
         now=NOW)
    f.ok(sw, "queued exactly 7200 s: not yet", s7, None,
         task=task(1, "queued", created_at="2026-05-19T14:00:00Z"), now=NOW)
    f.ok(sw, "queued 7200 s and 1 ns: queued_expired", s7, "queued_expired",
         task=task(1, "queued", created_at="2026-05-19T13:59:59.999999999Z"), now=NOW)
    f.ok(sw, "the edges move with the nanoseconds of now", s7, None,
         task=task(1, "queued", created_at="2026-05-19T14:00:00.75Z"), now="2026-05-19T16:00:00.75Z")
    f.ok(sw, "a dispatched task's age runs from dispatched_at, not created_at", s7, None,
         task=task(1, "dispatched", created_at="2026-05-19T10:00:00Z", dispatched_at="2026-05-19T15:59:00Z"), now=NOW)
    f.ok(sw, "a running task's age runs from started_at, not created_at or dispatched_at", s7, None,
         task=task(1, "running", created_at="2026-05-19T10:00:00Z", dispatched_at="2026-05-19T10:01:00Z",
                   started_at="2026-05-19T15:00:00Z"), now=NOW)
    f.ok(sw, "running 301 s is fine: the 300 s limit is for dispatched tasks", s7, None,
         task=task(1, "running", dispatched_at="2026-05-19T15:54:00Z", started_at="2026-05-19T15:54:59Z"), now=NOW)
    f.ok(sw, "an expired lease is not the sweeper's business before 300 s", s7, None,
         task=task(1, "dispatched", dispatched_at="2026-05-19T15:58:00Z", claim_token=TOKEN,
                   claim_expires_at="2026-05-19T15:59:00Z"), now=NOW)
    f.ok(sw, "dispatched without dispatched_at never times out", s7, None,
         task=task(1, "dispatched", created_at="2026-05-18T00:00:00Z"), now=NOW)
    f.ok(sw, "running without started_at never times out", s7, None,
         task=task(1, "running", created_at="2026-05-18T00:00:00Z", dispatched_at="2026-05-18T00:00:01Z"), now=NOW)
    f.ok(sw, "waiting for its local directory: no timeout", s7, None,
         task=task(1, "waiting_local_directory", created_at="2026-05-18T00:00:00Z",
                   dispatched_at="2026-05-18T00:00:01Z"), now=NOW)
    for status in ["completed", "failed", "cancelled"]:
        f.ok(sw, f"a {status} task is left alone", s7, None,
             task=task(1, status, created_at="2026-05-01T00:00:00Z", dispatched_at="2026-05-01T00:00:01Z",
                       started_at="2026-05-01T00:00:02Z"), now=NOW)
    f.err(sw, "a malformed dispatched_at", "bad input", "invalid_instant", "task.dispatched_at",
          task=task(1, "dispatched", dispatched_at="2026-05-19T15:55"), now=NOW)
    f.err(sw, "a malformed now", "bad input", "invalid_instant", "now", task=task(1), now="16:00")

    co = "is_collectable"
    s7 = "SPEC §7 (collected after 7 days offline with no bound agent and no unfinished task)"
    off = lambda seen, **extra: {"status": "offline", "last_seen_at": seen, **extra}
    f.ok(co, "offline 8 days, nothing kept: collected", s7, True, runtime=off("2026-05-11T16:00:00Z"),
         unfinished_tasks=0, now=NOW)
    f.ok(co, "offline exactly 7 days: kept", s7, False, runtime=off("2026-05-12T16:00:00Z"),
         unfinished_tasks=0, now=NOW)
    f.ok(co, "offline 7 days and 1 ns: collected", s7, True, runtime=off("2026-05-12T15:59:59.999999999Z"),
         unfinished_tasks=0, now=NOW)
    f.ok(co, "offline 6 days (about to be collected): kept", s7, False, runtime=off("2026-05-13T15:00:00Z"),
         unfinished_tasks=0, now=NOW)
    f.ok(co, "a bound agent keeps it", s7, False, runtime=off("2026-05-01T00:00:00Z", bound_agent_count=1),
         unfinished_tasks=0, now=NOW)
    f.ok(co, "bound_agent_count 0: collected", s7, True, runtime=off("2026-05-01T00:00:00Z", bound_agent_count=0),
         unfinished_tasks=0, now=NOW)
    f.ok(co, "bound_agent_count null counts as none", s7, True,
         runtime=off("2026-05-01T00:00:00Z", bound_agent_count=None), unfinished_tasks=0, now=NOW)
    f.ok(co, "an unfinished task keeps it", s7, False, runtime=off("2026-05-01T00:00:00Z", bound_agent_count=0),
         unfinished_tasks=1, now=NOW)
    f.ok(co, "never seen: kept", s7, False, runtime=off(None, bound_agent_count=0), unfinished_tasks=0, now=NOW)
    f.ok(co, "absent last_seen_at: kept", s7, False, runtime={"status": "offline"}, unfinished_tasks=0, now=NOW)
    f.ok(co, "an online runtime is never collected", s7, False,
         runtime={"status": "online", "last_seen_at": "2026-05-01T00:00:00Z"}, unfinished_tasks=0, now=NOW)
    f.ok(co, "the count arrives as a JavaScript number: 0.0 is 0", s7, True,
         runtime=off("2026-05-01T00:00:00Z"), unfinished_tasks=0.0, now=NOW)
    f.err(co, "a negative unfinished task count", "bad input", "invalid_count", "unfinished_tasks",
          runtime=off("2026-05-01T00:00:00Z"), unfinished_tasks=-1, now=NOW)
    f.err(co, "a fractional unfinished task count", "bad input", "invalid_count", "unfinished_tasks",
          runtime=off("2026-05-01T00:00:00Z"), unfinished_tasks=0.5, now=NOW)
    f.err(co, "a negative bound_agent_count", "bad input", "invalid_count", "runtime.bound_agent_count",
          runtime=off("2026-05-01T00:00:00Z", bound_agent_count=-1), unfinished_tasks=0, now=NOW)
    f.err(co, "a malformed now", "bad input", "invalid_instant", "now",
          runtime=off("2026-05-01T00:00:00Z"), unfinished_tasks=0, now="2026-05-19T16:00:00+25:00")


# -------------------------------------------------------- legacy daemon ids

def legacy(f):
    lg = "legacy_daemon_ids"
    s7 = "SPEC §7 (legacy daemon ids)"

    def ok(name, expected, hostname, profile="absent"):
        if profile == "absent":
            f.ok(lg, name, s7, expected, hostname=hostname)
        else:
            f.ok(lg, name, s7, expected, hostname=hostname, profile=profile)

    ok("a bare hostname: it and its .local form", ["foo", "foo.local"], "foo")
    ok("a .local hostname: the bare form first, the hostname once (dedupe)", ["foo", "foo.local"], "foo.local")
    ok(".local in any case is stripped; the bare form keeps its case", ["Foo", "Foo.local"], "Foo.LOCAL")
    ok("the hostname's case is kept", ["Jiayuans-MacBook-Pro", "Jiayuans-MacBook-Pro.local"],
       "Jiayuans-MacBook-Pro")
    ok("only one trailing .local is stripped", ["foo.local", "foo.local.local"], "foo.local.local")
    ok("a .local inside the name is not a suffix", ["foo.local.lan", "foo.local.lan.local"], "foo.local.lan")
    ok("ending in local without the dot is not .local", ["mylocal", "mylocal.local"], "mylocal")
    ok("the hostname is trimmed", ["foo", "foo.local"], "  foo.local \n")
    ok("a profile adds the -profile forms", ["foo", "foo.local", "foo-work", "foo.local-work"], "foo", "work")
    ok("a .local hostname with a profile", ["foo", "foo.local", "foo-work", "foo.local-work"], "foo.local", "work")
    ok("the profile is trimmed", ["foo", "foo.local", "foo-work", "foo.local-work"], "foo", " work\t")
    ok("the profile keeps its case", ["foo", "foo.local", "foo-Work", "foo.local-Work"], "foo", "Work")
    ok("a null profile is none", ["foo", "foo.local"], "foo", None)
    ok("an empty profile is none", ["foo", "foo.local"], "foo", "")
    ok("a blank profile is none", ["foo", "foo.local"], "foo", "   ")
    ok("a blank hostname: no candidates", [], "   ", "work")
    ok("an empty hostname: no candidates", [], "")
    ok(".local alone: no candidates", [], ".local")
    ok("non-ASCII hostnames", ["Küche", "Küche.local", "Küche-dev", "Küche.local-dev"], "Küche.local", "dev")
    bad = "bad input"
    f.err(lg, "a hostname is required", bad, "invalid_input", "hostname", hostname=None)
    f.err(lg, "a hostname is text", bad, "invalid_input", "hostname", hostname=7)
    f.err(lg, "a profile is text", bad, "invalid_input", "profile", hostname="foo", profile=["work"])
