// Shared by the browser end-to-end tests: a fresh demo server per test
// (the real binary on a free port with its own SQLite file), Debian's
// Chromium driven by playwright-core, sign-in through the page, the API
// with any demo user's token, and screenshots for people to look at.
import { spawn } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chromium } from "playwright-core";

const root = resolve(import.meta.dirname, "../..");
const bin = process.env.RUNTIME_RULES_BIN ?? join(root, "target/debug/runtime-rules");
const browserPath = process.env.CHROMIUM ?? "/usr/bin/chromium";
export const screenshotDir = join(root, "target/e2e-screenshots");

/** Starts `runtime-rules demo` serving www/; resolves once it prints its URL. */
export async function startDemo() {
  const dir = mkdtempSync(join(tmpdir(), "runtime-rules-e2e-"));
  // --sweep-secs 0: each test reads the demo world as it was made, not as
  // the sweeper would age it (no daemon heartbeats here).
  const child = spawn(bin, ["demo", "--addr", "127.0.0.1:0", "--sweep-secs", "0",
    "--db", join(dir, "demo.sqlite"), "--www", join(root, "www")], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, RUST_LOG: process.env.RUST_LOG ?? "warn" },
  });
  let stdout = "";
  let stderr = "";
  child.stderr.on("data", (chunk) => { stderr += chunk; });
  const url = await new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`the demo did not start in 60 s:\n${stdout}\n${stderr}`)), 60_000);
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
      const match = /url\s+(http:\/\/\S+)/.exec(stdout);
      if (match && stdout.includes("try: curl")) {
        clearTimeout(timer);
        resolvePromise(match[1]);
      }
    });
    child.on("exit", (code) => { clearTimeout(timer); reject(new Error(`the demo exited with ${code}:\n${stderr}`)); });
  });
  return {
    url,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

let browser = null;

/** One Chromium for the whole file (a fresh context per test). */
export async function launchBrowser() {
  browser ??= await chromium.launch({
    executablePath: browserPath,
    headless: true,
    args: [
      "--no-sandbox", "--disable-gpu", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--no-first-run",
    ],
  });
  return browser;
}

export async function closeBrowser() {
  await browser?.close();
  browser = null;
}

/**
 * A page on a fresh context (its own localStorage) in `timezoneId`, its
 * script errors, console errors and 5xx answers collected in
 * `page.problems`. Chromium logs every 4xx answer as a console error; the
 * tests check those answers themselves, so those lines are not problems.
 */
export async function newPage({ timezoneId = "UTC", viewport = { width: 1280, height: 900 } } = {}) {
  const context = await (await launchBrowser()).newContext({ timezoneId, viewport, locale: "en-US" });
  const page = await context.newPage();
  page.problems = [];
  page.on("pageerror", (error) => page.problems.push(`page error: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error" && !/^Failed to load resource: the server responded with a status of 4\d\d/.test(message.text())) {
      page.problems.push(`console: ${message.text()}`);
    }
  });
  page.on("response", (response) => {
    if (response.status() >= 500) page.problems.push(`${response.status()} from ${response.url()}`);
  });
  return page;
}

/** Opens the page and signs in as the demo user called `name` (as a person would). */
export async function signIn(page, url, name) {
  await page.goto(url);
  await page.getByRole("button", { name: new RegExp(`^${name}`) }).click();
  await page.getByTestId("runtime-list").waitFor();
}

/** The API with a demo token: `{ status, body }`. */
export async function api(url, token, path, { method = "GET", body } = {}) {
  const response = await fetch(new URL(path, url), {
    method,
    headers: { Authorization: `Bearer ${token}`, ...(body ? { "Content-Type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

/** The runtime called `name`, as `token` sees it. */
export async function runtimeNamed(url, token, name) {
  const { body } = await api(url, token, "/api/runtimes");
  const runtime = body.find((r) => r.name === name);
  if (!runtime) throw new Error(`no runtime ${name} in the demo`);
  return runtime;
}

/** Saves a screenshot under target/e2e-screenshots/ and prints its path. */
export async function screenshot(page, name, target = page) {
  mkdirSync(screenshotDir, { recursive: true });
  const path = join(screenshotDir, `${name}.png`);
  await target.screenshot({ path, ...(target === page ? { fullPage: true } : {}) });
  console.log(`screenshot: ${path}`);
  return path;
}

export const TOKENS = {
  ada: "demo-ada-owner",
  ben: "demo-ben-admin",
  chen: "demo-chen-member",
  divya: "demo-divya-member",
};
