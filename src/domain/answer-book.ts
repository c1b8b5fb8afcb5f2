// Each shop's automatic answers and banned words, compiled once and kept in memory: the send path
// asks `of(businessId)` for every visitor message, and a shop with nothing configured costs one Map
// lookup. The page that changes the rules, the settings or the FAQ calls `forget`, which other
// processes serving the same data dir hear too.
import type { Database } from "../db/client";
import { answerSettingsOf, lines, listAnswerRules } from "./answer-rules";
import { listFaqs } from "./faqs";
import { foldText, maskWords } from "./folded-text";
import { RuleError } from "./errors";
import { noOtherProcesses, type OtherProcesses } from "./other-processes";

/** Where an answer came from: a rule, or a FAQ entry used as one. */
export type AnswerSource = { rule: number } | { faq: number };

export interface Answer {
  body: string;
  source: AnswerSource;
}

export interface ShopAnswers {
  answerWhen: "untilAgent" | "noAgentOnline" | "off";
  /** Folded keywords with their answer, longest first: the first one found is the longest that matches. */
  keywords: { keyword: string; answer: Answer }[];
  banned: { words: string[]; mode: "mask" | "refuse" } | null;
}

// FAQ questions end in "?" and the like; the visitor's sentence rarely ends where the question does.
const trailingPunctuation = /[\s?？!！。.，,、~～]+$/u;

export function compileAnswers(db: Database, businessId: number): ShopAnswers | null {
  const settings = answerSettingsOf(db, businessId);
  const keywords: ShopAnswers["keywords"] = [];
  if (settings.answerWhen !== "off") {
    for (const rule of listAnswerRules(db, businessId)) {
      if (!rule.enabled) continue;
      for (const keyword of lines(rule.keywords)) keywords.push({ keyword: foldText(keyword), answer: { body: rule.answer, source: { rule: rule.id } } });
    }
    if (settings.useFaqs) {
      for (const faq of listFaqs(db, businessId)) {
        const question = foldText(faq.question).replace(trailingPunctuation, "");
        if (question) keywords.push({ keyword: question, answer: { body: faq.answer, source: { faq: faq.id } } });
      }
    }
    // Stable: between keywords of one length, the older rule, then the FAQ.
    keywords.sort((a, b) => b.keyword.length - a.keyword.length);
  }
  const words = lines(settings.bannedWords).map(foldText);
  const banned = words.length ? { words, mode: settings.bannedMode } : null;
  if (keywords.length === 0 && !banned) return null;
  return { answerWhen: settings.answerWhen, keywords, banned };
}

/** The answer of the longest keyword the message contains, or null. */
export function findAnswer(shop: ShopAnswers, body: string): Answer | null {
  if (shop.keywords.length === 0) return null;
  const folded = foldText(body);
  return shop.keywords.find(({ keyword }) => folded.includes(keyword))?.answer ?? null;
}

/**
 * A visitor's text as it may be stored: banned words masked with ＊, or the whole message refused
 * (nothing is stored, the visitor is told why).
 */
export function screenVisitorText(shop: ShopAnswers, body: string): string {
  if (!shop.banned) return body;
  const masked = maskWords(body, shop.banned.words);
  if (masked === null) return body;
  if (shop.banned.mode === "refuse") throw new RuleError({ key: "answers.refused" });
  return masked;
}

export class AnswerBook {
  private readonly shops = new Map<number, ShopAnswers | null>();

  constructor(
    private readonly db: Database,
    private readonly others: OtherProcesses = noOtherProcesses,
  ) {
    others.hear(
      (businessId) => this.shops.delete(businessId),
      () => this.shops.clear(),
    );
  }

  of(businessId: number): ShopAnswers | null {
    let shop = this.shops.get(businessId);
    if (shop === undefined) {
      shop = compileAnswers(this.db, businessId);
      this.shops.set(businessId, shop);
    }
    return shop;
  }

  forget(businessId: number): void {
    this.shops.delete(businessId);
    this.others.changed(businessId);
  }
}
