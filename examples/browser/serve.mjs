// A tiny static file server for the browser example: serves the repository
// root on 127.0.0.1, so that the page is at /examples/browser/ and the web
// build at /pkg/web/. Prints the page's address on its first line.
//
//   node examples/browser/serve.mjs [port]      (default: a free port)
//   PKG=dir node examples/browser/serve.mjs     (serve /pkg/ from another build)
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { createServer } from "node:http";
import { extname, join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../", import.meta.url));
const pkg = resolve(root, process.env.PKG ?? "pkg");
// Content types by file, never by URL: WebAssembly.instantiateStreaming
// insists on application/wasm.
const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".json": "application/json",
  ".wasm": "application/wasm",
  ".css": "text/css; charset=utf-8",
  ".ts": "text/plain; charset=utf-8",
  ".md": "text/plain; charset=utf-8",
};

/** The file a URL path names, or null when it lies outside the served folders. */
function fileOf(pathname) {
  const [base, rest] = pathname.startsWith("/pkg/") ? [pkg, pathname.slice(5)] : [root, pathname.slice(1)];
  const file = resolve(base, rest);
  return file === base || file.startsWith(base.endsWith(sep) ? base : base + sep) ? file : null;
}

const server = createServer(async (req, res) => {
  const send = (status, text) => res.writeHead(status, { "content-type": "text/plain" }).end(text);
  let pathname;
  try {
    pathname = decodeURIComponent(new URL(req.url, "http://localhost").pathname);
  } catch {
    return send(400, "bad request");
  }
  let file = fileOf(pathname);
  if (file === null) return send(403, "forbidden");
  try {
    if ((await stat(file)).isDirectory()) {
      if (!pathname.endsWith("/")) return res.writeHead(301, { location: `${pathname}/` }).end();
      file = join(file, "index.html");
    }
    await stat(file);
  } catch {
    return send(404, "not found");
  }
  res.writeHead(200, {
    "content-type": TYPES[extname(file)] ?? "application/octet-stream",
    "cache-control": "no-store",
  });
  createReadStream(file).pipe(res);
});

server.listen(Number(process.argv[2] ?? 0), "127.0.0.1", () => {
  console.log(`http://127.0.0.1:${server.address().port}/examples/browser/`);
});
