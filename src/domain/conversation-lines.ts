// The lists' line of every conversation not closed (last visitor message, unread count, assignee),
// kept in memory: read from the database when first needed (an agent's all at once, for their
// unread total), then kept up from what the domain announces,
// so that a message refreshes the agents' lists without a query. A message changes a line by
// itself; a change of the conversation (assigned, transferred, read, renamed: rare) reads that one
// line again. Each line remembers the last message it reflects, so an announcement that arrives
// after its line was read again (sends of one group commit) is not counted twice.
import type { Queryable } from "../db/client";
import { botNoteOf, type Conversation, type ConversationSummary, openSummariesOf, summarize } from "./conversations";
import type { Message } from "./messages";

interface Line extends ConversationSummary {
  /** The newest message this line already reflects. */
  reflects: number;
}

export class ConversationLines {
  private readonly lines = new Map<number, Line>();
  /** The open conversations of each agent: their unread total is the sum of these lines. */
  private readonly ofAgent = new Map<number, Set<number>>();
  /** Agents whose open conversations all have their line here (read once, on first need). */
  private readonly complete = new Set<number>();

  constructor(private readonly db: Queryable) {}

  /** The line after `message` was stored, or null for a closed conversation. */
  messageCreated(message: Message, conversation: Conversation): ConversationSummary | null {
    const line = this.lines.get(conversation.id);
    if (!line) return this.reread(conversation.id);
    if (message.id <= line.reflects) return line;
    line.reflects = message.id;
    line.conversation = { ...line.conversation, lastMessageId: message.id };
    line.lastAt = message.createdAt;
    line.lastBot = botNoteOf(message);
    if (message.sender === "visitor") {
      line.visitorBody = message.body;
      line.visitorKind = message.kind;
      if (message.readAt === null) line.unread++;
    }
    if (message.sender === "system" && (message.body === "requeued" || message.body === "transferred") && line.conversation.status === "queued") {
      line.waitingSince = message.createdAt;
    }
    return line;
  }

  /** The conversation's line as kept (read if it is not yet); null for a closed one. */
  line(conversationId: number): ConversationSummary | null {
    return this.lines.get(conversationId) ?? this.reread(conversationId);
  }

  /** Reads the conversation's line again after a change of it; null once it is closed. */
  reread(conversationId: number): ConversationSummary | null {
    this.forget(conversationId);
    const summary = summarize(this.db, conversationId) as ConversationSummary | undefined;
    return summary && summary.conversation.status !== "closed" ? this.keep(summary) : null;
  }

  /** Unread visitor messages in the agent's open conversations. */
  unreadTotal(agentId: number): number {
    if (!this.complete.has(agentId)) {
      // As committed now: at least as new as any line kept so far.
      for (const summary of openSummariesOf(this.db, agentId)) {
        this.forget(summary.conversation.id);
        this.keep(summary);
      }
      this.complete.add(agentId);
    }
    let total = 0;
    for (const id of this.ofAgent.get(agentId) ?? []) total += this.lines.get(id)!.unread;
    return total;
  }

  /**
   * Another process stored a message or changed the conversation: its line is read again if this
   * process keeps it, or keeps an unread total it counts in (one statement, not the agents' every
   * line); otherwise it is read when first needed.
   */
  changedElsewhere(conversationId: number, agentIds: readonly number[]): void {
    if (this.lines.has(conversationId) || agentIds.some((agentId) => this.complete.has(agentId))) this.reread(conversationId);
  }

  /** Changes made elsewhere may have been missed: everything is read again when next needed. */
  forgetAll(): void {
    this.lines.clear();
    this.ofAgent.clear();
    this.complete.clear();
  }

  private keep(summary: ConversationSummary): Line {
    const line: Line = { ...summary, reflects: summary.conversation.lastMessageId ?? 0 };
    this.lines.set(summary.conversation.id, line);
    const { agentId, status } = summary.conversation;
    if (agentId !== null && status === "open") {
      let ids = this.ofAgent.get(agentId);
      if (!ids) this.ofAgent.set(agentId, (ids = new Set()));
      ids.add(summary.conversation.id);
    }
    return line;
  }

  private forget(conversationId: number): void {
    const line = this.lines.get(conversationId);
    if (!line) return;
    this.lines.delete(conversationId);
    const { agentId } = line.conversation;
    if (agentId === null) return;
    const ids = this.ofAgent.get(agentId);
    ids?.delete(conversationId);
    if (ids?.size === 0) this.ofAgent.delete(agentId);
  }
}
