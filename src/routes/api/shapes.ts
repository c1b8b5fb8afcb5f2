// What the JSON API takes and answers, as TypeBox schemas. The routes validate with them and the
// OpenAPI document is made from them (api/openapi.ts), so the reference cannot drift from the code.
import { t } from "elysia";
import type { Agent } from "../../domain/agents";
import type { Conversation } from "../../domain/conversations";
import type { Message } from "../../domain/messages";
import type { InboxEntry } from "../../domain/offline-messages";
import type { Visitor } from "../../domain/visitors";

export const apiLimits = {
  conversationsPage: { default: 50, max: 100 },
  messagesPage: { default: 100, max: 500 },
  offlineMessagesPage: { default: 50, max: 100 },
} as const;

export const id = (what: string) => t.Integer({ minimum: 1, error: `${what} must be a whole number of at least 1`, examples: [42] });
export const pageSize = (max: number, byDefault: number) =>
  t.Integer({ minimum: 1, maximum: max, description: `page size, 1 to ${max} (default ${byDefault})`, error: `limit must be a whole number from 1 to ${max}` });
/** A time in the query: milliseconds since the Unix epoch. */
export const time = (what: string) =>
  t.Integer({ minimum: 0, description: `${what}, in milliseconds since the Unix epoch (UTC)`, error: `${what} must be a time in milliseconds since the Unix epoch` });
const nullable = <T extends Parameters<typeof t.Union>[0][number]>(schema: T) => t.Union([schema, t.Null()]);
const ms = t.Integer({ description: "milliseconds since the Unix epoch (UTC)" });

export const idParams = (what: string) => t.Object({ id: id(what) });

export const conversationSchema = t.Object(
  {
    id: t.Integer(),
    status: t.UnionEnum(["queued", "open", "closed"]),
    visitorId: t.Integer(),
    agentId: nullable(t.Integer()),
    groupId: nullable(t.Integer()),
    channel: t.UnionEnum(["widget", "link", "wechat"]),
    sourcePage: nullable(t.String()),
    openedAt: ms,
    assignedAt: nullable(ms),
    firstResponseAt: nullable(ms),
    closedAt: nullable(ms),
    rating: nullable(t.Integer()),
    ratingComment: nullable(t.String()),
    lastMessageId: nullable(t.Integer()),
  },
  { title: "Conversation" },
);

export function conversationJson(conversation: Conversation) {
  const { id, status, visitorId, agentId, groupId, channel, sourcePage, openedAt, assignedAt, firstResponseAt, closedAt, rating, ratingComment, lastMessageId } =
    conversation;
  return { id, status, visitorId, agentId, groupId, channel, sourcePage, openedAt, assignedAt, firstResponseAt, closedAt, rating, ratingComment, lastMessageId };
}

export const messageSchema = t.Object(
  {
    id: t.Integer(),
    conversationId: t.Integer(),
    sender: t.UnionEnum(["visitor", "agent", "system"]),
    agentId: nullable(t.Integer()),
    kind: t.UnionEnum(["text", "image", "file", "audio", "product", "event"]),
    body: t.String(),
    clientId: t.String(),
    createdAt: ms,
    readAt: nullable(ms),
  },
  { title: "Message" },
);

export function messageJson(message: Message) {
  const { id, conversationId, sender, agentId, kind, body, clientId, createdAt, readAt } = message;
  return { id, conversationId, sender, agentId, kind, body, clientId, createdAt, readAt };
}

export const visitorSchema = t.Object(
  {
    id: t.Integer(),
    externalId: t.String({ description: "`user:<id>` for a customer the shop's site identified with a verified id, else Kefu's own" }),
    name: nullable(t.String()),
    email: nullable(t.String()),
    phone: nullable(t.String()),
    attributes: t.Record(t.String(), t.String()),
    verified: t.Boolean(),
    blocked: t.Boolean(),
    firstSeenAt: ms,
    lastSeenAt: ms,
    visitCount: t.Integer(),
    currentPage: nullable(t.String()),
    language: nullable(t.String()),
    timezone: nullable(t.String()),
  },
  { title: "Visitor" },
);

export function visitorJson(visitor: Visitor) {
  const { id, externalId, name, email, phone, attributes, verified, blocked, firstSeenAt, lastSeenAt, visitCount, currentPage, language, timezone } = visitor;
  return { id, externalId, name, email, phone, attributes, verified, blocked, firstSeenAt, lastSeenAt, visitCount, currentPage, language, timezone };
}

export const agentSchema = t.Object(
  {
    id: t.Integer(),
    displayName: t.String(),
    role: t.UnionEnum(["owner", "admin", "agent"]),
    availability: t.UnionEnum(["online", "away", "offline"], { description: "what the agent chose in the console" }),
    online: t.Boolean({ description: "a console of theirs is connected now" }),
    maxConcurrentChats: nullable(t.Integer({ description: "null: the shop's default" })),
    disabled: t.Boolean(),
  },
  { title: "Agent" },
);

export function agentJson(agent: Agent, online: boolean) {
  const { id, displayName, role, availability, maxConcurrentChats, disabled } = agent;
  return { id, displayName, role, availability, online, maxConcurrentChats, disabled };
}

export const offlineMessageSchema = t.Object(
  {
    id: t.Integer(),
    visitorId: nullable(t.Integer()),
    name: nullable(t.String()),
    phone: nullable(t.String()),
    email: nullable(t.String()),
    body: t.String(),
    handled: t.Boolean(),
    handledBy: nullable(t.Integer()),
    handledAt: nullable(ms),
    createdAt: ms,
  },
  { title: "OfflineMessage" },
);

export function offlineMessageJson(entry: InboxEntry) {
  const { id, visitorId, name, phone, email, body, handled, handledBy, handledAt, createdAt } = entry;
  return { id, visitorId, name, phone, email, body, handled, handledBy, handledAt, createdAt };
}

/** A page of a list: `next` is the cursor of the following page, null on the last one. */
export const pageOf = <T extends ReturnType<typeof t.Object>>(key: string, item: T) =>
  t.Object({ [key]: t.Array(item), next: nullable(t.Integer({ description: "the cursor of the next page, null on the last one" })) });
