import { describe, expect, it } from "bun:test";
import { eq } from "drizzle-orm";
import { messages } from "../../src/db/schema";
import { closeConversation } from "../../src/domain/conversations";
import { sendAgentMessage, sendVisitorMessage } from "../../src/domain/messages";
import { openChat, signedIn, testApp } from "../support";

describe("listeners of the hub", () => {
  it("hear every announcement after its commit, in order, besides the sockets", async () => {
    const ctx = testApp();
    const { agent } = await signedIn(ctx, "agent");
    const heard: string[] = [];
    ctx.app.hub.listen({
      messageCreated: (message) => {
        // Told after the commit: the row is there to read.
        expect(ctx.db.select().from(messages).where(eq(messages.id, message.id)).get()?.body).toBe(message.body);
        heard.push(`message:${message.sender}`);
      },
      conversationChanged: (conversation, previous) => heard.push(`conversation:${previous?.status ?? "new"}->${conversation.status}`),
    });
    const { visitor } = await openChat(ctx);
    const { conversation } = sendVisitorMessage(ctx.db, ctx.app.hub, visitor, { clientId: `client-${crypto.randomUUID()}`, body: "hi" }, [agent.id]);
    sendAgentMessage(ctx.db, ctx.app.hub, agent, conversation.id, { clientId: `client-${crypto.randomUUID()}`, body: "hello" });
    closeConversation(ctx.db, ctx.app.hub, agent, conversation.id);
    expect(heard).toContain("message:visitor");
    expect(heard).toContain("message:agent");
    expect(heard.indexOf("message:visitor")).toBeLessThan(heard.indexOf("message:agent"));
    expect(heard.at(-1)).toBe("conversation:open->closed");
  });
});
