// The rules: the npm package's web build, initialised once. Every view
// imports them from here, so the wasm module is fetched and compiled once.
import init from "runtime-rules";

await init();

export * from "runtime-rules";
