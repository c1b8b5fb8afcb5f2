// Lean sockets. Elysia's .ws() keeps, for every open socket, the whole request context and a
// set of closures, and wraps each frame in a new object and a promise: at 10,000 idle visitors
// that was most of the server's memory. Our routes upgrade with Bun directly: a socket keeps only
// its own small state and a reference to handlers shared by every socket of its route. (Elysia's
// server dispatches Bun's websocket events to `ws.data.open/message/close`, which is what
// SocketData provides.)
import type { Server, ServerWebSocket } from "bun";

export type Socket<S> = ServerWebSocket<SocketData<S>>;

/** One route's handlers, shared by all its sockets; `frame` is parsed JSON, or the text as is. */
export interface SocketRoute<S> {
  open(ws: Socket<S>): void;
  message(ws: Socket<S>, frame: unknown): void;
  close(ws: Socket<S>): void;
}

export class SocketData<S> {
  constructor(
    private readonly route: SocketRoute<S>,
    readonly state: S,
  ) {}

  open(ws: Socket<S>): void {
    this.route.open(ws);
  }

  message(ws: Socket<S>, raw: string | Buffer): void {
    this.route.message(ws, parsed(raw));
  }

  close(ws: Socket<S>): void {
    this.route.close(ws);
  }
}

/** A text frame that is JSON, parsed; anything else as text (it will be refused as not ours). */
function parsed(raw: string | Buffer): unknown {
  const text = typeof raw === "string" ? raw : raw.toString();
  if (text.charCodeAt(0) !== 123 /* { */) return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Upgrades the request to a socket of `route` with its own `state`; a request that is no upgrade gets a 400. */
export function upgradeSocket<S>(server: Server<unknown> | null, request: Request, route: SocketRoute<S>, state: S): Response | undefined {
  if (server?.upgrade(request, { data: new SocketData(route, state) })) return undefined;
  return new Response("Expected a WebSocket connection", { status: 400, headers: { "content-type": "text/plain; charset=utf-8" } });
}
