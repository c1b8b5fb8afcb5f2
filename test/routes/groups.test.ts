import { describe, expect, it } from "bun:test";
import { agentGroups, auditLog, businesses, groups } from "../../src/db/schema";
import { addAgent } from "../../src/domain/agents";
import { findBusiness } from "../../src/domain/businesses";
import { createGroup, groupIdsOfAgent, listGroups } from "../../src/domain/groups";
import { limits } from "../../src/domain/limits";
import { addMember, signedIn, testApp } from "../support";

/** A form with one field given several times, as a browser sends ticked checkboxes. */
function members(agentIds: number[]): FormData {
  const form = new FormData();
  for (const id of agentIds) form.append("agentIds", String(id));
  return form;
}

function auditActions(ctx: ReturnType<typeof testApp>) {
  return ctx.db.select().from(auditLog).all().map((row) => row.action);
}

describe("the Groups page", () => {
  it("lists each group with its member picker, chat link and delete button, and explains who answers", async () => {
    const ctx = testApp();
    const { agent: owner, client } = await signedIn(ctx, "owner");
    const li = await addMember(ctx, "agent", "li@example.com");
    const sales = createGroup(ctx.db, owner, "Sales <VIP>");
    const response = await client.get("/console/groups");
    expect(response.status).toBe(200);
    const page = await response.text();
    expect(page).toContain("Sales &lt;VIP&gt;");
    expect(page).not.toContain("<VIP>");
    expect(page).toContain(`value="http://kefu.test/chat/${ctx.business.widgetKey}?group=${sales.id}"`);
    expect(page).toContain(`name="agentIds" value="${li.id}"`);
    expect(page).toContain(`hx-post="/console/groups/${sales.id}/delete"`);
    expect(page).toContain("Agents in no group answer every group");
    expect(page).toContain('href="/console/groups" aria-current="page"');
  });

  it("uses the public URL for the chat links when one is configured", async () => {
    const ctx = testApp({ config: { publicUrl: "https://chat.example.com", trustProxy: false } });
    const { agent: owner, client } = await signedIn(ctx, "owner");
    const sales = createGroup(ctx.db, owner, "Sales");
    const page = await (await client.get("/console/groups", { origin: "https://chat.example.com" })).text();
    expect(page).toContain(`value="https://chat.example.com/chat/${ctx.business.widgetKey}?group=${sales.id}"`);
  });

  it("is for owners and admins only", async () => {
    const ctx = testApp();
    const { agent: owner } = await signedIn(ctx, "owner");
    const { client: admin } = await signedIn(ctx, "admin");
    const { client: agent } = await signedIn(ctx, "agent");
    const sales = createGroup(ctx.db, owner, "Sales");
    expect((await admin.get("/console/groups")).status).toBe(200);
    expect(await (await admin.get("/console")).text()).toContain('href="/console/groups"');
    expect(await (await agent.get("/console")).text()).not.toContain('href="/console/groups"');
    expect((await agent.get("/console/groups")).status).toBe(403);
    expect((await agent.post("/console/groups", { name: "Mine" })).status).toBe(403);
    expect((await agent.post(`/console/groups/${sales.id}/name`, { name: "Mine" })).status).toBe(403);
    expect((await agent.post(`/console/groups/${sales.id}/delete`)).status).toBe(403);
    expect((await agent.post("/console/groups/picker", { groupPicker: "on" })).status).toBe(403);
    expect(listGroups(ctx.db, ctx.business.id).map((group) => group.name)).toEqual(["Sales"]);
  });

  it("adds a group and shows the new list", async () => {
    const ctx = testApp();
    const { client } = await signedIn(ctx, "owner");
    const response = await client.post("/console/groups", { name: "  After-sales  " });
    expect(response.status).toBe(200);
    const fragment = await response.text();
    expect(fragment).toContain('<section class="card panel" id="group-create">');
    expect(fragment).toContain('<hx-partial hx-target="#group-list" hx-swap="outerHTML">');
    expect(fragment).toContain('value="After-sales"');
    expect(ctx.db.select().from(groups).all().map((group) => group.name)).toEqual(["After-sales"]);
    expect(auditActions(ctx)).toEqual(["group.created"]);
  });

  it("says what is wrong with a name next to the field, keeps what was typed, and adds nothing", async () => {
    const ctx = testApp();
    const { agent: owner, client } = await signedIn(ctx, "owner");
    createGroup(ctx.db, owner, "Sales");
    const cases: [string, string][] = [
      ["   ", "Enter a name."],
      ["x".repeat(limits.groupNameLength + 1), `Use at most ${limits.groupNameLength} characters.`],
      ["SALES", "A group with this name already exists."],
    ];
    for (const [name, message] of cases) {
      const response = await client.post("/console/groups", { name });
      expect(response.status).toBe(422);
      const fragment = await response.text();
      expect(fragment).toContain(`<p class="field-error" id="field-name-error">${message}</p>`);
      expect(fragment).toContain(`value="${name}"`);
      expect(fragment).toContain('aria-invalid="true"');
    }
    expect(ctx.db.select().from(groups).all()).toHaveLength(1);
  });

  it("renames a group in place, and refuses a name another group has", async () => {
    const ctx = testApp();
    const { agent: owner, client } = await signedIn(ctx, "owner");
    const sales = createGroup(ctx.db, owner, "Sales");
    createGroup(ctx.db, owner, "Support");
    const renamed = await client.post(`/console/groups/${sales.id}/name`, { name: "Pre-sales" });
    expect(renamed.status).toBe(200);
    const fragment = await renamed.text();
    expect(fragment).toContain(`<section class="card panel" id="group-${sales.id}">`);
    expect(fragment).toContain('value="Pre-sales"');
    expect(fragment).toContain("Saved.");

    const taken = await client.post(`/console/groups/${sales.id}/name`, { name: "support" });
    expect(taken.status).toBe(422);
    const refused = await taken.text();
    expect(refused).toContain(`<p class="field-error" id="group-${sales.id}-name-error">A group with this name already exists.</p>`);
    expect(refused).toContain('value="support"');
    expect(listGroups(ctx.db, ctx.business.id).map((group) => group.name)).toEqual(["Pre-sales", "Support"]);
    expect(auditActions(ctx)).toEqual(["group.created", "group.created", "group.renamed"]);
  });

  it("saves the members ticked in the picker, and none when nothing is ticked", async () => {
    const ctx = testApp();
    const { agent: owner, client } = await signedIn(ctx, "owner");
    const li = await addMember(ctx, "agent", "li@example.com");
    const sales = createGroup(ctx.db, owner, "Sales");
    const saved = await client.post(`/console/groups/${sales.id}/members`, members([li.id, owner.id]));
    expect(saved.status).toBe(200);
    const fragment = await saved.text();
    expect(fragment).toContain("Members (2)");
    expect(fragment).toContain(`value="${li.id}" checked`);
    expect(groupIdsOfAgent(ctx.db, li.id)).toEqual([sales.id]);

    expect((await client.post(`/console/groups/${sales.id}/members`, {})).status).toBe(200);
    expect(ctx.db.select().from(agentGroups).all()).toEqual([]);
    const changed = ctx.db.select().from(auditLog).all().filter((row) => row.action === "group.members_changed");
    expect(changed.map((row) => row.detail)).toEqual([{ agentIds: [li.id, owner.id] }, { agentIds: [] }]);
  });

  it("refuses a member from another shop and keeps the ticks that were sent", async () => {
    const ctx = testApp();
    const { agent: owner, client } = await signedIn(ctx, "owner");
    const other = ctx.db.insert(businesses).values({ name: "Other", widgetKey: "other", identitySecret: "s" }).returning().get();
    const { agent: stranger } = await addAgent(ctx.db, { businessId: other.id, email: "x@other.example", name: "X", role: "agent", password: "correct horse" });
    const sales = createGroup(ctx.db, owner, "Sales");
    const response = await client.post(`/console/groups/${sales.id}/members`, members([owner.id, stranger.id]));
    expect(response.status).toBe(422);
    const fragment = await response.text();
    expect(fragment).toContain("Choose members among the active agents of your team.");
    expect(fragment).toContain(`value="${owner.id}" checked`);
    expect(fragment).not.toContain("x@other.example");
    expect(ctx.db.select().from(agentGroups).all()).toEqual([]);
  });

  it("deletes a group after asking, and shows the list without it", async () => {
    const ctx = testApp();
    const { agent: owner, client } = await signedIn(ctx, "owner");
    const sales = createGroup(ctx.db, owner, "Sales");
    expect(await (await client.get("/console/groups")).text()).toContain("hx-confirm=\"Delete the group “Sales”?");
    const response = await client.post(`/console/groups/${sales.id}/delete`);
    expect(response.status).toBe(200);
    const fragment = await response.text();
    expect(fragment).toContain('<div id="group-list">');
    expect(fragment).toContain("No groups yet.");
    expect(ctx.db.select().from(groups).all()).toEqual([]);
    expect(auditActions(ctx)).toEqual(["group.created", "group.deleted"]);
  });

  it("answers 404 for another shop's group and leaves it alone", async () => {
    const ctx = testApp();
    const { agent: owner, client } = await signedIn(ctx, "owner");
    const other = ctx.db.insert(businesses).values({ name: "Other", widgetKey: "other", identitySecret: "s" }).returning().get();
    const theirs = createGroup(ctx.db, { id: owner.id, businessId: other.id }, "Theirs");
    expect((await client.post(`/console/groups/${theirs.id}/name`, { name: "Mine" })).status).toBe(404);
    expect((await client.post(`/console/groups/${theirs.id}/members`, members([owner.id]))).status).toBe(404);
    expect((await client.post(`/console/groups/${theirs.id}/delete`)).status).toBe(404);
    expect(listGroups(ctx.db, other.id)).toMatchObject([{ name: "Theirs", memberCount: 0 }]);
  });

  it("switches the group picker on and off", async () => {
    const ctx = testApp();
    const { client } = await signedIn(ctx, "owner");
    const on = await client.post("/console/groups/picker", { groupPicker: "on" });
    expect(on.status).toBe(200);
    expect(await on.text()).toContain('value="on" checked');
    expect(findBusiness(ctx.db, ctx.business.id)?.groupPicker).toBe(true);
    // An unticked checkbox sends no field.
    expect((await client.post("/console/groups/picker", {})).status).toBe(200);
    expect(findBusiness(ctx.db, ctx.business.id)?.groupPicker).toBe(false);
    expect(auditActions(ctx)).toEqual(["business.group_picker_changed", "business.group_picker_changed"]);
  });

  it("refuses a change posted from another site", async () => {
    const ctx = testApp();
    const { agent: owner, client } = await signedIn(ctx, "owner");
    const sales = createGroup(ctx.db, owner, "Sales");
    const crossSite = { "sec-fetch-site": "cross-site" };
    expect((await client.post("/console/groups", { name: "Evil" }, crossSite)).status).toBe(403);
    expect((await client.post(`/console/groups/${sales.id}/delete`, {}, crossSite)).status).toBe(403);
    expect((await client.post("/console/groups/picker", { groupPicker: "on" }, crossSite)).status).toBe(403);
    expect(listGroups(ctx.db, ctx.business.id).map((group) => group.name)).toEqual(["Sales"]);
    expect(findBusiness(ctx.db, ctx.business.id)?.groupPicker).toBe(false);
  });
});
