import { describe, expect, it } from "bun:test";
import { and, eq } from "drizzle-orm";
import { businesses, conversations, messages, visitors } from "../../src/db/schema";
import { ignoreEvents } from "../../src/domain/events";
import { limits } from "../../src/domain/limits";
import { sendVisitorMessage } from "../../src/domain/messages";
import { identityHash } from "../../src/domain/visitor-identity";
import { findVisitorByToken } from "../../src/domain/visitors";
import { Client, openChat, origin, testApp } from "../support";

type Context = ReturnType<typeof testApp>;

const shop = "https://shop.example.com";
const identitySecret = "shop-identity-secret";
const teapot = { title: "Jade teapot", url: "https://shop.example.com/teapot", image: "https://shop.example.com/teapot.jpg", price: "¥128" };

const chatPath = (ctx: Context) => `/chat/${ctx.business.widgetKey}`;
const configPath = (ctx: Context) => `/widget/${ctx.business.widgetKey}/config`;

function setShop(ctx: Context, change: Partial<typeof businesses.$inferInsert>) {
  ctx.db.update(businesses).set(change).where(eq(businesses.id, ctx.business.id)).run();
}

/** A browser that has opened the shop's chat page, so it holds a visitor cookie and is stored. */
async function browser(ctx: Context) {
  return (await openChat(ctx)).browser;
}

/** The visitor record this browser's cookie stands for, if any. */
function visitorOf(ctx: Context, client: Client) {
  const token = client.cookie?.split("=")[1];
  return token ? findVisitorByToken(ctx.db, "0".repeat(64), ctx.business.id, token) : undefined;
}

function postJson(ctx: Context, client: Client, path: string, body: unknown, headers: Record<string, string> = {}) {
  return client.request(path, { method: "POST", body: JSON.stringify(body), headers: { "content-type": "application/json", ...headers } });
}

const identify = (ctx: Context, client: Client, body: unknown, headers: Record<string, string> = {}) =>
  postJson(ctx, client, `${chatPath(ctx)}/identify`, body, headers);

const signedInAs = (id: string) => ({ id, userHash: identityHash(identitySecret, id) });

const allVisitors = (ctx: Context) => ctx.db.select().from(visitors).all();

describe("the widget loader", () => {
  it("serves the script, gzipped for a browser that takes it", async () => {
    const ctx = testApp();
    const client = new Client(ctx.app);
    const plain = await client.get("/widget.js");
    expect(plain.status).toBe(200);
    expect(plain.headers.get("content-type")).toStartWith("text/javascript");
    expect(plain.headers.get("content-encoding")).toBeNull();
    const source = await plain.text();
    expect(source).toContain("/config");
    const gzipped = await client.get("/widget.js", { "accept-encoding": "gzip, deflate, br" });
    expect(gzipped.headers.get("content-encoding")).toBe("gzip");
    expect(gzipped.headers.get("vary")).toContain("accept-encoding");
    expect(new TextDecoder().decode(Bun.gunzipSync(new Uint8Array(await gzipped.arrayBuffer())))).toBe(source);
  });
});

describe("the widget config", () => {
  it("tells any site the shop's widget appearance and chat page when the shop lists no sites", async () => {
    const ctx = testApp();
    setShop(ctx, { widgetTitle: "Tea House", widgetColor: "#10b981", widgetPosition: "left", widgetGreeting: "Questions? Ask us." });
    const response = await new Client(ctx.app).get(configPath(ctx), { origin: shop });
    expect(response.status).toBe(200);
    expect(response.headers.get("access-control-allow-origin")).toBe(shop);
    expect(await response.json()).toMatchObject({
      title: "Tea House",
      color: "#10b981",
      position: "left",
      greeting: "Questions? Ask us.",
      chatUrl: `${origin}${chatPath(ctx)}`,
    });
    const anywhere = await new Client(ctx.app).get(configPath(ctx), { origin: "https://elsewhere.example.net" });
    expect(anywhere.status).toBe(200);
  });

  it("titles the widget with the shop's name when it has no title of its own", async () => {
    const ctx = testApp();
    setShop(ctx, { name: "Li's Teas", widgetTitle: "" });
    expect(await (await new Client(ctx.app).get(configPath(ctx), { origin: shop })).json()).toMatchObject({ title: "Li's Teas" });
  });

  it("gives the launcher's icon the text colour that reads on the shop's colour", async () => {
    const ctx = testApp();
    const colours = async (widgetColor: string) => {
      setShop(ctx, { widgetColor });
      const config = await (await new Client(ctx.app).get(configPath(ctx), { origin: shop })).json();
      return [config.color, config.textColor];
    };
    expect(await colours("#fde047")).toEqual(["#fde047", "#111111"]);
    expect(await colours("#1e3a8a")).toEqual(["#1e3a8a", "#ffffff"]);
  });

  it("lets browsers keep it under a minute, so a change of appearance shows within one", async () => {
    const ctx = testApp();
    const response = await new Client(ctx.app).get(configPath(ctx), { origin: shop });
    const maxAge = Number(/max-age=(\d+)/.exec(response.headers.get("cache-control") ?? "")?.[1]);
    expect(maxAge).toBeGreaterThan(0);
    expect(maxAge).toBeLessThan(60);
  });

  it("points the widget at the public URL when one is configured", async () => {
    const ctx = testApp({ config: { publicUrl: "https://chat.example.com", trustProxy: false } });
    const config = await (await new Client(ctx.app).get(configPath(ctx), { origin: shop })).json();
    expect(config.chatUrl).toBe(`https://chat.example.com${chatPath(ctx)}`);
  });

  it("answers 404 for a widget key no shop has, readable by the site", async () => {
    const ctx = testApp();
    const response = await new Client(ctx.app).get("/widget/no-such-key/config", { origin: shop });
    expect(response.status).toBe(404);
    expect(response.headers.get("access-control-allow-origin")).toBe(shop);
    expect(await response.json()).toHaveProperty("error");
  });

  it("refuses a site the shop does not list, and answers the ones it does", async () => {
    const ctx = testApp();
    setShop(ctx, { allowedOrigins: [shop, "https://m.shop.example.com"] });
    const refused = await new Client(ctx.app).get(configPath(ctx), { origin: "https://copycat.example.net" });
    expect(refused.status).toBe(403);
    expect(await refused.json()).toHaveProperty("error");
    expect((await new Client(ctx.app).get(configPath(ctx), { origin: "http://shop.example.com" })).status).toBe(403);
    expect((await new Client(ctx.app).get(configPath(ctx), { origin: shop })).status).toBe(200);
    expect((await new Client(ctx.app).get(configPath(ctx), { origin: "https://m.shop.example.com" })).status).toBe(200);
  });

  it("always answers Kefu's own pages, on the public URL too", async () => {
    const ctx = testApp();
    setShop(ctx, { allowedOrigins: [shop] });
    expect((await new Client(ctx.app).get(configPath(ctx), { origin })).status).toBe(200);
    const hosted = testApp({ config: { publicUrl: "https://chat.example.com", trustProxy: false } });
    setShop(hosted, { allowedOrigins: [shop] });
    expect((await new Client(hosted.app).get(configPath(hosted), { origin: "https://chat.example.com" })).status).toBe(200);
  });

  it("answers the demo shop's widget, whose same-origin fetch carries no Origin header", async () => {
    // Chromium sends a same-origin GET fetch with Sec-Fetch-Site but without Origin, which is how
    // the loader on /demo and on the deployment page's preview asks for its config.
    const ctx = testApp();
    setShop(ctx, { allowedOrigins: [shop] });
    const response = await new Client(ctx.app).get(configPath(ctx), { "sec-fetch-site": "same-origin", referer: `${origin}/demo` });
    expect(response.status).toBe(200);
  });
});

describe("framing the chat page", () => {
  it("lets any site frame the widget's chat page when the shop lists none", async () => {
    const ctx = testApp();
    const response = await new Client(ctx.app).get(`${chatPath(ctx)}?embed=1`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-security-policy")).toContain("frame-ancestors *;");
    expect(response.headers.get("x-frame-options")).toBeNull();
  });

  it("lets only Kefu and the listed sites frame it when the shop lists some", async () => {
    const ctx = testApp();
    setShop(ctx, { allowedOrigins: [shop, "https://m.shop.example.com"] });
    const response = await new Client(ctx.app).get(`${chatPath(ctx)}?embed=1`);
    expect(response.headers.get("content-security-policy")).toContain("frame-ancestors 'self' https://shop.example.com https://m.shop.example.com;");
    expect(response.headers.get("x-frame-options")).toBeNull();
  });

  it("forbids framing the chat page opened as a page of its own", async () => {
    const ctx = testApp();
    setShop(ctx, { allowedOrigins: [shop] });
    const response = await new Client(ctx.app).get(chatPath(ctx));
    expect(response.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    expect(response.headers.get("x-frame-options")).toBe("DENY");
  });

  it("lets Kefu's own pages frame the demo shop, and only them", async () => {
    const ctx = testApp();
    const response = await new Client(ctx.app).get("/demo");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-security-policy")).toContain("frame-ancestors 'self';");
    expect(response.headers.get("x-frame-options")).toBeNull();
    expect(await response.text()).toContain(`data-key="${ctx.business.widgetKey}"`);
  });

  it("shows the demo of the shop named by its widget key, and 404 for a key no shop has", async () => {
    const ctx = testApp();
    const other = ctx.db.insert(businesses).values({ name: "Other shop", widgetKey: "other-shop-key", identitySecret: "s" }).returning().get();
    const page = await (await new Client(ctx.app).get(`/demo?key=${other.widgetKey}`)).text();
    expect(page).toContain('data-key="other-shop-key"');
    expect(page).not.toContain(`data-key="${ctx.business.widgetKey}"`);
    expect((await new Client(ctx.app).get("/demo?key=no-such-key")).status).toBe(404);
  });
});

describe("the visitor cookie", () => {
  async function cookieFor(ctx: Context, url: string, headers: Record<string, string> = {}) {
    const response = await ctx.app.handle(new Request(url, { headers }));
    expect(response.status).toBe(200);
    return response.headers.getSetCookie().find((cookie) => cookie.startsWith("kefu_visitor="))!;
  }
  const thirdParty = (cookie: string) => /SameSite=None/i.test(cookie) && /;\s*Secure/i.test(cookie) && /;\s*Partitioned/i.test(cookie);

  it("is a partitioned third-party cookie over HTTPS and on localhost, where the widget's iframe can keep it", async () => {
    const ctx = testApp();
    const path = chatPath(ctx);
    for (const url of [`https://kefu.test${path}`, `http://localhost:3000${path}`, `http://127.0.0.1:3000${path}`]) {
      const cookie = await cookieFor(ctx, `${url}?embed=1`);
      expect(thirdParty(cookie)).toBe(true);
      expect(cookie).toMatch(/HttpOnly/i);
      expect(cookie).toContain(`Path=${path}`);
    }
  });

  it("is a partitioned cookie behind an HTTPS public URL or a trusted proxy that says HTTPS", async () => {
    const hosted = testApp({ config: { publicUrl: "https://chat.example.com", trustProxy: false } });
    expect(thirdParty(await cookieFor(hosted, `http://chat.example.com${chatPath(hosted)}`))).toBe(true);
    const proxied = testApp({ config: { publicUrl: null, trustProxy: true } });
    expect(thirdParty(await cookieFor(proxied, `http://chat.example.com${chatPath(proxied)}`, { "x-forwarded-proto": "https" }))).toBe(true);
  });

  it("falls back to SameSite=Lax on plain HTTP elsewhere, where a browser would drop a Secure cookie", async () => {
    const ctx = testApp();
    const cookie = await cookieFor(ctx, `${origin}${chatPath(ctx)}?embed=1`);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(cookie).not.toMatch(/;\s*Secure/i);
    expect(cookie).not.toMatch(/Partitioned/i);
  });
});

describe("identifying the visitor from the host page", () => {
  it("stores what the page says on the visitor when the shop does not verify identities", async () => {
    const ctx = testApp();
    const client = await browser(ctx);
    const cookie = client.cookie;
    const response = await identify(ctx, client, { visitor: { id: "42", name: "Li Lei", email: "li@example.com", attributes: { plan: "gold" } } });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ reload: false, verified: false });
    expect(response.headers.get("set-cookie")).toBeNull();
    expect(client.cookie).toBe(cookie);
    expect(visitorOf(ctx, client)).toMatchObject({ name: "Li Lei", email: "li@example.com", verified: false, attributes: { plan: "gold", id: "42" } });
  });

  it("leaves a visitor whose id comes with a forged hash anonymous, and stores nothing", async () => {
    const ctx = testApp();
    setShop(ctx, { identityVerification: true, identitySecret });
    const client = await browser(ctx);
    const before = allVisitors(ctx);
    const forged = { id: "42", userHash: identityHash("guessed secret", "42"), name: "Li Lei", email: "li@example.com", attributes: { plan: "gold" } };
    const response = await identify(ctx, client, { visitor: forged });
    expect(await response.json()).toEqual({ reload: false, verified: false });
    expect(response.headers.get("set-cookie")).toBeNull();
    expect(allVisitors(ctx)).toEqual(before);
    expect(ctx.db.select().from(visitors).where(eq(visitors.externalId, "user:42")).all()).toEqual([]);
    expect(visitorOf(ctx, client)).toMatchObject({ verified: false, name: null, email: null, attributes: {} });
  });

  it("verifies a visitor whose id comes with the shop server's hash, keeping this browser's cookie", async () => {
    const ctx = testApp();
    setShop(ctx, { identityVerification: true, identitySecret });
    const client = await browser(ctx);
    const anonymous = visitorOf(ctx, client)!;
    const response = await identify(ctx, client, { visitor: { ...signedInAs("42"), name: "Li Lei" } });
    expect(await response.json()).toEqual({ reload: false, verified: true });
    expect(response.headers.get("set-cookie")).toBeNull();
    expect(visitorOf(ctx, client)).toMatchObject({ id: anonymous.id, verified: true, externalId: "user:42", name: "Li Lei" });
  });

  it("takes the customer's second browser to their conversation, and the first browser then has no visitor", async () => {
    const ctx = testApp();
    setShop(ctx, { identityVerification: true, identitySecret });
    const laptop = await browser(ctx);
    await identify(ctx, laptop, { visitor: { ...signedInAs("42"), name: "Li Lei" } });
    const customer = visitorOf(ctx, laptop)!;
    sendVisitorMessage(ctx.db, ignoreEvents, customer, { clientId: "from-the-laptop", body: "Where is my teapot?" }, []);

    const phone = await browser(ctx);
    const phoneCookie = phone.cookie;
    const response = await identify(ctx, phone, { visitor: signedInAs("42") });
    expect(await response.json()).toEqual({ reload: true, verified: true });
    const setCookie = response.headers.get("set-cookie")!;
    expect(setCookie).toContain(`Path=${chatPath(ctx)}`);
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(phone.cookie).not.toBe(phoneCookie);
    expect(visitorOf(ctx, phone)?.id).toBe(customer.id);
    expect(await (await phone.get(chatPath(ctx))).text()).toContain("Where is my teapot?");

    // The laptop's token no longer stands for the customer: its next report is a new visitor's.
    expect(visitorOf(ctx, laptop)).toBeUndefined();
    expect((await postJson(ctx, laptop, `${chatPath(ctx)}/context`, { url: "https://shop.example.com/" })).status).toBe(200);
    expect(visitorOf(ctx, laptop)).toMatchObject({ verified: false, name: null });
    expect(visitorOf(ctx, laptop)!.id).not.toBe(customer.id);
  });

  it("gives a shared computer a fresh anonymous visitor once the page stops vouching, leaving the customer's record as it was", async () => {
    const ctx = testApp();
    setShop(ctx, { identityVerification: true, identitySecret });
    const client = await browser(ctx);
    await identify(ctx, client, { visitor: { ...signedInAs("42"), name: "Li Lei" } });
    const customer = ctx.db.select().from(visitors).where(eq(visitors.externalId, "user:42")).get()!;
    const response = await identify(ctx, client, { visitor: {} });
    expect(await response.json()).toEqual({ reload: true, verified: false });
    const next = visitorOf(ctx, client)!;
    expect(next.id).not.toBe(customer.id);
    expect(next).toMatchObject({ verified: false, name: null });
    expect(next.externalId).toStartWith("anon-");
    expect(ctx.db.select().from(visitors).where(eq(visitors.id, customer.id)).get()).toEqual(customer);
  });

  it("posts the product the visitor looks at into their conversation once, and a different product again", async () => {
    const ctx = testApp();
    const client = await browser(ctx);
    const visitor = visitorOf(ctx, client)!;
    const { conversation } = sendVisitorMessage(ctx.db, ignoreEvents, visitor, { clientId: "first-message", body: "hello" }, []);
    const cards = () =>
      ctx.db
        .select({ body: messages.body })
        .from(messages)
        .where(and(eq(messages.conversationId, conversation.id), eq(messages.kind, "product")))
        .all()
        .map((card) => card.body);
    expect((await identify(ctx, client, { product: teapot })).status).toBe(200);
    expect((await identify(ctx, client, { product: teapot })).status).toBe(200);
    expect(cards()).toEqual(["Jade teapot"]);
    expect((await identify(ctx, client, { product: { title: "Tea cups", url: "https://shop.example.com/cups" } })).status).toBe(200);
    expect(cards()).toEqual(["Jade teapot", "Tea cups"]);
    expect(visitorOf(ctx, client)!.product).toEqual({ title: "Tea cups", url: "https://shop.example.com/cups" });
  });

  it("says what is wrong with 422 and stores neither the visitor's details nor the product", async () => {
    const ctx = testApp();
    const client = await browser(ctx);
    const before = allVisitors(ctx);
    const cases = [
      { visitor: { name: "Li Lei", email: "not an email" }, product: teapot },
      { visitor: { name: "Li Lei", avatar: "http://shop.example.com/li.png" }, product: teapot },
      { visitor: { name: "李".repeat(limits.nameLength + 1) }, product: teapot },
      { visitor: { name: "Li Lei", attributes: Object.fromEntries(Array.from({ length: limits.attributesPerVisitor + 1 }, (_, i) => [`k${i}`, "v"])) } },
    ];
    for (const body of cases) {
      const response = await identify(ctx, client, body);
      expect(response.status).toBe(422);
      expect((await response.json()).error).toBeString();
    }
    expect(allVisitors(ctx)).toEqual(before);
    expect(ctx.db.select().from(conversations).all()).toEqual([]);
  });

  it("keeps the visitor's details when the product is described badly, drops only what is wrong, and says why", async () => {
    const ctx = testApp();
    const client = await browser(ctx);
    const response = await identify(ctx, client, {
      visitor: { name: "Li Lei" },
      product: { title: "Jade teapot", price: "¥128", image: "http://shop.example.com/teapot.jpg" },
    });
    expect(response.status).toBe(200);
    expect((await response.json()).warnings).toEqual(["product.image: The product image must be an https:// address."]);
    expect(visitorOf(ctx, client)).toMatchObject({ name: "Li Lei", product: { title: "Jade teapot", price: "¥128" } });

    const untitled = await identify(ctx, client, { visitor: { name: "Li Lei", email: "li@example.com" }, product: { price: "¥99" } });
    expect(untitled.status).toBe(200);
    expect((await untitled.json()).warnings).toEqual(["product.title: A product needs a title."]);
    expect(visitorOf(ctx, client)).toMatchObject({ email: "li@example.com", product: { title: "Jade teapot" } });
  });

  it("names the field in a refusal", async () => {
    const ctx = testApp();
    const client = await browser(ctx);
    const response = await identify(ctx, client, { visitor: { email: "not an email" } });
    expect((await response.json()).error).toStartWith("email: ");
  });

  it("refuses a blocked visitor", async () => {
    const ctx = testApp();
    const client = await browser(ctx);
    const visitor = visitorOf(ctx, client)!;
    ctx.db.update(visitors).set({ blocked: true }).where(eq(visitors.id, visitor.id)).run();
    const response = await identify(ctx, client, { visitor: { name: "Li Lei" } });
    expect(response.status).toBe(403);
    expect(visitorOf(ctx, client)!.name).toBeNull();
  });

  it("answers 404 to a browser with no visitor cookie, and for a widget key no shop has", async () => {
    const ctx = testApp();
    const stranger = new Client(ctx.app);
    expect((await identify(ctx, stranger, { visitor: { name: "Li Lei" } })).status).toBe(404);
    const client = await browser(ctx);
    expect((await postJson(ctx, client, "/chat/no-such-key/identify", { visitor: { name: "Li Lei" } })).status).toBe(404);
    expect(allVisitors(ctx).map((visitor) => visitor.name)).toEqual([null]);
  });

  it("refuses a request another site makes with the visitor's cookie", async () => {
    const ctx = testApp();
    const client = await browser(ctx);
    const response = await identify(ctx, client, { visitor: { name: "Mallory" } }, { "sec-fetch-site": "cross-site" });
    expect(response.status).toBe(403);
    expect(visitorOf(ctx, client)!.name).toBeNull();
  });
});

describe("reporting the visitor's page", () => {
  it("stores where the visitor is, keeping only http(s) addresses", async () => {
    const ctx = testApp();
    const client = await browser(ctx);
    const context = `${chatPath(ctx)}/context`;
    const report = { url: "https://shop.example.com/teapots", title: "Teapots", referrer: "https://search.example.com/", language: "zh-CN", timezone: "Asia/Shanghai" };
    const response = await postJson(ctx, client, context, report);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true });
    expect(visitorOf(ctx, client)).toMatchObject({ currentPage: report.url, pageTitle: "Teapots", referrer: report.referrer, language: "zh-CN", timezone: "Asia/Shanghai" });
    await postJson(ctx, client, context, { url: "javascript:alert(1)", title: "Injected" });
    expect(visitorOf(ctx, client)).toMatchObject({ currentPage: report.url, pageTitle: "Teapots" });
  });

  it("answers 404 to a browser with no visitor cookie", async () => {
    const ctx = testApp();
    expect((await postJson(ctx, new Client(ctx.app), `${chatPath(ctx)}/context`, { url: "https://shop.example.com/" })).status).toBe(404);
  });

  it("limits each visitor's reports per minute, identity included, without holding back other visitors", async () => {
    const ctx = testApp();
    const busy = await browser(ctx);
    const quiet = await browser(ctx);
    // Opening the page made the first report.
    for (let i = 1; i < limits.contextUpdatesPerMinute; i++) {
      const response =
        i % 2 === 0
          ? await postJson(ctx, busy, `${chatPath(ctx)}/context`, { url: `https://shop.example.com/page/${i}` })
          : await identify(ctx, busy, { visitor: { name: `Name ${i}` } });
      expect(response.status).toBe(200);
    }
    expect((await postJson(ctx, busy, `${chatPath(ctx)}/context`, { url: "https://shop.example.com/one-too-many" })).status).toBe(429);
    expect((await identify(ctx, busy, { visitor: { name: "One too many" } })).status).toBe(429);
    expect(visitorOf(ctx, busy)!.currentPage).not.toContain("one-too-many");
    expect(visitorOf(ctx, busy)!.name).not.toBe("One too many");
    expect((await postJson(ctx, quiet, `${chatPath(ctx)}/context`, { url: "https://shop.example.com/" })).status).toBe(200);
  });
});
