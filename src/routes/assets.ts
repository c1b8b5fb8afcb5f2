// Static assets, embedded in the binary through import attributes (DESIGN invariant 7) and
// served with long cache lifetimes: their URLs carry the version, so an upgrade busts caches.
import alpine from "alpinejs/dist/cdn.min.js" with { type: "file" };
import { Elysia } from "elysia";
import hxUpsert from "htmx.org/dist/ext/hx-upsert.min.js" with { type: "file" };
import hxWs from "htmx.org/dist/ext/hx-ws.min.js" with { type: "file" };
import htmx from "htmx.org/dist/htmx.min.js" with { type: "file" };
import chat from "../../assets/chat.js" with { type: "file" };
import css from "../../assets/kefu.css" with { type: "file" };
import { version } from "../version";

const files: Record<string, { path: string; type: string }> = {
  "htmx.js": { path: htmx, type: "text/javascript; charset=utf-8" },
  "hx-ws.js": { path: hxWs, type: "text/javascript; charset=utf-8" },
  "hx-upsert.js": { path: hxUpsert, type: "text/javascript; charset=utf-8" },
  "alpine.js": { path: alpine, type: "text/javascript; charset=utf-8" },
  "chat.js": { path: chat, type: "text/javascript; charset=utf-8" },
  "kefu.css": { path: css, type: "text/css; charset=utf-8" },
};

export type AssetName = keyof typeof files;

export function assetUrl(name: AssetName): string {
  return `/assets/${name}?v=${version}`;
}

export function assetRoutes() {
  // Gzipped once per process, on first request; the files are small and never change.
  const gzipped = new Map<string, Uint8Array<ArrayBuffer>>();
  return new Elysia({ name: "assets" }).get("/assets/:name", async ({ params, request, status }) => {
    const file = files[params.name];
    if (!file) return status(404, "Not found");
    const headers: Record<string, string> = {
      "content-type": file.type,
      "cache-control": "public, max-age=31536000, immutable",
      vary: "accept-encoding",
    };
    if (!/\bgzip\b/.test(request.headers.get("accept-encoding") ?? "")) {
      return new Response(Bun.file(file.path), { headers });
    }
    let body = gzipped.get(params.name);
    if (!body) {
      body = Bun.gzipSync(new Uint8Array(await Bun.file(file.path).arrayBuffer()));
      gzipped.set(params.name, body);
    }
    return new Response(body, { headers: { ...headers, "content-encoding": "gzip" } });
  });
}
