// Automatic answers (自动回复): a shop's rules, each some keywords or phrases and the answer its bot
// gives when a visitor's message contains one, and the settings of when the bot answers and which
// words visitors may not write. Every read and write starts from the actor's business, so another
// shop's rule is simply not found.
import { and, asc, eq } from "drizzle-orm";
import type { Database, Queryable } from "../db/client";
import { answerRules, answerSettings } from "../db/schema";
import { recordAudit } from "./audit";
import { NotFoundError, ValidationError } from "./errors";
import { checkRequiredText, problems } from "./fields";
import { limits, messageLimits } from "./limits";
import type { FieldProblem } from "./errors";

export type AnswerRule = typeof answerRules.$inferSelect;
export type AnswerSettings = typeof answerSettings.$inferSelect;
export const answerWhenChoices = ["off", "untilAgent", "noAgentOnline"] as const;
export const bannedModes = ["mask", "refuse"] as const;
type Actor = { id: number; businessId: number };

export interface AnswerRuleInput {
  /** One keyword or phrase a line. */
  keywords: string;
  answer: string;
  enabled: boolean;
}

export interface AnswerSettingsInput {
  answerWhen: string;
  useFaqs: boolean;
  bannedWords: string;
  bannedMode: string;
}

/** Lines of a text box, trimmed, without blanks and repeats. */
export function lines(text: string): string[] {
  return [...new Set(text.split(/\r?\n/).map((line) => line.trim()).filter(Boolean))];
}

export function listAnswerRules(db: Queryable, businessId: number): AnswerRule[] {
  return db.select().from(answerRules).where(eq(answerRules.businessId, businessId)).orderBy(asc(answerRules.id)).all();
}

function findAnswerRule(db: Queryable, businessId: number, ruleId: number): AnswerRule {
  const rule = db.select().from(answerRules).where(and(eq(answerRules.businessId, businessId), eq(answerRules.id, ruleId))).get();
  if (!rule) throw new NotFoundError("answer rule");
  return rule;
}

/** Stored settings, or the defaults (the bot off, nothing banned) for a shop that never saved them. */
export function answerSettingsOf(db: Queryable, businessId: number): AnswerSettings {
  return (
    db.select().from(answerSettings).where(eq(answerSettings.businessId, businessId)).get() ?? {
      businessId,
      answerWhen: "off",
      useFaqs: false,
      bannedWords: "",
      bannedMode: "mask",
    }
  );
}

function checkKeywords(text: string): { keywords: string[]; problem: FieldProblem | null } {
  const keywords = lines(text);
  if (keywords.length === 0) return { keywords, problem: { key: "answers.keywordsRequired" } };
  if (keywords.length > limits.keywordsPerRule) return { keywords, problem: { key: "answers.tooManyKeywords", params: { max: limits.keywordsPerRule } } };
  if (keywords.some((keyword) => Array.from(keyword).length > limits.keywordLength)) {
    return { keywords, problem: { key: "answers.keywordTooLong", params: { max: limits.keywordLength } } };
  }
  return { keywords, problem: null };
}

function checkRule(input: AnswerRuleInput): AnswerRuleInput {
  const keywords = checkKeywords(input.keywords);
  // The answer is posted as a message: the same limit as one.
  const answer = checkRequiredText(input.answer, messageLimits.bodyLength, "answers.answerRequired", "answers.answerTooLong");
  const found = problems({ keywords: keywords.problem, answer: answer.problem });
  if (found) throw new ValidationError(found);
  return { keywords: keywords.keywords.join("\n"), answer: answer.trimmed, enabled: input.enabled };
}

export function addAnswerRule(db: Database, actor: Actor, input: AnswerRuleInput): AnswerRule {
  const checked = checkRule(input);
  return db.transaction((tx) => {
    if (listAnswerRules(tx, actor.businessId).length >= limits.answerRulesPerBusiness) {
      throw new ValidationError({ keywords: { key: "answers.tooManyRules", params: { max: limits.answerRulesPerBusiness } } });
    }
    const rule = tx.insert(answerRules).values({ businessId: actor.businessId, ...checked }).returning().get();
    recordAudit(tx, actor, "answer_rule.created", `answer_rule:${rule.id}`, { keywords: rule.keywords });
    return rule;
  }, { behavior: "immediate" });
}

export function updateAnswerRule(db: Database, actor: Actor, ruleId: number, input: AnswerRuleInput): AnswerRule {
  const checked = checkRule(input);
  return db.transaction((tx) => {
    const rule = findAnswerRule(tx, actor.businessId, ruleId);
    const updated = tx.update(answerRules).set(checked).where(eq(answerRules.id, rule.id)).returning().get()!;
    recordAudit(tx, actor, "answer_rule.updated", `answer_rule:${rule.id}`, { from: rule.keywords, to: updated.keywords });
    return updated;
  }, { behavior: "immediate" });
}

/** Answers already given stay in their threads. */
export function deleteAnswerRule(db: Database, actor: Actor, ruleId: number): void {
  db.transaction((tx) => {
    const rule = findAnswerRule(tx, actor.businessId, ruleId);
    tx.delete(answerRules).where(eq(answerRules.id, rule.id)).run();
    recordAudit(tx, actor, "answer_rule.deleted", `answer_rule:${rule.id}`, { keywords: rule.keywords });
  }, { behavior: "immediate" });
}

export function saveAnswerSettings(db: Database, actor: Actor, input: AnswerSettingsInput): AnswerSettings {
  const words = lines(input.bannedWords);
  const found = problems({
    answerWhen: (answerWhenChoices as readonly string[]).includes(input.answerWhen) ? null : { key: "answers.badChoice" },
    bannedMode: (bannedModes as readonly string[]).includes(input.bannedMode) ? null : { key: "answers.badChoice" },
    bannedWords:
      words.length > limits.bannedWords
        ? { key: "answers.tooManyBannedWords", params: { max: limits.bannedWords } }
        : words.some((word) => Array.from(word).length > limits.bannedWordLength)
          ? { key: "answers.bannedWordTooLong", params: { max: limits.bannedWordLength } }
          : null,
  });
  if (found) throw new ValidationError(found);
  const values = {
    answerWhen: input.answerWhen as AnswerSettings["answerWhen"],
    useFaqs: input.useFaqs,
    bannedWords: words.join("\n"),
    bannedMode: input.bannedMode as AnswerSettings["bannedMode"],
  };
  return db.transaction((tx) => {
    const saved = tx
      .insert(answerSettings)
      .values({ businessId: actor.businessId, ...values })
      .onConflictDoUpdate({ target: answerSettings.businessId, set: values })
      .returning()
      .get();
    recordAudit(tx, actor, "answer_settings.changed", `business:${actor.businessId}`, { answerWhen: saved.answerWhen, useFaqs: saved.useFaqs, bannedMode: saved.bannedMode, bannedWords: words.length });
    return saved;
  }, { behavior: "immediate" });
}
