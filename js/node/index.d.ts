export * from "../web/runtime_rules.js";

/** Already initialised in Node; here so code written for the browser runs unchanged. */
export default function init(): Promise<void>;
