import { describe, expect, it } from "bun:test";
import { conversations, messages } from "../../src/db/schema";
import { drainQueue } from "../../src/domain/assignment";
import { requeueConversation, takeConversation, transferConversation } from "../../src/domain/conversations";
import { createGroup } from "../../src/domain/groups";
import { updateProfile } from "../../src/domain/agents";
import { ignoreEvents } from "../../src/domain/events";
import { fillGreeting } from "../../src/domain/greetings";
import { sendVisitorMessage } from "../../src/domain/messages";
import { createAnonymousVisitor } from "../../src/domain/visitors";
import { addMember, testApp } from "../support";

describe("greetings", () => {
  it("fills in the names, and drops an unknown visitor name cleanly", () => {
    expect(fillGreeting("Hi {visitor_name}, I'm {agent_name}.", { visitorName: "Ann", agentName: "Mei" })).toBe("Hi Ann, I'm Mei.");
    expect(fillGreeting("Hi {visitor_name}, I'm {agent_name}.", { visitorName: null, agentName: "Mei" })).toBe("Hi, I'm Mei.");
    expect(fillGreeting("您好{visitor_name}，我是{agent_name}。", { visitorName: null, agentName: "小美" })).toBe("您好，我是小美。");
  });

  it("drops an unknown visitor name with the punctuation that only made sense around it", () => {
    const anonymous = { visitorName: null, agentName: "Mei" };
    expect(fillGreeting("Is there anything I can do for you, {visitor_name}?", anonymous)).toBe("Is there anything I can do for you?");
    expect(fillGreeting("Hello, {visitor_name}! I'm {agent_name}.", anonymous)).toBe("Hello! I'm Mei.");
    expect(fillGreeting("{visitor_name}, welcome to our shop!", anonymous)).toBe("Welcome to our shop!");
    expect(fillGreeting("请问有什么可以帮您，{visitor_name}？", anonymous)).toBe("请问有什么可以帮您？");
    expect(fillGreeting("{visitor_name}，您好！", anonymous)).toBe("您好！");
    expect(fillGreeting("Is there anything I can do for you, {visitor_name}?", { visitorName: "Ann", agentName: "Mei" })).toBe(
      "Is there anything I can do for you, Ann?",
    );
  });

  it("greets a conversation once: not again when it is requeued or transferred and taken by another agent", async () => {
    const ctx = testApp();
    const first = await addMember(ctx, "agent", "first@example.com");
    const second = await addMember(ctx, "agent", "second@example.com");
    ctx.sqlite.run("UPDATE businesses SET welcome_text = 'Welcome to our shop!'");
    const visitor = createAnonymousVisitor(ctx.db, "0".repeat(64), ctx.business.id, { ip: null, userAgent: null, page: null }).visitor;
    const sent = sendVisitorMessage(ctx.db, ignoreEvents, visitor, { clientId: "greet-once-1", body: "hello" }, [first.id]);
    const owner = await addMember(ctx, "owner", "owner@example.com");
    const group = createGroup(ctx.db, owner, "Sales");
    transferConversation(ctx.db, ignoreEvents, { ...first, role: "agent" }, sent.conversation.id, { to: { groupId: group.id }, note: "" }, [first.id]);
    takeConversation(ctx.db, ignoreEvents, second, sent.conversation.id);
    const requeued = ctx.db.transaction((tx) => requeueConversation(tx, ctx.db.select().from(conversations).get()!))!;
    drainQueue(ctx.db, ignoreEvents, ctx.business.id, [first.id]);
    const thread = ctx.db.select().from(messages).all().filter((m) => m.conversationId === requeued.conversation.id);
    expect(thread.filter((m) => m.body === "Welcome to our shop!")).toHaveLength(1);
    expect(thread.filter((m) => m.sender === "system").map((m) => m.body)).toEqual(["joined", "transferred", "joined", "requeued", "joined"]);
  });

  it("sends the agent's greeting, else the shop's welcome, right after the agent joins", async () => {
    const ctx = testApp();
    const withGreeting = await addMember(ctx, "agent", "greets@example.com");
    updateProfile(ctx.db, withGreeting, { name: "Mei", greeting: "Hi {visitor_name}, {agent_name} here." });
    const visit = { ip: null, userAgent: null, page: null };
    const visitor = () => createAnonymousVisitor(ctx.db, "0".repeat(64), ctx.business.id, visit).visitor;
    const bodies = (conversationId: number) =>
      ctx.db.select().from(messages).all().filter((m) => m.conversationId === conversationId).map((m) => `${m.sender}:${m.body}`);

    const first = sendVisitorMessage(ctx.db, ignoreEvents, visitor(), { clientId: "greeting-test-1", body: "hello" }, [withGreeting.id]);
    expect(bodies(first.conversation.id)).toEqual(["visitor:hello", "system:joined", "agent:Hi, Mei here."]);
    expect(first.conversation.lastMessageId).toBe(ctx.db.select().from(messages).all().at(-1)!.id);

    const plain = await addMember(ctx, "agent", "plain@example.com");
    ctx.sqlite.run("UPDATE businesses SET welcome_text = 'Welcome to our shop!'");
    const second = sendVisitorMessage(ctx.db, ignoreEvents, visitor(), { clientId: "greeting-test-2", body: "hi" }, [plain.id]);
    expect(bodies(second.conversation.id)).toEqual(["visitor:hi", "system:joined", "agent:Welcome to our shop!"]);

    ctx.sqlite.run("UPDATE businesses SET welcome_text = ''");
    const third = sendVisitorMessage(ctx.db, ignoreEvents, visitor(), { clientId: "greeting-test-3", body: "hey" }, [plain.id]);
    expect(bodies(third.conversation.id)).toEqual(["visitor:hey", "system:joined"]);
  });
});
