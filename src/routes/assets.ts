// Static assets, embedded in the binary through import attributes (DESIGN invariant 7) and
// served with long cache lifetimes: their URLs carry the version, so an upgrade busts caches.
import alpine from "alpinejs/dist/cdn.min.js" with { type: "file" };
import { Elysia } from "elysia";
import hxUpsert from "htmx.org/dist/ext/hx-upsert.min.js" with { type: "file" };
import hxWs from "htmx.org/dist/ext/hx-ws.min.js" with { type: "file" };
import htmx from "htmx.org/dist/htmx.min.js" with { type: "file" };
import chat from "../../assets/chat.js" with { type: "file" };
import css from "../../assets/kefu.css" with { type: "file" };
import demo from "../../assets/demo.js" with { type: "file" };
import embed from "../../assets/embed.js" with { type: "file" };
import widget from "../../assets/widget.js" with { type: "file" };
import { version } from "../version";

const files: Record<string, { path: string; type: string }> = {
  "htmx.js": { path: htmx, type: "text/javascript; charset=utf-8" },
  "hx-ws.js": { path: hxWs, type: "text/javascript; charset=utf-8" },
  "hx-upsert.js": { path: hxUpsert, type: "text/javascript; charset=utf-8" },
  "alpine.js": { path: alpine, type: "text/javascript; charset=utf-8" },
  "chat.js": { path: chat, type: "text/javascript; charset=utf-8" },
  "kefu.css": { path: css, type: "text/css; charset=utf-8" },
  "embed.js": { path: embed, type: "text/javascript; charset=utf-8" },
  "demo.js": { path: demo, type: "text/javascript; charset=utf-8" },
  "widget.js": { path: widget, type: "text/javascript; charset=utf-8" },
};

// Gzipped once per process, on first request; the files are small and never change.
const gzipped = new Map<string, Uint8Array<ArrayBuffer>>();

/** An embedded file, gzipped when the client takes it. */
export async function assetResponse(name: AssetName, request: Request, cacheControl: string): Promise<Response> {
  const file = files[name]!;
  const headers: Record<string, string> = { "content-type": file.type, "cache-control": cacheControl, vary: "accept-encoding" };
  if (!/\bgzip\b/.test(request.headers.get("accept-encoding") ?? "")) {
    return new Response(Bun.file(file.path), { headers });
  }
  let body = gzipped.get(name);
  if (!body) {
    body = Bun.gzipSync(new Uint8Array(await Bun.file(file.path).arrayBuffer()), { level: 9 });
    gzipped.set(name, body);
  }
  return new Response(body, { headers: { ...headers, "content-encoding": "gzip" } });
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
