// Every Kefu process runs a delivery runner on the one database: a delivery is claimed by exactly
// one of them, so none is sent twice and none is left behind.
import { expect, it } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { migrate, openDatabase } from "../../src/db/client";
import { ensureDefaultBusiness } from "../../src/domain/businesses";
import { enqueueDeliveries } from "../../src/domain/deliveries";

const worker = join(import.meta.dir, "../fixtures/delivery-worker.ts");

it("sends each delivery once when two processes' runners take from one database at once", async () => {
  const path = join(mkdtempSync(join(tmpdir(), "kefu-claims-")), "kefu.db");
  const opened = openDatabase(path);
  migrate(opened);
  const business = ensureDefaultBusiness(opened.db);
  const queued = enqueueDeliveries(
    opened.db,
    Array.from({ length: 300 }, (_, i) => ({ businessId: business.id, channel: "webhook" as const, event: "message.created", payload: `{"n":${i}}` })),
  );
  const runs = [1, 2].map(() => Bun.spawn([process.execPath, worker, path], { stdin: "pipe", stdout: "pipe", stderr: "inherit" }));
  const outputs = runs.map((run) => run.stdout.getReader());
  // Both go at once, once each has opened the file.
  for (const output of outputs) expect(new TextDecoder().decode((await output.read()).value)).toBe("ready\n");
  for (const run of runs) {
    run.stdin.write("go\n");
    run.stdin.flush();
  }
  const outcomes = await Promise.all(
    runs.map(async (run, i) => {
      expect(await run.exited).toBe(0);
      let text = "";
      for (let chunk = await outputs[i]!.read(); !chunk.done; chunk = await outputs[i]!.read()) text += new TextDecoder().decode(chunk.value);
      return JSON.parse(text) as { sent: number[]; errors: string[] };
    }),
  );
  expect(outcomes.flatMap((outcome) => outcome.errors)).toEqual([]);
  // Both took part, and between them sent every delivery exactly once.
  for (const outcome of outcomes) expect(outcome.sent.length).toBeGreaterThan(0);
  expect(outcomes.flatMap((outcome) => outcome.sent).sort((a, b) => a - b)).toEqual(queued.map((delivery) => delivery.id));
  expect(opened.sqlite.query("SELECT status, attempts, claimed_by AS claimedBy, count(*) AS n FROM deliveries GROUP BY 1, 2, 3").all()).toEqual([
    { status: "delivered", attempts: 1, claimedBy: null, n: 300 },
  ]);
});
