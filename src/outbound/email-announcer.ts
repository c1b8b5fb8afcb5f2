// The emails a conversation causes: the agent's answer to a visitor who left an offline message
// with their email (they are not on the page to read it), and, where the shop wants it, the
// transcript when a conversation closes. Told on the send path (Hub.listen): anything else returns
// at once, and the mail is made and queued after the current turn.
import { asc, eq } from "drizzle-orm";
import type { Database } from "../db/client";
import { agents, messages } from "../db/schema";
import { findAgent } from "../domain/agents";
import { findBusiness } from "../domain/businesses";
import type { Conversation } from "../domain/conversations";
import { queueEmail, type TranscriptShops } from "../domain/email-settings";
import type { DomainEvents } from "../domain/events";
import type { Message } from "../domain/messages";
import { answersWithEmail } from "../domain/offline-messages";
import { noOtherProcesses, type OtherProcesses } from "../domain/other-processes";
import { findVisitor } from "../domain/visitors";
import { type Locale, localeFromAcceptLanguage, translator } from "../i18n";
import type { Log } from "../log";
import type { Presence } from "../realtime/presence";
import { replyMail, transcriptMail } from "../views/emails";
import { isMailAddress } from "./mime-message";

const transcriptMessages = 1000;
/** After a restart, answers to offline messages handled this recently are still mailed. */
const answersRememberedMs = 3 * 24 * 60 * 60 * 1000;

export class EmailAnnouncer implements Partial<DomainEvents> {
  /** Conversations that answer an offline message, by id: the visitor's email and what they left. */
  private readonly answered = new Map<number, { email: string; left: string }>();

  constructor(
    private readonly db: Database,
    private readonly visitorsOnline: Pick<Presence, "isOnline">,
    /** The businesses that mail transcripts (email-settings.ts), kept up to date by the settings page. */
    readonly transcripts: TranscriptShops,
    private readonly queued: () => void,
    private readonly log: Log,
    /** Told which conversations' answers changed here; an agent's reply may be sent through any process. */
    private readonly others: OtherProcesses = noOtherProcesses,
  ) {
    this.rememberAnswers();
    others.hear(
      (conversationId) => this.rememberAnswers(conversationId),
      () => this.rememberAnswers(),
    );
  }

  offlineMessageAnswered(_visitorId: number, answered: Parameters<DomainEvents["offlineMessageAnswered"]>[1]): void {
    if (this.remember(answered)) this.others.changed(answered.conversationId);
  }

  messageCreated(message: Message, conversation: Conversation): void {
    if (message.sender !== "agent" || message.kind !== "text") return;
    const answer = this.answered.get(conversation.id);
    if (!answer || this.visitorsOnline.isOnline(conversation.visitorId)) return;
    this.later(() => {
      const business = findBusiness(this.db, conversation.businessId)!;
      const agent = findAgent(this.db, conversation.businessId, message.agentId!);
      const t = translator(this.visitorLocale(conversation, agent.locale));
      queueEmail(this.db, business.id, "email.reply", replyMail(t, answer.email, business.name, agent.displayName, message.body, answer.left));
    });
  }

  conversationChanged(conversation: Conversation, previous: Conversation | null): void {
    if (conversation.status !== "closed" || !previous || previous.status === "closed") return;
    if (this.answered.delete(conversation.id)) this.others.changed(conversation.id);
    if (!this.transcripts.has(conversation.businessId)) return;
    this.later(() => {
      const visitor = findVisitor(this.db, conversation.businessId, conversation.visitorId);
      if (!visitor?.email || !isMailAddress(visitor.email)) return;
      const business = findBusiness(this.db, conversation.businessId)!;
      const rows = this.db
        .select({ message: messages, agentName: agents.displayName })
        .from(messages)
        .leftJoin(agents, eq(agents.id, messages.agentId))
        .where(eq(messages.conversationId, conversation.id))
        .orderBy(asc(messages.id))
        .limit(transcriptMessages)
        .all();
      const agentLocale = conversation.agentId ? findAgent(this.db, conversation.businessId, conversation.agentId).locale : null;
      const t = translator(this.visitorLocale(conversation, agentLocale));
      const mail = transcriptMail(t, visitor.email, business.name, rows.map((row) => ({ ...row.message, agentName: row.agentName })));
      queueEmail(this.db, business.id, "email.transcript", mail);
    });
  }

  /** Reads again the answers with an email of open conversations (of one, or all of them). */
  private rememberAnswers(conversationId?: number): void {
    if (conversationId === undefined) this.answered.clear();
    else this.answered.delete(conversationId);
    for (const answer of answersWithEmail(this.db, Date.now() - answersRememberedMs, conversationId)) this.remember(answer);
  }

  private remember({ conversationId, entry }: Parameters<DomainEvents["offlineMessageAnswered"]>[1]): boolean {
    if (!entry.email || !isMailAddress(entry.email)) return false;
    this.answered.set(conversationId, { email: entry.email, left: entry.body });
    return true;
  }

  /** The visitor's language when their browser told it, else the agent's, else English. */
  private visitorLocale(conversation: Conversation, agentLocale: Locale | null): Locale {
    const language = findVisitor(this.db, conversation.businessId, conversation.visitorId)?.language;
    return language ? localeFromAcceptLanguage(language) : (agentLocale ?? "en");
  }

  private later(queue: () => void): void {
    setImmediate(() => {
      try {
        queue();
        this.queued();
      } catch (error) {
        this.log.error("email not queued", { error });
      }
    });
  }
}
