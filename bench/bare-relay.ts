// The yardstick for bench/chat-load.ts: a bare Bun publish relay with no persistence, speaking
// the same wire protocol as Kefu's chat so the same load generator drives both.
//
//   GET  /chat/:key       -> a tiny page and a `kefu_visitor` cookie (path /chat/:key)
//   WS   /chat/:key/ws    -> {"type":"resume"} subscribes to the visitor's own topic;
//                           {"type":"send","clientId","body"} is published straight back to that
//                           topic as an HTML fragment shaped like Kefu's (id="message-<clientId>"
//                           data-seq="<n>"), escaped like Kefu's. No database, no rendering engine.
//   POST /login           -> 303 with a `kefu_session` cookie (no check: there are no accounts)
//   WS   /ws/agent        -> held open and subscribed to nothing, so the socket count matches
//
// Run alone: npx bun bench/bare-relay.ts [--port 0] [--host 127.0.0.1] [--idle-timeout 30]
// It prints "listening on http://HOST:PORT" on stdout once it accepts connections.
import type { ServerWebSocket } from "bun";

interface SocketData {
  kind: "visitor" | "agent";
  topic: string;
}

const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 && args[at + 1] !== undefined ? args[at + 1]! : fallback;
};

const escapes: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (ch) => escapes[ch] ?? ch);
const clientIdPattern = /^[A-Za-z0-9_-]{8,64}$/;

let seq = 0;
let pongs = 0;
let nextVisitor = 0;

function cookie(request: Request, name: string): string | null {
  const header = request.headers.get("cookie");
  if (!header) return null;
  for (const part of header.split(";")) {
    const [key, ...value] = part.trim().split("=");
    if (key === name) return value.join("=");
  }
  return null;
}

function fragment(clientId: string, body: string, id: number): string {
  const at = new Date().toISOString();
  return `<hx-upsert hx-target="#thread" key="data-seq"><div class="message mine" id="message-${clientId}" data-seq="${id}">
  <div class="bubble">${escapeHtml(body)}</div>
  <div class="meta"><time datetime="${at}">${at.slice(11, 16)}</time> <span class="receipt">Seen</span></div>
</div></hx-upsert>`;
}

const server = Bun.serve<SocketData>({
  port: Number(flag("port", "0")),
  hostname: flag("host", "127.0.0.1"),
  fetch(request, server) {
    const url = new URL(request.url);
    const parts = url.pathname.split("/");
    if (request.method === "GET" && parts[1] === "chat" && parts.length === 4 && parts[3] === "ws") {
      const token = cookie(request, "kefu_visitor");
      if (!token || request.headers.get("origin") !== url.origin) return new Response("forbidden", { status: 403 });
      if (server.upgrade(request, { data: { kind: "visitor", topic: `visitor:${token}` } })) return undefined;
      return new Response("upgrade failed", { status: 400 });
    }
    if (request.method === "GET" && parts[1] === "chat" && parts.length === 3) {
      const token = `v${++nextVisitor}-${crypto.randomUUID()}`;
      return new Response(`<!doctype html><title>chat</title><div id="thread"></div>`, {
        headers: {
          "content-type": "text/html; charset=utf-8",
          "set-cookie": `kefu_visitor=${token}; Path=/chat/${parts[2]}; HttpOnly; SameSite=Lax`,
        },
      });
    }
    if (request.method === "POST" && url.pathname === "/login") {
      return new Response(null, {
        status: 303,
        headers: { location: "/console", "set-cookie": `kefu_session=bare-${crypto.randomUUID()}; Path=/; HttpOnly; SameSite=Lax` },
      });
    }
    if (request.method === "GET" && url.pathname === "/ws/agent") {
      if (server.upgrade(request, { data: { kind: "agent", topic: "" } })) return undefined;
      return new Response("upgrade failed", { status: 400 });
    }
    if (url.pathname === "/healthz") return new Response("ok");
    return new Response("not found", { status: 404 });
  },
  websocket: {
    // Kefu's settings (src/domain/limits.ts socketIdleSeconds, src/app.ts): Bun pings a socket
    // that has been idle this long. --idle-timeout changes it, to see what the pings cost.
    idleTimeout: Number(flag("idle-timeout", "30")),
    sendPings: true,
    perMessageDeflate: false,
    maxPayloadLength: 64 * 1024,
    pong() {
      pongs++;
    },
    message(ws: ServerWebSocket<SocketData>, raw) {
      if (ws.data.kind !== "visitor") return;
      let frame: { type?: unknown; clientId?: unknown; body?: unknown };
      try {
        frame = JSON.parse(String(raw));
      } catch {
        return void ws.send(JSON.stringify({ type: "error", message: "bad frame" }));
      }
      if (frame.type === "resume") return void ws.subscribe(ws.data.topic);
      if (frame.type === "send" && typeof frame.clientId === "string" && clientIdPattern.test(frame.clientId) && typeof frame.body === "string") {
        // server.publish, not ws.publish: the sender's own socket must get it too.
        server.publish(ws.data.topic, fragment(frame.clientId, frame.body, ++seq));
        return;
      }
      ws.send(JSON.stringify({ type: "error", message: "unknown frame" }));
    },
  },
});

console.log(`listening on http://${server.hostname}:${server.port}`);
// With --log-pongs, one stderr line per second in which clients answered pings: when the pings go.
if (args.includes("--log-pongs")) {
  setInterval(() => {
    if (pongs) console.error(`${new Date().toISOString()} pongs ${pongs}`);
    pongs = 0;
  }, 1000).unref();
}
const stop = () => {
  server.stop(true);
  process.exit(0);
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
