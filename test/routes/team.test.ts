import { describe, expect, it } from "bun:test";
import { agents, auditLog, businesses, sessions } from "../../src/db/schema";
import { addAgent } from "../../src/domain/agents";
import { ignoreEvents } from "../../src/domain/events";
import { createGroup, setGroupMembers } from "../../src/domain/groups";
import { addMember, Client, signedIn, testApp } from "../support";

describe("the Team page", () => {
  it("lists the team for owners and admins, and is forbidden to agents", async () => {
    const ctx = testApp();
    const { client: owner } = await signedIn(ctx, "owner");
    const { client: admin } = await signedIn(ctx, "admin");
    const { client: agent } = await signedIn(ctx, "agent");
    const page = await (await owner.get("/console/team")).text();
    expect(page).toContain("admin@example.com");
    expect(page).toContain("agent@example.com");
    expect((await admin.get("/console/team")).status).toBe(200);
    expect((await agent.get("/console/team")).status).toBe(403);
    expect((await agent.post("/console/team", { name: "X", email: "x@example.com", role: "agent" })).status).toBe(403);
  });

  it("adds a member with a temporary password shown once, who must change it at first sign-in", async () => {
    const ctx = testApp();
    const { client: owner } = await signedIn(ctx, "owner");
    const response = await owner.post("/console/team", { name: "Li Lei", email: "lilei@example.com", role: "agent" });
    expect(response.status).toBe(200);
    const fragment = await response.text();
    const password = fragment.match(/id="temporary-password-\d+"[^>]*>([^<]+)</)?.[1];
    expect(password).toMatch(/^[A-Za-z0-9]{14}$/);
    expect(fragment).toContain('<hx-partial hx-target="#team-rows" hx-swap="beforeend">');
    expect(await (await owner.get("/console/team")).text()).not.toContain(password!);

    const newcomer = new Client(ctx.app);
    expect((await newcomer.post("/login", { email: "lilei@example.com", password: password! })).status).toBe(303);
    expect((await newcomer.get("/console")).headers.get("location")).toBe("/console/password");
    const changed = await newcomer.post("/console/password", { current: password!, password: "my own secret" });
    expect(changed.headers.get("location")).toBe("/console");
    expect((await newcomer.get("/console")).status).toBe(200);
  });

  it("says what is wrong with each field of a new member and adds nobody", async () => {
    const ctx = testApp();
    const { client: owner } = await signedIn(ctx, "owner");
    const response = await owner.post("/console/team", { name: "", email: "owner@example.com", role: "agent" });
    expect(response.status).toBe(422);
    const fragment = await response.text();
    expect(fragment).toContain("Enter a name.");
    const taken = await owner.post("/console/team", { name: "Twin", email: "OWNER@example.com", role: "agent" });
    expect(await taken.text()).toContain("An account with this email already exists.");
    expect(ctx.db.select().from(agents).all()).toHaveLength(1);
  });

  it("lets an admin add agents but not owners", async () => {
    const ctx = testApp();
    const { client: admin } = await signedIn(ctx, "admin");
    const response = await admin.post("/console/team", { name: "Boss", email: "boss@example.com", role: "owner" });
    expect(response.status).toBe(422);
    expect(await response.text()).toContain("Only an owner can change an owner");
    expect((await admin.post("/console/team", { name: "Helper", email: "helper@example.com", role: "agent" })).status).toBe(200);
  });

  it("changes a role and refuses to demote the last owner", async () => {
    const ctx = testApp();
    const { agent: me, client: owner } = await signedIn(ctx, "owner");
    const colleague = await addMember(ctx, "agent", "colleague@example.com");
    const promoted = await owner.post(`/console/team/${colleague.id}/role`, { role: "admin" });
    expect(promoted.status).toBe(200);
    expect(await promoted.text()).toContain('<option value="admin" selected>');
    const demoted = await owner.post(`/console/team/${me.id}/role`, { role: "agent" });
    expect(demoted.status).toBe(409);
    expect(await demoted.text()).toContain("The last owner cannot be demoted or disabled.");
    expect(ctx.db.select({ role: agents.role }).from(agents).all().map((a) => a.role).sort()).toEqual(["admin", "owner"]);
  });

  it("does not let an admin disable or demote an owner", async () => {
    const ctx = testApp();
    const { agent: owner } = await signedIn(ctx, "owner");
    const { client: admin } = await signedIn(ctx, "admin");
    expect((await admin.post(`/console/team/${owner.id}/disable`)).status).toBe(409);
    expect((await admin.post(`/console/team/${owner.id}/role`, { role: "agent" })).status).toBe(409);
    const row = ctx.db.select().from(agents).all().find((a) => a.id === owner.id)!;
    expect(row.role).toBe("owner");
    expect(row.disabled).toBe(false);
  });

  it("signs a disabled member out at once and keeps them out", async () => {
    const ctx = testApp();
    const { client: owner } = await signedIn(ctx, "owner");
    const { agent, client: victim } = await signedIn(ctx, "agent");
    expect((await victim.get("/console")).status).toBe(200);
    expect((await owner.post(`/console/team/${agent.id}/disable`)).status).toBe(200);
    expect((await victim.get("/console")).headers.get("location")).toBe("/login");
    expect((await new Client(ctx.app).post("/login", { email: agent.email, password: "correct horse" })).status).toBe(401);
    expect((await owner.post(`/console/team/${agent.id}/enable`)).status).toBe(200);
    expect((await new Client(ctx.app).post("/login", { email: agent.email, password: "correct horse" })).status).toBe(303);
  });

  it("treats a member of another business as not found", async () => {
    const ctx = testApp();
    const { client: owner } = await signedIn(ctx, "owner");
    const other = ctx.db.insert(businesses).values({ name: "Other", widgetKey: "other", identitySecret: "s" }).returning().get();
    const { agent: stranger } = await addAgent(ctx.db, {
      businessId: other.id,
      email: "stranger@example.com",
      name: "Stranger",
      role: "agent",
      password: "correct horse",
    });
    expect((await owner.post(`/console/team/${stranger.id}/disable`)).status).toBe(404);
    expect((await owner.post(`/console/team/${stranger.id}/role`, { role: "admin" })).status).toBe(404);
    expect(await (await owner.get("/console/team")).text()).not.toContain("stranger@example.com");
  });

  it("rejects a member id that is not a number", async () => {
    const ctx = testApp();
    const { client: owner } = await signedIn(ctx, "owner");
    const response = await owner.post("/console/team/abc/disable");
    expect(response.status).toBe(400);
  });
});

describe("temporary passwords", () => {
  const temporaryPassword = (fragment: string, agentId: number) => fragment.match(new RegExp(`id="temporary-password-${agentId}"[^>]*>([^<]+)<`))?.[1];

  it("keeps the first member's password notice when a second member is added", async () => {
    const ctx = testApp();
    const { client: owner } = await signedIn(ctx, "owner");
    const page = await (await owner.get("/console/team")).text();
    expect(page).toContain('<div id="team-notices"');
    const first = await (await owner.post("/console/team", { name: "Li Lei", email: "lilei@example.com", role: "agent" })).text();
    const second = await (await owner.post("/console/team", { name: "Han Mei", email: "hanmei@example.com", role: "agent" })).text();
    for (const fragment of [first, second]) {
      // The add form is swapped out and in again; each notice is added beside the others, never inside it.
      const form = fragment.slice(0, fragment.indexOf("<hx-partial"));
      expect(form).toStartWith('<section class="card panel" id="team-add">');
      expect(form).not.toContain("temporary-password");
      expect(fragment).toContain('<hx-partial hx-target="#team-notices" hx-swap="beforeend"><div class="notice ok password-notice"');
    }
    expect(second).toContain("Han Mei was added.");
    expect(second).not.toContain("Li Lei");
  });

  it("resets a member's password: a new temporary one shown once, the old one refused, their sessions ended, a new password required", async () => {
    const ctx = testApp();
    const { agent: owner, client } = await signedIn(ctx, "owner");
    const { agent: member, client: memberBrowser } = await signedIn(ctx, "agent", "li@example.com");
    expect(await (await client.get("/console/team")).text()).toContain(`hx-post="/console/team/${member.id}/password"`);

    const response = await client.post(`/console/team/${member.id}/password`, {}, { "hx-request": "true" });
    expect(response.status).toBe(200);
    const fragment = await response.text();
    expect(fragment).toStartWith(`<tr id="agent-${member.id}">`);
    expect(fragment).toContain("li has a new temporary password.");
    const password = temporaryPassword(fragment, member.id);
    expect(password).toMatch(/^[A-Za-z0-9]{14}$/);
    expect(await (await client.get("/console/team")).text()).not.toContain(password!);

    expect((await memberBrowser.get("/console")).headers.get("location")).toBe("/login");
    expect(ctx.db.select().from(sessions).all().map((session) => session.agentId)).toEqual([owner.id]);
    expect((await new Client(ctx.app).post("/login", { email: "li@example.com", password: "correct horse" })).status).toBe(401);
    const again = new Client(ctx.app);
    expect((await again.post("/login", { email: "li@example.com", password: password! })).status).toBe(303);
    expect((await again.get("/console")).headers.get("location")).toBe("/console/password");
    expect((await again.post("/console/password", { current: password!, password: "my own secret" })).headers.get("location")).toBe("/console");
    expect(ctx.db.select().from(auditLog).all().map((row) => [row.agentId, row.action, row.subject])).toEqual([[owner.id, "agent.password_reset", `agent:${member.id}`]]);
    // Nine real Argon2 hashes and checks: seconds on a busy machine.
  }, 20_000);

  it("lets an admin reset an agent's password but not an owner's, and nobody their own here", async () => {
    const ctx = testApp();
    const { agent: owner, client: ownerClient } = await signedIn(ctx, "owner");
    const { agent: admin, client } = await signedIn(ctx, "admin");
    const member = await addMember(ctx, "agent", "li@example.com");
    const page = await (await client.get("/console/team")).text();
    expect(page).not.toContain(`hx-post="/console/team/${owner.id}/password"`);
    expect(page).not.toContain(`hx-post="/console/team/${admin.id}/password"`);

    const refused = await client.post(`/console/team/${owner.id}/password`);
    expect(refused.status).toBe(409);
    expect(await refused.text()).toContain("Only an owner can change an owner");
    const own = await ownerClient.post(`/console/team/${owner.id}/password`);
    expect(own.status).toBe(409);
    expect(await own.text()).toContain("Change your own password on your profile.");
    expect((await new Client(ctx.app).post("/login", { email: owner.email, password: "correct horse" })).status).toBe(303);
    expect(ctx.db.select().from(auditLog).all()).toEqual([]);

    expect((await client.post(`/console/team/${member.id}/password`)).status).toBe(200);
  });

  it("is not for agents, and treats another shop's member as not found", async () => {
    const ctx = testApp();
    const { client: owner } = await signedIn(ctx, "owner");
    const { client: agent } = await signedIn(ctx, "agent");
    const colleague = await addMember(ctx, "agent", "li@example.com");
    expect((await agent.post(`/console/team/${colleague.id}/password`)).status).toBe(403);
    const other = ctx.db.insert(businesses).values({ name: "Other", widgetKey: "other", identitySecret: "s" }).returning().get();
    const { agent: stranger } = await addAgent(ctx.db, { businessId: other.id, email: "stranger@example.com", name: "Stranger", role: "agent", password: "correct horse" });
    expect((await owner.post(`/console/team/${stranger.id}/password`)).status).toBe(404);
    for (const email of ["li@example.com", "stranger@example.com"]) {
      expect((await new Client(ctx.app).post("/login", { email, password: "correct horse" })).status).toBe(303);
    }
  });
});

describe("per-agent capacity", () => {
  it("sets an agent's own maximum, clears it back to the default, and refuses a bad number", async () => {
    const ctx = testApp();
    const { client: owner } = await signedIn(ctx, "owner");
    const member = await addMember(ctx, "agent", "member@example.com");
    const capacityOf = () => ctx.sqlite.query("SELECT max_concurrent_chats AS n FROM agents WHERE id = ?").get(member.id);
    expect((await owner.post(`/console/team/${member.id}/capacity`, { capacity: "2" })).status).toBe(200);
    expect(capacityOf()).toEqual({ n: 2 });
    const refused = await owner.post(`/console/team/${member.id}/capacity`, { capacity: "-1" });
    expect(refused.status).toBe(422);
    expect(await refused.text()).toContain("Enter a whole number from 1 to 100.");
    expect(capacityOf()).toEqual({ n: 2 });
    expect((await owner.post(`/console/team/${member.id}/capacity`, { capacity: "" })).status).toBe(200);
    expect(capacityOf()).toEqual({ n: null });
    const { client: agent } = await signedIn(ctx, "agent", "other@example.com");
    expect((await agent.post(`/console/team/${member.id}/capacity`, { capacity: "9" })).status).toBe(403);
  });
});

describe("groups on the Team page", () => {
  it("shows each member's groups, and 'Every group' for a member in none, also after a change", async () => {
    const ctx = testApp();
    const { agent: me, client: owner } = await signedIn(ctx, "owner");
    const li = await addMember(ctx, "agent", "li@example.com");
    const sales = createGroup(ctx.db, me, "Sales");
    const support = createGroup(ctx.db, me, "Support");
    setGroupMembers(ctx.db, ignoreEvents, me, sales.id, [li.id]);
    setGroupMembers(ctx.db, ignoreEvents, me, support.id, [li.id]);
    const page = await (await owner.get("/console/team")).text();
    const row = (html: string, id: number) => html.slice(html.indexOf(`<tr id="agent-${id}">`)).split("</tr>")[0]!;
    expect(row(page, li.id)).toContain('<span class="badge">Sales</span> <span class="badge">Support</span>');
    expect(row(page, me.id)).toContain("Every group");
    const changed = await (await owner.post(`/console/team/${li.id}/role`, { role: "admin" })).text();
    expect(changed).toContain('<span class="badge">Sales</span>');
  });
});
