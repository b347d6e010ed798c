// The package's ESM entry for Node: the web build, instantiated synchronously
// from the .wasm file beside it, so `import { planTeardown } from
// "runtime-rules"` is usable at once, as `require` is.
import { readFileSync } from "node:fs";
import { initSync } from "../web/runtime_rules.js";

initSync({ module: readFileSync(new URL("../web/runtime_rules_bg.wasm", import.meta.url)) });

export * from "../web/runtime_rules.js";

/** Already initialised in Node; here so code written for the browser runs unchanged. */
export default async function init() {}
