// The peers bench/chat-load.ts measures Kefu against: a Bun.serve relay that speaks Kefu's chat
// protocol as far as the harness uses it, with no rendering engine and no routing rules. With a
// `store` it writes each message before publishing it (bench/sqlite-relay.ts); without, it
// publishes straight back (bench/bare-relay.ts).
//
//   GET  /chat/:key      -> a tiny page and a `kefu_visitor` cookie (path /chat/:key)
//   WS   /chat/:key/ws   -> {"type":"resume"} subscribes to the visitor's own topic; {"type":"send",
//                          "clientId","body"} opens the visitor's conversation on its first message
//                          (served by the following agent with the fewest conversations) and goes
//                          to the visitor and to that agent, each as a fragment of its own
//   POST /login          -> 303 with a `kefu_session` cookie naming the agent of the email
//                          (agentN@...); no password check, there are no accounts
//   WS   /ws/agent       -> {"type":"follow"} pushes every message of the agent's conversations to
//                          this socket, with data-conversation="<id>"; {"type":"send","conversation",
//                          "clientId","body"} answers in one of them
//
// Conversations live in memory only (a restart forgets them); the relay does not replay history.
import type { Server, ServerWebSocket } from "bun";

/** Where a message is written before it is published; returns its id. */
export interface MessageStore {
  save(conversationId: number, sender: "visitor" | "agent", clientId: string, body: string): number;
}

interface SocketData {
  /** The visitor's token, or the agent's number. */
  visitor: string | null;
  agent: number | null;
}

interface Conversation {
  id: number;
  visitor: string;
  agent: number | null;
}

export interface RelayFlags {
  port: number;
  host: string;
  idleTimeout: number;
  logPongs: boolean;
}

export function relayFlags(args: string[]): RelayFlags & { flag(name: string, fallback: string): string } {
  const flag = (name: string, fallback: string) => {
    const at = args.indexOf(`--${name}`);
    return at >= 0 && args[at + 1] !== undefined ? args[at + 1]! : fallback;
  };
  return {
    port: Number(flag("port", "0")),
    host: flag("host", "127.0.0.1"),
    // Kefu's (src/domain/limits.ts socketIdleSeconds): Bun pings a socket idle this long.
    idleTimeout: Number(flag("idle-timeout", "30")),
    logPongs: args.includes("--log-pongs"),
    flag,
  };
}

const escapes: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (ch) => escapes[ch] ?? ch);
const clientIdPattern = /^[A-Za-z0-9_-]{8,64}$/;

function cookie(request: Request, name: string): string | null {
  for (const part of (request.headers.get("cookie") ?? "").split(";")) {
    const [key, ...value] = part.trim().split("=");
    if (key === name) return value.join("=");
  }
  return null;
}

/** Shaped like Kefu's message partial: the element id carries the client id, data-seq the message id. */
function fragment(mine: boolean, clientId: string, body: string, id: number, conversationId: number | null): string {
  const at = new Date().toISOString();
  const conversation = conversationId === null ? "" : ` data-conversation="${conversationId}"`;
  return `<hx-upsert hx-target="#thread" key="data-seq"><div class="message ${mine ? "mine" : "theirs"}" id="message-${clientId}" data-seq="${id}"${conversation}>
  <div class="bubble">${escapeHtml(body)}</div>
  <div class="meta"><time datetime="${at}">${at.slice(11, 16)}</time></div>
</div></hx-upsert>`;
}

const visitorTopic = (token: string) => `visitor:${token}`;
const agentTopic = (agent: number) => `agent:${agent}`;

export function serveRelay(flags: RelayFlags, store: MessageStore | null): Server<SocketData> {
  let seq = 0;
  let pongs = 0;
  let nextVisitor = 0;
  let nextConversation = 0;
  const byVisitor = new Map<string, Conversation>();
  const byId = new Map<number, Conversation>();
  /** Open conversations of each agent whose socket follows them. */
  const load = new Map<number, number>();

  /** The following agent with the fewest conversations, as Kefu's auto routing would pick one with room. */
  function pickAgent(): number | null {
    let best: number | null = null;
    for (const [agent, count] of load) if (best === null || count < load.get(best)!) best = agent;
    if (best !== null) load.set(best, load.get(best)! + 1);
    return best;
  }

  function publish(conversation: Conversation, sender: "visitor" | "agent", clientId: string, body: string): void {
    const id = store ? store.save(conversation.id, sender, clientId, body) : ++seq;
    // server.publish, not ws.publish: the sender's own socket must get it too.
    server.publish(visitorTopic(conversation.visitor), fragment(sender === "visitor", clientId, body, id, null));
    if (conversation.agent !== null) server.publish(agentTopic(conversation.agent), fragment(sender === "agent", clientId, body, id, conversation.id));
  }

  /** A message the store refuses (a repeated client id) is an error event naming it, as in Kefu. */
  function publishOrRefuse(ws: ServerWebSocket<SocketData>, conversation: Conversation, sender: "visitor" | "agent", clientId: string, body: string): void {
    try {
      publish(conversation, sender, clientId, body);
    } catch (error) {
      ws.send(JSON.stringify({ type: "error", clientId, message: (error as Error).message }));
    }
  }

  const server: Server<SocketData> = Bun.serve<SocketData>({
    port: flags.port,
    hostname: flags.host,
    fetch(request, server) {
      const url = new URL(request.url);
      const parts = url.pathname.split("/");
      if (request.method === "GET" && parts[1] === "chat" && parts.length === 4 && parts[3] === "ws") {
        const token = cookie(request, "kefu_visitor");
        if (!token || request.headers.get("origin") !== url.origin) return new Response("forbidden", { status: 403 });
        if (server.upgrade(request, { data: { visitor: token, agent: null } })) return undefined;
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
        return request.text().then((form) => {
          const agent = /^agent(\d+)@/.exec(new URLSearchParams(form).get("email") ?? "")?.[1] ?? "0";
          return new Response(null, {
            status: 303,
            headers: { location: "/console", "set-cookie": `kefu_session=agent-${agent}-${crypto.randomUUID()}; Path=/; HttpOnly; SameSite=Lax` },
          });
        });
      }
      if (request.method === "GET" && url.pathname === "/ws/agent") {
        const agent = Number(/^agent-(\d+)-/.exec(cookie(request, "kefu_session") ?? "")?.[1] ?? NaN);
        if (!Number.isInteger(agent)) return new Response("sign in", { status: 401 });
        if (server.upgrade(request, { data: { visitor: null, agent } })) return undefined;
        return new Response("upgrade failed", { status: 400 });
      }
      if (url.pathname === "/healthz") return new Response("ok");
      return new Response("not found", { status: 404 });
    },
    websocket: {
      idleTimeout: flags.idleTimeout,
      sendPings: true,
      perMessageDeflate: false,
      maxPayloadLength: 64 * 1024,
      pong() {
        pongs++;
      },
      message(ws: ServerWebSocket<SocketData>, raw) {
        let frame: { type?: unknown; clientId?: unknown; body?: unknown; conversation?: unknown };
        try {
          frame = JSON.parse(String(raw));
        } catch {
          return void ws.send(JSON.stringify({ type: "error", message: "bad frame" }));
        }
        const { visitor, agent } = ws.data;
        const valid = typeof frame.clientId === "string" && clientIdPattern.test(frame.clientId) && typeof frame.body === "string";
        if (visitor !== null) {
          if (frame.type === "resume") return void ws.subscribe(visitorTopic(visitor));
          if (frame.type === "send" && valid) {
            let conversation = byVisitor.get(visitor);
            if (!conversation) {
              conversation = { id: ++nextConversation, visitor, agent: pickAgent() };
              byVisitor.set(visitor, conversation);
              byId.set(conversation.id, conversation);
            }
            return publishOrRefuse(ws, conversation, "visitor", frame.clientId as string, frame.body as string);
          }
        } else if (agent !== null) {
          if (frame.type === "follow") {
            ws.subscribe(agentTopic(agent));
            if (!load.has(agent)) load.set(agent, 0);
            return;
          }
          if (frame.type === "send" && valid) {
            // Scoped like Kefu: a conversation the agent does not serve is not found.
            const conversation = byId.get(Number(frame.conversation));
            if (!conversation || conversation.agent !== agent) return void ws.send(JSON.stringify({ type: "error", clientId: frame.clientId, message: "not found" }));
            return publishOrRefuse(ws, conversation, "agent", frame.clientId as string, frame.body as string);
          }
          if (frame.type === "resume") return;
        }
        ws.send(JSON.stringify({ type: "error", message: "unknown frame" }));
      },
      close(ws) {
        // Gone agents are routed nothing new; what they already serve stays theirs.
        if (ws.data.agent !== null) load.delete(ws.data.agent);
      },
    },
  });

  console.log(`listening on http://${server.hostname}:${server.port}`);
  // With --log-pongs, one stderr line per second in which clients answered pings: when the pings go.
  if (flags.logPongs) {
    setInterval(() => {
      if (pongs) console.error(`${new Date().toISOString()} pongs ${pongs}`);
      pongs = 0;
    }, 1000).unref();
  }
  return server;
}
