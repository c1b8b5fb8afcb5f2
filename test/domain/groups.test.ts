import { describe, expect, it } from "bun:test";
import { eq } from "drizzle-orm";
import { agentGroups, auditLog, businesses, conversations, groups, visitors } from "../../src/db/schema";
import { addAgent, setAgentDisabled } from "../../src/domain/agents";
import { findBusiness } from "../../src/domain/businesses";
import { NotFoundError, ValidationError } from "../../src/domain/errors";
import { type DomainEvents, ignoreEvents } from "../../src/domain/events";
import {
  createGroup,
  deleteGroup,
  findGroup,
  groupIdsOfAgent,
  listGroups,
  renameGroup,
  setGroupMembers,
  setGroupPicker,
} from "../../src/domain/groups";
import { limits } from "../../src/domain/limits";
import { addMember, testApp } from "../support";

async function shop() {
  const ctx = testApp();
  const owner = await addMember(ctx, "owner", "owner@example.com");
  return { ...ctx, owner };
}

function otherBusiness(ctx: Awaited<ReturnType<typeof shop>>) {
  return ctx.db.insert(businesses).values({ name: "Other", widgetKey: "other-key", identitySecret: "s" }).returning().get();
}

/** The fields a refused change names. */
function refusal(change: () => unknown) {
  try {
    change();
  } catch (error) {
    if (error instanceof ValidationError) return error.fields;
    throw error;
  }
  throw new Error("the change was accepted");
}

function auditActions(ctx: Awaited<ReturnType<typeof shop>>) {
  return ctx.db.select().from(auditLog).all().map((row) => row.action);
}

describe("groups", () => {
  it("creates a group with a trimmed name and notes it in the audit log", async () => {
    const ctx = await shop();
    const group = createGroup(ctx.db, ctx.owner, "  Sales  ");
    expect(group).toMatchObject({ name: "Sales", businessId: ctx.business.id });
    expect(findGroup(ctx.db, ctx.business.id, group.id).name).toBe("Sales");
    const [row] = ctx.db.select().from(auditLog).all();
    expect(row).toMatchObject({ action: "group.created", subject: `group:${group.id}`, agentId: ctx.owner.id, detail: { name: "Sales" } });
  });

  it("refuses an empty, a too long or a taken name, whatever its case, and changes nothing", async () => {
    const ctx = await shop();
    createGroup(ctx.db, ctx.owner, "Sales");
    expect(refusal(() => createGroup(ctx.db, ctx.owner, "   "))).toEqual({ name: { key: "error.name.required" } });
    expect(refusal(() => createGroup(ctx.db, ctx.owner, "x".repeat(limits.groupNameLength + 1)))).toEqual({
      name: { key: "error.name.tooLong", params: { max: limits.groupNameLength } },
    });
    expect(refusal(() => createGroup(ctx.db, ctx.owner, " sales "))).toEqual({ name: { key: "groups.nameTaken" } });
    expect(ctx.db.select().from(groups).all()).toHaveLength(1);
    expect(auditActions(ctx)).toEqual(["group.created"]);
  });

  it("counts a name in characters, so a Chinese name may be as long as the limit", async () => {
    const ctx = await shop();
    expect(createGroup(ctx.db, ctx.owner, "售".repeat(limits.groupNameLength)).name).toHaveLength(limits.groupNameLength);
  });

  it("lets two shops have a group of the same name", async () => {
    const ctx = await shop();
    const other = otherBusiness(ctx);
    createGroup(ctx.db, ctx.owner, "Sales");
    expect(createGroup(ctx.db, { id: ctx.owner.id, businessId: other.id }, "Sales").businessId).toBe(other.id);
  });

  it("stops at the most groups a shop may have", async () => {
    const ctx = await shop();
    for (let i = 0; i < limits.groupsPerBusiness; i++) createGroup(ctx.db, ctx.owner, `Group ${i}`);
    expect(refusal(() => createGroup(ctx.db, ctx.owner, "One more"))).toEqual({
      name: { key: "groups.tooMany", params: { max: limits.groupsPerBusiness } },
    });
  });

  it("renames a group, keeps its own name in another case, and refuses another group's name", async () => {
    const ctx = await shop();
    const sales = createGroup(ctx.db, ctx.owner, "Sales");
    createGroup(ctx.db, ctx.owner, "Support");
    expect(renameGroup(ctx.db, ctx.owner, sales.id, "SALES").name).toBe("SALES");
    expect(refusal(() => renameGroup(ctx.db, ctx.owner, sales.id, "support"))).toEqual({ name: { key: "groups.nameTaken" } });
    expect(findGroup(ctx.db, ctx.business.id, sales.id).name).toBe("SALES");
    const renamed = ctx.db.select().from(auditLog).all().find((row) => row.action === "group.renamed");
    expect(renamed?.detail).toEqual({ from: "Sales", to: "SALES" });
  });

  it("does not find, rename, delete or fill another shop's group", async () => {
    const ctx = await shop();
    const other = otherBusiness(ctx);
    const theirs = createGroup(ctx.db, { id: ctx.owner.id, businessId: other.id }, "Theirs");
    expect(() => findGroup(ctx.db, ctx.business.id, theirs.id)).toThrow(NotFoundError);
    expect(() => renameGroup(ctx.db, ctx.owner, theirs.id, "Mine")).toThrow(NotFoundError);
    expect(() => deleteGroup(ctx.db, ignoreEvents, ctx.owner, theirs.id)).toThrow(NotFoundError);
    expect(() => setGroupMembers(ctx.db, ignoreEvents, ctx.owner, theirs.id, [ctx.owner.id])).toThrow(NotFoundError);
    expect(findGroup(ctx.db, other.id, theirs.id).name).toBe("Theirs");
    expect(listGroups(ctx.db, ctx.business.id)).toEqual([]);
  });

  it("sets the members, lists them by name with a count, and tells each agent's groups", async () => {
    const ctx = await shop();
    const li = await addMember(ctx, "agent", "li@example.com");
    const wang = await addMember(ctx, "agent", "wang@example.com");
    const sales = createGroup(ctx.db, ctx.owner, "Sales");
    const support = createGroup(ctx.db, ctx.owner, "Support");
    setGroupMembers(ctx.db, ignoreEvents, ctx.owner, sales.id, [wang.id, li.id, li.id]);
    setGroupMembers(ctx.db, ignoreEvents, ctx.owner, support.id, [li.id]);
    const [listedSales, listedSupport] = listGroups(ctx.db, ctx.business.id);
    expect(listedSales).toMatchObject({ name: "Sales", memberCount: 2, members: [{ id: li.id, displayName: "li" }, { id: wang.id, displayName: "wang" }] });
    expect(listedSupport).toMatchObject({ name: "Support", memberCount: 1 });
    expect(groupIdsOfAgent(ctx.db, li.id).sort()).toEqual([sales.id, support.id].sort());
    expect(groupIdsOfAgent(ctx.db, ctx.owner.id)).toEqual([]);

    setGroupMembers(ctx.db, ignoreEvents, ctx.owner, sales.id, []);
    expect(listGroups(ctx.db, ctx.business.id)[0]!.memberCount).toBe(0);
    expect(groupIdsOfAgent(ctx.db, li.id)).toEqual([support.id]);
    expect(auditActions(ctx).filter((action) => action === "group.members_changed")).toHaveLength(3);
  });

  it("refuses members who are disabled or from another shop, and changes nothing", async () => {
    const ctx = await shop();
    const li = await addMember(ctx, "agent", "li@example.com");
    const gone = await addMember(ctx, "agent", "gone@example.com");
    setAgentDisabled(ctx.db, ignoreEvents, ctx.owner, gone.id, true);
    const other = otherBusiness(ctx);
    const { agent: stranger } = await addAgent(ctx.db, { businessId: other.id, email: "x@other.example", name: "X", role: "agent", password: "correct horse" });
    const sales = createGroup(ctx.db, ctx.owner, "Sales");
    setGroupMembers(ctx.db, ignoreEvents, ctx.owner, sales.id, [li.id]);
    for (const agentIds of [[li.id, gone.id], [stranger.id], [999_999]]) {
      expect(refusal(() => setGroupMembers(ctx.db, ignoreEvents, ctx.owner, sales.id, agentIds))).toEqual({ agentIds: { key: "groups.unknownMember" } });
    }
    expect(groupIdsOfAgent(ctx.db, li.id)).toEqual([sales.id]);
    expect(groupIdsOfAgent(ctx.db, stranger.id)).toEqual([]);
  });

  it("announces the agents moved in or out once committed, and nothing when the members stay", async () => {
    const ctx = await shop();
    const [li, wang, gone] = [await addMember(ctx, "agent", "li@example.com"), await addMember(ctx, "agent", "wang@example.com"), await addMember(ctx, "agent", "gone@example.com")];
    const sales = createGroup(ctx.db, ctx.owner, "Sales");
    setGroupMembers(ctx.db, ignoreEvents, ctx.owner, sales.id, [li.id, gone.id]);
    setAgentDisabled(ctx.db, ignoreEvents, ctx.owner, gone.id, true);
    const announced: string[] = [];
    const events: DomainEvents = {
      ...ignoreEvents,
      groupsChanged: (businessId, agentIds) => announced.push(`groups:${businessId}:${agentIds?.join(",") ?? "all"}:${groupIdsOfAgent(ctx.db, wang.id)}`),
      routingChanged: (businessId) => announced.push(`routing:${businessId}`),
    };
    setGroupMembers(ctx.db, events, ctx.owner, sales.id, [wang.id]);
    // The disabled member keeps their place and is not told; the change was committed before it was announced.
    expect(announced).toEqual([`groups:${ctx.business.id}:${li.id},${wang.id}:${sales.id}`, `routing:${ctx.business.id}`]);
    setGroupMembers(ctx.db, events, ctx.owner, sales.id, [wang.id]);
    expect(announced).toHaveLength(2);
    deleteGroup(ctx.db, events, ctx.owner, sales.id);
    expect(announced.slice(2)).toEqual([`groups:${ctx.business.id}:all:`, `routing:${ctx.business.id}`]);
  });

  it("keeps a disabled agent's memberships for when they are enabled again", async () => {
    const ctx = await shop();
    const li = await addMember(ctx, "agent", "li@example.com");
    const wang = await addMember(ctx, "agent", "wang@example.com");
    const sales = createGroup(ctx.db, ctx.owner, "Sales");
    setGroupMembers(ctx.db, ignoreEvents, ctx.owner, sales.id, [li.id, wang.id]);
    setAgentDisabled(ctx.db, ignoreEvents, ctx.owner, li.id, true);
    expect(listGroups(ctx.db, ctx.business.id)[0]!.members.map((m) => m.id)).toEqual([wang.id]);
    setGroupMembers(ctx.db, ignoreEvents, ctx.owner, sales.id, []);
    setAgentDisabled(ctx.db, ignoreEvents, ctx.owner, li.id, false);
    expect(listGroups(ctx.db, ctx.business.id)[0]!.members.map((m) => m.id)).toEqual([li.id]);
  });

  it("deletes a group, its memberships, and the group of its conversations, which stay", async () => {
    const ctx = await shop();
    const sales = createGroup(ctx.db, ctx.owner, "Sales");
    setGroupMembers(ctx.db, ignoreEvents, ctx.owner, sales.id, [ctx.owner.id]);
    const visitor = ctx.db.insert(visitors).values({ businessId: ctx.business.id, externalId: "v1" }).returning().get();
    const conversation = ctx.db
      .insert(conversations)
      .values({ businessId: ctx.business.id, visitorId: visitor.id, groupId: sales.id })
      .returning()
      .get();
    deleteGroup(ctx.db, ignoreEvents, ctx.owner, sales.id);
    expect(ctx.db.select().from(groups).all()).toEqual([]);
    expect(ctx.db.select().from(agentGroups).all()).toEqual([]);
    expect(ctx.db.select().from(conversations).where(eq(conversations.id, conversation.id)).get()?.groupId).toBeNull();
    expect(auditActions(ctx)).toContain("group.deleted");
  });

  it("switches the visitor's group picker through the settings, with an audit row", async () => {
    const ctx = await shop();
    expect(setGroupPicker(ctx.db, ctx.owner, true).groupPicker).toBe(true);
    expect(findBusiness(ctx.db, ctx.business.id)?.groupPicker).toBe(true);
    expect(setGroupPicker(ctx.db, ctx.owner, false).groupPicker).toBe(false);
    expect(auditActions(ctx)).toEqual(["business.group_picker_changed", "business.group_picker_changed"]);
  });
});
