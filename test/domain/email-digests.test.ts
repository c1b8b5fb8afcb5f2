// Two processes taking the digests at once (a housekeeping leader that lost its lease mid-sweep,
// and the one that took it over), each with its own SQLite connection: each digest is taken once.
import { expect, it } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { migrate, openDatabase } from "../../src/db/client";
import { emailSettings } from "../../src/db/schema";
import { addAgent } from "../../src/domain/agents";
import { ensureDefaultBusiness } from "../../src/domain/businesses";
import { ignoreEvents } from "../../src/domain/events";
import { sendVisitorMessage } from "../../src/domain/messages";
import { createAnonymousVisitor } from "../../src/domain/visitors";

const worker = join(import.meta.dir, "../fixtures/digest-worker.ts");
const agentCount = 60;

it("takes each agent's digest once when two processes take them at the same moment", async () => {
  const path = join(mkdtempSync(join(tmpdir(), "kefu-digests-")), "kefu.db");
  const opened = openDatabase(path);
  migrate(opened);
  const business = ensureDefaultBusiness(opened.db);
  opened.db.insert(emailSettings).values({ businessId: business.id, host: "127.0.0.1", port: 25, security: "none", fromAddress: "shop@example.com" }).run();
  for (let i = 0; i < agentCount; i++) {
    await addAgent(opened.db, { businessId: business.id, email: `agent${i}@example.com`, name: `Agent ${i}`, role: "agent", password: "correct horse" });
  }
  // A chat nobody answered: something for every agent's digest.
  const { visitor } = createAnonymousVisitor(opened.db, "0".repeat(64), business.id, { ip: null, userAgent: null, page: null });
  sendVisitorMessage(opened.db, ignoreEvents, visitor, { clientId: crypto.randomUUID(), body: "anyone?" }, []);
  opened.sqlite.close();

  const startAt = Date.now() + 400;
  const runs = [0, 1].map(() => Bun.spawn([process.execPath, worker, path, String(startAt)], { stdout: "pipe", stderr: "pipe" }));
  const outcomes = await Promise.all(
    runs.map(async (run) => ({ exitCode: await run.exited, stdout: await new Response(run.stdout).text(), stderr: await new Response(run.stderr).text() })),
  );
  for (const outcome of outcomes) expect(outcome).toMatchObject({ exitCode: 0, stderr: "" });
  const taken = outcomes.map((outcome) => (JSON.parse(outcome.stdout) as { taken: number }).taken);
  expect(taken[0]! + taken[1]!).toBe(agentCount);
});
