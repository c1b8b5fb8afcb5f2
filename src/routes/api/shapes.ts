// What the JSON API takes and answers, as TypeBox schemas. The routes validate with them and the
// OpenAPI document is made from them (api/openapi.ts), so the reference cannot drift from the code.
import { t } from "elysia";
import type { Agent } from "../../domain/agents";
import type { Conversation } from "../../domain/conversations";
import type { Delivery } from "../../domain/deliveries";
import type { Message } from "../../domain/messages";
import type { InboxEntry } from "../../domain/offline-messages";
import type { Visitor } from "../../domain/visitors";
import { type WebhookEndpoint, webhookEvents } from "../../domain/webhooks";

export const apiLimits = {
  conversationsPage: { default: 50, max: 100 },
  messagesPage: { default: 100, max: 500 },
  offlineMessagesPage: { default: 50, max: 100 },
  deliveriesPage: { default: 50, max: 100 },
} as const;

export const id = (what: string, description?: string) =>
  t.Integer({ minimum: 1, error: `${what} must be a whole number of at least 1`, examples: [42], ...(description ? { description } : {}) });
export const pageSize = (max: number, byDefault: number) =>
  t.Integer({ minimum: 1, maximum: max, description: `page size, 1 to ${max} (default ${byDefault})`, error: `limit must be a whole number from 1 to ${max}` });
/** A time in the query: milliseconds since the Unix epoch. */
export const time = (what: string, meaning: string) =>
  t.Integer({ minimum: 0, description: `${meaning}, in milliseconds since the Unix epoch (UTC)`, error: `${what} must be a time in milliseconds since the Unix epoch` });
const nullable = <T extends Parameters<typeof t.Union>[0][number]>(schema: T) => t.Union([schema, t.Null()]);
const ms = t.Integer({ description: "milliseconds since the Unix epoch (UTC)", examples: [1767225600000] });
// Output ids, with a plausible example for the reference's answers.
const rowId = (example = 42) => t.Integer({ examples: [example] });

export const idParams = (what: string) => t.Object({ id: id(what) });

export const conversationSchema = t.Object(
  {
    id: rowId(42),
    status: t.UnionEnum(["open", "queued", "closed"]),
    visitorId: rowId(17),
    agentId: nullable(rowId(3)),
    groupId: nullable(rowId(2)),
    channel: t.UnionEnum(["widget", "link", "wechat"]),
    sourcePage: nullable(t.String()),
    openedAt: ms,
    assignedAt: nullable(ms),
    firstResponseAt: nullable(ms),
    closedAt: nullable(ms),
    rating: nullable(t.Integer({ minimum: 1, maximum: 5, description: "stars the visitor gave" })),
    ratingComment: nullable(t.String()),
    lastMessageId: nullable(rowId(910)),
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
    id: rowId(910),
    conversationId: rowId(42),
    sender: t.UnionEnum(["visitor", "agent", "system"], { description: "system: the shop itself, its event lines (kind event) and the answers it gives by itself (kind text, automatic true)" }),
    agentId: nullable(rowId(3)),
    kind: t.UnionEnum(["text", "image", "file", "audio", "product", "event"], { description: "event: a system line, its body joined, closed, transferred, requeued or reopened" }),
    body: t.String({ examples: ["Hello, where is my parcel?"] }),
    clientId: t.String({ examples: ["3b0c6f1e-8f43-4c1b-9d2a-0b5f1c2d3e4f"] }),
    createdAt: ms,
    readAt: nullable(ms),
    automatic: t.Boolean({ description: "An answer the shop gave by itself: its automatic answers' rules, or a FAQ question the visitor picked" }),
  },
  { title: "Message" },
);

export function messageJson(message: Message) {
  const { id, conversationId, sender, agentId, kind, body, clientId, createdAt, readAt } = message;
  return { id, conversationId, sender, agentId, kind, body, clientId, createdAt, readAt, automatic: sender === "system" && message.meta?.auto !== undefined };
}

export const visitorSchema = t.Object(
  {
    id: rowId(17),
    externalId: t.String({ description: "`user:<id>` for a customer the shop's site identified with a verified id, else Kefu's own" }),
    name: nullable(t.String({ examples: ["Li Wei"] })),
    email: nullable(t.String({ examples: ["li.wei@example.com"] })),
    phone: nullable(t.String({ examples: ["+86 138 0000 0000"] })),
    attributes: t.Record(t.String(), t.String(), { examples: [{ plan: "pro" }] }),
    verified: t.Boolean(),
    blocked: t.Boolean(),
    firstSeenAt: ms,
    lastSeenAt: ms,
    visitCount: t.Integer({ examples: [3] }),
    currentPage: nullable(t.String({ examples: ["https://shop.example.com/cart"] })),
    language: nullable(t.String({ examples: ["zh-CN"] })),
    timezone: nullable(t.String({ examples: ["Asia/Shanghai"] })),
  },
  { title: "Visitor" },
);

export function visitorJson(visitor: Visitor) {
  const { id, externalId, name, email, phone, attributes, verified, blocked, firstSeenAt, lastSeenAt, visitCount, currentPage, language, timezone } = visitor;
  return { id, externalId, name, email, phone, attributes, verified, blocked, firstSeenAt, lastSeenAt, visitCount, currentPage, language, timezone };
}

export const agentSchema = t.Object(
  {
    id: rowId(3),
    displayName: t.String({ examples: ["Mei"] }),
    role: t.UnionEnum(["owner", "admin", "agent"]),
    availability: t.UnionEnum(["online", "away", "offline"], { description: "what the agent chose in the console" }),
    online: t.Boolean({ description: "a console of theirs is connected now" }),
    maxConcurrentChats: nullable(t.Integer({ description: "null: the shop's default", examples: [5] })),
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
    id: rowId(7),
    visitorId: nullable(rowId(17)),
    name: nullable(t.String({ examples: ["Li Wei"] })),
    phone: nullable(t.String({ examples: ["+86 138 0000 0000"] })),
    email: nullable(t.String({ examples: ["li.wei@example.com"] })),
    body: t.String({ examples: ["Please call me about my order."] }),
    handled: t.Boolean({ examples: [false] }),
    handledBy: nullable(rowId(3)),
    handledAt: nullable(ms),
    createdAt: ms,
  },
  { title: "OfflineMessage" },
);

export function offlineMessageJson(entry: InboxEntry) {
  const { id, visitorId, name, phone, email, body, handled, handledBy, handledAt, createdAt } = entry;
  return { id, visitorId, name, phone, email, body, handled, handledBy, handledAt, createdAt };
}

export const webhookEventSchema = t.UnionEnum([...webhookEvents], { default: undefined, error: `each event must be one of ${webhookEvents.join(", ")}` });

export const webhookEndpointSchema = t.Object(
  {
    id: rowId(5),
    url: t.String({ examples: ["https://crm.example.com/kefu-webhook"] }),
    events: t.Array(webhookEventSchema, { examples: [["conversation.started", "message.created"]] }),
    enabled: t.Boolean({ description: "false: kept, but sent nothing (except a test)", examples: [true] }),
    allowPrivate: t.Boolean({ description: "private and local addresses, and plain http, allowed (a receiver on your own network)", examples: [false] }),
    secret: nullable(
      t.String({
        description: "signs every delivery (Kefu-Signature); shown to a token with the write scope, null to a read-only one",
        examples: ["whsec_3q2Vt8kLr0pXwA1bC9dE4fGh"],
      }),
    ),
    createdAt: ms,
  },
  { title: "WebhookEndpoint" },
);

export function webhookEndpointJson(endpoint: WebhookEndpoint, showSecret: boolean) {
  const { id, url, events, enabled, allowPrivate, secret, createdAt } = endpoint;
  return { id, url, events: events as (typeof webhookEvents)[number][], enabled, allowPrivate, secret: showSecret ? secret : null, createdAt };
}

export const deliverySchema = t.Object(
  {
    id: rowId(318),
    event: t.String({ description: "the event sent, or webhook.test", examples: ["message.created"] }),
    status: t.UnionEnum(["pending", "delivered", "failed"], { examples: ["delivered"], description: "pending: not yet answered with 2xx, tried again at nextAttemptAt; failed: given up after 24 h" }),
    attempts: t.Integer({ description: "calls made so far", examples: [1] }),
    lastCode: nullable(t.Integer({ description: "the HTTP status of the last call; null when nothing answered (timeout, network error, refused address)", examples: [200] })),
    lastResponse: nullable(t.String({ description: "the start of the last answer's body, or why the call failed", examples: ["ok"] })),
    nextAttemptAt: nullable(t.Integer({ description: "when it is tried next, in milliseconds since the Unix epoch (UTC); null once delivered or failed" })),
    createdAt: ms,
  },
  { title: "Delivery" },
);

export function deliveryJson(delivery: Delivery) {
  const { id, event, status, attempts, lastCode, lastResponse, nextAttemptAt, createdAt } = delivery;
  return { id, event, status, attempts, lastCode, lastResponse, nextAttemptAt, createdAt };
}

/** A page of a list: `next` is the cursor of the following page, null on the last one. */
export const pageOf = <T extends ReturnType<typeof t.Object>>(key: string, item: T) =>
  t.Object({ [key]: t.Array(item), next: nullable(t.Integer({ description: "the cursor of the next page, null on the last one", examples: [41] })) });
