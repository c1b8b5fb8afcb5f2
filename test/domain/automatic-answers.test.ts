import { describe, expect, it } from "bun:test";
import { eq } from "drizzle-orm";
import { messages } from "../../src/db/schema";
import { AnswerBook, compileAnswers, findAnswer, type ShopAnswers } from "../../src/domain/answer-book";
import { addAnswerRule, saveAnswerSettings, type AnswerSettingsInput } from "../../src/domain/answer-rules";
import { personRequested, requestPerson, sendToShopWithAnswers } from "../../src/domain/automatic-answers";
import { currentConversation, takeConversation } from "../../src/domain/conversations";
import { RuleError, ValidationError } from "../../src/domain/errors";
import { ignoreEvents } from "../../src/domain/events";
import { addFaq } from "../../src/domain/faqs";
import { limits } from "../../src/domain/limits";
import { sendAgentMessage, threadPage } from "../../src/domain/messages";
import { createAnonymousVisitor } from "../../src/domain/visitors";
import { addMember, testApp } from "../support";

const visit = { ip: null, userAgent: null, page: null };
const settings = (changes: Partial<AnswerSettingsInput> = {}): AnswerSettingsInput => ({ answerWhen: "untilAgent", useFaqs: false, bannedWords: "", bannedMode: "mask", ...changes });

async function shop(changes: Partial<AnswerSettingsInput> = {}) {
  const ctx = testApp();
  const owner = await addMember(ctx, "owner", "owner@example.com");
  saveAnswerSettings(ctx.db, owner, settings(changes));
  const newVisitor = () => createAnonymousVisitor(ctx.db, "0".repeat(64), ctx.business.id, visit).visitor;
  const compiled = () => compileAnswers(ctx.db, ctx.business.id)!;
  const say = (shop: ShopAnswers, visitor: ReturnType<typeof newVisitor>, body: string, online: number[] = []) =>
    sendToShopWithAnswers(ctx.db, ignoreEvents, shop, visitor, { clientId: crypto.randomUUID(), body }, online);
  const stored = (visitorId: number) => threadPage(ctx.db, { visitorId }).messages;
  return { ...ctx, owner, newVisitor, compiled, say, stored };
}

describe("matching a visitor's message", () => {
  it("finds a Chinese keyword inside a sentence, and ignores case and full width", async () => {
    const ctx = await shop();
    addAnswerRule(ctx.db, ctx.owner, { keywords: "退货\nRefund", answer: "30 天内可退货。", enabled: true });
    const compiled = ctx.compiled();
    expect(findAnswer(compiled, "我想退货怎么办")?.body).toBe("30 天内可退货。");
    expect(findAnswer(compiled, "ＲＥＦＵＮＤ please")?.body).toBe("30 天内可退货。");
    expect(findAnswer(compiled, "I want my refund")?.body).toBe("30 天内可退货。");
    expect(findAnswer(compiled, "发货了吗")).toBeNull();
  });

  it("answers with the rule of the longest keyword that matches", async () => {
    const ctx = await shop();
    addAnswerRule(ctx.db, ctx.owner, { keywords: "退货", answer: "general", enabled: true });
    addAnswerRule(ctx.db, ctx.owner, { keywords: "退货地址", answer: "address", enabled: true });
    expect(findAnswer(ctx.compiled(), "请问退货地址是哪里")?.body).toBe("address");
    expect(findAnswer(ctx.compiled(), "我要退货")?.body).toBe("general");
  });

  it("leaves out disabled rules, and compiles nothing for a shop with the bot off and no banned words", async () => {
    const ctx = await shop({ answerWhen: "off" });
    addAnswerRule(ctx.db, ctx.owner, { keywords: "退货", answer: "general", enabled: true });
    expect(compileAnswers(ctx.db, ctx.business.id)).toBeNull();
    saveAnswerSettings(ctx.db, ctx.owner, settings());
    addAnswerRule(ctx.db, ctx.owner, { keywords: "发货", answer: "off", enabled: false });
    expect(findAnswer(ctx.compiled(), "发货")).toBeNull();
  });

  it("uses the FAQ's questions as keywords when the shop ticks it", async () => {
    const ctx = await shop();
    addFaq(ctx.db, ctx.owner, { question: "How long does shipping take?", answer: "3–5 days." });
    expect(compileAnswers(ctx.db, ctx.business.id)).toBeNull();
    saveAnswerSettings(ctx.db, ctx.owner, settings({ useFaqs: true }));
    const answer = findAnswer(ctx.compiled(), "Hi, how long does shipping take to Berlin");
    expect(answer).toMatchObject({ body: "3–5 days.", source: { faq: expect.any(Number) } });
  });
});

describe("the shop's bot answering", () => {
  it("answers a visitor without a conversation in one closed at once: nobody is queued", async () => {
    const ctx = await shop();
    const rule = addAnswerRule(ctx.db, ctx.owner, { keywords: "退货", answer: "30 天内可退货。", enabled: true });
    const visitor = ctx.newVisitor();
    const sent = ctx.say(ctx.compiled(), visitor, "我想退货怎么办");
    expect(sent.reply).toMatchObject({ sender: "system", kind: "text", body: "30 天内可退货。", meta: { auto: "answer", rule: rule.id, shopName: ctx.business.name } });
    expect(sent.conversation.status).toBe("closed");
    expect(currentConversation(ctx.db, visitor.id)).toBeUndefined();
    expect(ctx.stored(visitor.id).map((message) => message.body)).toEqual(["我想退货怎么办", "30 天内可退货。"]);
  });

  it("keeps one visit's answered questions in one closed conversation", async () => {
    const ctx = await shop();
    addAnswerRule(ctx.db, ctx.owner, { keywords: "退货\n发货", answer: "x", enabled: true });
    const visitor = ctx.newVisitor();
    const first = ctx.say(ctx.compiled(), visitor, "退货");
    const second = ctx.say(ctx.compiled(), visitor, "发货");
    expect(second.conversation.id).toBe(first.conversation.id);
    expect(second.conversation.status).toBe("closed");
  });

  it("sends a message that matches nothing as usual, into the queue", async () => {
    const ctx = await shop();
    addAnswerRule(ctx.db, ctx.owner, { keywords: "退货", answer: "x", enabled: true });
    const sent = ctx.say(ctx.compiled(), ctx.newVisitor(), "你好");
    expect(sent.reply).toBeNull();
    expect(sent.conversation.status).toBe("queued");
  });

  it("answers until an agent replies in the conversation, then keeps quiet", async () => {
    const ctx = await shop();
    addAnswerRule(ctx.db, ctx.owner, { keywords: "退货", answer: "x", enabled: true });
    const visitor = ctx.newVisitor();
    const first = ctx.say(ctx.compiled(), visitor, "你好");
    expect(ctx.say(ctx.compiled(), visitor, "退货").reply).not.toBeNull();
    const agent = { ...ctx.owner, displayName: "Owner" };
    takeConversation(ctx.db, ignoreEvents, ctx.owner, first.conversation.id);
    sendAgentMessage(ctx.db, ignoreEvents, agent, first.conversation.id, { clientId: crypto.randomUUID(), body: "Hello" });
    expect(ctx.say(ctx.compiled(), visitor, "退货").reply).toBeNull();
  });

  it("answers only while nobody is online when the shop says so", async () => {
    const ctx = await shop({ answerWhen: "noAgentOnline" });
    addAnswerRule(ctx.db, ctx.owner, { keywords: "退货", answer: "x", enabled: true });
    expect(ctx.say(ctx.compiled(), ctx.newVisitor(), "退货", [ctx.owner.id]).reply).toBeNull();
    expect(ctx.say(ctx.compiled(), ctx.newVisitor(), "退货", []).reply).not.toBeNull();
  });

  it("stops once the visitor asks for a person, whose request opens a waiting conversation", async () => {
    const ctx = await shop();
    addAnswerRule(ctx.db, ctx.owner, { keywords: "退货", answer: "x", enabled: true });
    const visitor = ctx.newVisitor();
    ctx.say(ctx.compiled(), visitor, "退货");
    requestPerson(ctx.db, ignoreEvents, visitor, [], { groupId: null, requestedAgentId: null }, "widget");
    const waiting = currentConversation(ctx.db, visitor.id)!;
    expect(waiting.status).toBe("queued");
    expect(personRequested(ctx.db, waiting.id)).toBe(true);
    const again = ctx.say(ctx.compiled(), visitor, "退货还是不行");
    expect(again.reply).toBeNull();
    expect(again.conversation.id).toBe(waiting.id);
    // Asked twice: one request in the thread.
    requestPerson(ctx.db, ignoreEvents, visitor, [], { groupId: null, requestedAgentId: null }, "widget");
    expect(ctx.stored(visitor.id).filter((message) => message.body === "personRequested")).toHaveLength(1);
  });

  it("returns the stored answer for a retried send, without a second one", async () => {
    const ctx = await shop();
    addAnswerRule(ctx.db, ctx.owner, { keywords: "退货", answer: "x", enabled: true });
    const visitor = ctx.newVisitor();
    const draft = { clientId: crypto.randomUUID(), body: "退货" };
    const first = sendToShopWithAnswers(ctx.db, ignoreEvents, ctx.compiled(), visitor, draft, []);
    const retry = sendToShopWithAnswers(ctx.db, ignoreEvents, ctx.compiled(), visitor, draft, []);
    expect(retry.created).toBe(false);
    expect(retry.reply?.id).toBe(first.reply!.id);
    expect(ctx.stored(visitor.id)).toHaveLength(2);
  });
});

describe("banned words", () => {
  it("masks each banned word with ＊ of its length before it is stored, full width and case ignored", async () => {
    const ctx = await shop({ answerWhen: "off", bannedWords: "傻瓜\nidiot" });
    const visitor = ctx.newVisitor();
    ctx.say(ctx.compiled(), visitor, "你这个傻瓜, ＩＤＩＯＴ!");
    const [stored] = ctx.stored(visitor.id);
    expect(stored!.body).toBe("你这个＊＊, ＊＊＊＊＊!");
    expect(ctx.db.select().from(messages).where(eq(messages.body, "你这个傻瓜, ＩＤＩＯＴ!")).all()).toHaveLength(0);
  });

  it("refuses the whole message in refuse mode and stores nothing", async () => {
    const ctx = await shop({ answerWhen: "off", bannedWords: "傻瓜", bannedMode: "refuse" });
    const visitor = ctx.newVisitor();
    expect(() => ctx.say(ctx.compiled(), visitor, "你是傻瓜吗")).toThrow(RuleError);
    expect(ctx.stored(visitor.id)).toHaveLength(0);
    expect(currentConversation(ctx.db, visitor.id)).toBeUndefined();
  });
});

describe("rules and settings", () => {
  it("refuses a rule without keywords or answer, with a keyword too long, or past the count limit", async () => {
    const ctx = await shop();
    const fields = (change: () => unknown) => {
      try {
        change();
      } catch (error) {
        if (error instanceof ValidationError) return Object.keys(error.fields);
        throw error;
      }
      throw new Error("accepted");
    };
    expect(fields(() => addAnswerRule(ctx.db, ctx.owner, { keywords: " \n ", answer: " ", enabled: true }))).toEqual(["keywords", "answer"]);
    expect(fields(() => addAnswerRule(ctx.db, ctx.owner, { keywords: "x".repeat(limits.keywordLength + 1), answer: "a", enabled: true }))).toEqual(["keywords"]);
    for (let n = 0; n < limits.answerRulesPerBusiness; n++) addAnswerRule(ctx.db, ctx.owner, { keywords: `k${n}`, answer: "a", enabled: true });
    expect(fields(() => addAnswerRule(ctx.db, ctx.owner, { keywords: "one more", answer: "a", enabled: true }))).toEqual(["keywords"]);
    expect(fields(() => saveAnswerSettings(ctx.db, ctx.owner, settings({ answerWhen: "always" })))).toEqual(["answerWhen"]);
  });

  it("keeps a shop's compiled answers until told to forget them", async () => {
    const ctx = await shop();
    const book = new AnswerBook(ctx.db);
    expect(book.of(ctx.business.id)).toBeNull();
    addAnswerRule(ctx.db, ctx.owner, { keywords: "退货", answer: "x", enabled: true });
    expect(book.of(ctx.business.id)).toBeNull();
    book.forget(ctx.business.id);
    expect(book.of(ctx.business.id)?.keywords).toHaveLength(1);
  });
});
