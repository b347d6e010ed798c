"""§7 liveness: a runtime's health and an agent's presence."""
from common import VectorFile, agent_id, uid

NOW = "2026-05-19T16:00:00Z"
RUNTIME = uid("runtime", 1)
A1, A2 = agent_id(1), agent_id(2)


def runtime(status="offline", last_seen_at=NOW, **extra):
    return {"status": status, "last_seen_at": last_seen_at, **extra}


def agent(runtime_id=RUNTIME, archived_at=None, **extra):
    return {"id": A1, "runtime_id": runtime_id, "archived_at": archived_at, **extra}


def task(status, agent=A1):
    return {"agent_id": agent, "status": status}


def presence(availability, workload="idle", running=0, queued=0, capacity=None):
    return {"availability": availability, "workload": workload,
            "running_count": running, "queued_count": queued, "capacity": capacity}


def liveness():
    f = VectorFile("liveness.json", "SPEC §7: a runtime's health and an agent's presence")
    f.rule("runtime_health", "runtimeHealth", ["runtime", "now"])
    f.rule("agent_presence", "agentPresence", ["agent", "runtime", "tasks", "now"])
    s7 = "SPEC §7"

    h = "runtime_health"
    f.ok(h, "online", s7, "online", runtime=runtime("online", "2026-05-19T15:59:50Z"), now=NOW)
    f.ok(h, "online whatever its heartbeat says", s7, "online",
         runtime=runtime("online", "2026-05-01T00:00:00Z"), now=NOW)
    f.ok(h, "online and never seen", s7, "online", runtime=runtime("online", None), now=NOW)
    f.ok(h, "recently lost at 4 min 59 s", s7, "recently_lost",
         runtime=runtime(last_seen_at="2026-05-19T15:55:01Z"), now=NOW)
    f.ok(h, "recently lost a millisecond before 5 min", s7, "recently_lost",
         runtime=runtime(last_seen_at="2026-05-19T15:55:00.001Z"), now=NOW)
    f.ok(h, "exactly 5 min is offline", s7, "offline",
         runtime=runtime(last_seen_at="2026-05-19T15:55:00Z"), now=NOW)
    f.ok(h, "a heartbeat in the future is recently lost", s7, "recently_lost",
         runtime=runtime(last_seen_at="2026-05-19T16:10:00Z"), now=NOW)
    f.ok(h, "an offset in last_seen_at is the same instant", s7, "recently_lost",
         runtime=runtime(last_seen_at="2026-05-19T17:58:00+02:00"), now=NOW)
    f.ok(h, "offline for an hour", s7, "offline",
         runtime=runtime(last_seen_at="2026-05-19T15:00:00Z"), now=NOW)
    f.ok(h, "exactly 6 days is offline", s7, "offline",
         runtime=runtime(last_seen_at="2026-05-13T16:00:00Z"), now=NOW)
    f.ok(h, "6 days and 1 s is about to be collected", s7, "about_to_gc",
         runtime=runtime(last_seen_at="2026-05-13T15:59:59Z"), now=NOW)
    f.ok(h, "about_to_gc with bound_agent_count 0", s7, "about_to_gc",
         runtime=runtime(last_seen_at="2026-05-01T00:00:00Z", bound_agent_count=0), now=NOW)
    f.ok(h, "about_to_gc with bound_agent_count null", s7, "about_to_gc",
         runtime=runtime(last_seen_at="2026-05-01T00:00:00Z", bound_agent_count=None), now=NOW)
    f.ok(h, "a bound agent keeps it from about_to_gc", s7, "offline",
         runtime=runtime(last_seen_at="2026-05-13T15:59:59Z", bound_agent_count=1), now=NOW)
    f.ok(h, "null last_seen_at is offline", s7, "offline", runtime=runtime(last_seen_at=None), now=NOW)
    f.ok(h, "absent last_seen_at is offline", s7, "offline", runtime={"status": "offline"}, now=NOW)
    f.ok(h, "null last_seen_at is offline, not about_to_gc, with no agent bound", s7, "offline",
         runtime=runtime(last_seen_at=None, bound_agent_count=0), now=NOW)
    f.ok(h, "status is case-sensitive: ONLINE is offline", s7, "offline",
         runtime=runtime("ONLINE", "2026-05-19T15:00:00Z"), now=NOW)
    f.ok(h, "a runtime record passes as it is", s7, "recently_lost",
         runtime=runtime(last_seen_at="2026-05-19T15:58:00Z", id=RUNTIME, workspace_id=uid("workspace", 1),
                         name="laptop", owner_id=None, visibility="private", provider="claude"), now=NOW)
    f.err(h, "a runtime needs its status", "bad input", "invalid_input", "runtime.status",
          runtime={"last_seen_at": NOW}, now=NOW)
    f.err(h, "a malformed last_seen_at", "bad input", "invalid_instant", "runtime.last_seen_at",
          runtime=runtime(last_seen_at="2026-05-19 16:00"), now=NOW)
    f.err(h, "a negative bound_agent_count", "bad input", "invalid_count", "runtime.bound_agent_count",
          runtime=runtime(bound_agent_count=-1), now=NOW)
    f.err(h, "a malformed now", "bad input", "invalid_instant", "now", runtime=runtime(), now="now")

    p = "agent_presence"
    online = runtime("online", "2026-05-19T15:59:50Z")
    f.ok(p, "archived with tasks is still idle, counts 0", s7, presence("archived", capacity=2),
         agent=agent(archived_at="2026-05-10T00:00:00Z", max_concurrent_tasks=2), runtime=online,
         tasks=[task("running"), task("queued")], now=NOW)
    f.ok(p, "archived and unbound is archived", s7, presence("archived"),
         agent=agent(runtime_id=None, archived_at="2026-05-10T00:00:00Z"), runtime=None, tasks=[], now=NOW)
    f.ok(p, "unbound", s7, presence("unbound"), agent=agent(runtime_id=None), runtime=None, tasks=[], now=NOW)
    f.ok(p, "unbound ignores a runtime passed anyway", s7, presence("unbound"),
         agent=agent(runtime_id=None), runtime=online, tasks=[], now=NOW)
    f.ok(p, "absent runtime_id is unbound", s7, presence("unbound"),
         agent={"id": A1}, runtime=None, tasks=[], now=NOW)
    f.ok(p, "unbound still shows its queued work", s7, presence("unbound", "queued", queued=1),
         agent=agent(runtime_id=None), runtime=None, tasks=[task("queued")], now=NOW)
    f.ok(p, "bound to a missing runtime is offline", s7, presence("offline"),
         agent=agent(), runtime=None, tasks=[], now=NOW)
    f.ok(p, "online and idle", s7, presence("online"), agent=agent(), runtime=online, tasks=[], now=NOW)
    f.ok(p, "online and working", s7, presence("online", "working", running=1, queued=1),
         agent=agent(), runtime=online, tasks=[task("queued"), task("running")], now=NOW)
    f.ok(p, "online and queued: dispatched counts as queued", s7, presence("online", "queued", queued=2),
         agent=agent(), runtime=online, tasks=[task("queued"), task("dispatched")], now=NOW)
    f.ok(p, "waiting for its local directory counts as queued", s7, presence("online", "queued", queued=1),
         agent=agent(), runtime=online, tasks=[task("waiting_local_directory")], now=NOW)
    f.ok(p, "finished tasks count for nothing", s7, presence("online"),
         agent=agent(), runtime=online,
         tasks=[task("completed"), task("failed"), task("cancelled")], now=NOW)
    f.ok(p, "unstable: its runtime went offline 2 min ago", s7, presence("unstable", "working", running=1),
         agent=agent(), runtime=runtime(last_seen_at="2026-05-19T15:58:00Z"), tasks=[task("running")], now=NOW)
    f.ok(p, "offline runtime", s7, presence("offline", "queued", queued=1),
         agent=agent(), runtime=runtime(last_seen_at="2026-05-19T15:00:00Z"), tasks=[task("dispatched")], now=NOW)
    f.ok(p, "exactly 5 min offline is offline, not unstable", s7, presence("offline"),
         agent=agent(), runtime=runtime(last_seen_at="2026-05-19T15:55:00Z"), tasks=[], now=NOW)
    f.ok(p, "a runtime about to be collected is offline", s7, presence("offline"),
         agent=agent(), runtime=runtime(last_seen_at="2026-05-01T00:00:00Z"), tasks=[], now=NOW)
    f.ok(p, "a runtime never seen is offline", s7, presence("offline"),
         agent=agent(), runtime=runtime(last_seen_at=None), tasks=[], now=NOW)
    f.ok(p, "other agents' tasks are ignored", s7, presence("online", "queued", queued=1),
         agent=agent(), runtime=online,
         tasks=[task("running", A2), task("queued"), task("dispatched", A2)], now=NOW)
    f.ok(p, "ids compare as UUIDs, not as text", s7, presence("online", "working", running=1),
         agent=agent(), runtime=online, tasks=[task("running", A1.upper().replace("-", ""))], now=NOW)
    f.ok(p, "capacity is max_concurrent_tasks", s7, presence("online", "working", running=2, capacity=4),
         agent=agent(max_concurrent_tasks=4), runtime=online, tasks=[task("running"), task("running")], now=NOW)
    f.ok(p, "capacity is null when max_concurrent_tasks is null", s7, presence("online"),
         agent=agent(max_concurrent_tasks=None), runtime=online, tasks=[], now=NOW)
    f.ok(p, "records pass as they are", s7, presence("online", "working", running=1, capacity=1),
         agent=agent(name="reviewer", owner_id=None, visibility="workspace", status="working",
                     max_concurrent_tasks=1),
         runtime=runtime("online", "2026-05-19T15:59:50Z", id=RUNTIME, name="laptop", bound_agent_count=3),
         tasks=[{"id": uid("task", 1), "agent_id": A1, "runtime_id": RUNTIME, "status": "running",
                 "priority": 2, "created_at": "2026-05-19T15:00:00Z"}], now=NOW)
    f.err(p, "an agent needs its id", "bad input", "invalid_input", "agent.id",
          agent={"runtime_id": RUNTIME}, runtime=online, tasks=[], now=NOW)
    f.err(p, "a negative max_concurrent_tasks", "bad input", "invalid_count", "agent.max_concurrent_tasks",
          agent=agent(max_concurrent_tasks=-1), runtime=online, tasks=[], now=NOW)
    f.err(p, "a runtime needs its status", "bad input", "invalid_input", "runtime.status",
          agent=agent(), runtime={"last_seen_at": NOW}, tasks=[], now=NOW)
    f.err(p, "a malformed task agent_id names its index", "bad input", "invalid_id", "tasks[1].agent_id",
          agent=agent(), runtime=online, tasks=[task("queued"), task("queued", "agent-2")], now=NOW)
    f.err(p, "tasks must be a list", "bad input", "invalid_input", "tasks",
          agent=agent(), runtime=online, tasks=task("queued"), now=NOW)
    f.err(p, "a malformed now", "bad input", "invalid_instant", "now",
          agent=agent(), runtime=online, tasks=[], now="2026-05-19")
    return f
