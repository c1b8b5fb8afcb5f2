import { describe, expect, it } from "bun:test";
import { sessions } from "../../src/db/schema";
import { RateLimiter } from "../../src/domain/rate-limiter";
import { Client, addMember, signedIn, testApp } from "../support";

describe("sign-in under a burst of attempts", () => {
  it("counts each attempt before its password is checked: of 40 at once from one address, at most the limit are checked", async () => {
    const ctx = testApp();
    await addMember(ctx, "agent", "ann@example.com", "the right password");
    const verify = Bun.password.verify;
    let checked = 0;
    Bun.password.verify = (...args: Parameters<typeof verify>) => {
      checked++;
      return verify(...args);
    };
    try {
      const attempts = await Promise.all(
        Array.from({ length: 40 }, () => new Client(ctx.app).post("/login", { email: "ann@example.com", password: "a wrong password" })),
      );
      const statuses = attempts.map((response) => response.status);
      expect(checked).toBeLessThanOrEqual(10);
      expect(statuses.filter((status) => status === 401)).toHaveLength(checked);
      expect(statuses.every((status) => status === 401 || status === 429 || status === 503)).toBe(true);
      expect(statuses.filter((status) => status === 429).length).toBeGreaterThanOrEqual(30 - statuses.filter((status) => status === 503).length);
    } finally {
      Bun.password.verify = verify;
    }
  });

  it("checks at most two passwords at once and refuses with 503 past a short line, counting none of those refused", async () => {
    const ctx = testApp({ loginThrottle: new RateLimiter(1000, 60_000) });
    await addMember(ctx, "agent", "ann@example.com", "the right password");
    const verify = Bun.password.verify;
    let running = 0;
    let most = 0;
    Bun.password.verify = async (...args: Parameters<typeof verify>) => {
      most = Math.max(most, ++running);
      try {
        return await verify(...args);
      } finally {
        running--;
      }
    };
    try {
      const attempts = await Promise.all(
        Array.from({ length: 40 }, (_, i) => new Client(ctx.app, { "x-forwarded-for": `10.0.0.${i}` }).post("/login", { email: "ann@example.com", password: "a wrong password" })),
      );
      expect(most).toBeLessThanOrEqual(2);
      const busy = attempts.filter((response) => response.status === 503);
      expect(busy.length).toBe(40 - 2 - 16);
      expect(await busy[0]!.text()).toContain("Too many sign-ins at this moment.");
      const signedIn = await new Client(ctx.app).post("/login", { email: "ann@example.com", password: "the right password" });
      expect(signedIn.status).toBe(303);
    } finally {
      Bun.password.verify = verify;
    }
  });
});

describe("first-run setup", () => {
  it("asks for the owner while none exists", async () => {
    const ctx = testApp();
    const response = await new Client(ctx.app).get("/setup");
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('name="password"');
  });

  it("names every bad field and creates nothing", async () => {
    const ctx = testApp();
    const response = await new Client(ctx.app).post("/setup", { name: " ", email: "not-an-email", password: "short" });
    expect(response.status).toBe(422);
    const page = await response.text();
    expect(page).toContain("Enter a name.");
    expect(page).toContain("Enter an email address like name@example.com.");
    expect(page).toContain("Use at least 8 characters.");
    expect(ctx.sqlite.query("SELECT count(*) AS n FROM agents").get()).toEqual({ n: 0 });
  });

  it("creates the owner, signs them in, and is gone afterwards", async () => {
    const ctx = testApp();
    const client = new Client(ctx.app);
    const created = await client.post("/setup", { name: "Mei", email: "Mei@Example.com", password: "a long password" });
    expect(created.status).toBe(303);
    expect(created.headers.get("location")).toBe("/console");
    expect((await client.get("/console")).status).toBe(200);
    expect((await new Client(ctx.app).get("/setup")).status).toBe(404);
    const replay = await new Client(ctx.app).post("/setup", { name: "Eve", email: "eve@example.com", password: "a long password" });
    expect(replay.status).toBe(404);
    expect(ctx.sqlite.query("SELECT email, role FROM agents").all()).toEqual([{ email: "mei@example.com", role: "owner" }]);
  });

  it("asks for the shop's name first, and takes the time zone from the browser in a hidden field", async () => {
    const ctx = testApp();
    const page = await (await new Client(ctx.app).get("/setup")).text();
    expect(page.indexOf('name="shopName"')).toBeLessThan(page.indexOf('name="name"'));
    expect(page).toContain('<input type="hidden" name="timezone" value="" :value="zone">');
    expect(page).toContain("Intl.DateTimeFormat().resolvedOptions().timeZone");
  });

  it("names the shop and sets its time zone as the browser reports it", async () => {
    const ctx = testApp();
    const created = await new Client(ctx.app).post("/setup", {
      shopName: "  Lotus Tea House ",
      timezone: "asia/shanghai",
      name: "Mei",
      email: "mei@example.com",
      password: "a long password",
    });
    expect(created.status).toBe(303);
    expect(ctx.sqlite.query("SELECT name, timezone FROM businesses").get()).toEqual({ name: "Lotus Tea House", timezone: "Asia/Shanghai" });
  });

  it("keeps the server's default time zone when the browser sent none", async () => {
    const ctx = testApp();
    const created = await new Client(ctx.app).post("/setup", { shopName: "Lotus", timezone: "", name: "Mei", email: "mei@example.com", password: "a long password" });
    expect(created.status).toBe(303);
    expect(ctx.sqlite.query("SELECT name, timezone FROM businesses").get()).toEqual({ name: "Lotus", timezone: "UTC" });
  });

  it("refuses an empty shop name and a time zone that is not one, asks for the zone from a list, and creates nothing", async () => {
    const ctx = testApp();
    const response = await new Client(ctx.app).post("/setup", { shopName: " ", timezone: "Mars/Olympus_Mons", name: "Mei", email: "mei@example.com", password: "a long password" });
    expect(response.status).toBe(422);
    const page = await response.text();
    expect(page).toContain('<p class="field-error" id="field-shopName-error">Enter a name.</p>');
    expect(page).toContain('<p class="field-error" id="field-timezone-error">Choose a time zone from the list.</p>');
    expect(page).toContain('<option value="Asia/Shanghai" >');
    expect(page).toContain('<option value="UTC" selected>');
    expect(ctx.sqlite.query("SELECT count(*) AS n FROM agents").get()).toEqual({ n: 0 });
    expect(ctx.sqlite.query("SELECT name, timezone FROM businesses").get()).toEqual({ name: "Kefu", timezone: "UTC" });
  });

  it("lets only one of two racing setup requests create an owner", async () => {
    const ctx = testApp();
    const results = await Promise.all(
      ["a", "b"].map((name) => new Client(ctx.app).post("/setup", { name, email: `${name}@example.com`, password: "a long password" })),
    );
    expect(results.map((r) => r.status).sort()).toEqual([303, 404]);
    expect(ctx.sqlite.query("SELECT count(*) AS n FROM agents WHERE role = 'owner'").get()).toEqual({ n: 1 });
  });
});

describe("sign-in", () => {
  it("sets an HttpOnly SameSite=Lax session cookie and stores only the token's hash", async () => {
    const ctx = testApp();
    await addMember(ctx, "owner", "owner@example.com");
    const client = new Client(ctx.app);
    const response = await client.post("/login", { email: "OWNER@example.com", password: "correct horse" });
    expect(response.status).toBe(303);
    const cookie = response.headers.get("set-cookie")!;
    expect(cookie).toContain("HttpOnly");
    expect(cookie).toContain("SameSite=Lax");
    const token = client.cookie!.split("=")[1]!;
    const stored = ctx.db.select().from(sessions).all();
    expect(stored).toHaveLength(1);
    expect(stored[0]!.tokenHash).not.toContain(token);
    expect(stored[0]!.tokenHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it("shows an error for a wrong password and an unknown email alike", async () => {
    const ctx = testApp();
    await addMember(ctx, "owner", "owner@example.com");
    const wrong = await new Client(ctx.app).post("/login", { email: "owner@example.com", password: "wrong password" });
    const unknown = await new Client(ctx.app).post("/login", { email: "nobody@example.com", password: "wrong password" });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(await wrong.text()).toContain("Wrong email or password.");
    expect(await unknown.text()).toContain("Wrong email or password.");
  });

  it("refuses the 11th wrong password in a row with 429 and says when to retry", async () => {
    const ctx = testApp();
    await addMember(ctx, "owner", "owner@example.com");
    const attacker = new Client(ctx.app);
    for (let i = 0; i < 10; i++) {
      expect((await attacker.post("/login", { email: "owner@example.com", password: `guess ${i}` })).status).toBe(401);
    }
    const refused = await attacker.post("/login", { email: "owner@example.com", password: "correct horse" });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await refused.text()).toContain("Try again in 5 min.");
    expect(attacker.cookie).toBeNull();
    // Eleven real Argon2 hashes and checks: well under a second on a quiet machine, seconds on a busy one.
  }, 20_000);

  it("sends a signed-out visitor of the console to the sign-in page", async () => {
    const ctx = testApp();
    const response = await new Client(ctx.app).get("/console");
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe("/login");
  });

  it("ends the session on sign-out", async () => {
    const ctx = testApp();
    const { client } = await signedIn(ctx, "owner");
    const stolenCookie = client.cookie!;
    expect((await client.post("/logout")).status).toBe(303);
    const reused = new Client(ctx.app, { cookie: stolenCookie });
    expect((await reused.get("/console")).headers.get("location")).toBe("/login");
    expect(ctx.db.select().from(sessions).all()).toHaveLength(0);
  });
});

describe("CSRF protection", () => {
  it("refuses a console POST without Sec-Fetch-Site or Origin and changes nothing", async () => {
    const ctx = testApp();
    const { client } = await signedIn(ctx, "owner");
    const forged = await client.request("/console/settings", {
      method: "POST",
      headers: { "sec-fetch-site": "cross-site" },
      form: { name: "Pwned" },
    });
    expect(forged.status).toBe(403);
    const bare = await ctx.app.handle(
      new Request("http://kefu.test/console/settings", {
        method: "POST",
        headers: { cookie: client.cookie!, "content-type": "application/x-www-form-urlencoded" },
        body: "name=Pwned",
      }),
    );
    expect(bare.status).toBe(403);
    expect(await bare.text()).toContain("did not come from a Kefu page");
    expect(ctx.sqlite.query("SELECT name FROM businesses").get()).toEqual({ name: "Kefu" });
  });

  it("accepts a POST whose Origin is the server's own", async () => {
    const ctx = testApp();
    const { client } = await signedIn(ctx, "owner");
    const response = await ctx.app.handle(
      new Request("http://kefu.test/console/settings", {
        method: "POST",
        headers: { cookie: client.cookie!, origin: "http://kefu.test", "content-type": "application/x-www-form-urlencoded" },
        body: "name=Tea+House",
      }),
    );
    expect(response.status).toBe(200);
    expect(ctx.sqlite.query("SELECT name FROM businesses").get()).toEqual({ name: "Tea House" });
  });

  it("refuses a POST from another origin", async () => {
    const ctx = testApp();
    const response = await ctx.app.handle(
      new Request("http://kefu.test/login", {
        method: "POST",
        headers: { origin: "https://evil.example", "content-type": "application/x-www-form-urlencoded" },
        body: "email=a%40b.co&password=x",
      }),
    );
    expect(response.status).toBe(403);
  });
});
