import { describe, expect, it } from "bun:test";
import { auditLog, businesses, visitors } from "../../src/db/schema";
import { setAgentDisabled } from "../../src/domain/agents";
import { findBusiness } from "../../src/domain/businesses";
import { ignoreEvents } from "../../src/domain/events";
import { createGroup } from "../../src/domain/groups";
import { escapeHtml } from "../../src/views/html";
import { addMember, signedIn, testApp } from "../support";

type TestApp = ReturnType<typeof testApp>;

function auditActions(ctx: TestApp) {
  return ctx.db.select().from(auditLog).all().map((row) => row.action);
}

const business = (ctx: TestApp) => findBusiness(ctx.db, ctx.business.id)!;

const appearance = { color: "#FF5500", title: "Ask us", position: "left", greeting: "Questions? We're here." };

describe("the Deploy page", () => {
  it("gives the script snippets with the widget key, a plain HTML button, and a link with a QR code per agent and group", async () => {
    const ctx = testApp();
    const { agent: owner, client } = await signedIn(ctx, "owner");
    const li = await addMember(ctx, "agent", "li@example.com");
    const gone = await addMember(ctx, "agent", "gone@example.com");
    setAgentDisabled(ctx.db, ignoreEvents, owner, gone.id, true);
    const sales = createGroup(ctx.db, owner, "Sales <VIP>");
    const response = await client.get("/console/deploy");
    expect(response.status).toBe(200);
    const page = await response.text();
    const key = ctx.business.widgetKey;
    const chat = `http://kefu.test/chat/${key}`;

    expect(page).toContain(escapeHtml(`<script async src="http://kefu.test/widget.js" data-key="${key}"></script>`));
    expect(page).toContain(escapeHtml(`<script async src="http://kefu.test/widget.js" data-key="${key}" data-mode="window"></script>`));
    expect(page).toContain(escapeHtml("window.kefuSettings = { /* optional: visitor: { id, name, email, userHash }"));
    expect(page).toContain(`<a href="/demo?key=${key}&mode=mini" target="_blank" rel="noopener">`);
    expect(page).toContain(`<a href="/demo?key=${key}&mode=window" target="_blank" rel="noopener">`);
    // The snippet to paste comes first, then the appearance.
    expect(page.indexOf('id="deploy-install"')).toBeLessThan(page.indexOf('id="deploy-appearance"'));
    expect(page.indexOf('id="code-mini-code"')).toBeLessThan(page.indexOf('id="deploy-appearance"'));
    // The plain HTML button: as code to copy, and rendered as its own preview.
    const button = `<form action="${chat}" method="get" target="_blank">\n  <button type="submit" style="`;
    expect(page).toContain(escapeHtml(button));
    expect(page).toContain(button);
    expect(page).toContain(">Chat with us</button>\n</form>");

    expect(page).toContain(`value="${chat}"`);
    expect(page).toContain(`value="${chat}?via=wechat"`);
    expect(page).toContain(`value="${chat}?agent=${li.id}"`);
    expect(page).toContain(`value="${chat}?agent=${owner.id}"`);
    expect(page).not.toContain(`?agent=${gone.id}"`);
    expect(page).toContain(`value="${chat}?group=${sales.id}"`);
    expect(page).toContain("Sales &lt;VIP&gt;");
    expect(page).not.toContain("<VIP>");
    // One QR code per link: direct, WeChat, two agents, one group.
    expect(page.match(/<svg xmlns="http:\/\/www.w3.org\/2000\/svg" class="qr"/g)).toHaveLength(5);

    expect(page).toContain(`value="${ctx.business.identitySecret}"`);
    expect(page).toContain(escapeHtml(`hash_hmac('sha256', $userId, '${ctx.business.identitySecret}')`));
    expect(page).toContain(escapeHtml(`crypto.createHmac('sha256', '${ctx.business.identitySecret}').update(userId).digest('hex')`));
    expect(page).toContain('href="/console/deploy" aria-current="page"');
  });

  it("uses the public URL in the snippets and links when one is configured", async () => {
    const ctx = testApp({ config: { publicUrl: "https://chat.example.com", trustProxy: false } });
    const { client } = await signedIn(ctx, "owner");
    const page = await (await client.get("/console/deploy", { origin: "https://chat.example.com" })).text();
    expect(page).toContain(escapeHtml(`src="https://chat.example.com/widget.js" data-key="${ctx.business.widgetKey}"`));
    expect(page).toContain(`value="https://chat.example.com/chat/${ctx.business.widgetKey}"`);
  });

  it("is for owners and admins only", async () => {
    const ctx = testApp();
    const { client: admin } = await signedIn(ctx, "admin");
    const { client: agent } = await signedIn(ctx, "agent");
    expect((await admin.get("/console/deploy")).status).toBe(200);
    expect(await (await admin.get("/console")).text()).toContain('href="/console/deploy"');
    expect(await (await agent.get("/console")).text()).not.toContain('href="/console/deploy"');
    expect((await agent.get("/console/deploy")).status).toBe(403);
    expect((await agent.post("/console/deploy/appearance", appearance)).status).toBe(403);
    expect((await agent.post("/console/deploy/origins", { origins: "https://evil.example" })).status).toBe(403);
    expect((await agent.post("/console/deploy/identity", { identityVerification: "on" })).status).toBe(403);
    expect((await agent.post("/console/deploy/identity/rotate")).status).toBe(403);
    expect(business(ctx)).toEqual(ctx.business);
  });

  it("saves the widget's appearance, with the colour in lower case, and the HTML button follows it", async () => {
    const ctx = testApp();
    const { client } = await signedIn(ctx, "owner");
    const response = await client.post("/console/deploy/appearance", appearance);
    expect(response.status).toBe(200);
    const page = await response.text();
    expect(page).toContain("Saved.");
    expect(business(ctx)).toMatchObject({ widgetColor: "#ff5500", widgetTitle: "Ask us", widgetPosition: "left", widgetGreeting: "Questions? We're here." });
    expect(page).toContain('value="#ff5500"');
    expect(page).toContain('<input type="radio" name="position" value="left" checked>');
    // The preview shows what was saved.
    expect(page).toContain('<div id="widget-preview" class="widget-preview at-left" style="--brand:#ff5500;--on-brand:#111111;');
    expect(page).toContain("background:#ff5500;");
    expect(page).toContain(">Ask us</button>\n</form>");
    expect(auditActions(ctx)).toEqual(["business.widget_appearance_changed"]);
  });

  it("says what is wrong with the appearance, keeps what was typed, and changes nothing", async () => {
    const ctx = testApp();
    const { client } = await signedIn(ctx, "owner");
    const response = await client.post("/console/deploy/appearance", { ...appearance, color: "red", title: "x".repeat(41), position: "top" });
    expect(response.status).toBe(422);
    const page = await response.text();
    expect(page).toContain('<p class="field-error" id="field-color-error">Choose a colour like #2563eb.</p>');
    expect(page).toContain('<p class="field-error" id="field-title-error">Use at most 40 characters.</p>');
    expect(page).toContain('<p class="field-error" id="field-position-error">Choose bottom right or bottom left.</p>');
    expect(page).toContain(`value="${"x".repeat(41)}"`);
    expect(page).toContain(`value="${escapeHtml(appearance.greeting)}"`);
    expect(business(ctx)).toEqual(ctx.business);
    expect(auditActions(ctx)).toEqual([]);
  });

  it("stores each allowed site as its origin, once, and an empty list allows any site", async () => {
    const ctx = testApp();
    const { client } = await signedIn(ctx, "owner");
    const lines = "  HTTPS://Shop.Example.com:443/  \n\nhttp://localhost:8080\r\nhttps://shop.example.com\nhttps://例子.中国";
    const response = await client.post("/console/deploy/origins", { origins: lines });
    expect(response.status).toBe(200);
    const page = await response.text();
    expect(business(ctx).allowedOrigins).toEqual(["https://shop.example.com", "http://localhost:8080", "https://xn--fsqu00a.xn--fiqs8s"]);
    expect(page).toContain("https://shop.example.com\nhttp://localhost:8080\nhttps://xn--fsqu00a.xn--fiqs8s</textarea>");
    expect(page).toContain("Now only the sites listed may embed the chat window.");

    expect((await client.post("/console/deploy/origins", { origins: "" })).status).toBe(200);
    expect(business(ctx).allowedOrigins).toEqual([]);
    expect(auditActions(ctx)).toEqual(["business.allowed_origins_changed", "business.allowed_origins_changed"]);
  });

  it("refuses a line that is not a site, names the line, and stores nothing", async () => {
    const ctx = testApp();
    const { client } = await signedIn(ctx, "owner");
    const cases: [string, string][] = [
      ["https://ok.example\nhttps://shop.example.com/cart", "Line 2: “https://shop.example.com/cart” must be a site only, without a path, query or #"],
      ["javascript:alert(1)", "Line 1: “javascript:alert(1)” must start with https:// or http://."],
      ["shop.example.com", "Line 1: “shop.example.com” is not a web address."],
      ["https://shop.example.com/?a=1", "must be a site only"],
      ["https://user:pw@shop.example.com", "must not contain a user name or password."],
      ["https://*.example.com", "wildcards are not supported"],
      [Array.from({ length: 21 }, (_, i) => `https://s${i}.example.com`).join("\n"), "List at most 20 sites."],
    ];
    for (const [origins, message] of cases) {
      const response = await client.post("/console/deploy/origins", { origins });
      expect(response.status).toBe(422);
      const page = await response.text();
      expect(page).toContain(escapeHtml(message));
      expect(page).toContain(`${escapeHtml(origins)}</textarea>`);
      expect(page).toContain('id="field-origins" name="origins" rows="4" spellcheck="false" placeholder="https://shop.example.com" aria-invalid="true"');
    }
    expect(business(ctx).allowedOrigins).toEqual([]);
    expect(auditActions(ctx)).toEqual([]);
  });

  it("switches identity verification on and off", async () => {
    const ctx = testApp();
    const { client } = await signedIn(ctx, "owner");
    const on = await client.post("/console/deploy/identity", { identityVerification: "on" });
    expect(on.status).toBe(200);
    expect(await on.text()).toContain('name="identityVerification" value="on" checked');
    expect(business(ctx).identityVerification).toBe(true);
    // An unticked checkbox sends no field.
    expect((await client.post("/console/deploy/identity", {})).status).toBe(200);
    expect(business(ctx).identityVerification).toBe(false);
    expect(auditActions(ctx)).toEqual(["business.identity_verification_changed", "business.identity_verification_changed"]);
  });

  it("rotates the identity secret after asking, shows the new one and keeps it out of the audit log", async () => {
    const ctx = testApp();
    const { client } = await signedIn(ctx, "owner");
    const before = ctx.business.identitySecret;
    expect(await (await client.get("/console/deploy")).text()).toContain('hx-confirm="Make a new secret?');
    const response = await client.post("/console/deploy/identity/rotate", {}, { "hx-request": "true" });
    expect(response.status).toBe(200);
    const fragment = await response.text();
    const after = business(ctx).identitySecret;
    expect(after).not.toBe(before);
    expect(after.length).toBeGreaterThanOrEqual(40);
    expect(fragment).toStartWith('<section class="card panel" id="deploy-identity">');
    expect(fragment).toContain("A new secret was made.");
    expect(fragment).toContain(`value="${after}"`);
    expect(fragment).not.toContain(before);
    const rows = ctx.db.select().from(auditLog).all();
    expect(rows.map((row) => row.action)).toEqual(["business.identity_secret_rotated"]);
    expect(JSON.stringify(rows)).not.toContain(after);
  });

  it("refuses a change posted from another site", async () => {
    const ctx = testApp();
    const { client } = await signedIn(ctx, "owner");
    const crossSite = { "sec-fetch-site": "cross-site" };
    expect((await client.post("/console/deploy/origins", { origins: "https://evil.example" }, crossSite)).status).toBe(403);
    expect((await client.post("/console/deploy/identity/rotate", {}, crossSite)).status).toBe(403);
    expect(business(ctx)).toEqual(ctx.business);
  });
});

describe("the installation check on the Deploy page", () => {
  /** A visitor whose widget reported `page`, seen `minutesAgo` minutes ago. */
  function visitorOn(ctx: TestApp, page: string | null, minutesAgo: number, businessId = ctx.business.id) {
    ctx.db
      .insert(visitors)
      .values({ businessId, externalId: crypto.randomUUID(), currentPage: page, lastSeenAt: Date.now() - minutesAgo * 60_000 })
      .run();
  }

  it("says the chat was not found until a visitor is seen on a page outside Kefu, and asks again by itself", async () => {
    const ctx = testApp();
    const { client } = await signedIn(ctx, "owner");
    // Kefu's own demo page, a page that is not a web address, and a visitor with no page do not count.
    visitorOn(ctx, `http://kefu.test/demo?key=${ctx.business.widgetKey}`, 1);
    visitorOn(ctx, "javascript:alert(1)", 1);
    visitorOn(ctx, null, 1);
    const page = await (await client.get("/console/deploy")).text();
    expect(page).toContain('<div id="installation" class="installation waiting" role="status" hx-get="/console/deploy/installation" hx-trigger="every 10s"');
    expect(page).toContain("Not found on a site yet");
    expect(page.indexOf('id="installation"')).toBeLessThan(page.indexOf('id="deploy-appearance"'));

    visitorOn(ctx, "https://shop.example.com/products/mug?colour=blue", 3);
    visitorOn(ctx, "https://old.example.org/", 90);
    const response = await client.get("/console/deploy/installation", { "hx-request": "true" });
    expect(response.status).toBe(200);
    const status = await response.text();
    expect(status).toStartWith('<div id="installation" class="installation found" role="status">');
    expect(status).not.toContain("every 10s");
    expect(status).toContain("Installation found");
    expect(status).toContain('<a href="https://shop.example.com/products/mug?colour=blue" target="_blank" rel="noopener nofollow">shop.example.com</a>');
    expect(status).toContain(">3 minutes ago</time>");
  });

  it("does not count another shop's visitors, nor Kefu's public address", async () => {
    const ctx = testApp({ config: { publicUrl: "https://chat.example.com", trustProxy: false } });
    const { client } = await signedIn(ctx, "owner");
    const other = ctx.db.insert(businesses).values({ name: "Other", widgetKey: "other", identitySecret: "s" }).returning().get();
    visitorOn(ctx, "https://other-shop.example/", 1, other.id);
    visitorOn(ctx, "https://chat.example.com/demo", 1);
    expect(await (await client.get("/console/deploy/installation")).text()).toContain("Not found on a site yet");
  });

  it("is for owners and admins only", async () => {
    const ctx = testApp();
    const { client } = await signedIn(ctx, "agent");
    expect((await client.get("/console/deploy/installation")).status).toBe(403);
    expect((await client.get("/console/deploy/preview?color=%23000000")).status).toBe(403);
  });
});

describe("the appearance preview", () => {
  const preview = async (client: Awaited<ReturnType<typeof signedIn>>["client"], query: Record<string, string>) =>
    (await client.get(`/console/deploy/preview?${new URLSearchParams(query)}`, { "hx-request": "true" })).text();

  it("draws the chat window from the form's unsaved values, with text that contrasts with the colour", async () => {
    const ctx = testApp();
    const { client } = await signedIn(ctx, "owner");
    const pale = await preview(client, { color: "#FDE047", title: "Ask <us>", position: "left", greeting: "Hi there" });
    expect(pale).toStartWith('<div id="widget-preview" class="widget-preview at-left" style="--brand:#fde047;--on-brand:#111111;--brand-ink:');
    expect(pale).toContain("<strong>Ask &lt;us&gt;</strong>");
    expect(pale).toContain('<p class="preview-greeting">Hi there</p>');
    const dark = await preview(client, { color: "#1e3a8a", title: "", position: "right", greeting: "" });
    expect(dark).toContain('class="widget-preview at-right" style="--brand:#1e3a8a;--on-brand:#ffffff;');
    expect(dark).toContain("<strong>Kefu</strong>");
    expect(dark).not.toContain("preview-greeting");
    expect(business(ctx)).toEqual(ctx.business);
  });

  it("falls back to the default colour for anything that is not a colour, so nothing else reaches the style", async () => {
    const ctx = testApp();
    const { client } = await signedIn(ctx, "owner");
    const drawn = await preview(client, { color: "red;background:url(https://evil.example)", title: "", position: "top", greeting: "" });
    expect(drawn).toContain('class="widget-preview at-right" style="--brand:#2563eb;--on-brand:#ffffff;');
    expect(drawn).not.toContain("evil");
  });
});
