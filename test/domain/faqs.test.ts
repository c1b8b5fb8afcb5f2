import { describe, expect, it } from "bun:test";
import { auditLog, businesses, conversations, faqs, messages, visitorTabs } from "../../src/db/schema";
import { NotFoundError, RuleError, ValidationError } from "../../src/domain/errors";
import { type ConversationEvents, ignoreEvents } from "../../src/domain/events";
import { addFaq, askFaq, deleteFaq, listFaqs, moveFaq, updateFaq } from "../../src/domain/faqs";
import { addInfoTab, deleteInfoTab, listInfoTabs, moveInfoTab, updateInfoTab } from "../../src/domain/info-tabs";
import { limits } from "../../src/domain/limits";
import { type Conversation, currentConversation } from "../../src/domain/conversations";
import { type Message, sendVisitorMessage, threadPage } from "../../src/domain/messages";
import { blockVisitor, createAnonymousVisitor } from "../../src/domain/visitors";
import { translator } from "../../src/i18n";
import { messageView } from "../../src/views/message";
import { addMember, testApp } from "../support";

const visit = { ip: null, userAgent: null, page: null };

async function shop() {
  const ctx = testApp();
  const owner = await addMember(ctx, "owner", "owner@example.com");
  const newVisitor = (businessId = ctx.business.id) => createAnonymousVisitor(ctx.db, "0".repeat(64), businessId, visit).visitor;
  const otherBusiness = () => ctx.db.insert(businesses).values({ name: "Other", widgetKey: "other-key", identitySecret: "s" }).returning().get();
  return { ...ctx, owner, newVisitor, otherBusiness };
}

/** The fields a refused change names. */
function refusal(change: () => unknown) {
  try {
    change();
  } catch (error) {
    if (error instanceof ValidationError) return error.fields;
    throw error;
  }
  throw new Error("the change was accepted");
}

function auditActions(ctx: Awaited<ReturnType<typeof shop>>) {
  return ctx.db.select().from(auditLog).all().map((row) => row.action);
}

/** Events that keep what was announced, in order. */
function recordingEvents() {
  const created: Message[] = [];
  const changed: Conversation[] = [];
  const events: ConversationEvents = {
    ...ignoreEvents,
    messageCreated: (message) => created.push(message),
    conversationChanged: (conversation) => changed.push(conversation),
  };
  return { events, created, changed };
}

const clientId = () => crypto.randomUUID();

describe("FAQs", () => {
  it("adds questions in order, trimmed, and notes each in the audit log", async () => {
    const ctx = await shop();
    const shipping = addFaq(ctx.db, ctx.owner, { question: "  How long does shipping take?  ", answer: "\n3–5 days.\nExpress: 1 day.\n" });
    addFaq(ctx.db, ctx.owner, { question: "Can I return it?", answer: "Within 30 days." });
    expect(shipping).toMatchObject({ question: "How long does shipping take?", answer: "3–5 days.\nExpress: 1 day.", businessId: ctx.business.id });
    expect(listFaqs(ctx.db, ctx.business.id).map((faq) => faq.question)).toEqual(["How long does shipping take?", "Can I return it?"]);
    const [row] = ctx.db.select().from(auditLog).all();
    expect(row).toMatchObject({ action: "faq.created", subject: `faq:${shipping.id}`, agentId: ctx.owner.id });
  });

  it("names every bad field at once, and stores nothing", async () => {
    const ctx = await shop();
    expect(refusal(() => addFaq(ctx.db, ctx.owner, { question: "  ", answer: "" }))).toEqual({
      question: { key: "faq.questionRequired" },
      answer: { key: "faq.answerRequired" },
    });
    expect(
      refusal(() => addFaq(ctx.db, ctx.owner, { question: "好".repeat(limits.faqQuestionLength + 1), answer: "x".repeat(limits.faqAnswerLength + 1) })),
    ).toEqual({
      question: { key: "faq.questionTooLong", params: { max: limits.faqQuestionLength } },
      answer: { key: "faq.answerTooLong", params: { max: limits.faqAnswerLength } },
    });
    // Characters, not bytes or UTF-16 units: the longest allowed Chinese question is accepted.
    addFaq(ctx.db, ctx.owner, { question: "好".repeat(limits.faqQuestionLength), answer: "x".repeat(limits.faqAnswerLength) });
    expect(ctx.db.select().from(faqs).all()).toHaveLength(1);
    expect(auditActions(ctx)).toEqual(["faq.created"]);
  });

  it(`refuses a question past the limit of ${limits.faqsPerBusiness}`, async () => {
    const ctx = await shop();
    for (let i = 0; i < limits.faqsPerBusiness; i++) addFaq(ctx.db, ctx.owner, { question: `Q${i}`, answer: "A" });
    expect(refusal(() => addFaq(ctx.db, ctx.owner, { question: "One more", answer: "A" }))).toEqual({
      question: { key: "faq.tooMany", params: { max: limits.faqsPerBusiness } },
    });
    expect(listFaqs(ctx.db, ctx.business.id)).toHaveLength(limits.faqsPerBusiness);
  });

  it("edits, moves and deletes a question", async () => {
    const ctx = await shop();
    const [a, b, c] = ["A", "B", "C"].map((question) => addFaq(ctx.db, ctx.owner, { question, answer: "answer" }));
    expect(updateFaq(ctx.db, ctx.owner, b!.id, { question: " B2 ", answer: "new answer" })).toMatchObject({ question: "B2", answer: "new answer" });
    expect(refusal(() => updateFaq(ctx.db, ctx.owner, b!.id, { question: "", answer: "x" }))).toEqual({ question: { key: "faq.questionRequired" } });
    moveFaq(ctx.db, ctx.owner, c!.id, "up");
    expect(listFaqs(ctx.db, ctx.business.id).map((faq) => faq.question)).toEqual(["A", "C", "B2"]);
    // At either end a move changes nothing.
    moveFaq(ctx.db, ctx.owner, a!.id, "up");
    moveFaq(ctx.db, ctx.owner, b!.id, "down");
    expect(listFaqs(ctx.db, ctx.business.id).map((faq) => faq.question)).toEqual(["A", "C", "B2"]);
    moveFaq(ctx.db, ctx.owner, a!.id, "down");
    expect(listFaqs(ctx.db, ctx.business.id).map((faq) => faq.question)).toEqual(["C", "A", "B2"]);
    deleteFaq(ctx.db, ctx.owner, c!.id);
    expect(listFaqs(ctx.db, ctx.business.id).map((faq) => faq.question)).toEqual(["A", "B2"]);
    expect(auditActions(ctx)).toEqual(["faq.created", "faq.created", "faq.created", "faq.updated", "faq.moved", "faq.moved", "faq.deleted"]);
  });

  it("does not find another shop's question, and lists only the shop's own", async () => {
    const ctx = await shop();
    const other = ctx.otherBusiness();
    const theirs = addFaq(ctx.db, { id: ctx.owner.id, businessId: other.id }, { question: "Theirs", answer: "Theirs" });
    const ours = addFaq(ctx.db, ctx.owner, { question: "Ours", answer: "Ours" });
    expect(() => updateFaq(ctx.db, ctx.owner, theirs.id, { question: "Mine now", answer: "x" })).toThrow(NotFoundError);
    expect(() => moveFaq(ctx.db, ctx.owner, theirs.id, "down")).toThrow(NotFoundError);
    expect(() => deleteFaq(ctx.db, ctx.owner, theirs.id)).toThrow(NotFoundError);
    expect(listFaqs(ctx.db, ctx.business.id).map((faq) => faq.id)).toEqual([ours.id]);
    expect(listFaqs(ctx.db, other.id)).toEqual([theirs]);
  });
});

describe("info tabs", () => {
  it("adds, edits, moves and deletes tabs, trimmed and audited", async () => {
    const ctx = await shop();
    const shipping = addInfoTab(ctx.db, ctx.owner, { title: " Shipping ", body: "We ship\nevery day. " });
    const returns = addInfoTab(ctx.db, ctx.owner, { title: "Returns", body: "30 days." });
    expect(shipping).toMatchObject({ title: "Shipping", body: "We ship\nevery day." });
    expect(updateInfoTab(ctx.db, ctx.owner, returns.id, { title: "退换货", body: "30 天内。" })).toMatchObject({ title: "退换货" });
    moveInfoTab(ctx.db, ctx.owner, returns.id, "up");
    expect(listInfoTabs(ctx.db, ctx.business.id).map((tab) => tab.title)).toEqual(["退换货", "Shipping"]);
    deleteInfoTab(ctx.db, ctx.owner, shipping.id);
    expect(listInfoTabs(ctx.db, ctx.business.id).map((tab) => tab.title)).toEqual(["退换货"]);
    expect(auditActions(ctx)).toEqual(["info_tab.created", "info_tab.created", "info_tab.updated", "info_tab.moved", "info_tab.deleted"]);
  });

  it("refuses empty and too long titles and texts, and a tab past the limit", async () => {
    const ctx = await shop();
    expect(refusal(() => addInfoTab(ctx.db, ctx.owner, { title: "", body: " " }))).toEqual({
      title: { key: "infoTabs.titleRequired" },
      body: { key: "infoTabs.bodyRequired" },
    });
    expect(
      refusal(() => addInfoTab(ctx.db, ctx.owner, { title: "x".repeat(limits.infoTabTitleLength + 1), body: "x".repeat(limits.infoTabBodyLength + 1) })),
    ).toEqual({
      title: { key: "infoTabs.titleTooLong", params: { max: limits.infoTabTitleLength } },
      body: { key: "infoTabs.bodyTooLong", params: { max: limits.infoTabBodyLength } },
    });
    for (let i = 0; i < limits.infoTabsPerBusiness; i++) addInfoTab(ctx.db, ctx.owner, { title: `Tab ${i}`, body: "text" });
    expect(refusal(() => addInfoTab(ctx.db, ctx.owner, { title: "One more", body: "text" }))).toEqual({
      title: { key: "infoTabs.tooMany", params: { max: limits.infoTabsPerBusiness } },
    });
    expect(ctx.db.select().from(visitorTabs).all()).toHaveLength(limits.infoTabsPerBusiness);
  });

  it("does not find another shop's tab", async () => {
    const ctx = await shop();
    const other = ctx.otherBusiness();
    const theirs = addInfoTab(ctx.db, { id: ctx.owner.id, businessId: other.id }, { title: "Theirs", body: "Theirs" });
    expect(() => updateInfoTab(ctx.db, ctx.owner, theirs.id, { title: "Mine", body: "x" })).toThrow(NotFoundError);
    expect(() => moveInfoTab(ctx.db, ctx.owner, theirs.id, "up")).toThrow(NotFoundError);
    expect(() => deleteInfoTab(ctx.db, ctx.owner, theirs.id)).toThrow(NotFoundError);
    expect(listInfoTabs(ctx.db, ctx.business.id)).toEqual([]);
    expect(listInfoTabs(ctx.db, other.id)).toEqual([theirs]);
  });
});

describe("asking an FAQ", () => {
  it("sends the question as the visitor's message and the answer as an automatic reply, and queues nobody: the answer may suffice", async () => {
    const ctx = await shop();
    const agent = await addMember(ctx, "agent", "agent@example.com");
    const faq = addFaq(ctx.db, ctx.owner, { question: "How long does shipping take?", answer: "3–5 days." });
    const { events, created, changed } = recordingEvents();
    const visitor = ctx.newVisitor();
    const asked = askFaq(ctx.db, events, visitor, faq.id, clientId(), [agent.id]);
    expect(asked.created).toBe(true);
    expect(asked.message).toMatchObject({ sender: "visitor", kind: "text", body: "How long does shipping take?", meta: { faq: faq.id } });
    expect(asked.reply).toMatchObject({ sender: "system", kind: "text", body: "3–5 days.", meta: { auto: "faq", faq: faq.id } });
    expect(asked.reply.conversationId).toBe(asked.message.conversationId);
    // Not routed: no agent has it, nothing waits, no agent is told; the exchange is kept, closed.
    expect(asked.conversation).toMatchObject({ agentId: null, status: "closed", lastMessageId: asked.reply.id });
    expect(changed).toEqual([]);
    expect(created.map((message) => message.id)).toEqual([asked.message.id, asked.reply.id]);
    expect(currentConversation(ctx.db, visitor.id)).toBeUndefined();

    // Writing is what asks for a person: a conversation routed as usual, the exchange above it.
    const typed = sendVisitorMessage(ctx.db, ignoreEvents, visitor, { clientId: clientId(), body: "And to Canada?" }, [agent.id]);
    expect(typed.conversation).toMatchObject({ agentId: agent.id, status: "open" });
    expect(threadPage(ctx.db, { visitorId: visitor.id }).messages.map((message) => message.body).slice(0, 3)).toEqual(["How long does shipping take?", "3–5 days.", "And to Canada?"]);
  });

  it("asks and answers in the visitor's current conversation when there is one", async () => {
    const ctx = await shop();
    const agent = await addMember(ctx, "agent", "agent@example.com");
    const faq = addFaq(ctx.db, ctx.owner, { question: "Q?", answer: "A." });
    const visitor = ctx.newVisitor();
    const started = sendVisitorMessage(ctx.db, ignoreEvents, visitor, { clientId: clientId(), body: "hello" }, [agent.id]);
    const asked = askFaq(ctx.db, ignoreEvents, visitor, faq.id, clientId(), [agent.id]);
    expect(asked.conversation).toMatchObject({ id: started.conversation.id, status: "open", agentId: agent.id, lastMessageId: asked.reply.id });
  });

  it("answers a repeated pick with the stored messages and stores nothing more", async () => {
    const ctx = await shop();
    const faq = addFaq(ctx.db, ctx.owner, { question: "Q?", answer: "A." });
    const visitor = ctx.newVisitor();
    const id = clientId();
    const first = askFaq(ctx.db, ignoreEvents, visitor, faq.id, id, []);
    const { events, created } = recordingEvents();
    const again = askFaq(ctx.db, events, visitor, faq.id, id, []);
    expect(again).toMatchObject({ created: false, message: { id: first.message.id }, reply: { id: first.reply.id } });
    expect(created).toEqual([]);
    expect(ctx.db.select().from(messages).all()).toHaveLength(2);
  });

  it("refuses an unknown or another shop's question and stores nothing", async () => {
    const ctx = await shop();
    const other = ctx.otherBusiness();
    const theirs = addFaq(ctx.db, { id: ctx.owner.id, businessId: other.id }, { question: "Theirs?", answer: "Secret." });
    const visitor = ctx.newVisitor();
    expect(() => askFaq(ctx.db, ignoreEvents, visitor, theirs.id, clientId(), [])).toThrow(NotFoundError);
    expect(() => askFaq(ctx.db, ignoreEvents, visitor, 9999, clientId(), [])).toThrow(NotFoundError);
    expect(ctx.db.select().from(messages).all()).toEqual([]);
    expect(ctx.db.select().from(conversations).all()).toEqual([]);
  });

  it("refuses a blocked visitor as a typed message would", async () => {
    const ctx = await shop();
    const faq = addFaq(ctx.db, ctx.owner, { question: "Q?", answer: "A." });
    const visitor = ctx.newVisitor();
    blockVisitor(ctx.db, ctx.owner, visitor.id, "spam");
    expect(() => askFaq(ctx.db, ignoreEvents, visitor, faq.id, clientId(), [])).toThrow(RuleError);
    expect(ctx.db.select().from(messages).all()).toEqual([]);
  });

  it("shows the answer on the shop's side labelled as automatic, and tags the question for agents only", async () => {
    const ctx = await shop();
    const faq = addFaq(ctx.db, ctx.owner, { question: "Q <b>?</b>", answer: "A <i>!</i>" });
    const asked = askFaq(ctx.db, ignoreEvents, ctx.newVisitor(), faq.id, clientId(), []);
    const t = translator("en");
    const forVisitor = String(messageView(t, asked.reply, "visitor"));
    expect(forVisitor).toContain('class="message theirs auto"');
    expect(forVisitor).toContain("Automatic reply");
    expect(forVisitor).toContain("A &lt;i&gt;!&lt;/i&gt;");
    const forAgent = String(messageView(t, asked.reply, "agent"));
    expect(forAgent).toContain('class="message auto"');
    expect(forAgent).not.toContain("message event");
    expect(String(messageView(translator("zh-CN"), asked.reply, "agent"))).toContain("自动回复");
    expect(String(messageView(t, asked.message, "agent"))).toContain('class="faq-tag"');
    expect(String(messageView(t, asked.message, "visitor"))).not.toContain("faq-tag");
  });
});
