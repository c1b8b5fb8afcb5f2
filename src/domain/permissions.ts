// Who may do what, in one place. Routes ask it what to accept, views what to offer, the domain
// what to do; each rule had drifted when the three kept their own copies (the console offered
// Close only to the assignee while the domain and the API let owners and admins close any).
// Roles: owners and admins manage the shop ("managers"); agents answer conversations.
import type { Role } from "./fields";

interface Actor {
  id: number;
  role: Role | string;
}

/** Owners and admins. */
export function isManager(actor: Pick<Actor, "role">): boolean {
  return actor.role === "owner" || actor.role === "admin";
}

/** The shop's settings, team, groups, hours, deployment, visitor window and blocked visitors. */
export function mayManageShop(actor: Pick<Actor, "role">): boolean {
  return isManager(actor);
}

/** Close, transfer or ask for a rating in a conversation: the agent who has it, or a manager. */
export function mayActOnConversation(actor: Actor, conversation: { agentId: number | null }): boolean {
  return conversation.agentId === actor.id || isManager(actor);
}

/** Give a waiting conversation to someone else than oneself. */
export function mayAssignConversations(actor: Pick<Actor, "role">): boolean {
  return isManager(actor);
}

/** Every agent's open conversations, not only one's own (the All list and tab). */
export function maySeeAllConversations(actor: Pick<Actor, "role">): boolean {
  return isManager(actor);
}

/**
 * Export a customer's data or delete it with everything Kefu holds of them: owners only, since
 * either hands over or destroys a person's whole history with the shop.
 */
export function mayManageCustomerData(actor: Pick<Actor, "role">): boolean {
  return actor.role === "owner";
}

/** The shop's WeChat official account: owners only, since its AppSecret acts as the shop in WeChat. */
export function mayConfigureWeChat(actor: Pick<Actor, "role">): boolean {
  return actor.role === "owner";
}

/** Reports: how the whole shop and each agent did, their colleagues' figures included. */
export function mayReadReports(actor: Pick<Actor, "role">): boolean {
  return isManager(actor);
}

/** Blocking an address can shut out many people at once. */
export function mayBlockIps(actor: Pick<Actor, "role">): boolean {
  return isManager(actor);
}

/** One's own canned replies; the shop's shared ones are managers' to change. */
export function mayChangeCannedReplies(actor: Pick<Actor, "role">, scope: "personal" | "shared"): boolean {
  return scope === "personal" || isManager(actor);
}

/**
 * Change a member of the team (role, disabled, capacity, password): managers, and only owners
 * touch owners or make someone one.
 */
export function mayChangeMember(actor: Pick<Actor, "role">, member: { role: Role | string }, newRole?: Role): boolean {
  if (!isManager(actor)) return false;
  return actor.role === "owner" || (member.role !== "owner" && newRole !== "owner");
}

/** The roles this actor may give a new or existing member. */
export function assignableRoles(actor: Pick<Actor, "role">, roles: readonly Role[]): Role[] {
  return actor.role === "owner" ? [...roles] : roles.filter((role) => role !== "owner");
}
