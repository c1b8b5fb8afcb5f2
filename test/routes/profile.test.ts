import { describe, expect, it } from "bun:test";
import { agents } from "../../src/db/schema";
import { Client, signedIn, testApp } from "../support";

const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0]);

function profileForm(name: string, avatar?: Blob, filename = "me.png") {
  const form = new FormData();
  form.set("name", name);
  if (avatar) form.set("avatar", avatar, filename);
  return form;
}

describe("the profile", () => {
  it("changes the agent's name and avatar, and serves the avatar", async () => {
    const ctx = testApp();
    const { agent, client } = await signedIn(ctx, "agent");
    const response = await client.post("/console/profile", profileForm("Xiao Mei", new Blob([png])));
    expect(response.status).toBe(200);
    const row = ctx.db.select().from(agents).all().find((a) => a.id === agent.id)!;
    expect(row.displayName).toBe("Xiao Mei");
    expect(row.avatar).toMatch(/^\/uploads\/avatars\/[A-Za-z0-9_-]{22}\.png$/);
    const image = await client.get(row.avatar!);
    expect(image.headers.get("content-type")).toBe("image/png");
  });

  it("refuses an avatar that is not really an image, whatever its name says", async () => {
    const ctx = testApp();
    const { agent, client } = await signedIn(ctx, "agent");
    const svg = new Blob(['<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'], { type: "image/png" });
    const response = await client.post("/console/profile", profileForm("Renamed", svg, "evil.png"));
    expect(response.status).toBe(422);
    expect(await response.text()).toContain("Upload a PNG, JPEG, GIF or WebP image.");
    const row = ctx.db.select().from(agents).all().find((a) => a.id === agent.id)!;
    expect(row.displayName).toBe("agent");
    expect(row.avatar).toBeNull();
  });

  it("refuses an avatar over the size limit", async () => {
    const ctx = testApp();
    const { client } = await signedIn(ctx, "agent");
    const big = new Blob([png, new Uint8Array(600 * 1024)]);
    const response = await client.post("/console/profile", profileForm("Big", big));
    expect(response.status).toBe(422);
    expect(await response.text()).toContain("at most 512 KB");
  });

  it("does not serve paths outside the avatar folder", async () => {
    const ctx = testApp();
    const client = new Client(ctx.app);
    expect((await client.get("/uploads/avatars/..%2F..%2Fkefu.db")).status).toBe(404);
    expect((await client.get("/uploads/avatars/nope.png")).status).toBe(404);
  });

  it("changes the password only with the current one, and signs out other sessions", async () => {
    const ctx = testApp();
    const { agent, client } = await signedIn(ctx, "agent");
    const otherDevice = new Client(ctx.app);
    await otherDevice.post("/login", { email: agent.email, password: "correct horse" });
    const wrong = await client.post("/console/profile/password", { current: "nope", password: "brand new secret" });
    expect(wrong.status).toBe(422);
    expect(await wrong.text()).toContain("The current password is wrong.");
    const changed = await client.post("/console/profile/password", { current: "correct horse", password: "brand new secret" });
    expect(changed.status).toBe(200);
    expect((await client.get("/console")).status).toBe(200);
    expect((await otherDevice.get("/console")).headers.get("location")).toBe("/login");
    expect((await new Client(ctx.app).post("/login", { email: agent.email, password: "brand new secret" })).status).toBe(303);
  });
});

describe("the exclusive link", () => {
  it("is on the agent's profile, naming them, on the configured public URL", async () => {
    const ctx = testApp({ config: { publicUrl: "https://chat.shop.example", trustProxy: false } });
    const { agent, client } = await signedIn(ctx, "agent");
    const page = await (await client.get("/console/profile")).text();
    expect(page).toContain(`value="https://chat.shop.example/chat/${ctx.business.widgetKey}?agent=${agent.id}"`);
  });
});
