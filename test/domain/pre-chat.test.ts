import { describe, expect, it } from "bun:test";
import { eq } from "drizzle-orm";
import { messages, visitors } from "../../src/db/schema";
import { anyone } from "../../src/domain/assignment";
import { ValidationError } from "../../src/domain/errors";
import { type DomainEvents, ignoreEvents } from "../../src/domain/events";
import { asksWhoFirst, type PreChatInput, submitPreChat } from "../../src/domain/pre-chat";
import { createAnonymousVisitor, findVisitor } from "../../src/domain/visitors";
import { testApp } from "../support";

const filled = (overrides: Partial<PreChatInput> = {}): PreChatInput => ({ name: "", phone: "", email: "", question: "Do you ship to Hangzhou?", clientId: "0b8f6a52-1c3e-4d7a-9e21-6f0c2b7d5a10", ...overrides });

function setup() {
  const ctx = testApp();
  const visitor = createAnonymousVisitor(ctx.db, "0".repeat(64), ctx.business.id, { ip: null, userAgent: null, page: null }).visitor;
  const shop = (preChatRequired: ("name" | "phone" | "email")[] = []) => ({ id: ctx.business.id, preChatRequired });
  const changed: string[] = [];
  const events: DomainEvents = { ...ignoreEvents, visitorChanged: (after) => changed.push(after.name ?? "") };
  const submit = (input: PreChatInput, required: ("name" | "phone" | "email")[] = []) =>
    submitPreChat(ctx.db, events, shop(required), findVisitor(ctx.db, ctx.business.id, visitor.id)!, input, [], anyone, "widget");
  const stored = () => findVisitor(ctx.db, ctx.business.id, visitor.id)!;
  const sent = () => ctx.db.select().from(messages).all();
  return { ...ctx, visitor, submit, stored, sent, changed };
}

function problemsOf(submit: () => unknown): Record<string, string> {
  try {
    submit();
  } catch (error) {
    if (error instanceof ValidationError) return Object.fromEntries(Object.entries(error.fields).map(([name, problem]) => [name, problem.key]));
    throw error;
  }
  throw new Error("expected a ValidationError");
}

describe("the pre-chat form", () => {
  it("is asked only when the shop wants it, of a visitor who never wrote and lacks what the shop requires", () => {
    const on = { preChatForm: true, preChatRequired: [] as ("name" | "phone" | "email")[] };
    const unknown = { name: null, phone: null, email: null };
    expect(asksWhoFirst({ ...on, preChatForm: false }, unknown, false)).toBe(false);
    expect(asksWhoFirst(on, null, false)).toBe(true);
    expect(asksWhoFirst(on, unknown, false)).toBe(true);
    expect(asksWhoFirst(on, unknown, true)).toBe(false);
    // Requiring nothing, any way to reach them is enough; else each required detail must be known.
    expect(asksWhoFirst(on, { ...unknown, phone: "123" }, false)).toBe(false);
    expect(asksWhoFirst({ ...on, preChatRequired: ["email"] }, { ...unknown, name: "Lin" }, false)).toBe(true);
    expect(asksWhoFirst({ ...on, preChatRequired: ["email"] }, { ...unknown, email: "lin@example.com" }, false)).toBe(false);
  });

  it("refuses missing required details, a bad email or phone and an empty question, storing nothing", () => {
    const ctx = setup();
    expect(problemsOf(() => ctx.submit(filled({ email: "not-an-email", phone: "call me", question: "  " }), ["name"]))).toEqual({
      name: "error.name.required",
      email: "error.email.invalid",
      phone: "error.phone.invalid",
      question: "preChat.questionEmpty",
    });
    expect(ctx.stored()).toMatchObject({ name: null, phone: null, email: null });
    expect(ctx.sent()).toHaveLength(0);
  });

  it("keeps the details on the visitor without overwriting known ones, and sends the question as the first message once", () => {
    const ctx = setup();
    ctx.db.update(visitors).set({ email: "known@example.com" }).where(eq(visitors.id, ctx.visitor.id)).run();
    const first = ctx.submit(filled({ name: " Lin ", email: "other@example.com", phone: "+86 138 0000 0000" }), ["name"]);
    expect(ctx.stored()).toMatchObject({ name: "Lin", email: "known@example.com", phone: "+86 138 0000 0000" });
    expect(ctx.changed).toEqual(["Lin"]);
    expect(first.created).toBe(true);
    expect(first.message).toMatchObject({ sender: "visitor", body: "Do you ship to Hangzhou?" });
    // The same form sent again (a double click, a retry) is the same message.
    const again = ctx.submit(filled({ name: "Lin" }), ["name"]);
    expect(again.created).toBe(false);
    expect(ctx.sent()).toHaveLength(1);
    expect(ctx.changed).toEqual(["Lin"]);
  });
});
