import { describe, expect, it } from "bun:test";
import { limits, messageLimits } from "../../src/domain/limits";
import { Client, signedIn, testApp } from "../support";

type Ctx = ReturnType<typeof testApp>;
let clientIds = 0;

/** A visitor of `businessId` with one conversation holding `bodies`, in order. */
function chat(ctx: Ctx, bodies: string[], options: { businessId?: number; name?: string; email?: string } = {}) {
  const businessId = options.businessId ?? ctx.business.id;
  const visitorId = (
    ctx.sqlite
      .query("INSERT INTO visitors (business_id, external_id, name, email) VALUES (?, ?, ?, ?) RETURNING id")
      .get(businessId, `anon-${crypto.randomUUID()}`, options.name ?? null, options.email ?? null) as { id: number }
  ).id;
  const conversationId = (ctx.sqlite.query("INSERT INTO conversations (business_id, visitor_id, status) VALUES (?, ?, 'closed') RETURNING id").get(businessId, visitorId) as { id: number }).id;
  return { visitorId, conversationId, messages: more(ctx, conversationId, bodies) };
}

function more(ctx: Ctx, conversationId: number, bodies: string[]) {
  const messages = bodies.map((body) => {
    const clientId = `client-${++clientIds}`;
    const { id } = ctx.sqlite.query("INSERT INTO messages (conversation_id, sender, body, client_id) VALUES (?, 'visitor', ?, ?) RETURNING id").get(conversationId, body, clientId) as { id: number };
    return { id, clientId };
  });
  ctx.sqlite.run("UPDATE conversations SET last_message_id = (SELECT max(id) FROM messages WHERE conversation_id = ?) WHERE id = ?", [conversationId, conversationId]);
  return messages;
}

/** Where the page's socket connects (hx-ws:connect on the console), entities decoded. */
const socketUrl = (page: string) => /hx-ws:connect="([^"]*)"/.exec(page)![1]!.replaceAll("&amp;", "&");
const search = (client: Client, q: string) => client.get(`/console/search?q=${encodeURIComponent(q)}`);

describe("the search page", () => {
  it("lists matching messages with the words marked, and links into the conversation at each", async () => {
    const ctx = testApp();
    const { client } = await signedIn(ctx, "agent");
    const { conversationId, messages } = chat(ctx, ["My parcel never arrived", "thanks"], { name: "Ada" });
    const response = await search(client, "parcel");
    expect(response.status).toBe(200);
    const page = await response.text();
    expect(page).toContain("My <mark>parcel</mark> never arrived");
    expect(page).toContain(`href="/console/conversations/${conversationId}?at=${messages[0]!.id}#message-${messages[0]!.clientId}"`);
    expect(page).toContain("<strong>Ada</strong>");
    expect(page).not.toContain("thanks");
  });

  it("escapes what people wrote, and marks only the words", async () => {
    const ctx = testApp();
    const { client } = await signedIn(ctx, "agent");
    chat(ctx, ['<img src=x onerror="alert(1)"> order <b>now</b>'], { name: "<script>x</script>" });
    const page = await (await search(client, "order")).text();
    expect(page).toContain("&lt;img src=x onerror=&quot;alert(1)&quot;&gt; <mark>order</mark> &lt;b&gt;now&lt;/b&gt;");
    expect(page).toContain("&lt;script&gt;x&lt;/script&gt;");
    expect(page).not.toContain("<img src=x");
    // A search for markup is text too.
    const markup = await (await search(client, "<b>now")).text();
    expect(markup).toContain("<mark>&lt;b&gt;now</mark>");
  });

  it("never shows another business's messages or visitors", async () => {
    const ctx = testApp();
    const { client } = await signedIn(ctx, "owner");
    const other = (ctx.sqlite.query("INSERT INTO businesses (name, widget_key, identity_secret) VALUES ('Other', 'other-key', 's') RETURNING id").get() as { id: number }).id;
    const theirs = chat(ctx, ["secret discount code TEAPOT"], { businessId: other, name: "Teapot fan" });
    const page = await (await search(client, "teapot")).text();
    expect(page).not.toContain("secret discount");
    expect(page).not.toContain("Teapot fan");
    expect(page).not.toContain(`/console/conversations/${theirs.conversationId}`);
    expect(page).toContain("Nothing matches");
  });

  it("lists matching visitors, each linking to their latest conversation", async () => {
    const ctx = testApp();
    const { client } = await signedIn(ctx, "agent");
    const { conversationId } = chat(ctx, ["hello"], { name: "张小明", email: "ming@example.com" });
    const page = await (await search(client, "小明")).text();
    expect(page).toContain('class="search-visitor"');
    expect(page).toContain(`href="/console/conversations/${conversationId}"`);
    expect(page).toContain("ming@example.com");
  });

  it("answers FTS5 syntax with results for the text, never with an error", async () => {
    const ctx = testApp();
    const { client } = await signedIn(ctx, "agent");
    chat(ctx, ['she wrote "a" OR body:* in the box']);
    for (const q of ['"a" OR body:*', "NEAR(a b)", "*", '"', "body:", "a AND", "^x", "%", "\\"]) {
      const response = await search(client, q);
      expect(response.status).toBe(200);
    }
    expect(await (await search(client, '"a" OR body:*')).text()).toContain("<mark>body:*</mark>");
  });

  it("finds Chinese, and short words by the bounded scan, saying how far it looks", async () => {
    const ctx = testApp();
    const { client } = await signedIn(ctx, "agent");
    chat(ctx, ["请问什么时候可以退款"]);
    expect(await (await search(client, "什么时候")).text()).toContain("请问<mark>什么时候</mark>可以退款");
    const short = await (await search(client, "退款")).text();
    expect(short).toContain("请问什么时候可以<mark>退款</mark>");
    expect(short).toContain(limits.shortSearchWindow.toLocaleString("en"));
  });

  it("refuses a query that is too long with a 400 that says why", async () => {
    const ctx = testApp();
    const { client } = await signedIn(ctx, "agent");
    const response = await search(client, "x".repeat(limits.searchQueryLength + 1));
    expect(response.status).toBe(400);
    const page = await response.text();
    expect(page).toContain(`A search is at most ${limits.searchQueryLength} characters.`);
    expect(page).toContain('name="q"');
  });

  it("shows 50 results a page, and htmx's \"more\" appends the next page, nothing twice", async () => {
    const ctx = testApp();
    const { client } = await signedIn(ctx, "agent");
    const { messages } = chat(ctx, Array.from({ length: limits.searchPage + 5 }, (_, i) => `order ${i}`));
    const first = await (await search(client, "order")).text();
    expect(first.match(/class="search-hit"/g)).toHaveLength(limits.searchPage);
    const next = /id="search-more" href="([^"]+)"/.exec(first)![1]!.replaceAll("&amp;", "&");
    expect(next).toBe(`/console/search?q=order&before=${messages[5]!.id}`);
    const fragment = await (await client.get(next, { "hx-request": "true" })).text();
    expect(fragment).not.toContain("<html");
    expect(fragment.match(/class="search-hit"/g)).toHaveLength(5);
    expect(fragment).not.toContain('id="search-more"');
    for (const message of messages.slice(0, 5)) expect(fragment).toContain(`?at=${message.id}#`);
    // Without htmx, the same link is a whole page.
    expect(await (await client.get(next)).text()).toContain("<html");
  });

  it("is for signed-in agents only", async () => {
    const ctx = testApp();
    const response = await new Client(ctx.app).get("/console/search?q=order");
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe("/login");
  });

  it("is linked from the console's navigation", async () => {
    const ctx = testApp();
    const { client } = await signedIn(ctx, "agent");
    const page = await (await client.get("/console")).text();
    expect(page).toContain('href="/console/search"');
    expect(page).toContain('href="/console/conversations"');
  });
});

describe("opening a conversation at a message", () => {
  it("shows the message and its surroundings even when it is older than the first history page", async () => {
    const ctx = testApp();
    const { client } = await signedIn(ctx, "agent");
    const { conversationId, messages } = chat(ctx, Array.from({ length: 60 }, (_, i) => `line ${i}`));
    // Still the agent's: a closed conversation's page has no composer and nothing live.
    ctx.sqlite.run("UPDATE conversations SET status = 'open', agent_id = (SELECT id FROM agents) WHERE id = ?", [conversationId]);
    const target = messages[10]!;
    const plain = await (await client.get(`/console/conversations/${conversationId}`)).text();
    expect(plain).not.toContain(`data-seq="${target.id}"`);
    expect(plain).not.toContain("data-found");

    const page = await (await client.get(`/console/conversations/${conversationId}?at=${target.id}`)).text();
    expect(page).toContain(`data-found="message-${target.clientId}"`);
    expect(page).toContain(`data-seq="${target.id}"`);
    // From the page before it...
    expect(page).toContain(`data-seq="${messages[0]!.id}"`);
    expect(page).not.toContain("/messages?before=");
    // ...through the newest, so the page goes on live with the composer.
    expect(page).toContain(`data-seq="${messages[59]!.id}"`);
    expect(socketUrl(page)).toStartWith(`/ws/agent?conversation=${conversationId}`);
    expect(page).toContain('id="composer"');
  });

  it("offers the earlier messages above it", async () => {
    const ctx = testApp();
    const { client } = await signedIn(ctx, "agent");
    const { conversationId, messages } = chat(ctx, Array.from({ length: 60 }, (_, i) => `line ${i}`));
    const target = messages[40]!;
    const page = await (await client.get(`/console/conversations/${conversationId}?at=${target.id}`)).text();
    const first = messages[40 - messageLimits.historyPage]!;
    expect(page).toContain(`data-seq="${first.id}"`);
    expect(page).not.toContain(`data-seq="${first.id - 1}"`);
    expect(page).toContain(`/console/conversations/${conversationId}/messages?before=${first.id}`);
  });

  it("shows a window and a way to the latest when too much follows, without resuming live from there", async () => {
    const ctx = testApp();
    const { client } = await signedIn(ctx, "agent");
    const { conversationId, messages } = chat(ctx, Array.from({ length: messageLimits.replayCap + 30 }, (_, i) => `line ${i}`));
    const target = messages[5]!;
    const page = await (await client.get(`/console/conversations/${conversationId}?at=${target.id}`)).text();
    expect(page).toContain(`data-seq="${target.id}"`);
    expect(page).toContain(`data-seq="${messages[5 + messageLimits.historyPage]!.id}"`);
    expect(page).not.toContain(`data-seq="${messages.at(-1)!.id}"`);
    expect(page).not.toContain('id="composer"');
    expect(page).toContain(`href="/console/conversations/${conversationId}"`);
    expect(socketUrl(page)).toStartWith("/ws/agent");
    expect(socketUrl(page)).not.toContain("conversation=");
  });

  it("answers 404 for a message of another conversation or another business", async () => {
    const ctx = testApp();
    const { client } = await signedIn(ctx, "agent");
    const ours = chat(ctx, ["one"]);
    const alsoOurs = chat(ctx, ["two"]);
    const other = (ctx.sqlite.query("INSERT INTO businesses (name, widget_key, identity_secret) VALUES ('Other', 'other-key', 's') RETURNING id").get() as { id: number }).id;
    const theirs = chat(ctx, ["three"], { businessId: other });
    expect((await client.get(`/console/conversations/${ours.conversationId}?at=${alsoOurs.messages[0]!.id}`)).status).toBe(404);
    expect((await client.get(`/console/conversations/${ours.conversationId}?at=${theirs.messages[0]!.id}`)).status).toBe(404);
    expect((await client.get(`/console/conversations/${theirs.conversationId}?at=${theirs.messages[0]!.id}`)).status).toBe(404);
    expect((await client.get(`/console/conversations/${ours.conversationId}?at=abc`)).status).toBe(400);
  });
});
