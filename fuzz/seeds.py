#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets into fuzz/corpus/<target>/.

Seeds come from the shared test vectors (tests/vectors/*.json), the
examples (examples/fixture.json, examples/data/*.json) and, for the HTTP
target, one plausible body per route and per variant of the route's
selector byte. Files are named by the SHA-1 of their content, as libFuzzer
names what it adds, so running this again adds nothing twice.

    python3 fuzz/seeds.py            # from the repository root, or anywhere

scripts/fuzz runs it before every run. fuzz/corpus/ is git-ignored.
"""

import hashlib
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(ROOT, "fuzz", "corpus")


def load(*path):
    with open(os.path.join(ROOT, *path), encoding="utf-8") as f:
        return json.load(f)


def cases(name, *rules):
    return [c for c in load("tests", "vectors", name + ".json")["cases"] if not rules or c["rule"] in rules]


class Corpus:
    def __init__(self, target):
        self.dir = os.path.join(CORPUS, target)
        os.makedirs(self.dir, exist_ok=True)
        self.count = 0

    def add(self, data):
        if not isinstance(data, bytes):
            data = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        path = os.path.join(self.dir, hashlib.sha1(data).hexdigest())
        if not os.path.exists(path):
            with open(path, "wb") as f:
                f.write(data)
        self.count += 1


# The ids of the demo fixture (src/server/demo.rs: `kind` in the first
# group, `n` in the last), which the HTTP target loads.
def demo_id(kind, n):
    return f"{kind:08x}-0000-4000-8000-{n:012x}"


def W(n):
    return demo_id(1, n)


def R(n):
    return demo_id(3, n)


def A(n):
    return demo_id(4, n)


def I(n):
    return demo_id(7, n)


def plan_teardown():
    corpus = Corpus("plan_teardown")
    for case in cases("plan_teardown"):
        corpus.add(case["input"]["input"])
    requests = [
        {"mode": "strict", "policy": "archive"},
        {"mode": "strict", "policy": "unbind"},
        {"mode": "confirmed", "policy": "archive", "expected_active_agent_ids": []},
    ]
    for case in cases("snapshot_for_viewer"):
        for request in requests:
            corpus.add({"actor": case["input"]["viewer"], "request": request, "snapshot": case["input"]["snapshot"]})
    snapshot = load("examples", "data", "snapshot.json")
    actor = {"user_id": "11111111-0000-4000-8000-000000000001", "role": "member"}
    for request in requests:
        corpus.add({"actor": actor, "request": request, "snapshot": snapshot})
    return corpus


def usage():
    corpus = Corpus("usage")
    for case in cases("usage") + cases("usage_daily"):
        corpus.add(case["input"])
    rows = load("examples", "data", "usage.json")
    if isinstance(rows, list):
        for tz in ["UTC", "Asia/Kolkata", "America/Santiago", "Australia/Lord_Howe"]:
            corpus.add({"rows": rows[:40], "tz": tz, "since": "2025-01-01T00:00:00Z"})
    fixture_rows = load("examples", "fixture.json")["usage"]
    corpus.add({"rows": fixture_rows, "tz": "Europe/London", "since": "2026-11-01T00:00:00Z"})
    corpus.add({"started_at": ["2025-06-01T18:30:00Z", None], "tz": "Asia/Kathmandu"})
    return corpus


def queue():
    corpus = Corpus("queue")
    for case in cases("queue"):
        corpus.add(case["input"])
    # The raw form legacy_daemon_ids also reads: hostname, newline, profile.
    for text in [b"Foo.LOCAL \nwork", b"host.local", b"\xc3\xa9.local\n ", b".local"]:
        corpus.add(text)
    return corpus


def fixture():
    corpus = Corpus("fixture")
    example = load("examples", "fixture.json")
    corpus.add(example)
    corpus.add({})
    # Growing prefixes of the example, in the order references need.
    keys = ["workspaces", "users", "members", "daemon_tokens", "runtimes", "agents", "squads",
            "autopilots", "issues", "chat_sessions", "tasks", "usage"]
    for n in range(1, len(keys)):
        corpus.add({k: example[k] for k in keys[:n] if k in example})
    return corpus


# The HTTP target's routes, in the order of ROUTES in
# fuzz/fuzz_targets/http.rs (the selector byte modulo their count), each
# with bodies worth sending.
TEARDOWN = [{"expected_active_agent_ids": []}, {"expected_active_agent_ids": [A(1), A(2), A(3)]},
            {"expected_active_agent_ids": [A(5), A(6)]}, {"expected_active_agent_ids": [A(9)]}]
ROUTES = [
    ("PATCH /api/runtimes/{id}", [{"name": "renamed"}, {"visibility": "public"}, {"name": "x", "visibility": "private"}]),
    ("DELETE /api/runtimes/{id}", [b""]),
    ("POST /api/runtimes/{id}/archive-agents-and-delete", TEARDOWN),
    ("POST /api/runtimes/{id}/unbind-agents-and-delete", TEARDOWN),
    ("POST /api/agents", [
        {"workspace_id": W(1), "runtime_id": R(1), "name": "Fuzz", "visibility": "workspace",
         "model": "claude-sonnet-4-6", "instructions": "x", "max_concurrent_tasks": 2,
         "custom_env": {"K": "v"}, "mcp_config": {}},
        {"name": "Bare"},
    ]),
    ("PATCH /api/agents/{id}", [
        {"name": "n", "visibility": "private", "model": "m", "instructions": "i"},
        {"runtime_id": None}, {"runtime_id": R(2)},
    ]),
    ("POST /api/agents/{id}/archive", [b""]),
    ("POST /api/agents/{id}/restore", [b""]),
    ("POST /api/agents/{id}/tasks", [{"issue_id": I(1), "priority": 3}, {}]),
    ("POST /api/issues/{id}/rerun", [b""]),
    ("POST /api/squads", [{"name": "S", "leader_id": A(1), "member_ids": [A(1), A(2)]}]),
    ("DELETE /api/squads/{id}", [b""]),
    ("POST /api/autopilots", [{"name": "A", "assignee_type": "agent", "assignee_id": A(1), "status": "paused"},
                              {"name": "B", "assignee_type": "squad", "assignee_id": demo_id(5, 1)}]),
    ("POST /api/daemon/register", [
        {"workspace_id": W(1), "daemon_id": "ada-macbook.local", "provider": "claude", "name": "ada-macbook",
         "hostname": "ada-macbook.local", "profile": "work", "device_info": {"os": "linux"}, "metadata": {}},
        {"workspace_id": W(2), "daemon_id": "fresh", "provider": "codex", "name": "fresh"},
    ]),
    ("POST /api/daemon/heartbeat", [{"runtime_id": R(1)}, {"runtime_id": R(3)}, {"runtime_id": R(7)}]),
    ("POST /api/runtimes/{id}/tasks/claim", [{}, {"agent_id": A(2)}]),
    ("POST /api/tasks/{id}/start", [{}, {"claim_token": demo_id(12, 1)}]),
    ("POST /api/tasks/{id}/complete", [{"result": {"ok": True}, "session_id": "s1", "work_dir": "/w"}]),
    ("POST /api/tasks/{id}/fail", [{"error": "boom", "failure_reason": "timeout", "session_id": "s1"}]),
    ("POST /api/tasks/{id}/session", [{"session_id": "s1", "work_dir": "/w"}]),
    ("POST /api/tasks/{id}/usage", [
        [{"provider": "anthropic", "model": "claude-sonnet-4-6", "input_tokens": 100, "output_tokens": 20,
          "cache_read_tokens": 0, "cache_write_tokens": 0, "cost_usd_ticks": None}],
        [{"provider": "OpenAI", "model": "gpt-5", "input_tokens": 1, "output_tokens": 2, "cost_usd_ticks": 30}],
    ]),
]


def http():
    corpus = Corpus("http")
    for index, (_, bodies) in enumerate(ROUTES):
        for selector in range(index, 256, len(ROUTES)):
            for body in bodies:
                if not isinstance(body, bytes):
                    body = json.dumps(body, separators=(",", ":")).encode("utf-8")
                corpus.add(bytes([selector]) + body)
    return corpus


def main():
    for make in [plan_teardown, usage, queue, fixture, http]:
        corpus = make()
        print(f"seeds: {os.path.relpath(corpus.dir, ROOT)}: {corpus.count}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
