// What one idle WebSocket costs in server memory: plain Bun.serve, Elysia's .ws(), and Elysia's
// .ws() behind a derive shaped like Kefu's visitor socket (business, visitor and page objects).
// Each server runs in its own process; N clients connect with a cookie and an Origin header like
// a browser's, send one small frame, and the server's RSS is read before and after.
//
//   npx bun bench/ws-memory.ts [sockets=10000]
//
// Needs `ulimit -n` above the socket count (the client holds them all).
import { readFileSync } from "node:fs";
import { Elysia } from "elysia";

const settings = { idleTimeout: 30, sendPings: true, perMessageDeflate: false } as const;
const row = () => ({
  id: 1, businessId: 1, externalId: "anon-xxxxxxxxxxxxxxxx", name: null, avatar: null, email: null, phone: null,
  attributes: {}, firstSeenAt: Date.now(), lastSeenAt: Date.now(), visitCount: 1, lastIp: "127.0.0.1",
  userAgent: "kefu-bench", currentPage: null, blocked: false, blockedReason: null, blockedBy: null,
});

function serve(kind: string): number {
  if (kind === "bun") {
    const server = Bun.serve<{ visitorId: number }>({
      port: 0,
      hostname: "127.0.0.1",
      fetch: (request, server) => (server.upgrade(request, { data: { visitorId: 1 } }) ? undefined : new Response("no", { status: 400 })),
      websocket: { ...settings, message() {} },
    });
    return server.port!;
  }
  const base = new Elysia({ websocket: settings });
  const app =
    kind === "elysia-derive"
      ? base.derive(() => ({ business: row(), visitor: row(), page: { t: (key: string) => key, locale: "en" } }))
      : base;
  app.ws("/chat/:key/ws", { open() {}, message() {} }).listen({ port: 0, hostname: "127.0.0.1" });
  return app.server!.port!;
}

const rssMB = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]) / 1024;

async function measure(kind: string, count: number): Promise<void> {
  const child = Bun.spawn([process.execPath, import.meta.path, "--serve", kind], { stdout: "pipe", stderr: "inherit" });
  const reader = child.stdout.getReader();
  let text = "";
  while (!/port (\d+)/.test(text)) {
    const chunk = await reader.read();
    if (chunk.done) throw new Error(`${kind} server exited`);
    text += new TextDecoder().decode(chunk.value);
  }
  const port = /port (\d+)/.exec(text)![1];
  await Bun.sleep(500);
  const before = rssMB(child.pid);
  const sockets: WebSocket[] = [];
  for (let i = 0; i < count; i += 200) {
    await Promise.all(
      Array.from({ length: Math.min(200, count - i) }, () =>
        new Promise<void>((done) => {
          const ws = new WebSocket(`ws://127.0.0.1:${port}/chat/abcdefghijkl/ws`, {
            headers: { cookie: `kefu_visitor=${crypto.randomUUID()}`, origin: `http://127.0.0.1:${port}`, "accept-language": "en" },
          } as never);
          ws.onopen = () => {
            ws.send(JSON.stringify({ type: "resume", after: 0 }));
            sockets.push(ws);
            done();
          };
          ws.onclose = () => done();
        }),
      ),
    );
  }
  await Bun.sleep(3000);
  const after = rssMB(child.pid);
  console.log(
    `${kind.padEnd(14)} ${sockets.length} sockets: RSS ${before.toFixed(1)} -> ${after.toFixed(1)} MB ` +
      `(+${(after - before).toFixed(1)} MB, ${(((after - before) * 1024) / sockets.length).toFixed(2)} KB per socket)`,
  );
  for (const ws of sockets) ws.close();
  child.kill();
  await child.exited;
}

if (process.argv[2] === "--serve") {
  console.log(`port ${serve(process.argv[3]!)}`);
} else {
  const count = Number(process.argv[2] ?? 10_000);
  for (const kind of ["bun", "elysia", "elysia-derive"]) await measure(kind, count);
  process.exit(0);
}
