// The pre-chat form as the visitor's page serves and takes it, and the hours page that turns it on.
import { describe, expect, it } from "bun:test";
import { Client, signedIn, testApp } from "../support";

const formOf = (page: string) => ({
  action: /<form method="post" action="([^"]+)"/.exec(page)?.[1]?.replaceAll("&amp;", "&"),
  clientId: /name="clientId" value="([^"]+)"/.exec(page)?.[1],
});

describe("the pre-chat form on the chat page", () => {
  it("asks an unknown visitor first, refuses a bad email in their language, then sends the question and shows the chat", async () => {
    const ctx = testApp();
    ctx.sqlite.run(`UPDATE businesses SET pre_chat_form = 1, pre_chat_required = '["name","email"]'`);
    const visitor = new Client(ctx.app);
    const page = await (await visitor.get(`/chat/${ctx.business.widgetKey}?embed=1&locale=zh-CN`)).text();
    expect(page).toContain('id="pre-chat"');
    expect(page).toContain("开始咨询前");
    expect(page).not.toContain('id="composer"');
    const { action, clientId } = formOf(page);
    expect(action).toBe(`/chat/${ctx.business.widgetKey}/pre-chat?locale=zh-CN&embed=1`);

    const refused = await visitor.post(action!, { name: "Lin", email: "lin@", phone: "", question: "Do you ship?", clientId: clientId! });
    expect(refused.status).toBe(422);
    const again = await refused.text();
    expect(again).toContain("请输入有效的邮箱地址");
    expect(again).toContain('value="Lin"');
    expect(ctx.sqlite.query("SELECT count(*) AS n FROM messages").get()).toEqual({ n: 0 });
    expect(ctx.sqlite.query("SELECT name, email FROM visitors").all()).toEqual([{ name: null, email: null }]);

    const sent = await visitor.post(action!, { name: "Lin", email: "lin@example.com", phone: "", question: "Do you ship?", clientId: clientId! }, { "hx-request": "true" });
    expect(sent.status).toBe(200);
    expect(sent.headers.get("hx-redirect")).toBe(`/chat/${ctx.business.widgetKey}?locale=zh-CN&embed=1`);
    expect(ctx.sqlite.query("SELECT name, email FROM visitors").all()).toEqual([{ name: "Lin", email: "lin@example.com" }]);
    expect(ctx.sqlite.query("SELECT sender, body FROM messages").all()).toEqual([{ sender: "visitor", body: "Do you ship?" }]);

    // Known now and in a conversation: the chat itself, and the form sends nothing more.
    const chat = await (await visitor.get(`/chat/${ctx.business.widgetKey}?embed=1&locale=zh-CN`)).text();
    expect(chat).not.toContain('id="pre-chat"');
    expect(chat).toContain('id="composer"');
    const late = await visitor.post(action!, { name: "", email: "", phone: "", question: "Again", clientId: "another-client-id" });
    expect(late.status).toBe(303);
    expect(ctx.sqlite.query("SELECT count(*) AS n FROM messages").get()).toEqual({ n: 1 });
  });

  it("names each missing required field in English", async () => {
    const ctx = testApp();
    ctx.sqlite.run(`UPDATE businesses SET pre_chat_form = 1, pre_chat_required = '["name","phone"]'`);
    const visitor = new Client(ctx.app);
    const { action, clientId } = formOf(await (await visitor.get(`/chat/${ctx.business.widgetKey}`, { "accept-language": "en" })).text());
    const refused = await visitor.post(action!, { name: "", email: "", phone: "", question: "", clientId: clientId! }, { "accept-language": "en" });
    expect(refused.status).toBe(422);
    const text = await refused.text();
    for (const message of ["Enter a name.", "Enter a phone number", "Write your question."]) expect(text).toContain(message);
  });

  it("is not shown with the setting off, nor to a visitor whose details the shop already has", async () => {
    const ctx = testApp();
    const off = await (await new Client(ctx.app).get(`/chat/${ctx.business.widgetKey}`)).text();
    expect(off).not.toContain('id="pre-chat"');
    ctx.sqlite.run(`UPDATE businesses SET pre_chat_form = 1`);
    const visitor = new Client(ctx.app);
    const { action } = formOf(await (await visitor.get(`/chat/${ctx.business.widgetKey}`)).text());
    // The visitor becomes known another way (the leave-a-message form, the host site's identify).
    await visitor.post(action!.replace("/pre-chat", "/leave-message"), { name: "", phone: "", email: "lin@example.com", message: "Hello" });
    const page = await (await visitor.get(`/chat/${ctx.business.widgetKey}`)).text();
    expect(page).not.toContain('id="pre-chat"');
  });
});

describe("the pre-chat setting", () => {
  it("is saved from the hours page beside the leave-a-message form's, with its required fields", async () => {
    const ctx = testApp();
    const { client } = await signedIn(ctx, "owner", "owner@example.com");
    const form = await (await client.get("/console/hours")).text();
    expect(form).toContain('name="preChatForm"');
    const saved = await client.post("/console/hours", {
      timezone: "UTC", closedDates: "", offlineText: "", noAgentText: "", preChatForm: "on", "preChatRequired-email": "on",
    });
    expect(saved.status).toBe(200);
    expect(ctx.sqlite.query("SELECT pre_chat_form AS form, pre_chat_required AS required FROM businesses").get()).toEqual({ form: 1, required: '["email"]' });
  });
});
