// Races run in separate processes, each with its own database connection, so that the two
// transactions really compete for SQLite's write lock.
import { describe, expect, it } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { migrate, openDatabase } from "../../src/db/client";
import { addAgent } from "../../src/domain/agents";
import { ensureDefaultBusiness } from "../../src/domain/businesses";
import { ignoreEvents } from "../../src/domain/events";
import { sendVisitorMessage } from "../../src/domain/messages";
import { createAnonymousVisitor } from "../../src/domain/visitors";

const worker = join(import.meta.dir, "../fixtures/race-worker.ts");

/** Each side: action, id, other id, and optionally how many ms after the others it starts. */
async function race(path: string, sides: [string, number, number, number?][]) {
  const startAt = Date.now() + 400;
  const runs = sides.map(([action, id, other, delay = 0]) =>
    Bun.spawn([process.execPath, worker, path, action, String(id), String(other), String(startAt + delay)], { stdout: "pipe", stderr: "inherit" }),
  );
  return Promise.all(
    runs.map(async (run) => {
      expect(await run.exited).toBe(0);
      return JSON.parse(await new Response(run.stdout).text()) as { ok: boolean; agentId?: number; reason?: string; assignedBefore?: number };
    }),
  );
}

async function fileDatabase() {
  const path = join(mkdtempSync(join(tmpdir(), "kefu-race-")), "kefu.db");
  const opened = openDatabase(path);
  migrate(opened);
  const business = ensureDefaultBusiness(opened.db);
  const agent = (email: string) =>
    addAgent(opened.db, { businessId: business.id, email, name: email, role: "agent", password: "correct horse" }).then((a) => a.agent);
  const visitor = () => createAnonymousVisitor(opened.db, "0".repeat(64), business.id, { ip: null, userAgent: null, page: null }).visitor;
  return { path, ...opened, agent, visitor };
}

describe("races between processes", () => {
  it("lets exactly one of two agents who take the same waiting conversation at once have it", async () => {
    const ctx = await fileDatabase();
    const [first, second] = [await ctx.agent("first@example.com"), await ctx.agent("second@example.com")];
    const { conversation } = sendVisitorMessage(ctx.db, ignoreEvents, ctx.visitor(), { clientId: "waiting-1", body: "hi" }, []);
    const outcomes = await race(ctx.path, [
      ["take", first.id, conversation.id],
      ["take", second.id, conversation.id],
    ]);
    expect(outcomes.filter((o) => o.ok)).toHaveLength(1);
    expect(outcomes.filter((o) => !o.ok)).toEqual([{ ok: false, reason: "conversation.alreadyTaken" }]);
    expect(ctx.sqlite.query("SELECT count(*) AS n FROM messages WHERE body = 'joined'").get()).toEqual({ n: 1 });
  });

  it("in claim mode too, lets exactly one of two agents who claim the same conversation at once have it", async () => {
    const ctx = await fileDatabase();
    ctx.sqlite.run("UPDATE businesses SET routing_mode = 'claim'");
    const [first, second] = [await ctx.agent("first@example.com"), await ctx.agent("second@example.com")];
    const { conversation } = sendVisitorMessage(ctx.db, ignoreEvents, ctx.visitor(), { clientId: "waiting-1", body: "hi" }, [first.id, second.id]);
    expect(conversation.status).toBe("queued");
    const outcomes = await race(ctx.path, [
      ["take", first.id, conversation.id],
      ["take", second.id, conversation.id],
    ]);
    expect(outcomes.filter((o) => o.ok)).toHaveLength(1);
    expect(outcomes.filter((o) => !o.ok)).toEqual([{ ok: false, reason: "conversation.alreadyTaken" }]);
    expect(ctx.sqlite.query("SELECT status, count(*) AS n FROM conversations GROUP BY status").all()).toEqual([{ status: "open", n: 1 }]);
  });

  it("gives an agent nothing more once they have gone offline, even while visitors are being assigned", async () => {
    const ctx = await fileDatabase();
    const agent = await ctx.agent("leaving@example.com");
    ctx.sqlite.run("UPDATE businesses SET max_concurrent_chats = 100");
    const visitors = Array.from({ length: 6 }, () => ctx.visitor());
    const outcomes = await race(ctx.path, [
      ...visitors.map((v): [string, number, number] => ["send", v.id, agent.id]),
      // A moment later, so that some visitors are assigned before and some after.
      ["offline", agent.id, 0, 3],
    ]);
    const { assignedBefore } = outcomes.at(-1)!;
    // Exactly the conversations assigned before the change committed are the agent's; every
    // later one waits in the queue.
    expect(ctx.sqlite.query("SELECT count(*) AS n FROM conversations WHERE agent_id = ?").get(agent.id)).toEqual({ n: assignedBefore });
    expect(ctx.sqlite.query("SELECT count(*) AS n FROM conversations WHERE status = 'queued'").get()).toEqual({ n: 6 - assignedBefore! });
  });

  it("gives an agent's last free slot to only one of two visitors who write at once", async () => {
    const ctx = await fileDatabase();
    const agent = await ctx.agent("solo@example.com");
    ctx.sqlite.run("UPDATE businesses SET max_concurrent_chats = 1");
    const [a, b] = [ctx.visitor(), ctx.visitor()];
    const outcomes = await race(ctx.path, [
      ["send", a.id, agent.id],
      ["send", b.id, agent.id],
    ]);
    expect(outcomes.map((o) => o.agentId ?? null).sort()).toEqual([agent.id, null].sort());
    expect(ctx.sqlite.query("SELECT status, count(*) AS n FROM conversations GROUP BY status ORDER BY status").all()).toEqual([
      { status: "open", n: 1 },
      { status: "queued", n: 1 },
    ]);
  });
});
