// Runs every case of tests/vectors/*.json against the built npm package,
// through its CommonJS entry and its ESM entry, calling each rule by its
// JavaScript name with the arguments in the order the file declares. The
// same expected values as the native and wasm-bindgen-test hosts.
//
//   node --test tests/js/          (after scripts/build; PKG=dir to test another build)
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const root = new URL("../../", import.meta.url).pathname;
const pkg = resolve(root, process.env.PKG ?? "pkg");
const vectors = join(root, "tests/vectors");

const hosts = {
  "Node CJS": createRequire(import.meta.url)(join(pkg, "node/cjs/runtime_rules.js")),
  "Node ESM": await import(pathToFileURL(join(pkg, "node/index.js"))),
};

// JSON cannot hold these JavaScript numbers; the vectors spell them out.
const SPECIAL = { NaN: NaN, Infinity: Infinity, "-Infinity": -Infinity };
const argument = (value) =>
  value !== null && typeof value === "object" && !Array.isArray(value) && Object.keys(value).length === 1 && "$js" in value
    ? SPECIAL[value.$js]
    : value;

/** JSON equality; numbers equal within a relative 1e-12, as the native harness. */
function same(a, b) {
  if (typeof a === "number" && typeof b === "number") {
    return a === b || Math.abs(a - b) <= 1e-12 * Math.max(Math.abs(a), Math.abs(b));
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => same(x, b[i]));
  }
  if (a !== null && b !== null && typeof a === "object" && typeof b === "object") {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && same(a[k], b[k]));
  }
  return a === b;
}

/** What a caller receives must be what JSON can carry: no Map, no undefined holes. */
function plainJson(v) {
  if (v === null || typeof v === "string" || typeof v === "boolean") return true;
  if (typeof v === "number") return Number.isFinite(v);
  if (Array.isArray(v)) return v.every(plainJson);
  if (typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype) return Object.values(v).every(plainJson);
  return false;
}

/** Runs one case; returns a failure message or null. */
function runCase(api, file, c) {
  const signature = file.rules[c.rule];
  const fn = api[signature.js];
  if (typeof fn !== "function") return `${signature.js} is not exported`;
  const args = signature.args.map((name) => argument(c.input[name]));
  let got;
  try {
    got = fn(...args);
  } catch (e) {
    if (!("error" in c)) return `expected ${JSON.stringify(c.expected)}\n  threw ${e.code}: ${e.message} (${e.field})`;
    if (!(e instanceof Error)) return `threw a non-Error ${String(e)}`;
    const want = c.error;
    if (e.code !== want.code || (e.field ?? null) !== want.field) {
      return `expected error ${want.code} at ${want.field}\n  got error ${e.code} at ${e.field ?? null}: ${e.message}`;
    }
    return null;
  }
  if ("error" in c) return `expected error ${c.error.code} at ${c.error.field}\n  got ${JSON.stringify(got)}`;
  if (!plainJson(got)) return `the answer is not plain JSON (a Map, undefined or NaN inside): ${String(got)}`;
  if (!same(c.expected, got)) return `expected ${JSON.stringify(c.expected)}\n  got      ${JSON.stringify(got)}`;
  return null;
}

const files = readdirSync(vectors).filter((n) => n.endsWith(".json")).sort();
for (const [host, api] of Object.entries(hosts)) {
  let total = 0;
  for (const name of files) {
    const file = JSON.parse(readFileSync(join(vectors, name), "utf8"));
    total += file.cases.length;
    test(`${host} · ${name} · ${file.cases.length} cases`, () => {
      const failures = file.cases
        .map((c) => [c, runCase(api, file, c)])
        .filter(([, failure]) => failure !== null)
        .map(([c, failure]) => `${name} · ${c.rule} · ${c.name}: ${failure}`);
      assert.deepEqual(failures, []);
    });
  }
  test(`${host} · all files · ${total} cases`, () => assert.ok(total > 0));
}
