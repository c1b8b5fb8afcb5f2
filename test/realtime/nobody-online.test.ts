import { describe, expect, it } from "bun:test";
import { type ListeningApp, listeningApps, signedIn, TestSocket, visitChat, wsUrl } from "../support";

const start = listeningApps();
const defaultText = "Nobody is online right now. Leave your message here and we will answer as soon as someone is back.";

async function chatPage(ctx: ListeningApp, cookie?: string): Promise<string> {
  const response = await fetch(`${ctx.base}/chat/${ctx.business.widgetKey}`, { headers: { "accept-language": "en", ...(cookie ? { cookie } : {}) } });
  expect(response.status).toBe(200);
  return response.text();
}

async function agentOnline(ctx: ListeningApp, cookie: string): Promise<TestSocket> {
  const socket = new TestSocket(wsUrl(ctx, "/ws/agent"), { cookie, origin: ctx.base });
  await socket.opened;
  socket.send({ type: "resume", after: 0 });
  return socket;
}

describe("a visitor who comes while nobody is online", () => {
  it("is told at once, before writing, in the shop's own words when it has some, and not once someone is online", async () => {
    const ctx = start();
    expect(await chatPage(ctx)).toContain(`<p id="queue-position" class="queue nobody-online" role="status">${defaultText}</p>`);
    ctx.sqlite.run("UPDATE businesses SET no_agent_text = 'The team is at lunch &amp; back at one.', offline_text = 'Closed for the night.'");
    const page = await chatPage(ctx);
    expect(page).toContain("The team is at lunch &amp;amp; back at one.");
    expect(page).not.toContain("Closed for the night.");
    const { client } = await signedIn(ctx, "agent");
    await agentOnline(ctx, client.cookie!);
    expect(await chatPage(ctx)).not.toContain("nobody-online");
  });

  it("hears it instead of 'You are next in line' while waiting, and its place in line once an agent comes online", async () => {
    const ctx = start();
    ctx.sqlite.run("UPDATE businesses SET routing_mode = 'claim'");
    const cookie = await visitChat(ctx.base, ctx.business.widgetKey);
    const visitor = new TestSocket(wsUrl(ctx, `/chat/${ctx.business.widgetKey}/ws?locale=en`), { cookie, origin: ctx.base });
    await visitor.opened;
    visitor.send({ type: "resume", after: 0 });
    visitor.send({ type: "send", clientId: crypto.randomUUID(), body: "Anyone there?" });
    const waiting = await visitor.next((f) => f.includes('id="queue-position"'));
    expect(waiting).toContain(defaultText);
    expect(waiting).not.toContain("You are next in line.");
    expect(await chatPage(ctx, cookie)).toContain(defaultText);

    const mark = visitor.frames.length;
    const { client } = await signedIn(ctx, "agent");
    await agentOnline(ctx, client.cookie!);
    const someone = await visitor.next((f) => f.includes('id="queue-position"'), 2000, mark);
    expect(someone).toContain("You are next in line.");
    expect(someone).not.toContain(defaultText);
  });

  it("sees the nobody-online text above the leave-a-message form when the shop shows the form then, not the after-hours text", async () => {
    const ctx = start();
    ctx.sqlite.run("UPDATE businesses SET offline_when_no_agent = 1, no_agent_text = 'Everyone is with a customer.', offline_text = 'Closed for the night.'");
    const page = await chatPage(ctx);
    expect(page).toContain('id="leave-message"');
    expect(page).toContain("Everyone is with a customer.");
    expect(page).not.toContain("Closed for the night.");
  });
});
