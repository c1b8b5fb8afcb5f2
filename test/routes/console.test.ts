import { describe, expect, it } from "bun:test";
import { Client, signedIn, testApp } from "../support";

describe("the console shell", () => {
  it("shows the signed-in agent, the navigation and an empty conversations view", async () => {
    const ctx = testApp();
    const { client } = await signedIn(ctx, "owner");
    const page = await (await client.get("/console")).text();
    expect(page).toContain('id="signed-in-agent"');
    expect(page).toContain(">owner</span>");
    for (const href of ["/console", "/console/settings", "/console/team"]) expect(page).toContain(`href="${href}"`);
    expect(page).toContain("No conversations yet.");
    expect(page).toContain('action="/logout"');
  });

  it("shows agents no shop settings they cannot change: their preferences instead, and no Team", async () => {
    const ctx = testApp();
    const { client } = await signedIn(ctx, "agent");
    const page = await (await client.get("/console")).text();
    expect(page).not.toContain('href="/console/team"');
    expect(page).not.toContain('href="/console/settings"');
    expect(page).toContain('href="/console/preferences"');
  });

  it("speaks the browser's language until the agent chooses one, then remembers the choice", async () => {
    const ctx = testApp();
    const { client } = await signedIn(ctx, "owner");
    const chinese = { "accept-language": "zh-CN,zh;q=0.9,en;q=0.8" };
    expect(await (await client.get("/console", chinese)).text()).toContain("会话");
    const switched = await client.post("/console/locale", { locale: "en" }, { "hx-request": "true" });
    expect(switched.status).toBe(204);
    expect(switched.headers.get("hx-refresh")).toBe("true");
    const page = await (await client.get("/console", chinese)).text();
    expect(page).toContain('<html lang="en">');
    expect(page).toContain("Conversations");
  });

  it("refuses a language it does not speak", async () => {
    const ctx = testApp();
    const { client } = await signedIn(ctx, "owner");
    const response = await client.post("/console/locale", { locale: "fr" });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain("locale");
  });

  it("escapes what people typed wherever it is shown", async () => {
    const ctx = testApp();
    const { client } = await signedIn(ctx, "owner");
    await client.post("/console/settings", { name: "<script>alert(1)</script>" });
    const page = await (await client.get("/console")).text();
    expect(page).not.toContain("<script>alert(1)</script>");
    expect(page).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
  });

  it("sends agents, who cannot change the shop's settings, to their own preferences", async () => {
    const ctx = testApp();
    const { client } = await signedIn(ctx, "agent");
    const settings = await client.get("/console/settings");
    expect(settings.status).toBe(303);
    expect(settings.headers.get("location")).toBe("/console/preferences");
    expect((await client.post("/console/settings", { name: "Mine now" })).status).toBe(403);
    expect(ctx.sqlite.query("SELECT name FROM businesses").get()).toEqual({ name: "Kefu" });
  });

  it("records settings changes in the audit log", async () => {
    const ctx = testApp();
    const { agent, client } = await signedIn(ctx, "owner");
    await client.post("/console/settings", { name: "Tea House" });
    expect(ctx.sqlite.query("SELECT agent_id, action FROM audit_log").all()).toEqual([
      { agent_id: agent.id, action: "business.renamed" },
    ]);
  });

  it("sends htmx requests of a signed-out browser to the sign-in page with HX-Redirect", async () => {
    const ctx = testApp();
    const response = await new Client(ctx.app).post("/console/locale", { locale: "en" }, { "hx-request": "true" });
    expect(response.headers.get("hx-redirect")).toBe("/login");
  });

  it("answers unknown pages with 404", async () => {
    const ctx = testApp();
    const response = await new Client(ctx.app).get("/console/nope");
    expect(response.status).toBe(404);
    expect(response.headers.get("content-type")).toContain("text/html");
  });
});

describe("health and assets", () => {
  it("reports the version and a live database", async () => {
    const ctx = testApp();
    const response = await new Client(ctx.app).get("/healthz");
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: "ok", database: true, version: expect.any(String) });
  });

  it("reports 503 when the database does not answer", async () => {
    const ctx = testApp();
    ctx.sqlite.close();
    const response = await new Client(ctx.app).get("/healthz");
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ database: false });
  });

  it("serves htmx, hx-ws, Alpine and the stylesheet from the app, gzipped on request", async () => {
    const ctx = testApp();
    const client = new Client(ctx.app);
    for (const name of ["htmx.js", "hx-ws.js", "alpine.js", "kefu.css"]) {
      const response = await client.get(`/assets/${name}`, { "accept-encoding": "gzip" });
      expect(response.status).toBe(200);
      expect(response.headers.get("cache-control")).toContain("immutable");
    }
    const plain = await client.get("/assets/htmx.js");
    expect(await plain.text()).toContain("htmx");
    expect((await client.get("/assets/../package.json")).status).toBe(404);
  });

  it("serves our stylesheets as the same rules without comments and runs of white space", async () => {
    const ctx = testApp();
    const client = new Client(ctx.app);
    for (const [name, rule] of [
      ["kefu.css", "[hidden]{display: none !important;}"],
      ["console.css", ".skip-link:focus{top: .5rem;}"],
    ]) {
      const response = await client.get(`/assets/${name}`);
      expect(response.headers.get("content-type")).toBe("text/css; charset=utf-8");
      const css = await response.text();
      expect(css).toContain(rule!);
      expect(css).not.toContain("/*");
      expect(css).not.toMatch(/\s{2}/);
    }
  });

  it("sends a content security policy that forbids framing and inline scripts", async () => {
    const ctx = testApp();
    const response = await new Client(ctx.app).get("/login");
    const policy = response.headers.get("content-security-policy")!;
    expect(policy).toContain("frame-ancestors 'none'");
    const scriptSources = policy.split(";").find((directive) => directive.trim().startsWith("script-src"))!;
    expect(scriptSources).not.toContain("unsafe-inline");
  });
});

describe("availability", () => {
  it("lets an agent choose online, away or offline, and refuses anything else", async () => {
    const ctx = testApp();
    const { agent, client } = await signedIn(ctx, "agent");
    expect(ctx.sqlite.query("SELECT availability FROM agents WHERE id = ?").get(agent.id)).toEqual({ availability: "online" });
    const away = await client.post("/console/availability", { availability: "away" }, { "hx-request": "true" });
    expect(away.status).toBe(200);
    expect(await away.text()).toContain('<option value="away" selected>');
    expect(ctx.sqlite.query("SELECT availability FROM agents WHERE id = ?").get(agent.id)).toEqual({ availability: "away" });
    expect((await client.post("/console/availability", { availability: "busy" })).status).toBe(400);
    expect(ctx.sqlite.query("SELECT availability FROM agents WHERE id = ?").get(agent.id)).toEqual({ availability: "away" });
  });
});

describe("capacity setting", () => {
  it("saves the business's conversations per agent, refuses a bad number, and records the change", async () => {
    const ctx = testApp();
    const { client } = await signedIn(ctx, "owner");
    for (const bad of ["0", "101", "2.5", "many", ""]) {
      const refused = await client.post("/console/settings", { capacity: bad });
      expect(refused.status).toBe(422);
      expect(await refused.text()).toContain("Enter a whole number from 1 to 100.");
    }
    expect((await client.post("/console/settings", { capacity: "3" })).status).toBe(200);
    expect(ctx.sqlite.query("SELECT max_concurrent_chats AS n FROM businesses").get()).toEqual({ n: 3 });
    expect(ctx.sqlite.query("SELECT action FROM audit_log").all()).toEqual([{ action: "business.capacity_changed" }]);
    const { client: agent } = await signedIn(ctx, "agent");
    expect((await agent.post("/console/settings", { capacity: "9" })).status).toBe(403);
  });
});

describe("welcome message setting", () => {
  it("saves the shop's welcome message, refuses one that is too long, and records the change", async () => {
    const ctx = testApp();
    const { client } = await signedIn(ctx, "owner");
    const long = await client.post("/console/settings", { welcomeText: "好".repeat(1001) });
    expect(long.status).toBe(422);
    expect(await long.text()).toContain("Use at most 1000 characters.");
    expect((await client.post("/console/settings", { welcomeText: "  Hello {visitor_name}!  " })).status).toBe(200);
    expect(ctx.sqlite.query("SELECT welcome_text AS text FROM businesses").get()).toEqual({ text: "Hello {visitor_name}!" });
    expect(ctx.sqlite.query("SELECT action FROM audit_log").all()).toEqual([{ action: "business.welcome_changed" }]);
  });
});

describe("idle close setting", () => {
  it("saves the minutes, refuses a bad value, and records the change", async () => {
    const ctx = testApp();
    const { client } = await signedIn(ctx, "owner");
    for (const bad of ["-1", "1441", "soon"]) {
      const refused = await client.post("/console/settings", { idleCloseMinutes: bad });
      expect(refused.status).toBe(422);
      expect(await refused.text()).toContain("Enter a whole number of minutes from 0 to 1440.");
    }
    expect((await client.post("/console/settings", { idleCloseMinutes: "45" })).status).toBe(200);
    expect(ctx.sqlite.query("SELECT idle_close_minutes AS n FROM businesses").get()).toEqual({ n: 45 });
    expect(ctx.sqlite.query("SELECT action FROM audit_log").all()).toEqual([{ action: "business.idle_close_changed" }]);
  });
});

describe("routing settings", () => {
  it("saves the routing mode, hold and reopen times, refuses bad values, and records each change", async () => {
    const ctx = testApp();
    const { client } = await signedIn(ctx, "owner");
    const badMode = await client.post("/console/settings", { routingMode: "random" });
    expect(badMode.status).toBe(422);
    expect(await badMode.text()).toContain("Choose automatic or claiming.");
    const minuteSettings = [
      ["/console/settings", "holdMinutes"],
      ["/console/settings", "reopenMinutes"],
      ["/console/settings", "autoAwayMinutes"],
    ] as const;
    for (const [path, field] of minuteSettings) {
      const refused = await client.post(path, { [field]: "1441" });
      expect(refused.status).toBe(422);
      expect(await refused.text()).toContain("Enter a whole number of minutes from 0 to 1440.");
    }
    expect(ctx.sqlite.query("SELECT count(*) AS n FROM audit_log").get()).toEqual({ n: 0 });
    expect((await client.post("/console/settings", { routingMode: "claim" })).status).toBe(200);
    expect((await client.post("/console/settings", { holdMinutes: "0" })).status).toBe(200);
    expect((await client.post("/console/settings", { reopenMinutes: "30" })).status).toBe(200);
    expect((await client.post("/console/settings", { autoAwayMinutes: "15" })).status).toBe(200);
    expect(
      ctx.sqlite.query("SELECT routing_mode AS mode, hold_minutes AS hold, reopen_minutes AS reopen, auto_away_minutes AS away FROM businesses").get(),
    ).toEqual({ mode: "claim", hold: 0, reopen: 30, away: 15 });
    expect(ctx.sqlite.query("SELECT action FROM audit_log ORDER BY id").all()).toEqual([
      { action: "business.routing_mode_changed" },
      { action: "business.hold_changed" },
      { action: "business.reopen_changed" },
      { action: "business.auto_away_changed" },
    ]);
  });

  it("are not for plain agents to change", async () => {
    const ctx = testApp();
    const { client } = await signedIn(ctx, "agent");
    expect((await client.post("/console/settings", { routingMode: "claim" })).status).toBe(403);
    expect(ctx.sqlite.query("SELECT routing_mode AS mode FROM businesses").get()).toEqual({ mode: "auto" });
  });
});
