#!/usr/bin/env node
// The `runtime-rules` command of the npm package: teardown plans and usage
// reports from JSON files, computed by the package's own functions (the ones
// the browser and the server call). This file parses flags and prints; it
// decides nothing.
//
//   runtime-rules plan <snapshot.json> --actor <user_id> --role <role> [...]
//   runtime-rules usage <rows.json | -> --tz <zone> [...]
//
// Exit status: 0 success, 3 a refused plan, 2 bad flags or bad input,
// 1 anything unexpected.
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { tzdbVersion } from "../node/index.js";
import { InputError, UsageError } from "./input.js";
import * as plan from "./plan.js";
import * as usage from "./usage.js";

const commands = { plan, usage };

const help = `runtime-rules: the rules for tearing down an agent runtime and for reporting
its usage in the viewer's time zone, from the command line.

${plan.usage}
${usage.usage}
usage: runtime-rules --version | --help

  plan    the teardown plan of a runtime, or why it is refused
  usage   tokens and cost by local date, week, agent, model or hour

"runtime-rules <command> --help" describes a command.`;

function version() {
  const { version } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
  return `runtime-rules ${version}\ntz database ${tzdbVersion()}`;
}

function main(argv) {
  const [name, ...rest] = argv;
  if (name === "--version" || name === "-V") return print(version());
  if (name === "--help" || name === "-h" || name === "help") return print(help);
  const command = commands[name];
  if (command === undefined) {
    const lines = `${plan.usage}\n${usage.usage}\nusage: runtime-rules --version | --help`;
    throw new UsageError(name === undefined ? "a command is needed" : `unknown command ${JSON.stringify(name)}`, lines);
  }
  let args;
  try {
    args = parseArgs({ args: rest, options: command.options, allowPositionals: true, strict: true });
  } catch (e) {
    if (typeof e.code === "string" && e.code.startsWith("ERR_PARSE_ARGS")) throw new UsageError(e.message, command.usage);
    throw e;
  }
  if (args.values.help) return print(command.help);
  try {
    return command.run(args);
  } catch (e) {
    if (e instanceof UsageError && e.usage === undefined) e.usage = command.usage;
    throw e;
  }
}

function print(text) {
  console.log(text);
  return 0;
}

let status;
try {
  status = main(process.argv.slice(2));
} catch (e) {
  if (e instanceof UsageError) {
    console.error(`runtime-rules: ${e.message}\n${e.usage ?? help}`);
    status = 2;
  } else if (e instanceof InputError) {
    console.error(`runtime-rules: ${e.where}: ${e.message}`);
    status = 2;
  } else {
    console.error(`runtime-rules: unexpected error: ${e?.stack ?? e}`);
    status = 1;
  }
}
process.exitCode = status;
