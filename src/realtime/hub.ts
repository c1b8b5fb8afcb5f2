// Turns what the domain announces into what each audience sees: the visitor's rendering to the
// visitor's topics, the agents' rendering to theirs, one per language, skipped when nobody
// listens. HTML fragments swap themselves in (htmx); small JSON events drive chat.js.
import { and, eq } from "drizzle-orm";
import type { Database } from "../db/client";
import { conversations } from "../db/schema";
import { drainQueue } from "../domain/assignment";
import { agentCard, shownAvailability } from "../domain/agents";
import { type Conversation, type ConversationSummary, currentConversation, queue, summarize, unreadTotal } from "../domain/conversations";
import type { ConversationEvents } from "../domain/events";
import type { Message } from "../domain/messages";
import { findBusiness } from "../domain/businesses";
import { type Locale, locales, translator } from "../i18n";
import { agentStatus, queueNotice } from "../views/chat";
import { html, type SafeHtml } from "../views/html";
import { threadUpsert } from "../views/message";
import { conversationItem, conversationItemId, visitorName, visitorStatus } from "../views/workspace";
import type { Broker } from "./broker";
import { Presence } from "./presence";
import { topics } from "./topics";

export type ClientEvent =
  | { type: "typing" }
  | { type: "seen"; upTo: number }
  | { type: "remove"; id: string }
  | { type: "conversation"; id: number }
  | { type: "notify"; title: string; body: string }
  | { type: "error"; message: string; clientId?: string }
  | { type: "reload" };

export class Hub implements ConversationEvents {
  readonly agents: Presence;
  readonly visitors: Presence;

  constructor(
    private readonly db: Database,
    private readonly broker: Broker,
    presenceGraceMs: number,
  ) {
    this.agents = new Presence(
      { online: (id) => this.agentStatusChanged(id), offline: (id) => this.agentStatusChanged(id) },
      presenceGraceMs,
    );
    this.visitors = new Presence(
      { online: (id) => this.visitorPresenceChanged(id, true), offline: (id) => this.visitorPresenceChanged(id, false) },
      presenceGraceMs,
    );
  }

  /** Renders once per language that has listeners on `topic(locale)`, and publishes. */
  private send(topic: (locale: Locale) => string, render: (locale: Locale) => SafeHtml | ClientEvent): void {
    for (const locale of locales) {
      const name = topic(locale);
      if (!this.broker.hasSubscribers(name)) continue;
      const rendered = render(locale);
      this.broker.publish(name, rendered instanceof Object && "type" in rendered ? JSON.stringify(rendered) : String(rendered));
    }
  }

  messageCreated(message: Message, conversation: Conversation): void {
    this.send(
      (locale) => topics.visitorThread(conversation.visitorId, locale),
      (locale) => threadUpsert(translator(locale), [message], "visitor"),
    );
    this.send(
      (locale) => topics.agentThread(conversation.visitorId, locale),
      (locale) => threadUpsert(translator(locale), [message], "agent"),
    );
    // Only a visitor's message changes the agent's unread count.
    const summary = this.refreshListItem(conversation, message.sender === "visitor");
    if (summary && message.sender === "visitor" && conversation.agentId !== null) {
      this.send(
        (locale) => topics.agent(conversation.agentId!, locale),
        (locale) => {
          const t = translator(locale);
          const name = visitorName(t, { id: conversation.visitorId, name: summary.visitorName });
          return { type: "notify", title: t("workspace.newMessage", { name }), body: message.body.slice(0, 140) };
        },
      );
    }
  }

  conversationChanged(conversation: Conversation, previous: Conversation | null): void {
    const itemId = conversationItemId(conversation.id);
    if (previous?.status === "queued" && conversation.status !== "queued") {
      this.send((locale) => topics.businessAgents(conversation.businessId, locale), () => ({ type: "remove", id: itemId }));
    }
    if (previous?.agentId && (previous.agentId !== conversation.agentId || conversation.status === "closed")) {
      this.send((locale) => topics.agent(previous.agentId!, locale), () => ({ type: "remove", id: itemId }));
      this.sendUnreadTotal(previous.agentId);
    }
    this.refreshListItem(conversation);
    const handedOver = previous?.status === "open" && conversation.status === "open" && previous.agentId !== conversation.agentId;
    if (handedOver && conversation.agentId !== null) {
      this.send(
        (locale) => topics.agent(conversation.agentId!, locale),
        (locale) => ({ type: "notify", title: translator(locale)("transfer.received"), body: "" }),
      );
    }
    this.send((locale) => topics.agentThread(conversation.visitorId, locale), () => ({ type: "conversation", id: conversation.id }));
    this.sendAgentStatus(conversation.visitorId);
    if (conversation.status === "queued" || previous?.status === "queued") this.sendQueuePositions(conversation.businessId);
    // A closed conversation frees a slot: the head of the queue may have an agent now.
    if (conversation.status === "closed" && previous?.status === "open") this.drainQueue(conversation.businessId);
  }

  /** Assigns waiting conversations to agents who can take them now. */
  drainQueue(businessId: number): void {
    drainQueue(this.db, this, businessId, this.agents.onlineIds());
  }

  /** Tells every waiting visitor of the business how many are ahead of them. */
  private sendQueuePositions(businessId: number): void {
    for (const { visitorId, ahead } of queue(this.db, businessId)) {
      this.send(
        (locale) => topics.visitorThread(visitorId, locale),
        (locale) => html`<hx-partial hx-target="#queue-position" hx-swap="outerHTML">${queueNotice(translator(locale), ahead)}</hx-partial>`,
      );
    }
  }

  messagesRead(visitorId: number, reader: "visitor" | "agent", upToId: number): void {
    const otherSide = reader === "agent" ? topics.visitorThread : topics.agentThread;
    this.send((locale) => otherSide(visitorId, locale), () => ({ type: "seen", upTo: upToId }));
    if (reader === "agent") {
      const conversation = currentConversation(this.db, visitorId);
      if (conversation) this.refreshListItem(conversation);
    }
  }

  /** A visitor was blocked: their open pages reload into "chat is not available". */
  visitorBlocked(visitorId: number): void {
    this.send((locale) => topics.visitorThread(visitorId, locale), () => ({ type: "reload" }));
  }

  /** One side is typing: tell the other side. */
  typing(visitorId: number, from: "visitor" | "agent"): void {
    const otherSide = from === "visitor" ? topics.agentThread : topics.visitorThread;
    this.send((locale) => otherSide(visitorId, locale), () => ({ type: "typing" }));
  }

  /**
   * Updates the conversation's line in its agent's list, or in the business's waiting queue,
   * and the agent's unread total when asked; returns the summary it rendered.
   */
  private refreshListItem(conversation: Conversation, unreadChanged = true): ConversationSummary | null {
    if (conversation.status === "closed") return null;
    const summary = summarize(this.db, conversation.id);
    const online = this.visitors.isOnline(conversation.visitorId);
    const [topic, list] =
      conversation.status === "queued" || conversation.agentId === null
        ? [(locale: Locale) => topics.businessAgents(conversation.businessId, locale), "waiting-conversations"]
        : [(locale: Locale) => topics.agent(conversation.agentId!, locale), "my-conversations"];
    this.send(topic, (locale) =>
      html`<hx-upsert hx-target="#${list}" key="data-last">${conversationItem(translator(locale), summary, { online, current: false })}</hx-upsert>`,
    );
    if (unreadChanged && conversation.agentId !== null && conversation.status === "open") this.sendUnreadTotal(conversation.agentId);
    return summary;
  }

  private sendUnreadTotal(agentId: number): void {
    const total = unreadTotal(this.db, agentId);
    this.send(
      (locale) => topics.agent(agentId, locale),
      () => html`<hx-partial hx-target="#unread-total" hx-swap="outerHTML"><span id="unread-total" class="unread" ${total ? "" : html`hidden`}>${total || ""}</span></hx-partial>`,
    );
  }

  /** The visitor's header: who answers them, and whether that agent is online. */
  private sendAgentStatus(visitorId: number): void {
    const conversation = currentConversation(this.db, visitorId);
    const agent = conversation?.agentId ? agentCard(this.db, conversation.agentId) : null;
    const business = conversation ? findBusiness(this.db, conversation.businessId) : undefined;
    if (!conversation || !business) return;
    const availability = shownAvailability(agent, conversation.agentId !== null && this.agents.isOnline(conversation.agentId));
    this.send(
      (locale) => topics.visitorThread(visitorId, locale),
      (locale) => {
        const t = translator(locale);
        return html`<hx-partial hx-target="#agent-status" hx-swap="outerHTML">${agentStatus({ t, locale }, business, agent, availability)}</hx-partial>
<hx-partial hx-target="#typing" hx-swap="innerHTML">${t("thread.typing", { name: agent?.displayName ?? business.name })}</hx-partial>`;
      },
    );
  }

  /** An agent opened or closed their last console, or chose another availability. */
  agentStatusChanged(agentId: number): void {
    const open = this.db
      .select({ visitorId: conversations.visitorId })
      .from(conversations)
      .where(and(eq(conversations.agentId, agentId), eq(conversations.status, "open")))
      .all();
    for (const { visitorId } of open) this.sendAgentStatus(visitorId);
  }

  private visitorPresenceChanged(visitorId: number, online: boolean): void {
    const conversation = currentConversation(this.db, visitorId);
    if (conversation) this.refreshListItem(conversation);
    this.send(
      (locale) => topics.agentThread(visitorId, locale),
      (locale) => {
        const t = translator(locale);
        return html`<hx-partial hx-target="#visitor-status" hx-swap="outerHTML">${visitorStatus(t, online)}</hx-partial>
<hx-upsert hx-target="#thread" key="data-seq"><div class="message event presence" id="presence-${Date.now()}" data-seq="${conversation?.lastMessageId ?? 0}.5"><span>${t(online ? "event.visitorOnline" : "event.visitorOffline")}</span></div></hx-upsert>`;
      },
    );
  }

  stop(): void {
    this.agents.stop();
    this.visitors.stop();
  }
}
