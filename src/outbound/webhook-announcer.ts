// Turns what the domain announces into webhook deliveries. It is told on the send path (Hub.listen):
// an event no endpoint of the business wants costs one Map lookup; the ones wanted are gathered and
// written as delivery rows after the current turn, never inside the sender's transaction.
import type { Database } from "../db/client";
import type { Conversation } from "../domain/conversations";
import { enqueueDeliveries, type NewDelivery } from "../domain/deliveries";
import type { DomainEvents } from "../domain/events";
import type { Message } from "../domain/messages";
import type { OfflineMessage } from "../domain/offline-messages";
import {
  conversationData,
  conversationEvents,
  messageData,
  offlineMessageData,
  type WebhookEvent,
  type WebhookSubscriptions,
  webhookBody,
} from "../domain/webhooks";
import type { Log } from "../log";

export class WebhookAnnouncer implements Partial<DomainEvents> {
  private pending: NewDelivery[] = [];

  constructor(
    private readonly db: Database,
    private readonly subscriptions: WebhookSubscriptions,
    private readonly queued: () => void,
    private readonly log: Log,
  ) {}

  messageCreated(message: Message, conversation: Conversation): void {
    // The shop's own event lines (joined, transferred, closed) are told as conversation events.
    if (message.sender === "system") return;
    this.announce(conversation.businessId, "message.created", () => ({ message: messageData(message), conversation: conversationData(conversation) }));
  }

  conversationChanged(conversation: Conversation, previous: Conversation | null): void {
    for (const event of conversationEvents(conversation, previous)) {
      this.announce(conversation.businessId, event, () => ({
        conversation: conversationData(conversation),
        ...(event === "conversation.transferred" ? { previousAgentId: previous?.agentId ?? null } : {}),
      }));
    }
  }

  offlineMessageLeft(entry: OfflineMessage): void {
    this.announce(entry.businessId, "offline_message.created", () => ({ offlineMessage: offlineMessageData(entry) }));
  }

  private announce(businessId: number, event: WebhookEvent, data: () => Record<string, unknown>): void {
    const endpoints = this.subscriptions.endpointsFor(businessId, event);
    if (!endpoints.length) return;
    const payload = webhookBody(event, businessId, data());
    if (!this.pending.length) setImmediate(() => this.flush());
    for (const endpointId of endpoints) this.pending.push({ businessId, channel: "webhook", endpointId, event, payload });
  }

  private flush(): void {
    const batch = this.pending;
    this.pending = [];
    try {
      this.db.transaction((tx) => enqueueDeliveries(tx, batch), { behavior: "immediate" });
      this.queued();
    } catch (error) {
      this.log.error("webhook deliveries not queued", { error, count: batch.length });
    }
  }
}
