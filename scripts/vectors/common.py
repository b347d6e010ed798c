"""Helpers shared by the vector generators.

Every file written here is plain JSON that every host runs: native Rust,
wasm in Node and Chromium, and the npm package from JavaScript.
"""
import json
import os

VECTORS = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "vectors")

# Readable ids: the first group says what the id is, the last its number,
# so sorting by id sorts by kind, then number.
KINDS = {
    "user": "11111111",
    "workspace": "22222222",
    "runtime": "33333333",
    "agent": "44444444",
    "squad": "55555555",
    "autopilot": "66666666",
    "task": "77777777",
}


def uid(kind, n):
    return f"{KINDS[kind]}-0000-4000-8000-{n:012d}"


def user(n):
    return uid("user", n)


def agent_id(n):
    return uid("agent", n)


NAN = {"$js": "NaN"}
INF = {"$js": "Infinity"}
NEG_INF = {"$js": "-Infinity"}


class VectorFile:
    def __init__(self, name, about):
        self.name, self.about = name, about
        self.rules, self.cases = {}, []

    def rule(self, rule, js, args):
        self.rules[rule] = {"js": js, "args": args}
        return self

    def ok(self, rule, name, source, expected, **inputs):
        self._add(rule, name, source, inputs, {"expected": expected})

    def err(self, rule, name, source, code, field, **inputs):
        self._add(rule, name, source, inputs, {"error": {"code": code, "field": field}})

    def _add(self, rule, name, source, inputs, outcome):
        assert rule in self.rules, rule
        unknown = set(inputs) - set(self.rules[rule]["args"])
        assert not unknown, (rule, unknown)
        assert all(c["name"] != name or c["rule"] != rule for c in self.cases), name
        self.cases.append({"rule": rule, "name": name, "source": source, "input": inputs, **outcome})

    def write(self):
        body = {"about": self.about, "rules": self.rules, "cases": self.cases}
        with open(os.path.join(VECTORS, self.name), "w") as f:
            json.dump(body, f, indent=1, ensure_ascii=False)
            f.write("\n")
        return self.name, len(self.cases)
