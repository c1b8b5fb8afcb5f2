// Greetings (欢迎语): when an agent is first given a conversation, the thread gets a first
// agent-side message: the agent's own greeting, else the shop's welcome text. Once per
// conversation: an agent who takes it over after a transfer or a requeue does not greet again.
// {visitor_name} and {agent_name} are filled in; an unknown visitor name is dropped with the
// separator before it, so "Hi {visitor_name}," reads "Hi,", "for you, {visitor_name}?" reads
// "for you?" and "您好{visitor_name}，" reads "您好，".
import { and, eq, gte, lt } from "drizzle-orm";
import type { Queryable } from "../db/client";
import { agents, businesses, conversations as conversationsTable, messages, visitors } from "../db/schema";
import type { Conversation } from "./conversations";
import { ValidationError } from "./errors";
import { limits } from "./limits";
import type { Message } from "./messages";
import { randomToken } from "./tokens";

export function fillGreeting(template: string, names: { visitorName: string | null; agentName: string }): string {
  const withVisitor = names.visitorName ? template.replaceAll("{visitor_name}", names.visitorName) : withoutVisitorName(template);
  return withVisitor.replaceAll("{agent_name}", names.agentName).trim();
}

/** The template with {visitor_name} and its separator taken out, so no ", ?" or leading ", " is left. */
function withoutVisitorName(template: string): string {
  const opening = /^\s*\{visitor_name\}\s*[,，、:：!！]?\s*/;
  const rest = template
    .replace(opening, "")
    .replace(/[ \t]*[,，、]?[ \t]*\{visitor_name\}/g, "");
  // "{visitor_name}, welcome!" starts a sentence again: "Welcome!".
  return opening.test(template) ? rest.charAt(0).toLocaleUpperCase() + rest.slice(1) : rest;
}

export function checkGreeting(text: string, field: string): string {
  const trimmed = text.trim();
  if (Array.from(trimmed).length > limits.greetingLength) {
    throw new ValidationError({ [field]: { key: "error.greeting.tooLong", params: { max: limits.greetingLength } } });
  }
  return trimmed;
}

/** Whether the conversation was greeted already (before a transfer or a requeue). */
function greeted(tx: Queryable, conversationId: number): boolean {
  // Greetings' client ids start "greeting-": a range on the (conversation, client id) index. Only
  // the agent side's count: a visitor chooses their own client ids.
  const found = tx
    .select({ id: messages.id })
    .from(messages)
    .where(
      and(
        eq(messages.conversationId, conversationId),
        gte(messages.clientId, "greeting-"),
        lt(messages.clientId, "greeting."),
        eq(messages.sender, "agent"),
      ),
    )
    .limit(1)
    .get();
  return found !== undefined;
}

export function insertGreeting(tx: Queryable, conversation: Conversation, agentId: number): Message | null {
  if (greeted(tx, conversation.id)) return null;
  const agent = tx.select({ name: agents.displayName, greeting: agents.greeting }).from(agents).where(eq(agents.id, agentId)).get();
  const welcome = tx.select({ text: businesses.welcomeText }).from(businesses).where(eq(businesses.id, conversation.businessId)).get();
  const template = agent?.greeting || welcome?.text || "";
  if (!agent || !template) return null;
  const visitor = tx.select({ name: visitors.name }).from(visitors).where(eq(visitors.id, conversation.visitorId)).get();
  const body = fillGreeting(template, { visitorName: visitor?.name ?? null, agentName: agent.name });
  const message = tx
    .insert(messages)
    .values({
      conversationId: conversation.id,
      sender: "agent",
      agentId,
      kind: "text",
      body,
      meta: { agentName: agent.name, greeting: true },
      clientId: `greeting-${randomToken(12)}`,
    })
    .returning()
    .get();
  tx.update(conversationsTable).set({ lastMessageId: message.id }).where(eq(conversationsTable.id, conversation.id)).run();
  return message;
}
