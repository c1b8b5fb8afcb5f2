// What the domain announces after each change has been committed. The realtime hub listens and
// turns each announcement into what every audience sees; tests can listen too. Routes never tell
// the hub anything themselves: the domain function that made the change announces it.
import type { Conversation } from "./conversations";
import type { Message } from "./messages";
import type { OfflineMessage } from "./offline-messages";
import type { Visitor } from "./visitors";

/** What happens inside conversations. */
export interface ConversationEvents {
  /** A message was stored (the conversation row is as it is after the insert). */
  messageCreated(message: Message, conversation: Conversation): void;
  /** A conversation was assigned, taken or closed; `previous` is the row before the change. */
  conversationChanged(conversation: Conversation, previous: Conversation | null): void;
  /** One side read the other side's messages up to and including `upToId`. */
  messagesRead(visitorId: number, reader: "visitor" | "agent", upToId: number): void;
}

/** Everything the domain announces: the conversations, and the visitors, team and shop around them. */
export interface DomainEvents extends ConversationEvents {
  /** The visitor's details, page or product changed; `renamed` when their name may have. */
  visitorChanged(visitor: Visitor, change: { renamed: boolean }): void;
  /** The visitor was blocked: they may no longer chat with the business. */
  visitorBlocked(visitorId: number): void;
  /** The visitor was deleted with all they had (their conversations announced closed first). */
  visitorDeleted(visitorId: number): void;
  /** An address was blocked for the business: nobody on it may chat with the business. */
  ipBlocked(businessId: number, ip: string): void;
  /** A visitor left an offline message, or one was handled: the business's unhandled count changed. */
  inboxChanged(businessId: number): void;
  /** A visitor left an offline message (told before inboxChanged). */
  offlineMessageLeft(entry: OfflineMessage): void;
  /** An agent answered the visitor's offline message in a conversation the visitor now has. */
  offlineMessageAnswered(visitorId: number, answered: { conversationId: number; entry: OfflineMessage }): void;
  /**
   * Who may take waiting conversations changed (the routing mode, a capacity, a group's members,
   * an agent back online): some of those waiting may be assignable now.
   */
  routingChanged(businessId: number): void;
  /** These agents' groups changed; null: a group went, which changes every agent's. */
  groupsChanged(businessId: number, agentIds: readonly number[] | null): void;
  /** Sessions of the agent ended: signed out, a new password, a reset, or disabled. */
  sessionsEnded(agentId: number): void;
  /** The agent chose another availability. */
  availabilityChanged(agentId: number): void;
  /** A platform admin disabled the shop: its agents' sessions have ended, its visitors may no longer chat. */
  shopDisabled(businessId: number): void;
}

export const ignoreEvents: DomainEvents = {
  messageCreated() {},
  conversationChanged() {},
  messagesRead() {},
  visitorChanged() {},
  visitorBlocked() {},
  visitorDeleted() {},
  ipBlocked() {},
  inboxChanged() {},
  offlineMessageLeft() {},
  offlineMessageAnswered() {},
  routingChanged() {},
  groupsChanged() {},
  sessionsEnded() {},
  availabilityChanged() {},
  shopDisabled() {},
};
