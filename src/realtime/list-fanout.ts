// The agents' conversation lists: a conversation's line in its agent's "Mine", in the waiting
// lists of those it waits for, and in the managers' "All"; the agent's unread total and alerts;
// the shop's inbox count. Lines come from memory (ConversationLines). Each audience gets one frame
// per event: for the agent who has the conversation, the line, the unread total and the alert
// travel together.
import type { Database } from "../db/client";
import { leftItsLine } from "../domain/assignment";
import { type Conversation, type ConversationSummary, currentConversation } from "../domain/conversations";
import { ConversationLines } from "../domain/conversation-lines";
import type { Message } from "../domain/messages";
import { unhandledCount } from "../domain/offline-messages";
import { type Locale, translator, type Translate } from "../i18n";
import { inboxBadge } from "../views/console";
import { conversationItem, conversationItemId, type ConversationListName, conversationListId } from "../views/conversation-item";
import { html, type SafeHtml } from "../views/html";
import { visitorName } from "../views/visitor-name";
import type { ListsVersions } from "./lists-versions";
import type { Presence } from "./presence";
import type { Publisher } from "./publisher";
import { topics, waitingAudiences } from "./topics";

/** The agent's unread badge in the console's navigation. */
function unreadBadge(total: number): SafeHtml {
  return html`<hx-partial hx-target="#unread-total" hx-swap="outerHTML"><span id="unread-total" class="unread" ${total ? "" : html`hidden`}>${total || ""}</span></hx-partial>`;
}

/** An alert for the agent (sound, desktop notification: console.js), in the frame of what caused it. */
function agentAlert(title: string, body: string): SafeHtml {
  return html`<hx-partial hx-target="#agent-alert" hx-swap="outerHTML"><span id="agent-alert" hidden data-title="${title}" data-body="${body}"></span></hx-partial>`;
}

export class ListFanout {
  private readonly lines: ConversationLines;

  constructor(
    private readonly db: Database,
    private readonly publisher: Publisher,
    private readonly visitors: Presence,
    /**
     * How many times a shop's lists have changed. A console page carries the count its lists were
     * read at; its socket, once listening, gets them again whole when the count moved meanwhile,
     * or after a reconnect.
     */
    readonly versions: ListsVersions,
  ) {
    this.lines = new ConversationLines(db);
  }

  private changed(businessId: number): void {
    this.versions.changed(businessId);
  }

  /** Another process changed the conversation's line (of these agents): read it again when next needed. */
  lineChangedElsewhere(conversationId: number, agentIds: readonly number[]): void {
    this.lines.changedElsewhere(conversationId, agentIds);
  }

  /** Changes of other processes may have been missed (Redis was away): every line is read again. */
  forgetLines(): void {
    this.lines.forgetAll();
  }

  messageCreated(message: Message, conversation: Conversation): void {
    const line = this.lines.messageCreated(message, conversation);
    if (!line) return;
    this.changed(conversation.businessId);
    // Only a visitor's message changes the agent's unread count, or alerts them.
    const fromVisitor = message.sender === "visitor";
    this.sendLine(line, {
      unread: fromVisitor,
      alert: fromVisitor
        ? (t) => agentAlert(t("workspace.newMessage", { name: visitorName(t, { id: line.conversation.visitorId, name: line.visitorName }) }), message.body.slice(0, 140))
        : null,
    });
  }

  conversationChanged(conversation: Conversation, previous: Conversation | null): void {
    this.changed(conversation.businessId);
    const itemId = conversationItemId(conversation.id);
    if (leftItsLine(conversation, previous)) {
      for (const audience of waitingAudiences(previous)) {
        this.publisher.send((locale) => topics.waiting(previous.businessId, audience, locale), () => ({ type: "remove", id: itemId }));
      }
    }
    const line = this.lines.reread(conversation.id);
    if (previous?.agentId && (previous.agentId !== conversation.agentId || conversation.status === "closed")) {
      this.publisher.send((locale) => topics.agent(previous.agentId!, locale), () => ({ type: "remove", id: itemId }));
      this.sendUnreadTotal(previous.agentId);
    }
    if (conversation.status === "closed" && previous?.status !== "closed") {
      const allItemId = conversationItemId(conversation.id, "all");
      this.publisher.send((locale) => topics.businessManagers(conversation.businessId, locale), () => ({ type: "remove", id: allItemId }));
    }
    if (!line) return;
    const handedOver = previous?.status === "open" && conversation.status === "open" && previous.agentId !== conversation.agentId;
    this.sendLine(line, { unread: true, alert: handedOver ? (t) => agentAlert(t("transfer.received"), "") : null });
  }

  /** The agent read the visitor's messages: their line and unread total follow. Returns the line read again. */
  readByAgent(visitorId: number): ConversationSummary | null {
    const conversation = currentConversation(this.db, visitorId);
    const line = conversation ? this.lines.reread(conversation.id) : null;
    if (!line) return null;
    this.changed(line.conversation.businessId);
    this.sendLine(line, { unread: true, alert: null });
    return line;
  }

  /** An agent renamed the visitor, or the visitor came or went: their line shows it. Returns the line. */
  visitorChanged(visitorId: number, { reread }: { reread: boolean }): ConversationSummary | null {
    const conversation = currentConversation(this.db, visitorId);
    if (!conversation) return null;
    const line = reread ? this.lines.reread(conversation.id) : this.lines.line(conversation.id);
    if (!line) return null;
    this.changed(conversation.businessId);
    this.sendLine(line, { unread: false, alert: null });
    return line;
  }

  /** A visitor left a message, or an agent handled one: every console's inbox count follows. */
  inboxChanged(businessId: number): void {
    const count = unhandledCount(this.db, businessId);
    this.publisher.send(
      (locale) => topics.businessAgents(businessId, locale),
      () => html`<hx-partial hx-target="#inbox-count" hx-swap="outerHTML">${inboxBadge(count)}</hx-partial>`,
    );
  }

  /**
   * The conversation's line, to its agent (with their unread total and an alert when asked) or
   * to the waiting lists of those it waits for, and to the owners' and admins' "All".
   */
  private sendLine(line: ConversationSummary, extra: { unread: boolean; alert: ((t: Translate) => SafeHtml) | null }): void {
    const { conversation } = line;
    const online = this.visitors.isOnline(conversation.visitorId);
    const item = (locale: Locale, list: ConversationListName) =>
      html`<hx-upsert hx-target="#${conversationListId(list)}" key="data-last">${conversationItem(translator(locale), line, { online, current: false, list })}</hx-upsert>`;
    const waiting = conversation.status === "queued" || conversation.agentId === null;
    if (waiting) {
      for (const audience of waitingAudiences(conversation)) {
        this.publisher.send((locale) => topics.waiting(conversation.businessId, audience, locale), (locale) => item(locale, "waiting"));
      }
    } else {
      const total = extra.unread && conversation.status === "open" ? this.lines.unreadTotal(conversation.agentId!) : null;
      this.publisher.send(
        (locale) => topics.agent(conversation.agentId!, locale),
        (locale) => html`${item(locale, "mine")}${total === null ? "" : unreadBadge(total)}${extra.alert?.(translator(locale)) ?? ""}`,
      );
    }
    this.publisher.send((locale) => topics.businessManagers(conversation.businessId, locale), (locale) => item(locale, "all"));
  }

  private sendUnreadTotal(agentId: number): void {
    const total = this.lines.unreadTotal(agentId);
    this.publisher.send((locale) => topics.agent(agentId, locale), () => unreadBadge(total));
  }
}
