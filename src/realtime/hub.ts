// Turns what the domain announces into what each audience sees: the visitor's rendering to the
// visitor's topics, the agents' rendering to theirs, one per language, skipped when nobody
// listens. HTML fragments swap themselves in (htmx); small JSON events drive chat.js.
import { and, eq } from "drizzle-orm";
import type { Database } from "../db/client";
import { agents, conversations } from "../db/schema";
import { drainQueue, requeueFromAbsentAgents } from "../domain/assignment";
import { setAwayAfterAbsence } from "../domain/agents";
import { groupIdsOfAgent } from "../domain/groups";
import { visitorsOnIp } from "../domain/blocked-ips";
import { agentCard, shownAvailability } from "../domain/agents";
import { type Conversation, type ConversationSummary, currentConversation, openConversationsOf, queueFrom, queueHeads, summarize, unreadTotal } from "../domain/conversations";
import type { ConversationEvents } from "../domain/events";
import { type Message, threadsAfter } from "../domain/messages";
import { findBusiness } from "../domain/businesses";
import { unhandledCount } from "../domain/offline-messages";
import { nobodyOnline } from "../domain/hours";
import { inboxBadge } from "../views/console";
import { type Locale, locales, translator } from "../i18n";
import { agentStatus, nobodyOnlineText, queueNotice } from "../views/chat";
import { html, type SafeHtml } from "../views/html";
import { threadUpsert } from "../views/message";
import { visitorName } from "../views/visitor-name";
import { conversationItem, conversationItemId, type ConversationListName, conversationListId } from "../views/conversation-item";
import { conversationTitle, visitorStatus } from "../views/conversation-header";
import type { Visitor } from "../domain/visitors";
import { visitorPanelPartial } from "../views/visitor-panel";
import type { Broker } from "./broker";
import { type AgentSocketHandle, AgentSockets } from "./agent-sockets";
import { Presence } from "./presence";
import { agentWaitingAudiences, topics, waitingAudiences } from "./topics";

export type ClientEvent =
  | { type: "typing"; draft?: string }
  | { type: "seen"; upTo: number }
  | { type: "remove"; id: string }
  | { type: "conversation"; id: number }
  | { type: "notify"; title: string; body: string }
  | { type: "error"; message: string; clientId?: string }
  | { type: "reload" };

const samePoolAs = (a: Conversation, b: Conversation) => a.groupId === b.groupId && a.requestedAgentId === b.requestedAgentId;

export class Hub implements ConversationEvents {
  readonly agents: Presence;
  readonly visitors: Presence;
  /** Every open socket of both audiences, so a stopping server can close them all. */
  readonly sockets = new Set<{ close(code?: number, reason?: string): void }>();
  /** Each open agent socket, by agent: closed when its session ends, subscribed to what it follows. */
  readonly agentSockets = new AgentSockets();
  /** Since when each agent who had a console open since the start has had none. */
  private readonly absentSince = new Map<number, number>();
  private readonly startedAt = Date.now();

  constructor(
    private readonly db: Database,
    private readonly broker: Broker,
    presenceGraceMs: number,
  ) {
    this.agents = new Presence(
      {
        online: (id) => {
          this.absentSince.delete(id);
          this.agentStatusChanged(id);
        },
        offline: (id) => {
          this.absentSince.set(id, Date.now());
          this.agentStatusChanged(id);
        },
      },
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
    // Before anything of it is published: the agent's following sockets get its first message too.
    this.agentSockets.follow(conversation);
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
    if (previous?.agentId && (previous.agentId !== conversation.agentId || conversation.status !== "open")) {
      this.agentSockets.unfollow(previous.agentId, conversation.visitorId);
    }
    this.agentSockets.follow(conversation);
    if (previous?.status === "queued" && (conversation.status !== "queued" || !samePoolAs(previous, conversation))) {
      for (const audience of waitingAudiences(previous)) {
        this.send((locale) => topics.waiting(previous.businessId, audience, locale), () => ({ type: "remove", id: itemId }));
      }
    }
    if (previous?.agentId && (previous.agentId !== conversation.agentId || conversation.status === "closed")) {
      this.send((locale) => topics.agent(previous.agentId!, locale), () => ({ type: "remove", id: itemId }));
      this.sendUnreadTotal(previous.agentId);
    }
    if (conversation.status === "closed" && previous?.status !== "closed") {
      const allItemId = conversationItemId(conversation.id, "all");
      this.send((locale) => topics.businessManagers(conversation.businessId, locale), () => ({ type: "remove", id: allItemId }));
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
    this.sendAgentStatus(conversation.visitorId, conversation.businessId);
    if (conversation.status === "queued") this.sendQueuePositions(conversation);
    if (previous?.status === "queued" && (conversation.status !== "queued" || !samePoolAs(previous, conversation))) this.sendQueuePositions(previous);
    // Out of the line: the visitor's place-in-line notice goes away.
    if (previous?.status === "queued" && conversation.status !== "queued") {
      this.send(
        (locale) => topics.visitorThread(conversation.visitorId, locale),
        (locale) => html`<hx-partial hx-target="#queue-position" hx-swap="outerHTML">${queueNotice(translator(locale), null)}</hx-partial>`,
      );
    }
    // A closed conversation frees a slot: the head of the queue may have an agent now.
    if (conversation.status === "closed" && previous?.status === "open") this.drainQueue(conversation.businessId);
  }

  /** Assigns waiting conversations to agents who can take them now. */
  drainQueue(businessId: number): void {
    drainQueue(this.db, this, businessId, this.agents.onlineIds());
  }

  /**
   * Agents gone longer than their shop's auto-away time become "away"; conversations of agents
   * gone longer than its hold time go back to the queue and are routed again. An agent not seen
   * since the server started counts as gone since then.
   */
  sweepAbsentAgents(now = Date.now()): void {
    const absentSince = (id: number) => (this.agents.isOnline(id) ? null : (this.absentSince.get(id) ?? this.startedAt));
    setAwayAfterAbsence(this.db, absentSince, now);
    const requeued = requeueFromAbsentAgents(this.db, this, absentSince, now);
    for (const businessId of new Set(requeued.map((c) => c.businessId))) this.drainQueue(businessId);
  }

  /** The waiting-list topics an agent listens to: the pools they serve, as they are now. */
  waitingTopics(agent: { id: number; businessId: number }, locale: Locale): string[] {
    return agentWaitingAudiences(agent.id, groupIdsOfAgent(this.db, agent.id)).map((audience) => topics.waiting(agent.businessId, audience, locale));
  }

  /**
   * Tells the waiting visitors whose place in line a change at `from` moved how many are ahead now,
   * or, while nobody who serves their line is online, that instead.
   */
  private sendQueuePositions(from: Conversation): void {
    const business = findBusiness(this.db, from.businessId);
    const nobody = business !== undefined && nobodyOnline(this.db, from.businessId, this.agents.onlineIds(), from);
    for (const { visitorId, ahead } of queueFrom(this.db, from)) {
      this.send(
        (locale) => topics.visitorThread(visitorId, locale),
        (locale) => {
          const t = translator(locale);
          return html`<hx-partial hx-target="#queue-position" hx-swap="outerHTML">${queueNotice(t, ahead, nobody ? nobodyOnlineText(t, business!) : null)}</hx-partial>`;
        },
      );
    }
  }

  /** Someone came online or left: every line of the business may now have someone, or nobody, to answer it. */
  private sendWaitingNotices(businessId: number): void {
    for (const head of queueHeads(this.db, businessId)) this.sendQueuePositions(head);
  }

  messagesRead(visitorId: number, reader: "visitor" | "agent", upToId: number): void {
    const otherSide = reader === "agent" ? topics.visitorThread : topics.agentThread;
    this.send((locale) => otherSide(visitorId, locale), () => ({ type: "seen", upTo: upToId }));
    if (reader === "agent") {
      const conversation = currentConversation(this.db, visitorId);
      if (conversation) this.refreshListItem(conversation);
    }
  }

  /**
   * The visitor's open pages reload: after a block, into "chat is not available"; after an agent
   * answered their offline message, from the form into the conversation.
   */
  reloadVisitorPages(visitorId: number): void {
    this.send((locale) => topics.visitorThread(visitorId, locale), () => ({ type: "reload" }));
  }

  /** An address was blocked: every online visitor of the business who last came from it reloads too. */
  ipBlocked(businessId: number, ip: string): void {
    for (const visitorId of visitorsOnIp(this.db, businessId, ip, this.visitors.onlineIds())) this.reloadVisitorPages(visitorId);
  }

  /**
   * Which waiting lists a console follows was decided when it connected: after a group change the
   * consoles concerned reload, to show and follow the lists they serve now. `agentIds` null: all
   * of the business's.
   */
  reloadConsoles(businessId: number, agentIds: readonly number[] | null): void {
    const reload = (): ClientEvent => ({ type: "reload" });
    if (agentIds === null) this.send((locale) => topics.businessAgents(businessId, locale), reload);
    else for (const agentId of agentIds) this.send((locale) => topics.agent(agentId, locale), reload);
  }

  /** A visitor left a message, or an agent handled one: every console's inbox count follows. */
  inboxChanged(businessId: number): void {
    const count = unhandledCount(this.db, businessId);
    this.send(
      (locale) => topics.businessAgents(businessId, locale),
      () => html`<hx-partial hx-target="#inbox-count" hx-swap="outerHTML">${inboxBadge(count)}</hx-partial>`,
    );
  }

  /** The visitor's details or page changed: agents looking at their thread see the panel follow. */
  visitorChanged(visitor: Visitor): void {
    this.send(
      (locale) => topics.agentThread(visitor.id, locale),
      (locale) => {
        const t = translator(locale);
        return html`${visitorPanelPartial(t, visitor)}
<hx-partial hx-target="#conversation-visitor-name" hx-swap="outerHTML">${conversationTitle(t, visitor)}</hx-partial>`;
      },
    );
  }

  /** An agent renamed the visitor: their line in the conversation lists shows the new name. */
  visitorRenamed(visitorId: number): void {
    const conversation = currentConversation(this.db, visitorId);
    if (conversation) this.refreshListItem(conversation, false);
  }

  /**
   * One side is typing: tell the other side. A visitor's draft goes to agents only when the caller
   * checked that the shop turned the typing preview on; an agent's never goes anywhere.
   */
  typing(visitorId: number, from: "visitor" | "agent", draft?: string): void {
    const otherSide = from === "visitor" ? topics.agentThread : topics.visitorThread;
    const event: ClientEvent = from === "visitor" && draft !== undefined ? { type: "typing", draft } : { type: "typing" };
    this.send((locale) => otherSide(visitorId, locale), () => event);
  }

  /**
   * Updates the conversation's line in its agent's list, or in the waiting lists of those it
   * waits for, and in the owners' and admins' "All"; and the agent's unread total when asked.
   * Returns the summary it rendered.
   */
  private refreshListItem(conversation: Conversation, unreadChanged = true): ConversationSummary | null {
    if (conversation.status === "closed") return null;
    const summary = summarize(this.db, conversation.id);
    const online = this.visitors.isOnline(conversation.visitorId);
    const item = (locale: Locale, list: ConversationListName) =>
      html`<hx-upsert hx-target="#${conversationListId(list)}" key="data-last">${conversationItem(translator(locale), summary, { online, current: false, list })}</hx-upsert>`;
    const waiting = conversation.status === "queued" || conversation.agentId === null;
    const targets: ((locale: Locale) => string)[] = waiting
      ? waitingAudiences(conversation).map((audience) => (locale: Locale) => topics.waiting(conversation.businessId, audience, locale))
      : [(locale: Locale) => topics.agent(conversation.agentId!, locale)];
    for (const topic of targets) this.send(topic, (locale) => item(locale, waiting ? "waiting" : "mine"));
    this.send((locale) => topics.businessManagers(conversation.businessId, locale), (locale) => item(locale, "all"));
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

  /** The visitor's header: who answers them, whether that agent is online, and whether a chat goes on. */
  private sendAgentStatus(visitorId: number, businessId: number): void {
    const conversation = currentConversation(this.db, visitorId);
    const agent = conversation?.agentId ? agentCard(this.db, conversation.agentId) : null;
    const business = findBusiness(this.db, businessId);
    if (!business) return;
    const availability = shownAvailability(agent, conversation?.agentId != null && this.agents.isOnline(conversation.agentId));
    this.send(
      (locale) => topics.visitorThread(visitorId, locale),
      (locale) => {
        const t = translator(locale);
        return html`<hx-partial hx-target="#agent-status" hx-swap="outerHTML">${agentStatus({ t, locale }, business, agent, availability, conversation !== undefined)}</hx-partial>
<hx-partial hx-target="#typing" hx-swap="innerHTML">${t("thread.typing", { name: agent?.displayName ?? business.name })}</hx-partial>`;
      },
    );
  }

  /** An agent opened or closed their last console, or chose another availability. */
  agentStatusChanged(agentId: number): void {
    const agent = this.db.select({ businessId: agents.businessId }).from(agents).where(eq(agents.id, agentId)).get();
    if (agent) this.sendWaitingNotices(agent.businessId);
    const open = this.db
      .select({ visitorId: conversations.visitorId, businessId: conversations.businessId })
      .from(conversations)
      .where(and(eq(conversations.agentId, agentId), eq(conversations.status, "open")))
      .all();
    for (const { visitorId, businessId } of open) this.sendAgentStatus(visitorId, businessId);
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

  /**
   * The socket follows every open conversation its agent has: subscribed to each one's thread
   * now (and to those assigned later, see AgentSockets.follow), after being sent what it missed
   * since `after`, in the same synchronous step (invariant 3).
   */
  followConversations(socket: AgentSocketHandle & { send(text: string): void }, after: number): void {
    const t = translator(socket.locale);
    const open = openConversationsOf(this.db, socket.agentId);
    const missed = threadsAfter(this.db, open.map((c) => c.id), after);
    if (missed.tooMany) socket.send(JSON.stringify({ type: "reload" } satisfies ClientEvent));
    else if (missed.messages.length) socket.send(String(threadUpsert(t, missed.messages, "agent")));
    socket.followed ??= new Set();
    for (const conversation of open) this.agentSockets.follow(conversation);
  }

  /**
   * Sessions may have ended (sign-out, a disabled agent, a new password, expiry): the sockets
   * opened with one that is no longer live close at once. `agentId` narrows the check.
   */
  sessionsChanged(agentId?: number): void {
    this.agentSockets.closeEndedSessions(this.db, agentId);
  }

  stop(): void {
    this.agents.stop();
    this.visitors.stop();
  }
}
