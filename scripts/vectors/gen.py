#!/usr/bin/env python3
"""Writes every file of tests/vectors/ from the cases in this folder.

Run: python3 scripts/vectors/gen.py  (needs only the standard library and
the system's tzdata). The JSON files are committed; this script is how they
were made, not something tests run."""
import access, teardown, time_cases, usage_cases, cost_cases, liveness, queue

files = [access.access(), access.agent_set(), teardown.teardown(), teardown.viewer(),
         time_cases.window(), time_cases.start_of_local_day(), usage_cases.usage(), usage_cases.usage_daily(),
         cost_cases.pricing(), cost_cases.cost(), cost_cases.aggregate(), cost_cases.format_(),
         liveness.liveness(), queue.queue()]
total = 0
for f in files:
    name, n = f.write()
    total += n
    print(f"{name:<28} {n:>4} cases")
print(f"{'total':<28} {total:>4} cases")
