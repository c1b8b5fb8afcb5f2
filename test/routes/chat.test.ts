// The visitor's chat page as HTTP answers it: the links it builds to itself, and what it shows.
import { describe, expect, it } from "bun:test";
import { createGroup } from "../../src/domain/groups";
import { messageLimits } from "../../src/domain/limits";
import { addMember, Client, testApp } from "../support";

type Ctx = ReturnType<typeof testApp>;

/** What a browser follows: the page's attribute values, entities decoded. */
const decoded = (value: string) => value.replaceAll("&amp;", "&");
const hrefs = (page: string, pattern: RegExp) => [...page.matchAll(pattern)].map((match) => decoded(match[1]!));

/** How the widget opens the page, in Chinese, and how WeChat's menu link does. */
const embedded = "embed=1&locale=zh-CN";

function newestVisitorId(ctx: Ctx): number {
  return (ctx.sqlite.query("SELECT max(id) AS id FROM visitors").get() as { id: number }).id;
}

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
    const visitor = new Client(ctx.app);
    await visitor.get(`/chat/${ctx.business.widgetKey}`);
    longHistory(ctx, newestVisitorId(ctx));
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
