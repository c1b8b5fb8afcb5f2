// The shop's bot at work: a visitor's message that contains a keyword gets the rule's answer at
// once, posted as the shop's (sender "system" with meta.auto, as a picked FAQ's answer already is:
// tallies, unread counts, webhooks and the API already read such a message as the shop's), when the
// shop's setting allows it. "Talk to a person" (转人工) stops it for the conversation and queues it.
import { and, eq, sql } from "drizzle-orm";
import type { Database, Queryable } from "../db/client";
import { prepared } from "../db/prepared";
import { messages } from "../db/schema";
import { findAnswer, screenVisitorText, type ShopAnswers } from "./answer-book";
import { anyone, type Pool } from "./assignment";
import { findBusiness } from "./businesses";
import { type Channel, currentConversation } from "./conversations";
import type { ConversationEvents } from "./events";
import { nobodyOnline } from "./hours";
import { insertSystemMessage, type Message, postAutomaticReply, type SendResult, sendSelfServiceMessage, sendVisitorMessage, writeAsVisitor } from "./messages";
import { randomToken } from "./tokens";
import type { Visitor } from "./visitors";

/** The visitor asked for a person in this conversation: the bot keeps quiet in it. */
export function personRequested(db: Queryable, conversationId: number): boolean {
  return (
    prepared(db, "personRequested", (db) =>
      db
        .select({ id: messages.id })
        .from(messages)
        .where(and(eq(messages.conversationId, sql.placeholder("conversationId")), eq(messages.sender, "system"), eq(messages.body, "personRequested")))
        .limit(1)
        .prepare(),
    ).get({ conversationId }) !== undefined
  );
}

/**
 * Whether the bot answers this visitor now: not after an agent replied in their conversation or
 * they asked for a person there, and, by the shop's setting, only while nobody who serves them is online.
 */
function botMayAnswer(db: Queryable, shop: ShopAnswers, visitor: Visitor, onlineAgentIds: readonly number[], pool: Pool): boolean {
  if (shop.answerWhen === "off") return false;
  const conversation = currentConversation(db, visitor.id);
  if (conversation && (conversation.firstResponseAt !== null || personRequested(db, conversation.id))) return false;
  return shop.answerWhen === "untilAgent" || nobodyOnline(db, visitor.businessId, onlineAgentIds, conversation ?? pool);
}

export interface Answered extends SendResult {
  /** The bot's answer after the visitor's message, when it gave one. */
  reply: Message | null;
}

/**
 * A visitor's typed message in a shop with automatic answers or banned words: screened (masked,
 * or refused with nothing stored), then answered by the bot when a keyword matches and the shop's
 * setting allows it. Without a conversation the exchange goes into one closed at once, as a
 * picked FAQ's does (sendSelfServiceMessage): nobody is queued or notified for an answer that may
 * have sufficed, and "Talk to a person" opens a real one.
 */
export function sendToShopWithAnswers(
  db: Database,
  events: ConversationEvents,
  shop: ShopAnswers,
  visitor: Visitor,
  typed: { clientId: string; body: string },
  onlineAgentIds: readonly number[],
  pool: Pool = anyone,
  channel: Channel = "widget",
): Answered {
  const draft = { clientId: typed.clientId, body: screenVisitorText(shop, typed.body) };
  const answer = findAnswer(shop, draft.body);
  if (!answer || !botMayAnswer(db, shop, visitor, onlineAgentIds, pool)) {
    return { ...sendVisitorMessage(db, events, visitor, draft, onlineAgentIds, pool, channel), reply: null };
  }
  const sent = sendSelfServiceMessage(db, events, visitor, draft, onlineAgentIds, pool, channel);
  const answered = postAutomaticReply(db, events, sent.conversation, {
    body: answer.body,
    // The shop's name as it was, as an agent's message keeps theirs.
    meta: { auto: "answer", ...answer.source, shopName: findBusiness(db, visitor.businessId)?.name ?? "" },
    clientId: `auto:${draft.clientId}`,
  });
  return { ...sent, conversation: answered.conversation, reply: answered.reply };
}

/**
 * "Talk to a person": the bot stops in the visitor's conversation, and one is opened and routed
 * if they have none (into the queue, or to an agent, as a first message would). Asking twice
 * changes nothing. Refused as a message would be: blocked, or the shop offline for them.
 */
export function requestPerson(
  db: Database,
  events: ConversationEvents,
  visitor: Visitor,
  onlineAgentIds: readonly number[],
  pool: Pool,
  channel: Channel,
): void {
  const conversation = currentConversation(db, visitor.id);
  if (conversation && personRequested(db, conversation.id)) return;
  writeAsVisitor(db, events, visitor, `person-${randomToken(12)}`, onlineAgentIds, pool, channel, (conversation) =>
    insertSystemMessage(db, conversation, "personRequested", {}),
  );
}
