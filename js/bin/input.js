// Reading the command's input files, and the two kinds of failure the command
// reports with exit status 2: bad flags (UsageError) and bad input (InputError).
// Nothing here knows a rule; the package judges every value.
import { readFileSync } from "node:fs";

/** Bad flags: the command prints the message and its usage line. */
export class UsageError extends Error {
  constructor(message, usage) {
    super(message);
    this.usage = usage;
  }
}

/** Bad input: `where` names the file or flag, then the path inside it. */
export class InputError extends Error {
  constructor(where, message) {
    super(message);
    this.where = where;
  }
}

/** The display name of a file argument (`-` is standard input). */
export const sourceName = (file) => (file === "-" ? "<stdin>" : file);

/** Reads and parses a JSON file (`-`: standard input). */
export function readJson(file) {
  const name = sourceName(file);
  let text;
  try {
    text = readFileSync(file === "-" ? process.stdin.fd : file, "utf8");
  } catch (e) {
    throw new InputError(name, `cannot read: ${e.code === "ENOENT" ? "no such file" : e.message}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    // V8 names the offset of most syntax errors ("… in JSON at position 42");
    // people read lines and columns. Messages without one quote the text.
    const position = /^(.*?) in JSON at position (\d+)/.exec(e.message);
    if (position === null) throw new InputError(name, `invalid JSON: ${e.message}`);
    const { line, column } = lineColumn(text, Number(position[2]));
    throw new InputError(name, `invalid JSON at line ${line}, column ${column}: ${position[1]}`);
  }
}

/** The 1-based line and column (in characters) of `offset` in `text`. */
export function lineColumn(text, offset) {
  const before = text.slice(0, offset);
  const line = before.split("\n").length;
  return { line, column: offset - before.lastIndexOf("\n") };
}
