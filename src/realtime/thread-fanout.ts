// The threads: a message to the visitor's pages and to the agents looking at the visitor, each
// in its own rendering; "seen", typing, reloads, and the agents' panel of the visitor.
import type { Conversation } from "../domain/conversations";
import type { Message } from "../domain/messages";
import type { Visitor } from "../domain/visitors";
import { translator } from "../i18n";
import { queueNotice } from "../views/chat";
import { conversationTitle, visitorStatus } from "../views/conversation-header";
import { html } from "../views/html";
import { threadUpsert } from "../views/message";
import { visitorPanelPartial } from "../views/visitor-panel";
import type { ClientEvent, Publisher } from "./publisher";
import { topics } from "./topics";

export class ThreadFanout {
  constructor(private readonly publisher: Publisher) {}

  messageCreated(message: Message, conversation: Conversation): void {
    this.publisher.send(
      (locale) => topics.visitorThread(conversation.visitorId, locale),
      (locale) => threadUpsert(translator(locale), [message], "visitor"),
    );
    this.publisher.send(
      (locale) => topics.agentThread(conversation.visitorId, locale),
      (locale) => threadUpsert(translator(locale), [message], "agent"),
    );
  }

  /** The conversation was assigned, taken or closed: agents' pages on it fetch its actions again. */
  conversationChanged(conversation: Conversation, previous: Conversation | null): void {
    this.publisher.send((locale) => topics.agentThread(conversation.visitorId, locale), () => ({ type: "conversation", id: conversation.id }));
    // Out of the line: the visitor's place-in-line notice goes away.
    if (previous?.status === "queued" && conversation.status !== "queued") {
      this.publisher.send(
        (locale) => topics.visitorThread(conversation.visitorId, locale),
        (locale) => html`<hx-partial hx-target="#queue-position" hx-swap="outerHTML">${queueNotice(translator(locale), null)}</hx-partial>`,
      );
    }
  }

  messagesRead(visitorId: number, reader: "visitor" | "agent", upToId: number): void {
    const otherSide = reader === "agent" ? topics.visitorThread : topics.agentThread;
    this.publisher.send((locale) => otherSide(visitorId, locale), () => ({ type: "seen", upTo: upToId }));
  }

  /**
   * One side is typing: tell the other side. A visitor's draft goes to agents only when the caller
   * checked that the shop turned the typing preview on; an agent's never goes anywhere.
   */
  typing(visitorId: number, from: "visitor" | "agent", draft?: string): void {
    const otherSide = from === "visitor" ? topics.agentThread : topics.visitorThread;
    const event: ClientEvent = from === "visitor" && draft !== undefined ? { type: "typing", draft } : { type: "typing" };
    this.publisher.send((locale) => otherSide(visitorId, locale), () => event);
  }

  reloadVisitorPages(visitorId: number): void {
    this.publisher.send((locale) => topics.visitorThread(visitorId, locale), () => ({ type: "reload" }));
  }

  /** The visitor's details or page changed: agents looking at their thread see the panel follow. */
  visitorChanged(visitor: Visitor): void {
    this.publisher.send(
      (locale) => topics.agentThread(visitor.id, locale),
      (locale) => {
        const t = translator(locale);
        return html`${visitorPanelPartial(t, visitor)}
<hx-partial hx-target="#conversation-visitor-name" hx-swap="outerHTML">${conversationTitle(t, visitor)}</hx-partial>`;
      },
    );
  }

  /** The visitor came or went: agents on their thread see it in the header and as a line. */
  visitorPresenceChanged(visitorId: number, online: boolean, lastMessageId: number): void {
    this.publisher.send(
      (locale) => topics.agentThread(visitorId, locale),
      (locale) => {
        const t = translator(locale);
        return html`<hx-partial hx-target="#visitor-status" hx-swap="outerHTML">${visitorStatus(t, online)}</hx-partial>
<hx-upsert hx-target="#thread" key="data-seq"><div class="message event presence" id="presence-${Date.now()}" data-seq="${lastMessageId}.5"><span>${t(online ? "event.visitorOnline" : "event.visitorOffline")}</span></div></hx-upsert>`;
      },
    );
  }
}
