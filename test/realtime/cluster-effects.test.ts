// What happens on one process changes the sockets and caches of the others (cluster-effects.ts):
// two apps on one database file and one Redis stand for two processes of one installation.
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { findBusiness } from "../../src/domain/businesses";
import { closeConversation, currentConversation } from "../../src/domain/conversations";
import { type DomainEvents, ignoreEvents } from "../../src/domain/events";
import { markRead, sendAgentMessage } from "../../src/domain/messages";
import { leaveMessage, replyInChat } from "../../src/domain/offline-messages";
import { findVisitor } from "../../src/domain/visitors";
import { topics } from "../../src/realtime/topics";
import { browserKeys } from "../push-service";
import { type RedisServer, startRedisServer } from "../redis-server";
import { Client, signedIn, TestSocket, visitChat } from "../support";
import { type KefuProcess, twoProcesses } from "../kefu-process";

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(() => redis.stop());

let running: KefuProcess[] = [];
afterEach(async () => {
  for (const process of running) await process.stop();
  running = [];
});

async function pair(): Promise<[KefuProcess, KefuProcess]> {
  const processes = await twoProcesses(redis.url);
  running.push(...processes);
  return processes;
}

/** Resolves once `to` heard everything `from` told so far: one connection each way keeps the order. */
async function heardBy(from: KefuProcess, to: KefuProcess): Promise<void> {
  const kind = `test-${crypto.randomUUID()}`;
  const { promise, resolve } = Promise.withResolvers<void>();
  await to.app.hub.cluster.hear(kind, () => resolve());
  from.app.hub.cluster.tell(kind, {});
  await promise;
}

/**
 * An agent's console socket, listening as the console does: `resume`, then `lists`, answered with
 * the lists once its topics reach it from every process. `follow` makes it carry every thread of
 * the agent's conversations (the installed app's socket).
 */
async function consoleOn(process: KefuProcess, cookie: string, { follow = false } = {}): Promise<TestSocket> {
  const socket = new TestSocket(process.ws("/ws/agent"), { cookie, origin: process.base });
  await socket.opened;
  socket.send({ type: "resume", after: 0 });
  if (follow) socket.send({ type: "follow", after: 0 });
  socket.send({ type: "lists", version: 0 });
  await socket.next((f) => f.includes('hx-target="#my-conversations" hx-swap="innerHTML"'));
  return socket;
}

async function visitorOn(process: KefuProcess, cookie: string): Promise<TestSocket> {
  const socket = new TestSocket(process.ws(`/chat/${process.business.widgetKey}/ws`), { cookie, origin: process.base });
  await socket.opened;
  socket.send({ type: "resume", after: 0 });
  return socket;
}

const say = (socket: TestSocket, body: string) => socket.send({ type: "send", clientId: crypto.randomUUID(), body });
const inThread = (body: string) => (frame: string) => frame.includes('hx-target="#thread"') && frame.includes(body);
const unreadBadge = (frame: string) => /id="unread-total"[^>]*>(\d*)</.exec(frame)?.[1];

describe("an event on one process", () => {
  test("assigns a conversation whose thread, line and unread badge reach the agent's socket on the other", async () => {
    const [a, b] = await pair();
    const { client } = await signedIn(a, "agent");
    const onA = await consoleOn(a, client.cookie!, { follow: true });
    // Another tab of theirs, on B: online there, so B's routing gives them the visitor.
    const onB = await consoleOn(b, client.cookie!);
    const cookie = await visitChat(b.base, b.business.widgetKey);
    const visitorOnB = await visitorOn(b, cookie);
    say(visitorOnB, "first, on B");
    await onA.next(inThread("first, on B"));

    // The visitor's other tab is on A: each process now writes to the conversation in turn, and
    // each must count what the other wrote.
    const visitorOnA = await visitorOn(a, cookie);
    say(visitorOnA, "second, on A");
    expect(unreadBadge(await onA.next((f) => f.includes("second, on A") && unreadBadge(f) !== undefined))).toBe("2");
    await onB.next((f) => f.includes("second, on A"));
    await heardBy(a, b);
    say(visitorOnB, "third, on B");
    expect(unreadBadge(await onA.next((f) => f.includes("third, on B") && unreadBadge(f) !== undefined))).toBe("3");
  });

  test("changes the lists, which a page rendered by the other gets again from its socket; unchanged, they are not sent again", async () => {
    const [a, b] = await pair();
    const { client } = await signedIn(a, "agent");
    const version = Number(/data-lists-version="(\d+)"/.exec(await (await client.get("/console")).text())?.[1]);
    const listsAgain = (frame: string) => frame.includes('hx-target="#my-conversations" hx-swap="innerHTML"');
    const open = async (process: KefuProcess) => {
      const socket = new TestSocket(process.ws("/ws/agent"), { cookie: client.cookie!, origin: process.base });
      await socket.opened;
      socket.send({ type: "resume", after: 0 });
      socket.send({ type: "lists", version });
      // Always answered, right after the first (its version is read on the same connection, in order).
      socket.send({ type: "lists", version: 0 });
      await socket.next(listsAgain);
      await Bun.sleep(100);
      return socket.frames.filter(listsAgain);
    };
    // Rendered by A, listening on B: nothing changed, the version is the same everywhere.
    expect(await open(b)).toHaveLength(1);

    const visitor = await visitorOn(b, await visitChat(b.base, b.business.widgetKey));
    say(visitor, "came while the page loaded");
    await visitor.next(inThread("came while the page loaded"));
    // Rendered by A, listening on A, changed by B: sent again for the page's version, then for 0.
    const again = await open(a);
    expect(again).toHaveLength(2);
    expect(again[0]).toContain("came while the page loaded");
  });

  test("hands a conversation over, and the previous agent's socket on the other stops getting its thread", async () => {
    const [a, b] = await pair();
    const previous = await signedIn(a, "agent", "previous@example.com");
    const onA = await consoleOn(a, previous.client.cookie!, { follow: true });
    await consoleOn(b, previous.client.cookie!);
    const cookie = await visitChat(b.base, b.business.widgetKey);
    const visitor = await visitorOn(b, cookie);
    say(visitor, "before the transfer");
    await onA.next(inThread("before the transfer"));

    const next = await signedIn(b, "agent", "next@example.com");
    const nextOnB = await consoleOn(b, next.client.cookie!, { follow: true });
    const { id } = b.sqlite.query("SELECT id FROM conversations").get() as { id: number };
    const transfer = await new Client(b.app, { cookie: previous.client.cookie! }).post(`/console/conversations/${id}/transfer`, { to: `agent:${next.agent.id}` });
    expect(transfer.status).toBeLessThan(400);
    await heardBy(b, a);
    say(visitor, "after the transfer");
    await nextOnB.next(inThread("after the transfer"));
    await heardBy(b, a);
    expect(onA.frames.some(inThread("after the transfer"))).toBe(false);
  });

  test("signs the agent out, and their socket on the other closes", async () => {
    const [a, b] = await pair();
    const { client } = await signedIn(a, "agent");
    const onB = await consoleOn(b, client.cookie!);
    await client.post("/logout");
    expect((await onB.closedWith()).code).toBe(4401);
  });

  test("deletes a visitor, and their page on the other closes", async () => {
    const [a, b] = await pair();
    const owner = await signedIn(a, "owner");
    const cookie = await visitChat(b.base, b.business.widgetKey);
    const visitor = await visitorOn(b, cookie);
    say(visitor, "please forget me");
    await visitor.next(inThread("please forget me"));
    const { id } = a.sqlite.query("SELECT id FROM visitors").get() as { id: number };
    const deleted = await owner.client.post(`/console/customers/${id}/delete`, { understood: "yes" });
    expect(deleted.status).toBe(303);
    expect((await visitor.closedWith()).code).toBe(4410);
  });

  test("saves an automatic answer, and the other answers with it", async () => {
    const [a, b] = await pair();
    const owner = await signedIn(a, "owner");
    const cookie = await visitChat(b.base, b.business.widgetKey);
    const visitor = await visitorOn(b, cookie);
    // B has read the shop's answers (none) for this first message, and keeps them.
    say(visitor, "hello");
    await visitor.next(inThread("hello"));
    expect((await owner.client.post("/console/automatic-answers/settings", { answerWhen: "untilAgent" })).status).toBe(303);
    const saved = await owner.client.post("/console/automatic-answers/rules", { keywords: "refund", answer: "Refunds take 30 days.", enabled: "on" });
    expect(saved.status).toBe(303);
    await heardBy(a, b);
    say(visitor, "how do I get a refund?");
    await visitor.next(inThread("Refunds take 30 days."));
  });

  test("adds a webhook endpoint, and a message written on the other is delivered to it", async () => {
    const [a, b] = await pair();
    const owner = await signedIn(a, "owner");
    const added = await owner.client.post("/console/integrations", { url: "https://hooks.example.com/kefu", events: "message.created", enabled: "on" });
    expect(added.status).toBe(303);
    await heardBy(a, b);
    const cookie = await visitChat(b.base, b.business.widgetKey);
    const visitor = await visitorOn(b, cookie);
    say(visitor, "is anyone listening?");
    await visitor.next(inThread("is anyone listening?"));
    // Queued after the sender's turn (webhook-announcer.ts).
    await Bun.sleep(50);
    const queued = b.sqlite.query("SELECT payload FROM deliveries WHERE channel = 'webhook' AND event = 'message.created'").all() as { payload: string }[];
    expect(queued).toHaveLength(1);
    expect(queued[0]!.payload).toContain("is anyone listening?");
  });

  test("turns push on for an agent's phone, and a visitor writing on the other pushes to it", async () => {
    const [a, b] = await pair();
    const { client } = await signedIn(a, "agent");
    const device = { endpoint: "https://push.example.com/send/1", keys: browserKeys().json };
    const added = await client.request("/console/push/devices", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(device) });
    expect(added.status).toBe(201);
    await heardBy(a, b);
    const visitor = await visitorOn(b, await visitChat(b.base, b.business.widgetKey));
    say(visitor, "anyone there?");
    await visitor.next(inThread("anyone there?"));
    await Bun.sleep(50);
    expect(b.sqlite.query("SELECT count(*) AS pushes FROM deliveries WHERE channel = 'push'").get()).toEqual({ pushes: 1 });
  });

  test("turns transcripts on, and a conversation closed on the other mails its transcript", async () => {
    const [a, b] = await pair();
    const owner = await signedIn(a, "owner");
    const email = { host: "127.0.0.1", port: "2525", security: "none", username: "", password: "", fromName: "Tea Shop", fromAddress: "shop@example.com" };
    expect((await owner.client.post("/console/email", { ...email, transcripts: "on" })).status).toBe(200);
    await heardBy(a, b);
    await consoleOn(b, owner.client.cookie!);
    const visitor = await visitorOn(b, await visitChat(b.base, b.business.widgetKey));
    say(visitor, "mail me this chat");
    await visitor.next(inThread("mail me this chat"));
    b.sqlite.run("UPDATE visitors SET email = 'ada@example.com'");
    const { id } = b.sqlite.query("SELECT id FROM conversations").get() as { id: number };
    closeConversation(b.db, b.app.hub, owner.agent, id);
    await Bun.sleep(50);
    expect(b.sqlite.query("SELECT recipient FROM deliveries WHERE event = 'email.transcript'").all()).toEqual([{ recipient: "ada@example.com" }]);
  });
});

describe("after Redis comes back", () => {
  test("the sockets close 'going away', so their pages come back and catch up by id", async () => {
    const [a] = await pair();
    const { client } = await signedIn(a, "agent");
    const agent = await consoleOn(a, client.cookie!);
    const visitor = await visitorOn(a, await visitChat(a.base, a.business.widgetKey));
    await redis.stop({ crash: true });
    await redis.restart();
    expect(await agent.closedWith(10_000)).toEqual({ code: 1001, reason: "catching up" });
    expect((await visitor.closedWith()).code).toBe(1001);
  });
});

/**
 * An agent whose installed app (a following socket) is on A and whose console tab is on B, and a
 * visitor with a page on each, in a conversation B gave the agent (its messageCreated and
 * conversationChanged made A's socket follow the thread).
 */
async function scene() {
  const [a, b] = await pair();
  const { agent, client } = await signedIn(a, "agent");
  const onA = await consoleOn(a, client.cookie!, { follow: true });
  await consoleOn(b, client.cookie!);
  const cookie = await visitChat(b.base, b.business.widgetKey);
  const visitorOnB = await visitorOn(b, cookie);
  say(visitorOnB, "hello from B");
  await onA.next(inThread("hello from B"));
  const visitorOnA = await visitorOn(a, cookie);
  const { id } = b.sqlite.query("SELECT id FROM visitors").get() as { id: number };
  const visitor = findVisitor(b.db, b.business.id, id)!;
  const conversation = currentConversation(b.db, visitor.id)!;
  /** A's own next line of the conversation, after the visitor wrote `body` on A. */
  const lineOnA = async (body: string) => {
    say(visitorOnA, body);
    return onA.next((f) => f.includes(body) && unreadBadge(f) !== undefined);
  };
  return { a, b, agent, onA, visitorOnA, visitorOnB, visitor, conversation, lineOnA };
}

type Scene = Awaited<ReturnType<typeof scene>>;

/**
 * Every announcement of the domain, run on B: what it must change on A besides the frames (which
 * cross by the broker). A new announcement goes here, with its check or why frames are enough.
 */
const onTheOther: { [K in keyof DomainEvents]: ((scene: Scene) => Promise<void>) | { framesOnly: string } } = {
  async messageCreated({ onA, visitorOnB }) {
    say(visitorOnB, "again from B");
    await onA.next(inThread("again from B"));
  },
  async conversationChanged({ a, b, agent, visitor, conversation }) {
    const thread = topics.agentThread(visitor.id, "en");
    expect(a.app.server!.subscriberCount(thread)).toBe(1);
    closeConversation(b.db, b.app.hub, agent, conversation.id);
    await heardBy(b, a);
    expect(a.app.server!.subscriberCount(thread)).toBe(0);
  },
  async messagesRead({ a, b, visitor, lineOnA }) {
    expect(unreadBadge(await lineOnA("unread on A"))).toBe("2");
    const { last } = b.sqlite.query("SELECT max(id) AS last FROM messages").get() as { last: number };
    markRead(b.db, b.app.hub, visitor.id, "agent", last);
    await heardBy(b, a);
    expect(unreadBadge(await lineOnA("after the read"))).toBe("1");
  },
  async visitorChanged({ a, b, visitor, lineOnA }) {
    await lineOnA("before the new name");
    b.sqlite.run("UPDATE visitors SET name = 'Ada Lovelace' WHERE id = ?", [visitor.id]);
    b.app.hub.visitorChanged(findVisitor(b.db, b.business.id, visitor.id)!, { renamed: true });
    await heardBy(b, a);
    expect(await lineOnA("after the new name")).toContain("Ada Lovelace");
  },
  async visitorDeleted({ b, visitor, visitorOnA }) {
    b.app.hub.visitorDeleted(visitor.id);
    expect((await visitorOnA.closedWith()).code).toBe(4410);
  },
  async sessionsEnded({ b, agent, onA }) {
    b.sqlite.run("DELETE FROM sessions WHERE agent_id = ?", [agent.id]);
    b.app.hub.sessionsEnded(agent.id);
    expect((await onA.closedWith()).code).toBe(4401);
  },
  async shopDisabled({ b, visitorOnA }) {
    b.app.hub.shopDisabled(b.business.id);
    expect((await visitorOnA.closedWith()).code).toBe(4403);
  },
  async offlineMessageAnswered({ a, b, agent, visitor, visitorOnA, visitorOnB, conversation }) {
    const left = leaveMessage(b.db, b.app.hub, findBusiness(b.db, b.business.id)!, visitor.id, { name: "", phone: "", email: "ada@example.com", message: "call me back" });
    replyInChat(b.db, b.app.hub, agent, left.id);
    await heardBy(b, a);
    // The visitor left: the agent's answer, written on A, goes to them by email.
    visitorOnA.close();
    visitorOnB.close();
    await Bun.sleep(200);
    sendAgentMessage(a.db, a.app.hub, agent, conversation.id, { clientId: crypto.randomUUID(), body: "we called" });
    await Bun.sleep(50);
    expect(a.sqlite.query("SELECT recipient FROM deliveries WHERE event = 'email.reply'").all()).toEqual([{ recipient: "ada@example.com" }]);
  },
  visitorBlocked: { framesOnly: "the visitor's pages reload (published)" },
  ipBlocked: { framesOnly: "the visitors' pages reload (published, for those presence says are online)" },
  inboxChanged: { framesOnly: "the inbox count is read from the database and published" },
  offlineMessageLeft: { framesOnly: "told to the listeners of the writing process only: one webhook delivery" },
  routingChanged: { framesOnly: "the writing process drains the queue; what it assigns is announced like any assignment" },
  groupsChanged: { framesOnly: "the consoles concerned reload (published)" },
  availabilityChanged: { framesOnly: "the visitors' headers follow (published)" },
};

describe("every announcement run on one process", () => {
  test("is listed here, with what it changes on the other", () => {
    expect(Object.keys(onTheOther).sort()).toEqual(Object.keys(ignoreEvents).sort());
  });

  for (const [name, check] of Object.entries(onTheOther)) {
    if (typeof check === "function") test(`${name} changes the other's sockets and caches`, async () => check(await scene()));
  }
});
