// FAQs (常见问题): questions the visitor window lists, each with the shop's answer. A visitor who
// picks one asks it as their own message and gets the answer at once as an automatic reply, so
// the agent sees what was asked and what the visitor was told. Every read and write starts from
// the actor's (or the visitor's) business, so another shop's FAQ is simply not found.
import { and, asc, eq } from "drizzle-orm";
import type { Database, Queryable } from "../db/client";
import { faqs } from "../db/schema";
import { anyone, type Pool } from "./assignment";
import { recordAudit } from "./audit";
import type { Channel } from "./conversations";
import type { ConversationEvents } from "./events";
import { NotFoundError, ValidationError } from "./errors";
import { checkRequiredText, problems } from "./fields";
import { limits } from "./limits";
import { type Message, postAutomaticReply, type SendResult, sendSelfServiceMessage } from "./messages";
import type { Visitor } from "./visitors";

export type Faq = typeof faqs.$inferSelect;
type FaqActor = { id: number; businessId: number };

export interface FaqInput {
  question: string;
  answer: string;
}

/** The business's FAQs in the order the visitor window lists them. */
export function listFaqs(db: Queryable, businessId: number): Faq[] {
  return db.select().from(faqs).where(eq(faqs.businessId, businessId)).orderBy(asc(faqs.position), asc(faqs.id)).all();
}

export function findFaq(db: Queryable, businessId: number, faqId: number): Faq {
  const faq = db.select().from(faqs).where(and(eq(faqs.businessId, businessId), eq(faqs.id, faqId))).get();
  if (!faq) throw new NotFoundError("faq");
  return faq;
}

function checkFaq(input: FaqInput): FaqInput {
  const question = checkRequiredText(input.question, limits.faqQuestionLength, "faq.questionRequired", "faq.questionTooLong");
  const answer = checkRequiredText(input.answer, limits.faqAnswerLength, "faq.answerRequired", "faq.answerTooLong");
  const found = problems({ question: question.problem, answer: answer.problem });
  if (found) throw new ValidationError(found);
  return { question: question.trimmed, answer: answer.trimmed };
}

export function addFaq(db: Database, actor: FaqActor, input: FaqInput): Faq {
  const checked = checkFaq(input);
  return db.transaction((tx) => {
    const existing = listFaqs(tx, actor.businessId);
    if (existing.length >= limits.faqsPerBusiness) {
      throw new ValidationError({ question: { key: "faq.tooMany", params: { max: limits.faqsPerBusiness } } });
    }
    const position = (existing.at(-1)?.position ?? -1) + 1;
    const faq = tx.insert(faqs).values({ businessId: actor.businessId, ...checked, position }).returning().get();
    recordAudit(tx, actor, "faq.created", `faq:${faq.id}`, { question: faq.question });
    return faq;
  }, { behavior: "immediate" });
}

export function updateFaq(db: Database, actor: FaqActor, faqId: number, input: FaqInput): Faq {
  const checked = checkFaq(input);
  return db.transaction((tx) => {
    const faq = findFaq(tx, actor.businessId, faqId);
    const updated = tx.update(faqs).set(checked).where(and(eq(faqs.businessId, actor.businessId), eq(faqs.id, faq.id))).returning().get()!;
    recordAudit(tx, actor, "faq.updated", `faq:${faq.id}`, { from: faq.question, to: updated.question });
    return updated;
  }, { behavior: "immediate" });
}

/** Answers already given stay in their threads: they are messages, not links to the FAQ. */
export function deleteFaq(db: Database, actor: FaqActor, faqId: number): void {
  db.transaction((tx) => {
    const faq = findFaq(tx, actor.businessId, faqId);
    tx.delete(faqs).where(and(eq(faqs.businessId, actor.businessId), eq(faqs.id, faq.id))).run();
    recordAudit(tx, actor, "faq.deleted", `faq:${faq.id}`, { question: faq.question });
  }, { behavior: "immediate" });
}

/** Swaps the FAQ with its neighbour; at either end of the list it stays where it is. */
export function moveFaq(db: Database, actor: FaqActor, faqId: number, direction: "up" | "down"): void {
  db.transaction((tx) => {
    const faq = findFaq(tx, actor.businessId, faqId);
    const order = listFaqs(tx, actor.businessId).map((row) => row.id);
    const from = order.indexOf(faq.id);
    const to = direction === "up" ? from - 1 : from + 1;
    if (to < 0 || to >= order.length) return;
    [order[from], order[to]] = [order[to]!, order[from]!];
    // Renumbered whole: positions of rows added before ordering existed may tie.
    order.forEach((id, position) => tx.update(faqs).set({ position }).where(eq(faqs.id, id)).run());
    recordAudit(tx, actor, "faq.moved", `faq:${faq.id}`, { direction });
  }, { behavior: "immediate" });
}

export interface FaqAsked extends SendResult {
  /** The automatic reply carrying the answer. */
  reply: Message;
}

/**
 * The visitor picked a question. It is sent as their own message, with every refusal of a typed
 * one, but queues nobody (sendSelfServiceMessage): the answer may be all they needed. The answer
 * follows in the same conversation as an automatic reply (postAutomaticReply), so a retried pick
 * returns both stored messages.
 */
export function askFaq(
  db: Database,
  events: ConversationEvents,
  visitor: Visitor,
  faqId: number,
  clientId: string,
  onlineAgentIds: readonly number[],
  pool: Pool = anyone,
  channel: Channel = "widget",
): FaqAsked {
  const faq = findFaq(db, visitor.businessId, faqId);
  const asked = sendSelfServiceMessage(db, events, visitor, { clientId, body: faq.question, meta: { faq: faq.id } }, onlineAgentIds, pool, channel);
  const answered = postAutomaticReply(db, events, asked.conversation, { body: faq.answer, meta: { auto: "faq", faq: faq.id }, clientId: `faq:${clientId}` });
  return { ...asked, conversation: answered.conversation, reply: answered.reply };
}

