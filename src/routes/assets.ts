// Static assets, embedded in the binary through import attributes (DESIGN invariant 7) and
// served with long cache lifetimes: their URLs carry the version, so an upgrade busts caches.
import alpine from "alpinejs/dist/cdn.min.js" with { type: "file" };
import { Elysia } from "elysia";
import hxUpsert from "htmx.org/dist/ext/hx-upsert.min.js" with { type: "file" };
import hxWs from "htmx.org/dist/ext/hx-ws.min.js" with { type: "file" };
import htmx from "htmx.org/dist/htmx.min.js" with { type: "file" };
import chat from "../../assets/chat.js" with { type: "file" };
import call from "../../assets/call.js" with { type: "file" };
import css from "../../assets/kefu.css" with { type: "file" };
import consoleCss from "../../assets/console.css" with { type: "file" };
import demo from "../../assets/demo.js" with { type: "file" };
import embed from "../../assets/embed.js" with { type: "file" };
import widget from "../../assets/widget.js" with { type: "file" };
import attachments from "../../assets/attachments.js" with { type: "file" };
import composer from "../../assets/composer.js" with { type: "file" };
import emoji from "../../assets/emoji.js" with { type: "file" };
import cannedReplies from "../../assets/canned-replies.js" with { type: "file" };
import consoleScript from "../../assets/console.js" with { type: "file" };
import consoleWorker from "../../assets/console-worker.js" with { type: "file" };
import icon192 from "../../assets/icon-192.png" with { type: "file" };
import icon512 from "../../assets/icon-512.png" with { type: "file" };
import iconMaskable512 from "../../assets/icon-maskable-512.png" with { type: "file" };
import { version } from "../version";
import { acceptsGzip } from "./client";

const script = "text/javascript; charset=utf-8";

/** `ours`: Kefu's own readable scripts and stylesheet, minified when first served (the others come minified). */
const files: Record<string, { path: string; type: string; ours?: boolean }> = {
  "htmx.js": { path: htmx, type: script },
  "hx-ws.js": { path: hxWs, type: script },
  "hx-upsert.js": { path: hxUpsert, type: script },
  "alpine.js": { path: alpine, type: script },
  "chat.js": { path: chat, type: script, ours: true },
  "call.js": { path: call, type: script, ours: true },
  "kefu.css": { path: css, type: "text/css; charset=utf-8", ours: true },
  "console.css": { path: consoleCss, type: "text/css; charset=utf-8", ours: true },
  "embed.js": { path: embed, type: script, ours: true },
  "demo.js": { path: demo, type: script, ours: true },
  "widget.js": { path: widget, type: script, ours: true },
  "attachments.js": { path: attachments, type: script, ours: true },
  "composer.js": { path: composer, type: script, ours: true },
  "emoji.js": { path: emoji, type: script, ours: true },
  "canned-replies.js": { path: cannedReplies, type: script, ours: true },
  "console.js": { path: consoleScript, type: script, ours: true },
  "console-worker.js": { path: consoleWorker, type: script, ours: true },
  "icon-192.png": { path: icon192, type: "image/png" },
  "icon-512.png": { path: icon512, type: "image/png" },
  "icon-maskable-512.png": { path: iconMaskable512, type: "image/png" },
};

const minifier = new Bun.Transpiler({ loader: "js", target: "browser", minifyWhitespace: true });
// Comments and runs of white space out; the stylesheet's strings hold no double spaces or braces.
const minifyCss = (text: string) => text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/\s+/g, " ").replace(/ ?([{};,]) ?/g, "$1").trim();

// Each body is made once per process, on first request: the files are small and never change.
const bodies = new Map<string, { plain: Uint8Array<ArrayBuffer>; gzipped: Uint8Array<ArrayBuffer> }>();

async function bodyOf(name: AssetName) {
  let body = bodies.get(name);
  if (!body) {
    const file = files[name]!;
    const text = file.ours ? await Bun.file(file.path).text() : "";
    const plain = file.ours
      ? new TextEncoder().encode(file.type.startsWith("text/css") ? minifyCss(text) : minifier.transformSync(text))
      : new Uint8Array(await Bun.file(file.path).arrayBuffer());
    body = { plain, gzipped: Bun.gzipSync(plain, { level: 9 }) };
    bodies.set(name, body);
  }
  return body;
}

/** An embedded file, gzipped when the client takes it. */
export async function assetResponse(name: AssetName, request: Request, cacheControl: string): Promise<Response> {
  const headers: Record<string, string> = { "content-type": files[name]!.type, "cache-control": cacheControl, vary: "accept-encoding" };
  const body = await bodyOf(name);
  if (!acceptsGzip(request)) return new Response(body.plain, { headers });
  return new Response(body.gzipped, { headers: { ...headers, "content-encoding": "gzip" } });
}

export type AssetName = keyof typeof files;

export function assetUrl(name: AssetName): string {
  return `/assets/${name}?v=${version}`;
}

export function assetRoutes() {
  return new Elysia({ name: "assets" }).get("/assets/:name", ({ params, request, status }) => {
    if (!(params.name in files)) return status(404, "Not found");
    return assetResponse(params.name as AssetName, request, "public, max-age=31536000, immutable");
  });
}
