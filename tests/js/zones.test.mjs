// timeZones() and localDate() from the npm package: what the web page's
// zone picker and date labels are made of.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";

const rules = createRequire(import.meta.url)("../../pkg/node/cjs/runtime_rules.js");

test("timeZones lists every name the rules accept, sorted, India under both spellings", () => {
  const zones = rules.timeZones();
  assert.ok(zones.length > 400, `${zones.length} zones`);
  assert.deepEqual([...zones].sort(), zones);
  for (const name of ["UTC", "Asia/Kolkata", "Asia/Calcutta", "US/Pacific", "Australia/Lord_Howe"]) {
    assert.ok(zones.includes(name), name);
  }
  for (const name of zones) assert.equal(rules.resolveViewingTz(name, null), name);
});

test("localDate gives India's date from 18:30 UTC on", () => {
  assert.equal(rules.localDate("2026-11-09T18:29:59Z", "Asia/Kolkata"), "2026-11-09");
  assert.equal(rules.localDate("2026-11-09T20:15:00Z", "Asia/Kolkata"), "2026-11-10");
  assert.equal(rules.localDate("2026-11-09T20:15:00Z", "UTC"), "2026-11-09");
});
