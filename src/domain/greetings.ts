// Greetings (欢迎语): when an agent is given a conversation, the thread gets a first agent-side
// message: the agent's own greeting, else the shop's welcome text. {visitor_name} and
// {agent_name} are filled in; an unknown visitor name is dropped with the space before it, so
// "Hi {visitor_name}," reads "Hi," and "您好{visitor_name}，" reads "您好，".
import { eq } from "drizzle-orm";
import type { Queryable } from "../db/client";
import { agents, businesses, conversations as conversationsTable, messages, visitors } from "../db/schema";
import type { Conversation } from "./conversations";
import { ValidationError } from "./errors";
import { limits } from "./limits";
import type { Message } from "./messages";
import { randomToken } from "./tokens";

export function fillGreeting(template: string, names: { visitorName: string | null; agentName: string }): string {
  const withVisitor = names.visitorName ? template.replaceAll("{visitor_name}", names.visitorName) : template.replace(/ ?\{visitor_name\}/g, "");
  return withVisitor.replaceAll("{agent_name}", names.agentName).trim();
}

export function checkGreeting(text: string, field: string): string {
  const trimmed = text.trim();
  if (Array.from(trimmed).length > limits.greetingLength) {
    throw new ValidationError({ [field]: { key: "error.greeting.tooLong", params: { max: limits.greetingLength } } });
  }
  return trimmed;
}

export function insertGreeting(tx: Queryable, conversation: Conversation, agentId: number): Message | null {
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
