import { afterEach, describe, expect, it } from "bun:test";
import { createHmac } from "node:crypto";
import { businesses } from "../../src/db/schema";
import { addAgent } from "../../src/domain/agents";
import { callLimits } from "../../src/domain/limits";
import { parseAgentFrame, parseVisitorFrame } from "../../src/realtime/frames";
import { chatting, type ListeningApp, listeningApp, signedIn, TestSocket, visitChat, wsUrl } from "../support";

let running: ListeningApp[] = [];
afterEach(() => {
  for (const app of running) app.stop();
  running = [];
});
function start(callRingMs?: number) {
  const ctx = listeningApp({ callRingMs });
  running.push(ctx);
  return ctx;
}

const isCall = (signal: string) => (frame: string) => frame.startsWith('{"type":"call"') && JSON.parse(frame).signal === signal;
const isError = (frame: string) => frame.startsWith('{"type":"error"');
const callFrames = (socket: TestSocket) => socket.frames.filter((frame) => frame.startsWith('{"type":"call'));
const sdp = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n";
const candidate = { candidate: "candidate:1 1 udp 2122260223 192.168.1.2 54321 typ host", sdpMid: "0", sdpMLineIndex: 0, usernameFragment: "abcd" };

/** The agent rings the visitor; resolves with the call's id once the visitor's page shows the invitation. */
async function ring(agent: TestSocket, visitor: TestSocket, conversationId: number, media: "voice" | "video" = "video") {
  agent.send({ type: "call-invite", media, conversation: conversationId });
  const ringing = JSON.parse(await agent.next(isCall("ringing")));
  const invite = JSON.parse(await visitor.next(isCall("invite")));
  expect(invite.callId).toBe(ringing.callId);
  return ringing.callId as string;
}

/** A socket of the same test app for someone else: another visitor's page. */
async function otherVisitor(ctx: ListeningApp) {
  const cookie = await visitChat(ctx.base, ctx.business.widgetKey);
  const socket = new TestSocket(wsUrl(ctx, `/chat/${ctx.business.widgetKey}/ws`), { cookie, origin: ctx.base });
  await socket.opened;
  socket.send({ type: "resume", after: 0 });
  return socket;
}

describe("call frames", () => {
  it("take the signalling of a call and refuse oversized or extra fields", () => {
    expect(parseAgentFrame({ type: "call-invite", media: "video", conversation: 3 })).not.toBeNull();
    expect(parseAgentFrame({ type: "call-invite", media: "screen" })).toBeNull();
    expect(parseAgentFrame({ type: "call-offer", callId: "abcdefgh12", sdp })).not.toBeNull();
    expect(parseAgentFrame({ type: "call-offer", callId: "abcdefgh12", sdp: "a".repeat(callLimits.sdpLength + 1) })).toBeNull();
    expect(parseVisitorFrame({ type: "call-ice", callId: "abcdefgh12", candidate })).not.toBeNull();
    expect(parseVisitorFrame({ type: "call-ice", callId: "abcdefgh12", candidate: { ...candidate, candidate: "a".repeat(callLimits.candidateLength + 1) } })).toBeNull();
    expect(parseVisitorFrame({ type: "call-ice", callId: "abcdefgh12", candidate: { ...candidate, extra: 1 } })).toBeNull();
    expect(parseVisitorFrame({ type: "call-accept", callId: "../../etc" })).toBeNull();
    // Each side sends only its own part: visitors never invite or offer, agents never accept or answer.
    expect(parseVisitorFrame({ type: "call-invite", media: "video" })).toBeNull();
    expect(parseVisitorFrame({ type: "call-offer", callId: "abcdefgh12", sdp })).toBeNull();
    expect(parseAgentFrame({ type: "call-accept", callId: "abcdefgh12" })).toBeNull();
    expect(parseAgentFrame({ type: "call-answer", callId: "abcdefgh12", sdp })).toBeNull();
  });
});

describe("a call", () => {
  it("relays the signalling between the visitor and the agent, and leaves its line with the duration in both threads", async () => {
    const ctx = start();
    const { agent, visitor, conversationId } = await chatting(ctx);
    const callId = await ring(agent, visitor, conversationId);
    const invite = JSON.parse(visitor.frames.find(isCall("invite"))!);
    expect(invite).toMatchObject({ media: "video", from: "agent", iceServers: [] });
    expect(invite.texts.accept).toBe("Accept");

    visitor.send({ type: "call-accept", callId });
    await agent.next(isCall("accepted"));
    agent.send({ type: "call-offer", callId, sdp });
    expect(JSON.parse(await visitor.next(isCall("offer")))).toEqual({ type: "call", signal: "offer", callId, sdp });
    visitor.send({ type: "call-answer", callId, sdp });
    expect(JSON.parse(await agent.next(isCall("answer")))).toEqual({ type: "call", signal: "answer", callId, sdp });
    visitor.send({ type: "call-ice", callId, candidate });
    expect(JSON.parse(await agent.next(isCall("ice"))).candidate).toEqual(candidate);
    agent.send({ type: "call-ice", callId, candidate });
    await visitor.next(isCall("ice"));

    agent.send({ type: "call-hangup", callId });
    // (Its pages were told "answered elsewhere" at the accept, this one too: its call.js ignores that.)
    await visitor.next((frame) => isCall("ended")(frame) && JSON.parse(frame).reason === "hungUp");
    await visitor.next((frame) => frame.includes("Video call, 0:0"));
    await agent.next((frame) => frame.includes("Video call, 0:0"));
    // Nothing of the signalling is stored: one line for the whole call.
    const stored = ctx.sqlite.query("SELECT body, meta FROM messages WHERE body = 'call'").all() as { meta: string }[];
    expect(stored).toHaveLength(1);
    expect(JSON.parse(stored[0]!.meta)).toMatchObject({ media: "video", outcome: "ended" });
  });

  it("gives both ends the shop's STUN and TURN servers", async () => {
    const ctx = start();
    ctx.db.update(businesses).set({ callServers: { urls: ["stun:stun.example.com:3478", "turns:turn.example.com:5349"], username: "kefu", credential: "pass" } }).run();
    const { agent, visitor, conversationId } = await chatting(ctx);
    await ring(agent, visitor, conversationId);
    const iceServers = [{ urls: ["stun:stun.example.com:3478"] }, { urls: ["turns:turn.example.com:5349"], username: "kefu", credential: "pass" }];
    expect(JSON.parse(agent.frames.find(isCall("ringing"))!).iceServers).toEqual(iceServers);
    expect(JSON.parse(visitor.frames.find(isCall("invite"))!).iceServers).toEqual(iceServers);
  });

  it("makes each call its own TURN credentials from the shop's shared secret, valid for a day", async () => {
    const ctx = start();
    ctx.db.update(businesses).set({ callServers: { urls: ["turn:turn.example.com:3478"], username: "fixed", credential: "fixed", secret: "coturn-secret" } }).run();
    const { agent, visitor, conversationId } = await chatting(ctx);
    await ring(agent, visitor, conversationId);
    const [turn] = JSON.parse(visitor.frames.find(isCall("invite"))!).iceServers;
    const [expiry] = turn.username.split(":");
    expect(Number(expiry) - Date.now() / 1000).toBeGreaterThan(86_000);
    expect(turn.credential).toBe(createHmac("sha1", "coturn-secret").update(turn.username).digest("base64"));
    expect(JSON.stringify(visitor.frames)).not.toContain("coturn-secret");
  });

  it("tells the agent the visitor declined, and says so in the thread", async () => {
    const ctx = start();
    const { agent, visitor, conversationId } = await chatting(ctx);
    const callId = await ring(agent, visitor, conversationId, "voice");
    visitor.send({ type: "call-refuse", callId });
    expect(JSON.parse(await agent.next(isCall("ended")))).toMatchObject({ callId, reason: "refused" });
    await agent.next((frame) => frame.includes("Voice call declined"));
  });

  it("is missed when nobody answers in time", async () => {
    const ctx = start(200);
    const { agent, visitor, conversationId } = await chatting(ctx);
    await ring(agent, visitor, conversationId, "voice");
    expect(JSON.parse(await agent.next(isCall("ended")))).toMatchObject({ reason: "missed" });
    expect(JSON.parse(await visitor.next(isCall("ended")))).toMatchObject({ reason: "missed" });
    await visitor.next((frame) => frame.includes("Missed voice call"));
  });

  it("ends when the page that took it closes", async () => {
    const ctx = start();
    const { agent, visitor, conversationId } = await chatting(ctx);
    const callId = await ring(agent, visitor, conversationId);
    visitor.send({ type: "call-accept", callId });
    await agent.next(isCall("accepted"));
    visitor.close();
    expect(JSON.parse(await agent.next(isCall("ended")))).toMatchObject({ reason: "hungUp" });
    await agent.next((frame) => frame.includes("Video call, 0:0"));
  });

  it("rings a visitor in one call at a time", async () => {
    const ctx = start();
    const { agent, visitor, conversationId } = await chatting(ctx);
    await ring(agent, visitor, conversationId);
    const mark = agent.frames.length;
    agent.send({ type: "call-invite", media: "voice", conversation: conversationId });
    expect(JSON.parse(await agent.next(isError, 2000, mark))).toEqual({ type: "error", message: "You or the visitor are already in a call.", call: true });
  });
});

describe("who may call and be relayed", () => {
  it("refuses a colleague who does not have the conversation, and the visitor hears nothing", async () => {
    const ctx = start();
    const { visitor, conversationId } = await chatting(ctx);
    const { client } = await signedIn(ctx, "admin", "colleague@example.com");
    const colleague = new TestSocket(wsUrl(ctx, `/ws/agent?conversation=${conversationId}`), { cookie: client.cookie!, origin: ctx.base });
    await colleague.opened;
    colleague.send({ type: "call-invite", media: "video", conversation: conversationId });
    expect(JSON.parse(await colleague.next(isError)).message).toBe("Only the agent who has the conversation can call the visitor.");
    await Bun.sleep(100);
    expect(callFrames(visitor)).toEqual([]);
  });

  it("refuses another shop's agent naming the conversation", async () => {
    const ctx = start();
    const { visitor, conversationId } = await chatting(ctx);
    const other = ctx.db.insert(businesses).values({ name: "Other", widgetKey: "other-key", identitySecret: "s" }).returning().get();
    await addAgent(ctx.db, { businessId: other.id, email: "intruder@example.com", name: "Intruder", role: "owner", password: "correct horse" });
    const login = await fetch(`${ctx.base}/login`, {
      method: "POST",
      redirect: "manual",
      headers: { origin: ctx.base, "content-type": "application/x-www-form-urlencoded" },
      body: "email=intruder%40example.com&password=correct+horse",
    });
    const intruder = new TestSocket(wsUrl(ctx, "/ws/agent"), { cookie: login.headers.getSetCookie()[0]!.split(";")[0]!, origin: ctx.base });
    await intruder.opened;
    intruder.send({ type: "call-invite", media: "video", conversation: conversationId });
    expect(JSON.parse(await intruder.next(isError)).call).toBe(true);
    await Bun.sleep(100);
    expect(callFrames(visitor)).toEqual([]);
  });

  it("relays nothing from another visitor or another socket naming the call", async () => {
    const ctx = start();
    const { agent, visitor, conversationId, client } = await chatting(ctx);
    const callId = await ring(agent, visitor, conversationId);
    const stranger = await otherVisitor(ctx);
    stranger.send({ type: "call-accept", callId });
    stranger.send({ type: "call-answer", callId, sdp });
    stranger.send({ type: "call-ice", callId, candidate });
    await stranger.next(() => stranger.frames.filter(isError).length === 3);
    expect(stranger.frames.filter(isError).every((frame) => JSON.parse(frame).message === "This call has ended.")).toBe(true);
    // The visitor's call still rings for them alone.
    visitor.send({ type: "call-accept", callId });
    await agent.next(isCall("accepted"));
    // The same agent's other console tab is not the end that invited.
    const otherTab = new TestSocket(wsUrl(ctx, `/ws/agent?conversation=${conversationId}`), { cookie: client.cookie!, origin: ctx.base });
    await otherTab.opened;
    otherTab.send({ type: "call-offer", callId, sdp });
    await otherTab.next(isError);
    await Bun.sleep(100);
    expect(callFrames(visitor).filter((frame) => JSON.parse(frame).signal === "offer")).toEqual([]);
    expect(callFrames(agent).filter((frame) => ["answer", "ice"].includes(JSON.parse(frame).signal))).toEqual([]);
  });

  it("refuses an oversized offer with an error, relaying nothing", async () => {
    const ctx = start();
    const { agent, visitor, conversationId } = await chatting(ctx);
    const callId = await ring(agent, visitor, conversationId);
    visitor.send({ type: "call-accept", callId });
    await agent.next(isCall("accepted"));
    agent.send({ type: "call-offer", callId, sdp: "a".repeat(callLimits.sdpLength + 1) });
    expect(JSON.parse(await agent.next(isError)).message).toContain("unknown frame");
    await Bun.sleep(100);
    expect(callFrames(visitor).filter((frame) => JSON.parse(frame).signal === "offer")).toEqual([]);
  });

  it("lets an agent ring only so many times a minute, and says so", async () => {
    const ctx = start();
    const { agent, visitor, conversationId } = await chatting(ctx);
    for (let rung = 0; rung < callLimits.invitesPerMinute; rung++) {
      const callId = await ring(agent, visitor, conversationId);
      agent.send({ type: "call-hangup", callId });
      await visitor.next((frame) => isCall("ended")(frame) && JSON.parse(frame).callId === callId);
      visitor.frames.length = 0;
      agent.frames.length = 0;
    }
    agent.send({ type: "call-invite", media: "voice", conversation: conversationId });
    expect(JSON.parse(await agent.next(isError)).message).toBe("Too many calls at once; wait a minute.");
    await Bun.sleep(100);
    expect(callFrames(visitor)).toEqual([]);
  });

  it("does not ring a visitor who is offline", async () => {
    const ctx = start();
    const { agent, visitor, conversationId } = await chatting(ctx);
    visitor.close();
    await Bun.sleep(200);
    agent.send({ type: "call-invite", media: "voice", conversation: conversationId });
    expect(JSON.parse(await agent.next(isError)).message).toBe("The visitor is offline: they cannot take a call now.");
  });
});
