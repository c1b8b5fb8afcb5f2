import { describe, expect, it } from "bun:test";
import { roles } from "../../src/domain/fields";
import {
  assignableRoles,
  mayActOnConversation,
  mayBlockIps,
  mayChangeCannedReplies,
  mayChangeMember,
  mayManageShop,
  mayReadReports,
  maySeeAllConversations,
} from "../../src/domain/permissions";

const owner = { id: 1, role: "owner" };
const admin = { id: 2, role: "admin" };
const agent = { id: 3, role: "agent" };

describe("who may do what", () => {
  it("lets owners and admins manage the shop, see every conversation, block addresses and read reports; agents none of it", () => {
    for (const rule of [mayManageShop, maySeeAllConversations, mayBlockIps, mayReadReports]) {
      expect([owner, admin, agent].map((actor) => rule(actor))).toEqual([true, true, false]);
    }
  });

  it("lets the agent who has a conversation act on it, and owners and admins on anyone's", () => {
    expect(mayActOnConversation(agent, { agentId: agent.id })).toBe(true);
    expect(mayActOnConversation(agent, { agentId: 99 })).toBe(false);
    expect(mayActOnConversation(agent, { agentId: null })).toBe(false);
    expect(mayActOnConversation(admin, { agentId: 99 })).toBe(true);
    expect(mayActOnConversation(owner, { agentId: null })).toBe(true);
  });

  it("keeps owners to owners: an admin neither changes an owner nor makes one", () => {
    expect(mayChangeMember(admin, { role: "agent" })).toBe(true);
    expect(mayChangeMember(admin, { role: "agent" }, "owner")).toBe(false);
    expect(mayChangeMember(admin, { role: "owner" })).toBe(false);
    expect(mayChangeMember(owner, { role: "owner" }, "admin")).toBe(true);
    expect(mayChangeMember(agent, { role: "agent" })).toBe(false);
    expect(assignableRoles(admin, roles)).toEqual(["admin", "agent"]);
    expect(assignableRoles(owner, roles)).toEqual(["owner", "admin", "agent"]);
  });

  it("lets everyone change their own canned replies, and only owners and admins the shared ones", () => {
    expect(mayChangeCannedReplies(agent, "personal")).toBe(true);
    expect(mayChangeCannedReplies(agent, "shared")).toBe(false);
    expect(mayChangeCannedReplies(admin, "shared")).toBe(true);
  });
});
