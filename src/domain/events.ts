// What the conversation domain announces after each change has been committed. The realtime hub
// listens and turns each announcement into fragments for every audience; tests can listen too.
import type { Conversation } from "./conversations";
import type { Message } from "./messages";

export interface ConversationEvents {
  /** A message was stored (the conversation row is as it is after the insert). */
  messageCreated(message: Message, conversation: Conversation): void;
  /** A conversation was assigned, taken or closed; `previous` is the row before the change. */
  conversationChanged(conversation: Conversation, previous: Conversation | null): void;
  /** One side read the other side's messages up to and including `upToId`. */
  messagesRead(visitorId: number, reader: "visitor" | "agent", upToId: number): void;
}

export const ignoreEvents: ConversationEvents = {
  messageCreated() {},
  conversationChanged() {},
  messagesRead() {},
};
