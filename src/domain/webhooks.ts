// Webhook endpoints (Settings → Integrations): where a shop's integration hears what happens in
// Kefu, which events it wants, and the JSON each event sends. Every read and write starts from the
// business, so another shop's endpoint is not found.
import { and, eq } from "drizzle-orm";
import type { Database, Queryable } from "../db/client";
import { webhookEndpoints } from "../db/schema";
import type { Actor } from "./agents";
import { recordAudit } from "./audit";
import type { Conversation } from "./conversations";
import { type Delivery, enqueueDeliveries } from "./deliveries";
import { NotFoundError, ValidationError } from "./errors";
import type { Message } from "./messages";
import type { OfflineMessage } from "./offline-messages";
import { noOtherProcesses, type OtherProcesses } from "./other-processes";
import { randomToken } from "./tokens";
import { checkWebhookUrl } from "../outbound/public-address";

export type WebhookEndpoint = typeof webhookEndpoints.$inferSelect;

export const webhookEvents = [
  "conversation.started",
  "conversation.assigned",
  "conversation.transferred",
  "conversation.closed",
  "message.created",
  "rating.given",
  "offline_message.created",
] as const;
export type WebhookEvent = (typeof webhookEvents)[number];
/** What "send test" sends: no endpoint subscribes to it, each may be sent it. */
export const testEvent = "webhook.test";

export const webhookUrlLength = 2000;

/**
 * Which enabled endpoints want which event, per business, in memory: the send path asks it for
 * every message and must not read the database to learn that nobody listens.
 */
export class WebhookSubscriptions {
  private readonly byBusiness = new Map<number, Map<string, number[]>>();

  constructor(
    private readonly db: Queryable,
    private readonly others: OtherProcesses = noOtherProcesses,
  ) {
    this.readAll();
    others.hear(
      (businessId) => this.read(businessId),
      () => this.readAll(),
    );
  }

  endpointsFor(businessId: number, event: WebhookEvent): readonly number[] {
    return this.byBusiness.get(businessId)?.get(event) ?? [];
  }

  /** After the business's endpoints changed here; other processes read them again too. */
  reload(businessId: number): void {
    this.read(businessId);
    this.others.changed(businessId);
  }

  private readAll(): void {
    this.byBusiness.clear();
    for (const endpoint of this.db.select().from(webhookEndpoints).where(eq(webhookEndpoints.enabled, true)).all()) this.add(endpoint);
  }

  private read(businessId: number): void {
    this.byBusiness.delete(businessId);
    const rows = this.db
      .select()
      .from(webhookEndpoints)
      .where(and(eq(webhookEndpoints.businessId, businessId), eq(webhookEndpoints.enabled, true)))
      .all();
    for (const endpoint of rows) this.add(endpoint);
  }

  private add(endpoint: WebhookEndpoint): void {
    let events = this.byBusiness.get(endpoint.businessId);
    if (!events) this.byBusiness.set(endpoint.businessId, (events = new Map()));
    for (const event of endpoint.events) events.set(event, [...(events.get(event) ?? []), endpoint.id]);
  }
}

export interface EndpointInput {
  url: string;
  events: string[];
  enabled: boolean;
  allowPrivate: boolean;
}

// A partial change's absent fields are undefined; spread over the stored ones, they must not erase them.
const definedOnly = <T extends object>(input: T): Partial<T> => Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined)) as Partial<T>;

function checkedInput(input: EndpointInput): EndpointInput {
  const url = input.url.trim();
  const problem = url.length > webhookUrlLength ? "invalid" : checkWebhookUrl(url, input.allowPrivate);
  const events = webhookEvents.filter((event) => input.events.includes(event));
  const fields = {
    ...(problem ? { url: { key: `webhooks.url.${problem}` as const } } : {}),
    ...(events.length ? {} : { events: { key: "webhooks.eventsRequired" as const } }),
  };
  if (Object.keys(fields).length) throw new ValidationError(fields);
  return { ...input, url, events };
}

export function listEndpoints(db: Queryable, businessId: number): WebhookEndpoint[] {
  return db.select().from(webhookEndpoints).where(eq(webhookEndpoints.businessId, businessId)).orderBy(webhookEndpoints.id).all();
}

export function findEndpoint(db: Queryable, businessId: number, id: number): WebhookEndpoint {
  const found = db
    .select()
    .from(webhookEndpoints)
    .where(and(eq(webhookEndpoints.businessId, businessId), eq(webhookEndpoints.id, id)))
    .get();
  if (!found) throw new NotFoundError("webhook endpoint");
  return found;
}

export function addEndpoint(db: Database, subscriptions: WebhookSubscriptions, actor: Pick<Actor, "id" | "businessId">, input: EndpointInput): WebhookEndpoint {
  const checked = checkedInput(input);
  const added = db.transaction((tx) => {
    const row = tx
      .insert(webhookEndpoints)
      .values({ businessId: actor.businessId, ...checked, secret: `whsec_${randomToken(24)}` })
      .returning()
      .get();
    recordAudit(tx, actor, "webhook.add", row.url, { events: row.events });
    return row;
  }, { behavior: "immediate" });
  subscriptions.reload(actor.businessId);
  return added;
}

/** Changes what `input` gives and keeps the rest; the result is checked whole (a URL kept is checked again). */
export function updateEndpoint(
  db: Database,
  subscriptions: WebhookSubscriptions,
  actor: Pick<Actor, "id" | "businessId">,
  id: number,
  input: Partial<EndpointInput>,
): WebhookEndpoint {
  const updated = db.transaction((tx) => {
    const { url, events, enabled, allowPrivate } = findEndpoint(tx, actor.businessId, id);
    const checked = checkedInput({ url, events, enabled, allowPrivate, ...definedOnly(input) });
    const row = tx.update(webhookEndpoints).set(checked).where(eq(webhookEndpoints.id, id)).returning().get()!;
    recordAudit(tx, actor, "webhook.update", row.url, { events: row.events, enabled: row.enabled, allowPrivate: row.allowPrivate });
    return row;
  }, { behavior: "immediate" });
  subscriptions.reload(actor.businessId);
  return updated;
}

export function deleteEndpoint(db: Database, subscriptions: WebhookSubscriptions, actor: Pick<Actor, "id" | "businessId">, id: number): void {
  db.transaction((tx) => {
    const endpoint = findEndpoint(tx, actor.businessId, id);
    tx.delete(webhookEndpoints).where(eq(webhookEndpoints.id, id)).run();
    recordAudit(tx, actor, "webhook.delete", endpoint.url);
  }, { behavior: "immediate" });
  subscriptions.reload(actor.businessId);
}

/** The body every delivery sends: ids and public fields only. */
export function webhookBody(event: string, businessId: number, data: Record<string, unknown>, now = Date.now()): string {
  return JSON.stringify({ id: `evt_${randomToken(12)}`, event, createdAt: new Date(now).toISOString(), business: { id: businessId }, data });
}

/** Queues "send test" for one endpoint, enabled or not, whatever events it wants. */
export function queueTestDelivery(db: Queryable, businessId: number, id: number): Delivery {
  const endpoint = findEndpoint(db, businessId, id);
  const body = webhookBody(testEvent, businessId, { message: "This is a test delivery from Kefu." });
  return enqueueDeliveries(db, [{ businessId, channel: "webhook", endpointId: endpoint.id, event: testEvent, payload: body }])[0]!;
}

export function conversationData(conversation: Conversation) {
  const { id, visitorId, agentId, groupId, status, channel, openedAt, assignedAt, firstResponseAt, closedAt, rating, ratingComment } = conversation;
  return { id, visitorId, agentId, groupId, status, channel, openedAt, assignedAt, firstResponseAt, closedAt, rating, ratingComment };
}

export function messageData(message: Message) {
  const { id, conversationId, sender, agentId, kind, body, createdAt } = message;
  return { id, conversationId, sender, agentId, kind, body, createdAt };
}

export function offlineMessageData(entry: OfflineMessage) {
  const { id, visitorId, name, phone, email, body, createdAt } = entry;
  return { id, visitorId, name, phone, email, body, createdAt };
}

/** The webhook events one change of a conversation is (a change can be several: taken and started). */
export function conversationEvents(conversation: Conversation, previous: Conversation | null): WebhookEvent[] {
  const events: WebhookEvent[] = [];
  if (!previous) events.push("conversation.started");
  if (conversation.agentId !== null && !previous?.agentId) events.push("conversation.assigned");
  if (conversation.agentId !== null && previous?.agentId && previous.agentId !== conversation.agentId) events.push("conversation.transferred");
  if (conversation.status === "closed" && previous && previous.status !== "closed") events.push("conversation.closed");
  if (conversation.rating !== null && previous && previous.rating === null) events.push("rating.given");
  return events;
}
