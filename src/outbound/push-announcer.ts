// Tells agents on their phones what they would have seen in the console: a visitor wrote in their
// conversation, or in one waiting for anyone, while no console of theirs is open (the email
// digests' test of "away", Presence). Told on the send path (Hub.listen): a shop where nobody
// turned push on costs one Map lookup; the rest waits for the next turn, off the sender's transaction.
import { and, eq, inArray } from "drizzle-orm";
import type { Database } from "../db/client";
import { agents } from "../db/schema";
import { serves } from "../domain/assignment";
import { findBusiness } from "../domain/businesses";
import type { Conversation } from "../domain/conversations";
import { enqueueDeliveries, type NewDelivery } from "../domain/deliveries";
import type { DomainEvents } from "../domain/events";
import type { Message } from "../domain/messages";
import { devicesOf, type PushDevices } from "../domain/push-subscriptions";
import { findVisitor } from "../domain/visitors";
import { translator } from "../i18n";
import type { Log } from "../log";
import type { Cluster } from "../realtime/cluster";
import type { RedisLink } from "../realtime/redis-link";
import type { Presence } from "../realtime/presence";
import { visitorName } from "../views/visitor-name";

/** One push per conversation per agent in this time; the rest of a burst is in the conversation. */
export const pushCoalesceMs = 60_000;
/** How much of the message the notification shows. */
export const pushExcerptLength = 100;
const rememberedPushes = 10_000;

export interface PushNotification {
  title: string;
  body: string;
  /** The conversation in the console, where a click on the notification leads. */
  url: string;
  /** One notification per conversation on the device: a newer one replaces it. */
  tag: string;
}

export interface PushPayload {
  deviceId: number;
  notification: PushNotification;
}

export class PushAnnouncer implements Partial<DomainEvents> {
  private pending: { agentIds: number[]; message: Message; conversation: Conversation }[] = [];
  /** When each agent was last pushed about each conversation ("agent:conversation"). */
  private readonly lastPushed = new Map<string, number>();

  constructor(
    private readonly db: Database,
    private readonly devices: PushDevices,
    private readonly agentsOnline: Pick<Presence, "isOnline">,
    private readonly queued: () => void,
    private readonly log: Log,
    private readonly cluster: Pick<Cluster, "link" | "key">,
  ) {}

  messageCreated(message: Message, conversation: Conversation): void {
    if (message.sender !== "visitor") return;
    const subscribed = this.devices.agentsOf(conversation.businessId);
    if (!subscribed) return;
    // A waiting conversation is for anyone who may take it (sorted out after this turn, in deliveries()).
    const candidates = conversation.agentId === null ? [...subscribed] : subscribed.has(conversation.agentId) ? [conversation.agentId] : [];
    const now = Date.now();
    const agentIds = candidates.filter((agentId) => !this.agentsOnline.isOnline(agentId) && this.due(agentId, conversation.id, now));
    if (!agentIds.length) return;
    if (!this.pending.length) setImmediate(() => this.flush());
    this.pending.push({ agentIds, message, conversation });
  }

  /** Signing out forgets the devices turned on in that session (a cascade in the database). */
  sessionsEnded(agentId: number): void {
    this.devices.reload(agentId);
  }

  private due(agentId: number, conversationId: number, now: number): boolean {
    const key = `${agentId}:${conversationId}`;
    const last = this.lastPushed.get(key);
    if (last !== undefined && now - last < pushCoalesceMs) return false;
    if (this.lastPushed.size >= rememberedPushes) {
      for (const [old, at] of this.lastPushed) if (now - at >= pushCoalesceMs) this.lastPushed.delete(old);
    }
    this.lastPushed.set(key, now);
    return true;
  }

  private flush(): void {
    const batch = this.pending;
    this.pending = [];
    if (this.cluster.link) void this.claimedInCluster(this.cluster.link, batch).then((claimed) => this.enqueue(claimed));
    else this.enqueue(batch);
  }

  /**
   * Another process may have written this conversation's previous message and pushed about it:
   * the first process to claim an agent's conversation in Redis for the minute pushes.
   */
  private async claimedInCluster(link: RedisLink, batch: typeof this.pending): Promise<typeof this.pending> {
    const claimed = await Promise.all(
      batch.map(async (item) => {
        const claims = await Promise.all(item.agentIds.map((agentId) => this.claim(link, agentId, item.conversation.id)));
        return { ...item, agentIds: item.agentIds.filter((_, i) => claims[i]) };
      }),
    );
    return claimed.filter((item) => item.agentIds.length > 0);
  }

  /** A Redis that does not answer claims nothing: a second push is better than none. */
  private async claim(link: RedisLink, agentId: number, conversationId: number): Promise<boolean> {
    if (!link.commands.connected) return true;
    try {
      const key = this.cluster.key(`pushed:${agentId}:${conversationId}`);
      return (await link.commands.send("SET", [key, "1", "NX", "PX", String(pushCoalesceMs)])) !== null;
    } catch (error) {
      this.log.warn("push coalescing across processes skipped: redis does not answer", { error: String(error) });
      return true;
    }
  }

  private enqueue(batch: typeof this.pending): void {
    try {
      if (enqueueDeliveries(this.db, batch.flatMap((item) => this.deliveries(item))).length) this.queued();
    } catch (error) {
      this.log.error("push notifications not queued", { error, count: batch.length });
    }
  }

  private deliveries({ agentIds, message, conversation }: (typeof this.pending)[number]): NewDelivery[] {
    const { db } = this;
    const business = findBusiness(db, conversation.businessId);
    const visitor = findVisitor(db, conversation.businessId, conversation.visitorId);
    if (!business || !visitor) return [];
    const locales = new Map(
      db
        .select({ id: agents.id, locale: agents.locale })
        .from(agents)
        .where(and(inArray(agents.id, agentIds), eq(agents.businessId, business.id), eq(agents.disabled, false)))
        .all()
        // A waiting conversation is told to those who may take it: its group's, or the agent the visitor asked for.
        .filter((agent) => conversation.agentId !== null || serves(db, agent.id, conversation))
        .map((agent) => [agent.id, agent.locale ?? "en"]),
    );
    return devicesOf(db, [...locales.keys()]).map((device) => {
      const t = translator(locales.get(device.agentId)!);
      const name = visitorName(t, visitor);
      const text = message.body.trim() ? message.body.slice(0, pushExcerptLength) : t("workspace.newMessage", { name });
      const payload: PushPayload = {
        deviceId: device.id,
        notification: { title: business.name, body: business.pushPreviews ? `${name}: ${text}` : t("push.newMessage"), url: `/console/conversations/${conversation.id}`, tag: `conversation-${conversation.id}` },
      };
      return { businessId: business.id, channel: "push", event: "message.created", payload: JSON.stringify(payload) };
    });
  }
}
