import { describe, expect, it } from "bun:test";
import { compileAnswers } from "../../src/domain/answer-book";
import { addAnswerRule, saveAnswerSettings } from "../../src/domain/answer-rules";
import { requestPerson, sendToShopWithAnswers } from "../../src/domain/automatic-answers";
import { tallyNextMessages } from "../../src/domain/conversation-tallies";
import { ignoreEvents } from "../../src/domain/events";
import { addFaq, askFaq } from "../../src/domain/faqs";
import { quickRange } from "../../src/domain/report-range";
import { buildReport } from "../../src/domain/reports";
import { createAnonymousVisitor } from "../../src/domain/visitors";
import { addMember, signedIn, testApp } from "../support";

const anyone = { groupId: null, requestedAgentId: null };

describe("automatic answers in reports", () => {
  it("counts the bot's answers and the conversations that asked for a person, tallied or not yet", async () => {
    const ctx = testApp();
    const owner = await addMember(ctx, "owner", "owner@example.com");
    saveAnswerSettings(ctx.db, owner, { answerWhen: "untilAgent", useFaqs: false, bannedWords: "", bannedMode: "mask" });
    addAnswerRule(ctx.db, owner, { keywords: "退货", answer: "30 天内可退货。", enabled: true });
    const shop = compileAnswers(ctx.db, ctx.business.id)!;
    const newVisitor = () => createAnonymousVisitor(ctx.db, "0".repeat(64), ctx.business.id, { ip: null, userAgent: null, page: null }).visitor;
    const say = (visitor: ReturnType<typeof newVisitor>, body: string) => sendToShopWithAnswers(ctx.db, ignoreEvents, shop, visitor, { clientId: crypto.randomUUID(), body }, []);
    const today = () => buildReport(ctx.db, { id: ctx.business.id, timezone: "UTC" }, quickRange("UTC", "7")).totals;

    const first = newVisitor();
    say(first, "退货");
    say(first, "退货地址");
    // A picked FAQ's answer is the shop's own too.
    askFaq(ctx.db, ignoreEvents, first, addFaq(ctx.db, owner, { question: "Q?", answer: "A." }).id, crypto.randomUUID(), []);
    tallyNextMessages(ctx.db);
    const second = newVisitor();
    say(second, "我想退货");
    requestPerson(ctx.db, ignoreEvents, second, [], anyone, "widget");
    say(second, "hello");
    // The closed exchanges the shop answered by itself are not missed; the one waiting is neither.
    expect(today()).toMatchObject({ automaticAnswers: 4, personRequests: 1, started: 3, missed: 0 });
    tallyNextMessages(ctx.db);
    expect(today()).toMatchObject({ automaticAnswers: 4, personRequests: 1 });
    // The page shows the figure with its note.
    const { client } = await signedIn(ctx, "admin");
    const page = await (await client.get("/console/reports")).text();
    expect(page).toContain('data-figure="automatic-answers"');
    expect(page).toContain("1 then asked for a person");
  });
});
