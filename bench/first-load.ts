// First-load size: the bytes a visitor's browser downloads before the chat works, against the
// DESIGN budgets (widget loader < 5 KB gzipped; the chat page's HTML + CSS + JS < 60 KB gzipped).
// Starts Kefu on a fresh data dir, fetches /chat/<widget key> and every same-origin script and
// stylesheet it names, and /widget.js, all with `accept-encoding: gzip`, and counts response
// bodies as they came over the wire (headers excluded). A response the server did not gzip is
// gzipped here at level 9 and marked, so the figure is what it would be if it had.
//
//   npx bun bench/first-load.ts             # runs src/main.ts with this Bun
//   npm run build && npx bun bench/first-load.ts --binary    # runs dist/kefu
//
// Exits 1 when a budget is exceeded or /widget.js is missing.
import { Database } from "bun:sqlite";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const KB = 1024;
const budgets = { widget: 5 * KB, chatPage: 60 * KB };

const root = resolve(import.meta.dir, "..");
const binary = join(root, "dist/kefu");
const useBinary = process.argv.includes("--binary");

interface Measured {
  name: string;
  status: number;
  /** Decompressed body size. */
  rawBytes: number;
  /** Body bytes as sent, or as gzip -9 would send them when the server did not compress. */
  wireBytes: number;
  gzippedByServer: boolean;
  body: Uint8Array;
}

async function measure(url: string, name: string): Promise<Measured> {
  const response = await fetch(url, { headers: { "accept-encoding": "gzip" }, decompress: false, redirect: "manual" });
  const wire = new Uint8Array(await response.arrayBuffer());
  const encoding = response.headers.get("content-encoding");
  if (encoding && encoding !== "gzip") throw new Error(`${name}: unexpected content-encoding ${encoding}`);
  const gzippedByServer = encoding === "gzip";
  const body = gzippedByServer ? Bun.gunzipSync(wire) : wire;
  const wireBytes = gzippedByServer ? wire.byteLength : Bun.gzipSync(body, { level: 9 }).byteLength;
  return { name, status: response.status, rawBytes: body.byteLength, wireBytes, gzippedByServer, body };
}

/** The same-origin scripts and stylesheets the page makes the browser fetch, in page order. */
async function subresources(page: string, pageUrl: string): Promise<{ local: string[]; foreign: string[] }> {
  const urls: string[] = [];
  const rewriter = new HTMLRewriter()
    .on("script[src]", { element: (el) => void urls.push(el.getAttribute("src")!) })
    .on("link[href]", {
      element: (el) => {
        const rel = (el.getAttribute("rel") ?? "").toLowerCase().split(/\s+/);
        if (rel.includes("stylesheet")) urls.push(el.getAttribute("href")!);
      },
    });
  await rewriter.transform(new Response(page)).text();
  const origin = new URL(pageUrl).origin;
  const absolute = urls.map((url) => new URL(url, pageUrl));
  return {
    local: [...new Set(absolute.filter((url) => url.origin === origin).map((url) => url.href))],
    foreign: absolute.filter((url) => url.origin !== origin).map((url) => url.href),
  };
}

async function startKefu(dataDir: string) {
  // Only what Kefu needs: no PORT or KEFU_* settings leak in from the caller's shell.
  const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/tmp", LANG: "C.UTF-8" };
  const args = ["serve", "--port", "0", "--host", "127.0.0.1", "--data-dir", dataDir];
  const command = useBinary ? [binary, ...args] : [process.execPath, join(root, "src/main.ts"), ...args];
  if (useBinary && !existsSync(binary)) throw new Error(`${binary} is missing: run "npm run build" first`);
  const proc = Bun.spawn(command, { cwd: dataDir, env, stdout: "pipe", stderr: "pipe" });
  let output = "";
  const collect = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) output += decoder.decode(chunk, { stream: true });
  };
  void collect(proc.stdout);
  void collect(proc.stderr);
  const deadline = performance.now() + 15_000;
  for (;;) {
    const url = output.match(/https?:\/\/[^\s/]+:\d+/)?.[0];
    if (url && (await fetch(`${url}/healthz`).catch(() => null))?.status === 200) return { proc, url, output: () => output };
    if (proc.exitCode !== null || performance.now() > deadline) {
      proc.kill();
      throw new Error(`Kefu did not start:\n${output}`);
    }
    await Bun.sleep(20);
  }
}

function widgetKey(dataDir: string): string {
  const db = new Database(join(dataDir, "kefu.db"), { readonly: true });
  try {
    const row = db.query<{ widget_key: string }, []>("SELECT widget_key FROM businesses LIMIT 1").get();
    if (!row) throw new Error("no business in the database");
    return row.widget_key;
  } finally {
    db.close();
  }
}

const bytes = (n: number) => n.toLocaleString("en-US");
const kb = (n: number) => `${(n / KB).toFixed(1)} KB`;

function row(m: Measured, label = m.name, verdict?: string): string {
  const notes = [
    m.status !== 200 && `HTTP ${m.status}`,
    !m.gzippedByServer && "not gzipped by the server; gzip -9 here",
    verdict,
  ].filter(Boolean);
  return `| ${label} | ${bytes(m.rawBytes)} | ${bytes(m.wireBytes)} | ${notes.join("; ")} |`;
}

const dataDir = mkdtempSync(join(tmpdir(), "kefu-first-load-"));
const kefu = await startKefu(dataDir);
const failures: string[] = [];
try {
  const pageUrl = `${kefu.url}/chat/${widgetKey(dataDir)}`;
  const page = await measure(pageUrl, "`/chat/<key>` (HTML)");
  if (page.status !== 200) throw new Error(`GET /chat/<key> answered ${page.status}`);
  const { local, foreign } = await subresources(new TextDecoder().decode(page.body), pageUrl);
  const assets = await Promise.all(local.map((url) => measure(url, `\`${new URL(url).pathname}\``)));
  const chatTotal = [page, ...assets].reduce((sum, m) => sum + m.wireBytes, 0);
  const chatRaw = [page, ...assets].reduce((sum, m) => sum + m.rawBytes, 0);
  for (const asset of assets) if (asset.status !== 200) failures.push(`${asset.name} answered ${asset.status}`);

  const widget = await measure(`${kefu.url}/widget.js`, "`/widget.js`");

  console.log(`## First load (${useBinary ? "dist/kefu" : "src/main.ts"}, ${new Date().toISOString().slice(0, 10)})\n`);
  console.log("Bytes are response bodies (headers excluded); \"gzipped\" is what crossed the wire. 1 KB = 1,024 bytes.\n");
  console.log("| Resource | Bytes | Gzipped | Note |");
  console.log("|---|---:|---:|---|");
  console.log(row(page));
  for (const asset of assets) console.log(row(asset));
  const chatOver = chatTotal > budgets.chatPage;
  console.log(
    `| **Chat page first load** | ${bytes(chatRaw)} | **${bytes(chatTotal)}** (${kb(chatTotal)}) | budget ${kb(budgets.chatPage)}: ${chatOver ? "**over**" : "ok"} |`,
  );
  if (chatOver) failures.push(`the chat page's first load is ${kb(chatTotal)} gzipped, over the ${kb(budgets.chatPage)} budget`);
  if (widget.status === 404) {
    console.log("| **`/widget.js`** (loader) | missing | missing | HTTP 404 |");
    failures.push("/widget.js is missing (404)");
  } else {
    const widgetOver = widget.status !== 200 || widget.wireBytes > budgets.widget;
    console.log(row(widget, "**`/widget.js`** (loader)", `budget ${kb(budgets.widget)}: ${widgetOver ? "**over**" : "ok"}`));
    if (widget.status !== 200) failures.push(`/widget.js answered ${widget.status}`);
    else if (widgetOver) failures.push(`/widget.js is ${kb(widget.wireBytes)} gzipped, over the ${kb(budgets.widget)} budget`);
  }
  if (foreign.length) console.log(`\nNot counted (other origins): ${foreign.join(", ")}`);
} catch (error) {
  failures.push(error instanceof Error ? error.message : String(error));
} finally {
  kefu.proc.kill();
  await kefu.proc.exited;
  rmSync(dataDir, { recursive: true, force: true });
}

if (failures.length) {
  console.error(`\nFAIL: ${failures.join("; ")}`);
  process.exit(1);
}
