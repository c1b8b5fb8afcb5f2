import { describe, expect, it } from "bun:test";
import { compileAnswers } from "../../../src/domain/answer-book";
import { addAnswerRule, saveAnswerSettings } from "../../../src/domain/answer-rules";
import { sendToShopWithAnswers } from "../../../src/domain/automatic-answers";
import { ignoreEvents } from "../../../src/domain/events";
import { clientId, openConversation, setup } from "./support";

describe("automatic answers in the API", () => {
  it("reads the bot's answer as the shop's, marked automatic, beside the visitor's message", async () => {
    const ctx = await setup(undefined, "owner");
    saveAnswerSettings(ctx.db, ctx.agent, { answerWhen: "untilAgent", useFaqs: false, bannedWords: "", bannedMode: "mask" });
    addAnswerRule(ctx.db, ctx.agent, { keywords: "退货", answer: "30 天内可退货。", enabled: true });
    const opened = openConversation(ctx, null);
    sendToShopWithAnswers(ctx.db, ignoreEvents, compileAnswers(ctx.db, ctx.business.id)!, opened.visitor, { clientId: clientId(), body: "我想退货" }, []);
    const { messages } = await (await ctx.api(`/conversations/${opened.conversation.id}/messages`)).json();
    expect(messages.map((m: { sender: string; kind: string; body: string; automatic: boolean }) => [m.sender, m.kind, m.body, m.automatic])).toEqual([
      ["visitor", "text", "Hello?", false],
      ["visitor", "text", "我想退货", false],
      ["system", "text", "30 天内可退货。", true],
    ]);
  });
});
