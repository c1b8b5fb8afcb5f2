// What the visitor's header and line say: who answers them and whether that agent is online,
// their place in the queue, or that nobody who serves their line is online now.
import { and, eq } from "drizzle-orm";
import type { Database } from "../db/client";
import { leftItsLine } from "../domain/assignment";
import { agents, conversations } from "../db/schema";
import { agentCard, shownAvailability } from "../domain/agents";
import { findBusiness } from "../domain/businesses";
import { type Conversation, currentConversation, queueFrom, queueHeads } from "../domain/conversations";
import { nobodyOnline } from "../domain/hours";
import { translator } from "../i18n";
import { agentStatus, nobodyOnlineText, queueNotice } from "../views/chat";
import { html } from "../views/html";
import type { Presence } from "./presence";
import type { Publisher } from "./publisher";
import { topics } from "./topics";

export class VisitorHeaderFanout {
  constructor(
    private readonly db: Database,
    private readonly publisher: Publisher,
    private readonly agents: Presence,
  ) {}

  conversationChanged(conversation: Conversation, previous: Conversation | null): void {
    this.sendAgentStatus(conversation.visitorId, conversation.businessId);
    if (conversation.status === "queued") this.sendQueuePositions(conversation);
    if (leftItsLine(conversation, previous)) this.sendQueuePositions(previous);
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

  /**
   * Tells the waiting visitors whose place in line a change at `from` moved how many are ahead now,
   * or, while nobody who serves their line is online, that instead.
   */
  private sendQueuePositions(from: Conversation): void {
    const business = findBusiness(this.db, from.businessId);
    const nobody = business !== undefined && nobodyOnline(this.db, from.businessId, this.agents.onlineIds(), from);
    for (const { visitorId, ahead } of queueFrom(this.db, from)) {
      this.publisher.send(
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

  /** The visitor's header: who answers them, whether that agent is online, and whether a chat goes on. */
  private sendAgentStatus(visitorId: number, businessId: number): void {
    const conversation = currentConversation(this.db, visitorId);
    const agent = conversation?.agentId ? agentCard(this.db, conversation.agentId) : null;
    const business = findBusiness(this.db, businessId);
    if (!business) return;
    const availability = shownAvailability(agent, conversation?.agentId != null && this.agents.isOnline(conversation.agentId));
    this.publisher.send(
      (locale) => topics.visitorThread(visitorId, locale),
      (locale) => {
        const t = translator(locale);
        return html`<hx-partial hx-target="#agent-status" hx-swap="outerHTML">${agentStatus({ t, locale }, business, agent, availability, conversation !== undefined)}</hx-partial>
<hx-partial hx-target="#typing" hx-swap="innerHTML">${t("thread.typing", { name: agent?.displayName ?? business.name })}</hx-partial>`;
      },
    );
  }
}
