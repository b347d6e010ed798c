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
    const at = syntaxError(text);
    if (at === null) throw new InputError(name, `invalid JSON: ${e.message}`);
    const { line, column } = lineColumn(text, at.offset);
    throw new InputError(name, `invalid JSON at line ${line}, column ${column}: ${at.reason}`);
  }
}

/**
 * Where a JSON text that JSON.parse rejected goes wrong: `{ offset, reason }`,
 * or null if this scanner finds nothing (then the caller keeps JSON.parse's
 * message). Node 20's JSON.parse names no position for most errors, so the
 * command scans the text itself, once, only after a failure.
 */
export function syntaxError(text) {
  let i = 0;
  const fail = (reason) => {
    throw { offset: i, reason };
  };
  const ws = () => {
    while (i < text.length && " \t\n\r".includes(text[i])) i++;
  };
  const found = () => (i < text.length ? `found ${JSON.stringify(text[i])}` : "found the end of the file");
  const literal = (word) => {
    if (text.startsWith(word, i)) i += word.length;
    else fail(`expected a value, ${found()}`);
  };
  const string = () => {
    i++; // the opening quote
    for (;;) {
      if (i >= text.length) fail("unterminated string");
      const c = text[i];
      if (c === '"') return void i++;
      if (c === "\\") {
        const e = text[i + 1];
        if (e === "u" && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) i += 6;
        else if (e !== undefined && '"\\/bfnrt'.includes(e)) i += 2;
        else fail("invalid escape in a string");
      } else if (c < " ") fail("control character in a string");
      else i++;
    }
  };
  const number = () => {
    const m = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(text.slice(i, i + 400));
    if (!m || m[0] === "-") fail(`expected a value, ${found()}`);
    i += m[0].length;
  };
  const value = () => {
    ws();
    const c = text[i];
    if (c === "{") {
      i++;
      ws();
      if (text[i] === "}") return void i++;
      for (;;) {
        ws();
        if (text[i] !== '"') fail(`expected a property name in double quotes, ${found()}`);
        string();
        ws();
        if (text[i] !== ":") fail(`expected ':' after a property name, ${found()}`);
        i++;
        value();
        ws();
        if (text[i] === ",") i++;
        else if (text[i] === "}") return void i++;
        else fail(`expected ',' or '}', ${found()}`);
      }
    }
    if (c === "[") {
      i++;
      ws();
      if (text[i] === "]") return void i++;
      for (;;) {
        value();
        ws();
        if (text[i] === ",") i++;
        else if (text[i] === "]") return void i++;
        else fail(`expected ',' or ']', ${found()}`);
      }
    }
    if (c === '"') return string();
    if (c === "t") return literal("true");
    if (c === "f") return literal("false");
    if (c === "n") return literal("null");
    return number();
  };
  try {
    if (text.charCodeAt(0) === 0xfeff) i = 1; // a byte-order mark
    value();
    ws();
    if (i < text.length) fail(`unexpected text after the JSON value, ${found()}`);
    return null;
  } catch (at) {
    // A RangeError: nesting too deep to scan; keep JSON.parse's message.
    return at instanceof Error ? null : at;
  }
}

/** The 1-based line and column (in characters) of `offset` in `text`. */
export function lineColumn(text, offset) {
  const before = text.slice(0, offset);
  const line = before.split("\n").length;
  return { line, column: offset - before.lastIndexOf("\n") };
}
