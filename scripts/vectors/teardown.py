"""§3 teardown: plan_teardown and snapshot_for_viewer.

Each case says by hand which ids land in which effect; `plan()` renders the
steps, events and response from those effects in the order SPEC §3.4 fixes.
"""
import copy
from common import VectorFile, uid, user, agent_id

WS, RT, OTHER_RT = uid("workspace", 1), uid("runtime", 1), uid("runtime", 2)
OWNER, ALICE, BOB = user(1), user(2), user(3)
A = agent_id
S = lambda n: uid("squad", n)
P = lambda n: uid("autopilot", n)
T = lambda n: uid("task", n)
ARCHIVED_AT = "2026-05-01T10:00:00Z"


def runtime(owner=OWNER, **kw):
    return {"id": RT, "workspace_id": WS, "name": "laptop", "owner_id": owner, "visibility": "private",
            "status": "offline", "last_seen_at": "2026-05-18T09:00:00Z", **kw}


def agent(n, archived=False, owner=OWNER, visibility="workspace", **kw):
    return {"id": A(n), "name": f"agent-{n}", "owner_id": owner, "visibility": visibility,
            "archived_at": ARCHIVED_AT if archived else None, "status": "idle", "model": "claude-sonnet-4-6", **kw}


def squad(n, leader, archived=False):
    return {"id": S(n), "name": f"squad-{n}", "leader_id": A(leader), "archived_at": ARCHIVED_AT if archived else None}


def autopilot(n, kind, target, status="active"):
    return {"id": P(n), "name": f"nightly-{n}", "status": status, "assignee_type": kind,
            "assignee_id": A(target) if kind == "agent" else S(target)}


def task(n, agent, runtime=RT, status="queued"):
    return {"id": T(n), "agent_id": A(agent), "runtime_id": runtime, "status": status}


def snapshot(agents=(), squads=(), autopilots=(), tasks=(), history=(0, 0), **rt):
    return {"runtime": runtime(**rt), "agents": list(agents), "squads": list(squads),
            "autopilots": list(autopilots), "tasks": list(tasks),
            "history": {"finished_tasks": history[0], "chat_sessions": history[1]}}


def actor(u=OWNER, role="member"):
    return {"user_id": u, "role": role}


def request(mode="strict", policy="archive", expected=None, with_expected=True):
    r = {"mode": mode, "policy": policy}
    if mode == "confirmed" and with_expected:
        r["expected_active_agent_ids"] = expected if expected is not None else []
    return r


def inp(snap, req=None, who=None):
    return {"actor": who or actor(), "request": req or request(), "snapshot": snap}


def plan(policy, mode, confirmed=(), archive=(), unbind=(), delete=(), squads=(), pause=(), cancel=(),
         history=(0, 0), cancels_on_runtime=False):
    """`cancels_on_runtime`: some cancelled task is queued on this runtime, so
    under unbind its row must be detached before the runtime is deleted."""
    ids = lambda xs: sorted(xs)
    h = {"finished_tasks": history[0], "chat_sessions": history[1]}
    zero = {"finished_tasks": 0, "chat_sessions": 0}
    effects = {
        "archive_agents": ids(archive), "unbind_agents": ids(unbind), "delete_agents": ids(delete),
        "delete_squads": ids(squads), "pause_autopilots": ids(pause), "cancel_tasks": ids(cancel),
        "history_deleted": h if policy == "archive" else zero,
        "history_detached": h if policy == "unbind" else zero,
        "delete_runtime": True,
    }
    steps = [{"op": "lock_runtime", "ids": [RT]}]

    def then(op, xs, **extra):
        if xs:
            steps.append({"op": op, "ids": xs, **extra})

    if policy == "archive":
        then("archive_agents", effects["archive_agents"])
        then("cancel_tasks", effects["cancel_tasks"])
        then("pause_autopilots", effects["pause_autopilots"])
        then("delete_squads", effects["delete_squads"])
        then("delete_agents", effects["delete_agents"])
    else:
        then("unbind_agents", effects["unbind_agents"])
        then("pause_autopilots", effects["pause_autopilots"], pause_reason="agent_runtime_required")
        then("cancel_tasks", effects["cancel_tasks"])
        then("detach_history", [RT] if h != zero or cancels_on_runtime else [])
    steps.append({"op": "delete_runtime", "ids": [RT]})

    ev = lambda kind, key, xs: [{"type": kind, "workspace_id": WS, "runtime_id": RT, key: x} for x in xs]
    events = ev("task:cancelled", "task_id", effects["cancel_tasks"])
    if policy == "archive":
        events += ev("agent:archived", "agent_id", effects["archive_agents"])
        events += ev("agent:deleted", "agent_id", effects["delete_agents"])
    else:
        events += ev("agent:unbound", "agent_id", effects["unbind_agents"])
    events += ev("autopilot:paused", "autopilot_id", effects["pause_autopilots"])
    events += ev("squad:deleted", "squad_id", effects["delete_squads"])
    events.append({"type": "runtime:deleted", "workspace_id": WS, "runtime_id": RT})

    response = {"status": "ok", "agents_archived": len(archive), "agents_unbound": len(unbind),
                "agents_deleted": len(delete), "tasks_cancelled": len(cancel),
                "autopilots_paused": len(pause), "squads_deleted": len(squads)}
    return {"type": "plan", "plan": {"policy": policy, "mode": mode, "runtime_id": RT,
                                     "confirmed_agent_ids": ids(confirmed), "effects": effects,
                                     "steps": steps, "events": events, "response": response}}


def summary(a):
    return {k: a[k] for k in ("id", "name", "owner_id", "visibility", "status", "model", "archived_at")}


def restricted(n):
    return {"id": A(n), "restricted": True}


def refusal(code, error, **extra):
    status = 403 if code == "forbidden" else 409
    return {"type": "refusal", "refusal": {"status": status, "code": code, "error": error, **extra}}


FORBIDDEN = refusal("forbidden", "you can only delete runtimes you own; ask a workspace owner or admin")


def teardown():
    f = VectorFile("plan_teardown.json", "SPEC §3: planning a runtime teardown, refusals first")
    f.rule("plan_teardown", "planTeardown", ["input"])
    s = "SPEC §3"
    pt = "plan_teardown"

    # --- strict mode -------------------------------------------------------------------------
    f.ok(pt, "strict delete of an empty runtime", s, plan("archive", "strict"), input=inp(snapshot()))
    f.ok(pt, "strict delete removes archived agents with their history", "SPEC §3.3 archive",
         plan("archive", "strict", delete=[A(1), A(2)], history=(12, 3)),
         input=inp(snapshot([agent(2, True), agent(1, True)], history=(12, 3))))
    act1, act3 = agent(1), agent(3)
    f.ok(pt, "strict delete refuses while agents are active", "SPEC §3.2",
         refusal("runtime_has_active_agents",
                 "cannot delete runtime: 2 active agents are bound to it; archive or move them first, or confirm archiving them with the runtime",
                 active_agents=[summary(act1), summary(act3)]),
         input=inp(snapshot([act3, agent(2, True), act1])))
    f.ok(pt, "strict unbind refuses while an agent is active, in the policy's words", "SPEC §3.2",
         refusal("runtime_has_active_agents",
                 "cannot delete runtime: 1 active agent is bound to it; archive or move it first, or confirm unbinding it with the runtime",
                 active_agents=[summary(act1)]),
         input=inp(snapshot([act1]), request("strict", "unbind")))

    # --- who may ---------------------------------------------------------------------------------
    f.ok(pt, "a member may not delete another's runtime", "SPEC §1, §3.2", FORBIDDEN,
         input=inp(snapshot(), who=actor(ALICE)))
    f.ok(pt, "forbidden is checked before active agents", "SPEC §3.2 order", FORBIDDEN,
         input=inp(snapshot([agent(1)]), who=actor(ALICE)))
    f.ok(pt, "roles are case-sensitive", "SPEC §1", FORBIDDEN, input=inp(snapshot(), who=actor(ALICE, "Admin")))
    f.ok(pt, "an admin deletes anyone's runtime", "SPEC §1", plan("archive", "strict"),
         input=inp(snapshot(), who=actor(ALICE, "admin")))
    f.ok(pt, "a runtime without owner: members may not", "SPEC §1", FORBIDDEN,
         input=inp(snapshot(owner=None), who=actor(ALICE)))
    f.ok(pt, "a runtime without owner: the workspace owner may", "SPEC §1", plan("archive", "strict"),
         input=inp(snapshot(owner=None), who=actor(ALICE, "owner")))

    # --- confirmed archive cascade -----------------------------------------------------------------
    full = snapshot(
        agents=[agent(1), agent(2), agent(3, True)],
        squads=[squad(1, 3, archived=True)],
        autopilots=[autopilot(1, "agent", 1), autopilot(2, "agent", 3), autopilot(3, "squad", 1),
                    autopilot(4, "agent", 2, status="paused")],
        tasks=[task(1, 1), task(2, 2, status="running"), task(3, 3, status="dispatched"),
               task(4, 1, runtime=OTHER_RT, status="waiting_local_directory")],
        history=(40, 7))
    f.ok(pt, "confirmed archive cascade", "SPEC §3.3 archive",
         plan("archive", "confirmed", confirmed=[A(1), A(2)], archive=[A(1), A(2)], delete=[A(1), A(2), A(3)],
              squads=[S(1)], pause=[P(1), P(2), P(3)], cancel=[T(1), T(2), T(3), T(4)], history=(40, 7)),
         input=inp(full, request("confirmed", expected=[A(2), A(1)])))
    shuffled = copy.deepcopy(full)
    for key in ("agents", "squads", "autopilots", "tasks"):
        shuffled[key].reverse()
    f.ok(pt, "the same plan from the snapshot's arrays in another order", "SPEC §3.4 determinism",
         plan("archive", "confirmed", confirmed=[A(1), A(2)], archive=[A(1), A(2)], delete=[A(1), A(2), A(3)],
              squads=[S(1)], pause=[P(1), P(2), P(3)], cancel=[T(1), T(2), T(3), T(4)], history=(40, 7)),
         input=inp(shuffled, request("confirmed", expected=[A(1), A(2)])))
    f.ok(pt, "confirmed ids in upper case and 32-hex form", "SPEC §2, §3.1",
         plan("archive", "confirmed", confirmed=[A(1), A(2)], archive=[A(1), A(2)], delete=[A(1), A(2)]),
         input=inp(snapshot([agent(1), agent(2)]),
                   request("confirmed", expected=[A(1).upper(), A(2).replace("-", "")])))
    f.ok(pt, "confirming no active agents with null", "SPEC §2: null is the empty set",
         plan("archive", "confirmed", delete=[A(1)]),
         input=inp(snapshot([agent(1, True)]), {"mode": "confirmed", "policy": "archive", "expected_active_agent_ids": None}))
    f.ok(pt, "confirming no active agents by leaving the list out", "SPEC §3.1",
         plan("archive", "confirmed"), input=inp(snapshot(), request("confirmed", with_expected=False)))

    # --- plan changed ---------------------------------------------------------------------------------
    a1, a2, a4 = agent(1), agent(2), agent(4, name="late arrival")
    f.ok(pt, "an agent appeared after the dialog opened", "SPEC §3.2; seeds runtime.go plan-changed",
         refusal("runtime_delete_plan_changed",
                 "the active agents changed since you confirmed (1 added, 0 removed); review the new plan and confirm again",
                 active_agents=[summary(a1), summary(a2)], diff={"added": [A(2)], "removed": []}),
         input=inp(snapshot([a1, a2]), request("confirmed", expected=[A(1)])))
    f.ok(pt, "a confirmed agent was archived meanwhile", "SPEC §3.2",
         refusal("runtime_delete_plan_changed",
                 "the active agents changed since you confirmed (0 added, 1 removed); review the new plan and confirm again",
                 active_agents=[summary(a1)], diff={"added": [], "removed": [A(2)]}),
         input=inp(snapshot([a1, agent(2, True)]), request("confirmed", expected=[A(1), A(2)])))
    f.ok(pt, "agents both appeared and went away", "SPEC §3.2",
         refusal("runtime_delete_plan_changed",
                 "the active agents changed since you confirmed (1 added, 2 removed); review the new plan and confirm again",
                 active_agents=[summary(a4)], diff={"added": [A(4)], "removed": [A(1), A(5)]}),
         input=inp(snapshot([a4]), request("confirmed", expected=[A(5), A(1)])))
    f.ok(pt, "plan changed is checked before active squads", "SPEC §3.2 order",
         refusal("runtime_delete_plan_changed",
                 "the active agents changed since you confirmed (1 added, 0 removed); review the new plan and confirm again",
                 active_agents=[summary(a1)], diff={"added": [A(1)], "removed": []}),
         input=inp(snapshot([a1], squads=[squad(1, 1)]), request("confirmed", expected=[])))

    # --- squads: the seeds' bug and its repair ----------------------------------------------------------
    f.ok(pt, "confirmed cascade where an active agent leads an active squad", "seeds: PR #2955 review; the cascade path returned 500",
         refusal("runtime_has_active_squads",
                 "cannot delete runtime: 1 active squad is led by agents this would delete; archive the squad or give it another leader first",
                 blocking_squads=[{"id": S(1), "name": "squad-1", "leader_id": A(1)}]),
         input=inp(snapshot([agent(1)], squads=[squad(1, 1)]), request("confirmed", expected=[A(1)])))
    f.ok(pt, "strict delete where an archived agent still leads active squads", "seeds: PR #2955 must-fix",
         refusal("runtime_has_active_squads",
                 "cannot delete runtime: 2 active squads are led by agents this would delete; archive those squads or give them another leader first",
                 blocking_squads=[{"id": S(1), "name": "squad-1", "leader_id": A(1)},
                                  {"id": S(2), "name": "squad-2", "leader_id": A(2)}]),
         input=inp(snapshot([agent(1, True), agent(2, True)], squads=[squad(2, 2), squad(1, 1), squad(3, 1, archived=True)])))
    f.ok(pt, "archived squads led by deleted agents are deleted first", "SPEC §3.3; seeds PR #2955",
         plan("archive", "strict", delete=[A(1)], squads=[S(1), S(2)], pause=[P(1)]),
         input=inp(snapshot([agent(1, True)], squads=[squad(2, 1, True), squad(1, 1, True)],
                            autopilots=[autopilot(1, "squad", 2)])))
    f.ok(pt, "squads led by agents of other runtimes are out of scope", "SPEC §3.1 scope",
         plan("archive", "strict", delete=[A(1)]),
         input=inp(snapshot([agent(1, True)], squads=[squad(9, 9)], autopilots=[autopilot(9, "squad", 9)])))
    f.ok(pt, "unbind leaves squads alone, active ones included", "SPEC §3.3 unbind",
         plan("unbind", "confirmed", confirmed=[A(1)], unbind=[A(1), A(2)], pause=[P(1)]),
         input=inp(snapshot([agent(1), agent(2, True)], squads=[squad(1, 1), squad(2, 2, True)],
                            autopilots=[autopilot(1, "squad", 1)]),
                   request("confirmed", "unbind", expected=[A(1)])))
    f.ok(pt, "strict and active agents: active agents are reported before squads", "SPEC §3.2 order",
         refusal("runtime_has_active_agents",
                 "cannot delete runtime: 1 active agent is bound to it; archive or move it first, or confirm archiving it with the runtime",
                 active_agents=[summary(agent(1))]),
         input=inp(snapshot([agent(1)], squads=[squad(1, 1)])))

    # --- autopilots and tasks -------------------------------------------------------------------------
    f.ok(pt, "only active autopilots are paused", "SPEC §3.3",
         plan("archive", "strict", delete=[A(1)], pause=[P(1)]),
         input=inp(snapshot([agent(1, True)], autopilots=[
             autopilot(1, "agent", 1), autopilot(2, "agent", 1, "paused"), autopilot(3, "agent", 1, "disabled"),
             autopilot(4, "agent", 1, "Active")])))
    f.ok(pt, "autopilots of agents on other runtimes are out of scope", "SPEC §3.1 scope",
         plan("archive", "strict", delete=[A(1)]),
         input=inp(snapshot([agent(1, True)], autopilots=[autopilot(1, "agent", 7)])))
    f.ok(pt, "tasks: pinned elsewhere, another agent's on this runtime, finished and unrelated", "SPEC §3.1; seeds CancelAgentTasksByRuntimeOrAgent",
         plan("archive", "strict", delete=[A(1)], cancel=[T(1), T(2), T(3), T(4)]),
         input=inp(snapshot([agent(1, True)], tasks=[
             task(1, 1, runtime=OTHER_RT), task(2, 8, runtime=RT, status="running"), task(3, 1, runtime=None),
             task(4, 1, status="waiting_local_directory"), task(5, 1, status="completed"),
             task(6, 1, status="failed"), task(7, 9, runtime=OTHER_RT)])))

    # --- unbind policy -----------------------------------------------------------------------------
    f.ok(pt, "confirmed unbind keeps agents and history", "SPEC §3.3 unbind",
         plan("unbind", "confirmed", confirmed=[A(1)], unbind=[A(1), A(2)], pause=[P(1), P(2)],
              cancel=[T(1)], history=(40, 7), cancels_on_runtime=True),
         input=inp(snapshot([agent(2, True), agent(1)], squads=[squad(1, 2, True)],
                            autopilots=[autopilot(1, "agent", 1), autopilot(2, "squad", 1), autopilot(3, "agent", 2, "paused")],
                            tasks=[task(1, 1, status="running")], history=(40, 7)),
                   request("confirmed", "unbind", expected=[A(1)])))
    f.ok(pt, "unbind without history has no detach step", "SPEC §3.4 steps",
         plan("unbind", "strict", unbind=[A(1)]),
         input=inp(snapshot([agent(1, True)]), request("strict", "unbind")))
    f.ok(pt, "unbind keeps the tasks it cancels on the runtime, detached", "SPEC §3.3 unbind: no history is deleted; review of issue #2",
         plan("unbind", "strict", unbind=[A(1)], cancel=[T(1)], cancels_on_runtime=True),
         input=inp(snapshot([agent(1, True)], tasks=[task(1, 1)]), request("strict", "unbind")))
    f.ok(pt, "a task pinned to another runtime needs no detaching", "SPEC §3.3 unbind",
         plan("unbind", "strict", unbind=[A(1)], cancel=[T(1)]),
         input=inp(snapshot([agent(1, True)], tasks=[task(1, 1, runtime=OTHER_RT)]), request("strict", "unbind")))
    f.ok(pt, "unbind detaches chats even without finished tasks", "SPEC §3.3 unbind",
         plan("unbind", "strict", history=(0, 2)), input=inp(snapshot(history=(0, 2)), request("strict", "unbind")))

    # --- what leaves the server ---------------------------------------------------------------------
    private_other = agent(1, owner=BOB, visibility="private", name="bob's secret helper")
    private_mine = agent(2, owner=ALICE, visibility="private")
    shared = agent(3, owner=BOB, visibility="workspace")
    secret = agent(4, owner=ALICE, instructions="never share this", custom_env={"API_KEY": "sk-live-123"},
                   mcp_config={"servers": {"db": {"token": "t0k3n"}}})
    everyone = [private_other, private_mine, shared, secret]
    f.ok(pt, "a member sees other members' private agents only as ids", "SPEC §3.5 redaction",
         refusal("runtime_delete_plan_changed",
                 "the active agents changed since you confirmed (4 added, 0 removed); review the new plan and confirm again",
                 active_agents=[restricted(1), summary(private_mine), summary(shared), summary(secret)],
                 diff={"added": [A(1), A(2), A(3), A(4)], "removed": []}),
         input=inp(snapshot(everyone, owner=ALICE), request("confirmed", expected=[]), actor(ALICE)))
    f.ok(pt, "an admin sees every agent, secrets never", "SPEC §3.5: the anchor leaked these in its 409 bodies",
         refusal("runtime_has_active_agents",
                 "cannot delete runtime: 4 active agents are bound to it; archive or move them first, or confirm archiving them with the runtime",
                 active_agents=[summary(a) for a in everyone]),
         input=inp(snapshot(everyone), request(), actor(BOB, "admin")))
    f.ok(pt, "agents already restricted in a viewer's snapshot stay restricted", "SPEC §3.5; the browser plans on the redacted snapshot",
         refusal("runtime_has_active_agents",
                 "cannot delete runtime: 1 active agent is bound to it; archive or move it first, or confirm archiving it with the runtime",
                 active_agents=[restricted(1)]),
         input=inp(snapshot([{"id": A(1), "archived_at": None, "restricted": True}]), who=actor(OWNER, "owner")))
    f.ok(pt, "a restricted agent can be confirmed by id", "SPEC §3.5",
         plan("archive", "confirmed", confirmed=[A(1)], archive=[A(1)], delete=[A(1)]),
         input=inp(snapshot([{"id": A(1), "restricted": True}]), request("confirmed", expected=[A(1)])))

    # --- bad input ------------------------------------------------------------------------------------
    good = inp(snapshot([agent(1, True)]))
    def broken(path, value, delete=False):
        x = copy.deepcopy(good)
        node = x
        for k in path[:-1]:
            node = node[k]
        if delete:
            del node[path[-1]]
        else:
            node[path[-1]] = value
        return x
    f.err(pt, "a malformed confirmed id", "SPEC §2", "invalid_agent_ids", "request.expected_active_agent_ids[1]",
          input=inp(snapshot([agent(1)]), request("confirmed", expected=[A(1), "urn:uuid:" + A(1)])))
    f.err(pt, "a duplicated agent", "bad input", "duplicate_id", "snapshot.agents[1].id",
          input=inp(snapshot([agent(1, True), agent(1)])))
    f.err(pt, "a missing runtime id", "bad input", "invalid_input", "snapshot.runtime.id",
          input=broken(["snapshot", "runtime", "id"], None, delete=True))
    f.err(pt, "a malformed agent id", "bad input", "invalid_id", "snapshot.agents[0].id",
          input=broken(["snapshot", "agents", 0, "id"], "agent-1"))
    f.err(pt, "modes are lowercase words", "bad input", "invalid_input", "request.mode",
          input=broken(["request", "mode"], "STRICT"))
    f.err(pt, "an unknown policy", "bad input", "invalid_input", "request.policy",
          input=broken(["request", "policy"], "delete"))
    f.err(pt, "a missing history", "bad input", "invalid_input", "snapshot.history",
          input=broken(["snapshot", "history"], None, delete=True))
    f.err(pt, "a negative history count", "bad input", "invalid_count", "snapshot.history.finished_tasks",
          input=broken(["snapshot", "history", "finished_tasks"], -1))
    f.err(pt, "a fractional history count", "bad input", "invalid_count", "snapshot.history.chat_sessions",
          input=broken(["snapshot", "history", "chat_sessions"], 1.5))
    f.err(pt, "a malformed archived_at", "bad input", "invalid_instant", "snapshot.agents[0].archived_at",
          input=broken(["snapshot", "agents", 0, "archived_at"], "yesterday"))
    f.err(pt, "an unknown assignee type", "bad input", "invalid_input", "snapshot.autopilots[0].assignee_type",
          input=inp(snapshot(autopilots=[dict(autopilot(1, "agent", 1), assignee_type="team")])))
    f.err(pt, "a missing agents list", "bad input", "invalid_input", "snapshot.agents",
          input=broken(["snapshot", "agents"], None, delete=True))
    return f


def viewer():
    f = VectorFile("snapshot_for_viewer.json", "SPEC §3.5, §8.2: the teardown snapshot as a viewer may see it")
    f.rule("snapshot_for_viewer", "snapshotForViewer", ["viewer", "snapshot"])
    s = "SPEC §3.5"
    hidden = agent(1, owner=BOB, visibility="private", archived=True)
    mine = agent(2, owner=ALICE, visibility="private")
    shared = agent(3, owner=BOB)
    snap = snapshot([hidden, mine, shared], squads=[squad(1, 1, True)], history=(5, 1))
    redacted = copy.deepcopy(snap)
    redacted["agents"][0] = {"id": A(1), "archived_at": ARCHIVED_AT, "restricted": True}
    f.ok("snapshot_for_viewer", "a member: other members' private agents keep only id and archived_at", s,
         redacted, viewer=actor(ALICE), snapshot=snap)
    f.ok("snapshot_for_viewer", "an admin sees everything", s, snap, viewer=actor(ALICE, "admin"), snapshot=snap)
    leaky = snapshot([agent(4, instructions="secret", custom_env={"K": "V"}, mcp_config={"x": 1})])
    f.ok("snapshot_for_viewer", "secret fields are dropped even for the owner", s,
         snapshot([agent(4)]), viewer=actor(OWNER, "owner"), snapshot=leaky)
    return f
