// The visitor's chat page as HTTP and its socket answer it: the links it builds to itself, and its header.
import { describe, expect, it } from "bun:test";
import { createGroup } from "../../src/domain/groups";
import { saveHours } from "../../src/domain/hours";
import { messageLimits } from "../../src/domain/limits";
import { addMember, chatting, Client, listeningApps, openChat, signedIn, testApp, TestSocket, type ListeningApp, wsUrl } from "../support";

type Ctx = ReturnType<typeof testApp>;

/** What a browser follows: the page's attribute values, entities decoded. */
const decoded = (value: string) => value.replaceAll("&amp;", "&");
const hrefs = (page: string, pattern: RegExp) => [...page.matchAll(pattern)].map((match) => decoded(match[1]!));

/** How the widget opens the page, in Chinese, and how WeChat's menu link does. */
const embedded = "embed=1&locale=zh-CN";

/** A closed conversation of the visitor holding more than two pages of messages. */
function longHistory(ctx: Ctx, visitorId: number) {
  const { id } = ctx.sqlite.query("INSERT INTO conversations (business_id, visitor_id, status) VALUES (?, ?, 'closed') RETURNING id").get(ctx.business.id, visitorId) as { id: number };
  for (let index = 0; index <= 2 * messageLimits.historyPage; index++) {
    ctx.sqlite.run("INSERT INTO messages (conversation_id, sender, body, client_id) VALUES (?, 'visitor', ?, ?)", [id, `old message ${index}`, `old-${index}`]);
  }
}

describe("the chat page's links to itself", () => {
  it("keeps the widget's frame, the chosen language and the way in on every group of the picker", async () => {
    const ctx = testApp();
    const owner = await addMember(ctx, "owner", "owner@example.com");
    const sales = createGroup(ctx.db, owner, "Sales");
    ctx.sqlite.run("UPDATE businesses SET group_picker = 1");
    const visitor = new Client(ctx.app);
    const page = await (await visitor.get(`/chat/${ctx.business.widgetKey}?${embedded}&via=wechat`)).text();
    expect(page).toContain("您想咨询哪个部门？");
    expect(hrefs(page, /<li><a class="button" href="([^"]+)"/g)).toEqual([`/chat/${ctx.business.widgetKey}?group=${sales.id}&locale=zh-CN&embed=1&via=wechat`]);

    // The chosen group's page may be framed by the shop's site, as the picker was.
    const chosen = await visitor.get(`/chat/${ctx.business.widgetKey}?group=${sales.id}&locale=zh-CN&embed=1&via=wechat`);
    expect(chosen.headers.get("content-security-policy")).toContain("frame-ancestors *");
    const socket = decoded(/hx-ws:connect="([^"]+)"/.exec(await chosen.text())![1]!);
    expect(socket).toBe(`/chat/${ctx.business.widgetKey}/ws?group=${sales.id}&locale=zh-CN&embed=1&via=wechat`);
  });

  it("keeps them on the away agent's 'chat with anyone' link, which asks for nobody in particular", async () => {
    const ctx = testApp();
    const away = await addMember(ctx, "agent", "away@example.com");
    const page = await (await new Client(ctx.app).get(`/chat/${ctx.business.widgetKey}?agent=${away.id}&${embedded}`)).text();
    expect(hrefs(page, /id="requested-away">[^<]*<a href="([^"]+)"/g)).toEqual([`/chat/${ctx.business.widgetKey}?locale=zh-CN&embed=1`]);
  });

  it("keeps them on the earlier-messages link, whose messages come in the chosen language", async () => {
    const ctx = testApp();
    const { browser: visitor, visitor: stored } = await openChat(ctx);
    longHistory(ctx, stored.id);
    const page = await (await visitor.get(`/chat/${ctx.business.widgetKey}?${embedded}`)).text();
    const [earlier] = hrefs(page, /<div id="earlier"><button[^>]* hx-get="([^"]+)"/g);
    expect(earlier).toMatch(new RegExp(`^/chat/${ctx.business.widgetKey}/messages\\?before=\\d+&locale=zh-CN&embed=1$`));
    const fragment = await visitor.get(earlier!, { "accept-language": "en" });
    expect(fragment.status).toBe(200);
    const older = await fragment.text();
    expect(older).toContain("old message 1<");
    expect(older).toContain("更早的消息");
    expect(hrefs(older, /hx-get="([^"]+)"/g)[0]).toEndWith("&locale=zh-CN&embed=1");
  });

  it("keeps the language on the leave-a-message form, whose answer comes in it", async () => {
    const ctx = testApp();
    ctx.sqlite.run("UPDATE businesses SET offline_when_no_agent = 1");
    const visitor = new Client(ctx.app);
    const page = await (await visitor.get(`/chat/${ctx.business.widgetKey}?${embedded}`)).text();
    const [action] = hrefs(page, /hx-post="([^"]+)"/g);
    expect(action).toBe(`/chat/${ctx.business.widgetKey}/leave-message?locale=zh-CN&embed=1`);
    const left = await visitor.post(action!, { name: "Lin", phone: "", email: "lin@example.com", message: "Call me" }, { "accept-language": "en" });
    expect(left.status).toBe(200);
    expect(await left.text()).toContain("谢谢！我们已收到您的留言");
  });
});

describe("the chat window's header", () => {
  const start = listeningApps();

  async function agentOnline(ctx: ListeningApp, email: string) {
    const { client } = await signedIn(ctx, "agent", email);
    const socket = new TestSocket(wsUrl(ctx, "/ws/agent"), { cookie: client.cookie!, origin: ctx.base });
    await socket.opened;
    return socket;
  }

  const chatPage = async (ctx: ListeningApp, headers: Record<string, string> = {}) =>
    (await fetch(`${ctx.base}/chat/${ctx.business.widgetKey}`, { headers: { "accept-language": "en", ...headers } })).text();

  it("shows the window title with up to three of the online team and how soon they reply, in the shop's colour", async () => {
    const ctx = start();
    ctx.sqlite.run("UPDATE businesses SET widget_title = 'Tea House <support>', widget_color = '#fde047'");
    for (const name of ["ana", "bo", "cy", "di"]) await agentOnline(ctx, `${name}@example.com`);
    const page = await chatPage(ctx);
    expect(page).toContain('style="--brand:#fde047;--on-brand:#111111;');
    expect(page).toContain("<strong>Tea House &lt;support&gt;</strong>");
    const team = page.slice(page.indexOf('<span class="team"'), page.indexOf('<small class="reply-time"'));
    expect(team.match(/class="avatar\b/g)).toHaveLength(3);
    expect(page).toContain('<small class="reply-time">Usually replies in a few minutes</small>');
    // Nothing goes on yet: no ⋯ menu's "End chat" to offer.
    expect(page).toMatch(/<div id="agent-status" class="agent-status"\s*>/);
  });

  it("says when the shop is back outside its hours, in the reader's language, and shows no faces", async () => {
    const ctx = start();
    await agentOnline(ctx, "ana@example.com");
    const owner = await addMember(ctx, "owner", "owner@example.com");
    const today = new Date().toISOString().slice(0, 10);
    const everyDay = [0, 1, 2, 3, 4, 5, 6].map((weekday) => ({ weekday, opensAt: "09:00", closesAt: "18:00" }));
    saveHours(ctx.db, owner, { timezone: "UTC", days: everyDay, closedDates: [today], offlineText: "", noAgentText: "", offlineWhenNoAgent: false, offlineRequired: [] });
    expect(await chatPage(ctx)).toContain('<small class="reply-time">Back tomorrow at 09:00</small>');
    const zh = await chatPage(ctx, { "accept-language": "zh-CN" });
    expect(zh).toContain('<small class="reply-time">明天 09:00 恢复在线</small>');
    expect(zh).not.toMatch(/class="avatar\s*" aria-hidden="true">a</);
    expect(await chatPage(ctx)).not.toMatch(/class="avatar\s*" aria-hidden="true">a</);
  });

  it("announces new messages: the thread is a polite live region", async () => {
    const ctx = start();
    expect(await chatPage(ctx)).toContain('<div id="thread" class="thread" data-side="visitor" role="log" aria-live="polite">');
  });

  it("stops offering to end the chat and saying the agent is online once the visitor ended it", async () => {
    const ctx = start();
    const { visitor } = await chatting(ctx);
    const status = await visitor.next((f) => f.includes('hx-target="#agent-status"') && f.includes("data-agent"));
    expect(status).toContain("data-ongoing");
    expect(status).toContain('class="presence online"');
    const mark = visitor.frames.length;
    visitor.send({ type: "end" });
    const ended = await visitor.next((f) => f.includes('hx-target="#agent-status"'), 2000, mark);
    expect(ended).not.toContain("data-ongoing");
    expect(ended).not.toContain("presence");
  });
});
