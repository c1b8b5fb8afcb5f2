// Two Kefu apps on one database file and one Redis stand for two processes: what happens on one
// reaches the sockets of the other through the Redis broker, once.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { type RedisServer, startRedisServer } from "../redis-server";
import { signedIn, TestSocket, visitChat } from "../support";
import { twoProcesses } from "../kefu-process";

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(() => redis.stop());

test("a visitor on one process and an agent on the other hear each other", async () => {
  const [a, b] = await twoProcesses(redis.url);
  try {
    // The agent's console is on B: the lists and the thread of the visitor on A come through Redis.
    const { client } = await signedIn(b, "owner");
    const lobby = new TestSocket(b.ws("/ws/agent"), { cookie: client.cookie!, origin: b.base });
    await lobby.opened;
    lobby.send({ type: "resume", after: 0 });
    // As the console does: the lists come once the socket listens (from every process).
    lobby.send({ type: "lists", version: 0 });
    await lobby.next((f) => f.includes('hx-target="#waiting-conversations" hx-swap="innerHTML"'));
    const cookie = await visitChat(a.base, a.business.widgetKey);
    const visitor = new TestSocket(a.ws(`/chat/${a.business.widgetKey}/ws`), { cookie, origin: a.base });
    await visitor.opened;
    visitor.send({ type: "resume", after: 0 });
    visitor.send({ type: "send", clientId: crypto.randomUUID(), body: "hello from process A" });
    await lobby.next((f) => f.includes("hello from process A"));

    const { id } = a.sqlite.query("SELECT id FROM conversations").get() as { id: number };
    const agent = new TestSocket(b.ws(`/ws/agent?conversation=${id}`), { cookie: client.cookie!, origin: b.base });
    await agent.opened;
    agent.send({ type: "resume", after: 0 });
    await agent.next((f) => f.includes("hello from process A"));
    agent.send({ type: "send", clientId: crypto.randomUUID(), body: "answer from process B" });
    await visitor.next((f) => f.includes("answer from process B"));
    await Bun.sleep(200);
    expect(visitor.frames.filter((f) => f.includes("answer from process B"))).toHaveLength(1);
  } finally {
    await a.stop();
    await b.stop();
  }
});
