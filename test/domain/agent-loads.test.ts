// The transfer picker's view of the team (domain/assignment.ts agentLoads): each active agent's
// load against their capacity, and whether they could be given a conversation now, or why not.
import { describe, expect, it } from "bun:test";
import { eq } from "drizzle-orm";
import { agents } from "../../src/db/schema";
import { setAvailability } from "../../src/domain/agents";
import { agentLoads } from "../../src/domain/assignment";
import { ignoreEvents } from "../../src/domain/events";
import { sendVisitorMessage } from "../../src/domain/messages";
import { createAnonymousVisitor } from "../../src/domain/visitors";
import { addMember, testApp } from "../support";

describe("agent loads", () => {
  it("count each agent's open conversations against their capacity and say who is ready, away, offline or full", async () => {
    const ctx = testApp();
    const [ana, bo, cy, di, gone] = await Promise.all(
      ["ana", "bo", "cy", "di", "gone"].map((name) => addMember(ctx, "agent", `${name}@example.com`)),
    );
    ctx.db.update(agents).set({ maxConcurrentChats: 2 }).where(eq(agents.id, cy!.id)).run();
    ctx.db.update(agents).set({ disabled: true }).where(eq(agents.id, gone!.id)).run();
    setAvailability(ctx.db, ignoreEvents, bo!.id, "away");
    for (let i = 0; i < 3; i++) {
      const { visitor } = createAnonymousVisitor(ctx.db, "0".repeat(64), ctx.business.id, { ip: null, userAgent: null, page: null });
      // Ana takes one, then Cy (fewer) fills up to their own limit of two.
      sendVisitorMessage(ctx.db, ignoreEvents, visitor, { clientId: crypto.randomUUID(), body: "hi" }, i === 0 ? [ana!.id] : [cy!.id]);
    }
    const online = [ana!.id, bo!.id, cy!.id];
    expect(agentLoads(ctx.db, ctx.business.id, online).map(({ displayName, readiness, open, capacity }) => ({ displayName, readiness, open, capacity }))).toEqual([
      { displayName: "ana", readiness: "ready", open: 1, capacity: 5 },
      { displayName: "bo", readiness: "away", open: 0, capacity: 5 },
      { displayName: "cy", readiness: "full", open: 2, capacity: 2 },
      // Without a console open: offline, whatever they chose.
      { displayName: "di", readiness: "offline", open: 0, capacity: 5 },
    ]);
  });
});
