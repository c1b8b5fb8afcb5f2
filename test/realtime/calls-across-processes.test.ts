// A call whose two ends are on different processes (two apps on one database file and one Redis):
// the agent's console on one, the visitor's page that answers on the other. The call is the
// inviting process's; Redis carries it to the other, and nothing else may get into it.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "bun:test";
import { type KefuProcess, kefuProcess, sharedDatabaseFile } from "../kefu-process";
import { type RedisServer, startRedisServer } from "../redis-server";
import { signedIn, TestSocket, visitChat } from "../support";

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(() => redis.stop());

let running: KefuProcess[] = [];
afterEach(async () => {
  await Promise.all(running.map((process) => process.stop()));
  running = [];
});

const isCall = (signal: string, reason?: string) => (frame: string) =>
  frame.startsWith('{"type":"call"') && JSON.parse(frame).signal === signal && (reason === undefined || JSON.parse(frame).reason === reason);
const isError = (frame: string) => frame.startsWith('{"type":"error"');
const sdp = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n";
const candidate = { candidate: "candidate:1 1 udp 2122260223 192.168.1.2 54321 typ host", sdpMid: "0", sdpMLineIndex: 0, usernameFragment: "abcd" };

/** A page of the visitor's (by their cookie) on a process, following their thread. */
async function visitorPage(process: KefuProcess, cookie: string) {
  const page = new TestSocket(process.ws(`/chat/${process.business.widgetKey}/ws`), { cookie, origin: process.base });
  await page.opened;
  page.send({ type: "resume", after: 0 });
  return page;
}

/**
 * Process A has the agent's console on the visitor's conversation and a page of the visitor's;
 * process B has another page of theirs, subscribed through Redis (it heard the agent typing).
 */
async function visitorOnBothProcesses({ callRingMs, redisUrl = redis.url }: { callRingMs?: number; redisUrl?: string } = {}) {
  const file = sharedDatabaseFile();
  const a = kefuProcess(file, redisUrl, { callRingMs });
  const b = kefuProcess(file, redisUrl, { callRingMs });
  running.push(a, b);
  const { client } = await signedIn(a, "agent");
  const lobby = new TestSocket(a.ws("/ws/agent"), { cookie: client.cookie!, origin: a.base });
  await lobby.opened;
  lobby.send({ type: "resume", after: 0 });
  const cookie = await visitChat(a.base, a.business.widgetKey);
  const pageA = await visitorPage(a, cookie);
  pageA.send({ type: "send", clientId: crypto.randomUUID(), body: "hello" });
  await pageA.next((f) => f.includes("joined the conversation"));
  const { id: conversationId, visitor_id: visitorId } = a.sqlite.query("SELECT id, visitor_id FROM conversations").get() as { id: number; visitor_id: number };
  const agent = new TestSocket(a.ws(`/ws/agent?conversation=${conversationId}`), { cookie: client.cookie!, origin: a.base });
  await agent.opened;
  agent.send({ type: "resume", after: 0 });
  await agent.next((f) => f.includes("hello"));
  const pageB = await visitorPage(b, cookie);
  while (!pageB.frames.some((f) => f.startsWith('{"type":"typing"'))) {
    agent.send({ type: "typing", conversation: conversationId });
    await Bun.sleep(100);
  }
  return { a, b, client, cookie, agent, pageA, pageB, conversationId, visitorId };
}

/** The same agent's console in another tab, served by `process`. */
async function agentConsoleOn(process: KefuProcess, cookie: string, conversationId: number) {
  const socket = new TestSocket(process.ws(`/ws/agent?conversation=${conversationId}`), { cookie, origin: process.base });
  await socket.opened;
  return socket;
}

/** The agent rings; resolves with the call's id once both of the visitor's pages show the invitation. */
async function ring(agent: TestSocket, pages: TestSocket[], conversationId: number) {
  const mark = agent.frames.length;
  agent.send({ type: "call-invite", media: "video", conversation: conversationId });
  const { callId } = JSON.parse(await agent.next(isCall("ringing"), 2000, mark));
  for (const page of pages) await page.next((f) => isCall("invite")(f) && JSON.parse(f).callId === callId);
  return callId as string;
}

/** The call's lines stored, one per call however many processes took part. */
const callLines = (process: KefuProcess) => process.sqlite.query("SELECT meta FROM messages WHERE body = 'call'").all() as { meta: string }[];

describe("a call across two processes", () => {
  for (const hanger of ["agent", "visitor"] as const) {
    it(`relays the signalling both ways, and the ${hanger}'s hang-up ends it on both sides with one line`, async () => {
      const { a, agent, pageA, pageB, conversationId } = await visitorOnBothProcesses();
      const callId = await ring(agent, [pageA, pageB], conversationId);

      pageB.send({ type: "call-accept", callId });
      await agent.next(isCall("accepted"));
      await pageA.next(isCall("ended", "answeredElsewhere"));
      agent.send({ type: "call-offer", callId, sdp });
      expect(JSON.parse(await pageB.next(isCall("offer")))).toEqual({ type: "call", signal: "offer", callId, sdp });
      pageB.send({ type: "call-answer", callId, sdp });
      expect(JSON.parse(await agent.next(isCall("answer")))).toEqual({ type: "call", signal: "answer", callId, sdp });
      pageB.send({ type: "call-ice", callId, candidate });
      expect(JSON.parse(await agent.next(isCall("ice"))).candidate).toEqual(candidate);
      agent.send({ type: "call-ice", callId, candidate });
      expect(JSON.parse(await pageB.next(isCall("ice"))).candidate).toEqual(candidate);

      const [ends, other] = hanger === "agent" ? [agent, pageB] : [pageB, agent];
      ends.send({ type: "call-hangup", callId });
      await other.next(isCall("ended", "hungUp"));
      await agent.next((f) => f.includes("Video call, 0:0"));
      await pageB.next((f) => f.includes("Video call, 0:0"));
      await Bun.sleep(200);
      expect(callLines(a)).toHaveLength(1);
      expect(JSON.parse(callLines(a)[0]!.meta)).toMatchObject({ media: "video", outcome: "ended" });
      expect(agent.frames.filter((f) => f.includes("Video call, 0:0"))).toHaveLength(1);
      expect(pageA.frames.filter(isCall("offer"))).toEqual([]);
      expect(ends.frames.filter(isCall("ended", "hungUp"))).toEqual([]);
    });
  }

  it("refuses a second invitation from the other process while the visitor's phone rings, and takes one after", async () => {
    const { b, client, agent, pageA, pageB, conversationId } = await visitorOnBothProcesses();
    const callId = await ring(agent, [pageA, pageB], conversationId);
    const agentOnB = await agentConsoleOn(b, client.cookie!, conversationId);
    agentOnB.send({ type: "call-invite", media: "voice", conversation: conversationId });
    expect(JSON.parse(await agentOnB.next(isError))).toEqual({ type: "error", message: "You or the visitor are already in a call.", call: true });
    await Bun.sleep(100);
    expect(pageB.frames.filter(isCall("invite"))).toHaveLength(1);

    // Ended, the call frees the visitor for everyone.
    agent.send({ type: "call-hangup", callId });
    await pageB.next(isCall("ended", "hungUp"));
    await ring(agentOnB, [pageA, pageB], conversationId);
  });

  it("rings once when the agent invites from both processes at the same moment", async () => {
    const { b, client, agent, pageB, conversationId } = await visitorOnBothProcesses();
    const agentOnB = await agentConsoleOn(b, client.cookie!, conversationId);
    for (const console of [agent, agentOnB]) console.send({ type: "call-invite", media: "video", conversation: conversationId });
    await pageB.next(isCall("invite"));
    await Bun.sleep(300);
    const answers = [...agent.frames, ...agentOnB.frames].filter((f) => isCall("ringing")(f) || isError(f));
    expect(answers.filter(isCall("ringing"))).toHaveLength(1);
    expect(answers.filter(isError).map((f) => JSON.parse(f).message)).toEqual(["You or the visitor are already in a call."]);
    expect(pageB.frames.filter(isCall("invite"))).toHaveLength(1);
  });

  it("keeps the visitor busy for as long as an answered call lasts, past its ring time", async () => {
    const { b, client, agent, pageA, pageB, conversationId } = await visitorOnBothProcesses({ callRingMs: 300 });
    const callId = await ring(agent, [pageA, pageB], conversationId);
    pageB.send({ type: "call-accept", callId });
    await agent.next(isCall("accepted"));
    // Past the ring and the slack the record has while ringing.
    await Bun.sleep(2_600);
    const agentOnB = await agentConsoleOn(b, client.cookie!, conversationId);
    agentOnB.send({ type: "call-invite", media: "voice", conversation: conversationId });
    expect(JSON.parse(await agentOnB.next(isError)).message).toBe("You or the visitor are already in a call.");
    expect(agent.frames.filter(isCall("ended"))).toEqual([]);
  });

  it("is declined from the other process: the agent is told, and the thread says so once", async () => {
    const { a, agent, pageA, pageB, conversationId } = await visitorOnBothProcesses();
    const callId = await ring(agent, [pageA, pageB], conversationId);
    pageB.send({ type: "call-refuse", callId });
    expect(JSON.parse(await agent.next(isCall("ended")))).toMatchObject({ callId, reason: "refused" });
    await pageA.next(isCall("ended", "refused"));
    await pageB.next((f) => f.includes("Video call declined"));
    // Declining again (a second click, or the other page) finds no call.
    const mark = pageB.frames.length;
    pageB.send({ type: "call-refuse", callId });
    expect(JSON.parse(await pageB.next(isError, 2000, mark)).message).toBe("This call has ended.");
    expect(callLines(a)).toHaveLength(1);
  });

  it("is missed on every page of the visitor's when nobody answers, by the inviting process's clock", async () => {
    const { a, b, agent, pageA, pageB, conversationId } = await visitorOnBothProcesses({ callRingMs: 300 });
    await ring(agent, [pageA, pageB], conversationId);
    expect(JSON.parse(await agent.next(isCall("ended")))).toMatchObject({ reason: "missed" });
    await pageB.next(isCall("ended", "missed"));
    await pageB.next((f) => f.includes("Missed video call"));
    await Bun.sleep(200);
    expect(callLines(a)).toHaveLength(1);
    expect(callLines(b)).toHaveLength(1);
  });

  it("ends for the agent when the answering page on the other process closes", async () => {
    const { a, agent, pageA, pageB, conversationId } = await visitorOnBothProcesses();
    const callId = await ring(agent, [pageA, pageB], conversationId);
    pageB.send({ type: "call-accept", callId });
    await agent.next(isCall("accepted"));
    pageB.close();
    expect(JSON.parse(await agent.next(isCall("ended")))).toMatchObject({ callId, reason: "hungUp" });
    await agent.next((f) => f.includes("Video call, 0:0"));
    expect(callLines(a)).toHaveLength(1);
  });

  it("ends when the visitor is deleted on the other process", async () => {
    const { b, agent, pageA, pageB, conversationId, visitorId } = await visitorOnBothProcesses();
    const callId = await ring(agent, [pageA, pageB], conversationId);
    pageA.send({ type: "call-accept", callId });
    await agent.next(isCall("accepted"));
    const { client: owner } = await signedIn(b, "owner");
    const deleted = await owner.post(`/console/customers/${visitorId}/delete`, { understood: "yes" });
    expect(deleted.status).toBe(303);
    expect(JSON.parse(await agent.next(isCall("ended")))).toMatchObject({ callId, reason: "hungUp" });
  });
});

describe("a call while Redis is away", () => {
  it("tells the agent calls are unavailable for a moment, and rings again once the pages are back after Redis", async () => {
    const ownRedis = await startRedisServer();
    try {
      const { a, client, cookie, agent, pageA, conversationId } = await visitorOnBothProcesses({ redisUrl: ownRedis.url });
      await ownRedis.stop({ crash: true });
      agent.send({ type: "call-invite", media: "video", conversation: conversationId });
      expect(JSON.parse(await agent.next(isError, 4000))).toEqual({ type: "error", message: "Calls are unavailable for a moment; try again.", call: true });
      expect(pageA.frames.filter(isCall("invite"))).toEqual([]);
      await ownRedis.restart();
      // Redis back: every socket closes to catch up (cluster-effects.ts), and the pages reconnect.
      expect((await agent.closedWith(8000)).code).toBe(1001);
      const again = await agentConsoleOn(a, client.cookie!, conversationId);
      again.send({ type: "resume", after: 0 });
      const page = await visitorPage(a, cookie);
      await ring(again, [page], conversationId);
    } finally {
      await ownRedis.stop();
    }
  }, 15_000);
});

describe("who may signal into a call across processes", () => {
  it("relays nothing from a page that did not accept, on either process, nor from another visitor", async () => {
    const { a, b, cookie, agent, pageA, pageB, conversationId } = await visitorOnBothProcesses();
    const callId = await ring(agent, [pageA, pageB], conversationId);
    pageB.send({ type: "call-accept", callId });
    await agent.next(isCall("accepted"));
    agent.send({ type: "call-offer", callId, sdp });
    await pageB.next(isCall("offer"));

    // The visitor's other page on B, their page on A, and another visitor on B all name the call.
    const otherPageB = await visitorPage(b, cookie);
    const stranger = await visitorPage(b, await visitChat(b.base, b.business.widgetKey));
    for (const page of [otherPageB, pageA, stranger]) {
      const mark = page.frames.length;
      page.send({ type: "call-accept", callId });
      page.send({ type: "call-answer", callId, sdp });
      page.send({ type: "call-ice", callId, candidate });
      page.send({ type: "call-hangup", callId });
      await page.next(() => page.frames.slice(mark).filter(isError).length === 4);
      expect(page.frames.slice(mark).filter(isError).map((f) => JSON.parse(f).message)).toEqual(Array(4).fill("This call has ended."));
    }
    await Bun.sleep(200);
    expect(agent.frames.filter((f) => isCall("answer")(f) || isCall("ice")(f) || isCall("ended")(f))).toEqual([]);
    // The page that accepted still has the call, and the agent hears it.
    pageB.send({ type: "call-answer", callId, sdp });
    await agent.next(isCall("answer"));
    expect(callLines(a)).toEqual([]);
  });
});
