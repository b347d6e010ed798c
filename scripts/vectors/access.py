"""§1 access rules and §2 agent-set confirmation."""
from common import VectorFile, user, agent_id, uid

OWNER, OTHER = user(1), user(2)


def runtime(owner=OWNER, visibility="private", **extra):
    return {"id": uid("runtime", 1), "workspace_id": uid("workspace", 1), "name": "laptop",
            "owner_id": owner, "visibility": visibility, "status": "online",
            "last_seen_at": "2026-05-19T16:00:00Z", **extra}


def member(u, role="member"):
    return {"user_id": u, "role": role}


def access():
    f = VectorFile("access.json", "SPEC §1: who may edit, use and see runtimes and agents")
    f.rule("can_edit_runtime", "canEditRuntime", ["member", "runtime"])
    f.rule("can_use_runtime_for_agent", "canUseRuntimeForAgent", ["member", "runtime"])
    f.rule("can_set_runtime_visibility", "canSetRuntimeVisibility", ["member", "runtime"])
    f.rule("can_see_agent", "canSeeAgent", ["member", "agent"])
    f.rule("plan_runtime_update", "planRuntimeUpdate", ["member", "runtime", "patch"])
    s1 = "SPEC §1"

    edit = "can_edit_runtime"
    f.ok(edit, "workspace owner edits anyone's runtime", s1, True, member=member(OTHER, "owner"), runtime=runtime())
    f.ok(edit, "workspace admin edits anyone's runtime", s1, True, member=member(OTHER, "admin"), runtime=runtime())
    f.ok(edit, "member edits own runtime", s1, True, member=member(OWNER), runtime=runtime())
    f.ok(edit, "member cannot edit another's runtime", s1, False, member=member(OTHER), runtime=runtime())
    f.ok(edit, "roles are case-sensitive: Owner is not owner", s1, False, member=member(OTHER, "Owner"), runtime=runtime())
    f.ok(edit, "member cannot edit a runtime without owner", s1, False, member=member(OTHER), runtime=runtime(owner=None))
    f.ok(edit, "admin edits a runtime without owner", s1, True, member=member(OTHER, "admin"), runtime=runtime(owner=None))
    f.ok(edit, "absent owner_id reads as null", s1, False, member=member(OTHER),
         runtime={k: v for k, v in runtime().items() if k != "owner_id"})
    f.ok(edit, "unknown runtime fields are ignored", s1, True, member=member(OWNER),
         runtime=runtime(provider="claude", daemon_id="x", metadata={"a": 1}))
    f.err(edit, "member without role", "bad input", "invalid_input", "member.role",
          member={"user_id": OWNER}, runtime=runtime())
    f.err(edit, "malformed runtime id", "bad input", "invalid_id", "runtime.id",
          member=member(OWNER), runtime=runtime(id="not-a-uuid"))
    f.err(edit, "malformed owner id", "bad input", "invalid_id", "runtime.owner_id",
          member=member(OWNER), runtime=runtime(owner="{" + OWNER + "}"))

    use = "can_use_runtime_for_agent"
    f.ok(use, "nobody binds to a runtime without owner", s1, False, member=member(OTHER, "owner"), runtime=runtime(owner=None, visibility="public"))
    f.ok(use, "anyone binds to a public runtime", s1, True, member=member(OTHER), runtime=runtime(visibility="public"))
    f.ok(use, "owner binds to own private runtime", s1, True, member=member(OWNER), runtime=runtime())
    f.ok(use, "member cannot bind to another's private runtime", s1, False, member=member(OTHER), runtime=runtime())
    f.ok(use, "roles never widen binding: admin and a private runtime", s1, False, member=member(OTHER, "admin"), runtime=runtime())
    f.ok(use, "visibility is case-sensitive: PUBLIC is private", s1, False, member=member(OTHER), runtime=runtime(visibility="PUBLIC"))
    f.ok(use, "visibility workspace is private for runtimes", s1, False, member=member(OTHER), runtime=runtime(visibility="workspace"))

    vis = "can_set_runtime_visibility"
    f.ok(vis, "owner sets visibility", s1, True, member=member(OWNER), runtime=runtime())
    f.ok(vis, "admin who does not own it cannot", s1, False, member=member(OTHER, "admin"), runtime=runtime())
    f.ok(vis, "nobody sets visibility of a runtime without owner", s1, False, member=member(OTHER, "owner"), runtime=runtime(owner=None))

    see = "can_see_agent"
    agent = lambda vis="private", owner=OWNER: {"id": agent_id(1), "name": "reviewer", "owner_id": owner, "visibility": vis}
    f.ok(see, "workspace agents are visible to every member", s1, True, member=member(OTHER), agent=agent("workspace"))
    f.ok(see, "public agents are visible to every member", s1, True, member=member(OTHER), agent=agent("public"))
    f.ok(see, "private agent visible to its owner", s1, True, member=member(OWNER), agent=agent())
    f.ok(see, "private agent hidden from other members", s1, False, member=member(OTHER), agent=agent())
    f.ok(see, "private agent visible to workspace admins", s1, True, member=member(OTHER, "admin"), agent=agent())
    f.ok(see, "an unknown visibility is private", s1, False, member=member(OTHER), agent=agent("Workspace"))
    f.ok(see, "an absent visibility is private", s1, False, member=member(OTHER), agent={"id": agent_id(1), "owner_id": OWNER})

    upd = "plan_runtime_update"
    plan = lambda **p: {"type": "plan", "plan": p}
    forbidden = lambda sentence: {"type": "refusal", "refusal": {"status": 403, "code": "forbidden", "error": sentence}}
    f.ok(upd, "setting the current values again needs no permission", s1, plan(),
         member=member(OTHER), runtime=runtime(), patch={"name": "laptop", "visibility": "private"})
    f.ok(upd, "a name equal after trimming is no change", s1, plan(),
         member=member(OTHER), runtime=runtime(), patch={"name": "  laptop "})
    f.ok(upd, "owner renames and publishes", s1, plan(name="desk", visibility="public"),
         member=member(OWNER), runtime=runtime(), patch={"name": " desk", "visibility": "public"})
    f.ok(upd, "admin renames another's runtime", s1, plan(name="desk"),
         member=member(OTHER, "admin"), runtime=runtime(), patch={"name": "desk"})
    f.ok(upd, "admin may not change another's visibility", s1,
         forbidden("only the runtime's owner can change its visibility"),
         member=member(OTHER, "admin"), runtime=runtime(), patch={"visibility": "public"})
    f.ok(upd, "member may not rename another's runtime", s1,
         forbidden("you can only rename runtimes you own; ask a workspace owner or admin"),
         member=member(OTHER), runtime=runtime(), patch={"name": "mine now"})
    f.ok(upd, "re-sending an unusual current visibility is still a no-op", s1, plan(),
         member=member(OTHER), runtime=runtime(visibility="workspace"), patch={"visibility": "workspace"})
    f.err(upd, "visibility must be private or public", "bad input", "invalid_input", "patch.visibility",
          member=member(OWNER), runtime=runtime(), patch={"visibility": "workspace"})
    f.err(upd, "a name cannot be blank", "bad input", "invalid_input", "patch.name",
          member=member(OWNER), runtime=runtime(), patch={"name": "   "})
    return f


def agent_set():
    f = VectorFile("agent_set.json", "SPEC §2: parsing and comparing confirmed agent sets")
    f.rule("parse_agent_ids", "parseAgentIds", ["list"])
    f.rule("compare_agent_sets", "compareAgentSets", ["live", "confirmed"])
    s2 = "SPEC §2"
    a1, a2, a3 = agent_id(1), agent_id(2), agent_id(3)
    hex32 = lambda i: i.replace("-", "")

    p = "parse_agent_ids"
    f.ok(p, "dashed ids, sorted", s2, [a1, a2], list=[a2, a1])
    f.ok(p, "32-hex and uppercase forms are canonicalised", s2, [a1, a2], list=[hex32(a1).upper(), a2.upper()])
    f.ok(p, "duplicates in different forms collapse", s2, [a1], list=[a1, a1.upper(), hex32(a1)])
    f.ok(p, "null is the empty set", s2, [], list=None)
    f.ok(p, "an absent list is the empty set", s2, [])
    f.ok(p, "an empty list", s2, [], list=[])
    bad = [
        ("braces", "{" + a2 + "}"),
        ("urn:uuid: prefix", "urn:uuid:" + a2),
        ("surrounding whitespace", " " + a2),
        ("underscores for dashes", a2.replace("-", "_")),
        ("a dash out of place", a2[:7] + "-" + a2[7] + a2[9:]),
        ("a non-hex digit", a2[:-1] + "g"),
        ("one digit short", a2[:-1]),
        ("an empty string", ""),
    ]
    for what, text in bad:
        f.err(p, f"rejects {what}", s2, "invalid_agent_ids", "expected_active_agent_ids[1]", list=[a1, text, a3])
    f.err(p, "rejects a null element", s2, "invalid_agent_ids", "expected_active_agent_ids[2]", list=[a1, a3, None])
    f.err(p, "rejects a number element", s2, "invalid_agent_ids", "expected_active_agent_ids[0]", list=[7])
    f.err(p, "rejects a string instead of a list", s2, "invalid_agent_ids", "expected_active_agent_ids", list=a1)

    c = "compare_agent_sets"
    f.ok(c, "same set in another order and case", s2, {"matches": True, "added": [], "removed": []},
         live=[a1, a2], confirmed=[a2.upper(), hex32(a1)])
    f.ok(c, "an agent appeared", s2, {"matches": False, "added": [a3], "removed": []},
         live=[a3, a1], confirmed=[a1])
    f.ok(c, "an agent went away", s2, {"matches": False, "added": [], "removed": [a2]},
         live=[a1], confirmed=[a1, a2])
    f.ok(c, "both, each sorted", s2, {"matches": False, "added": [a2, a3], "removed": [a1]},
         live=[a3, a2], confirmed=[a1])
    f.ok(c, "null against empty", s2, {"matches": True, "added": [], "removed": []}, live=None, confirmed=[])
    f.ok(c, "mirror: swapping the sides swaps added and removed", s2, {"matches": False, "added": [a1], "removed": [a2, a3]},
         live=[a1], confirmed=[a3, a2])
    f.err(c, "a malformed confirmed id names its side and index", s2, "invalid_agent_ids", "confirmed[1]",
          live=[a1], confirmed=[a1, "nope"])
    f.err(c, "a malformed live id names its side", s2, "invalid_agent_ids", "live[0]", live=[None], confirmed=[])
    return f
