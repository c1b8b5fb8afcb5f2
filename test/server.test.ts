import { Database } from "bun:sqlite";
import { describe, expect, it } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { wechatUrls } from "../src/config";
import { databaseFile, openDataDir } from "../src/data-dir";
import { createLog } from "../src/log";
import { startServer } from "../src/server";

/** A message of a new conversation, written by another connection to the same file. */
function addMessage(sqlite: Database, body: string): number {
  const visitorId = (sqlite.query("INSERT INTO visitors (business_id, external_id) VALUES (1, ?) RETURNING id").get(`anon-${crypto.randomUUID()}`) as { id: number }).id;
  const conversationId = (sqlite.query("INSERT INTO conversations (business_id, visitor_id) VALUES (1, ?) RETURNING id").get(visitorId) as { id: number }).id;
  return (
    sqlite.query("INSERT INTO messages (conversation_id, sender, body, client_id) VALUES (?, 'visitor', ?, ?) RETURNING id").get(conversationId, body, crypto.randomUUID()) as {
      id: number;
    }
  ).id;
}

const indexedIds = (sqlite: Database, word: string) =>
  (sqlite.query("SELECT rowid AS id FROM messages_fts WHERE messages_fts MATCH ?").all(`"${word}"`) as { id: number }[]).map((row) => row.id);

describe("the running server", () => {
  it("indexes new messages for search at start and then every second, with no search asking", async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), "kefu-server-")), "data");
    // Sent just before the last stop (a crash, say), before any batch reached it.
    const setup = openDataDir(dataDir);
    const leftBehind = addMessage(setup.sqlite, "parcel left behind");
    setup.close();

    const errors: string[] = [];
    const server = startServer(
      { port: 0, host: "127.0.0.1", dataDir, publicUrl: null, logLevel: "error", trustProxy: false, wechat: wechatUrls, pushToPrivateAddresses: false, redisUrl: null },
      createLog("error", (line) => errors.push(line)),
    );
    const other = new Database(join(dataDir, databaseFile), { strict: true });
    try {
      other.run("PRAGMA busy_timeout = 5000");
      expect(indexedIds(other, "parcel")).toEqual([leftBehind]);

      const sent = addMessage(other, "parcel sent now");
      const sentAt = performance.now();
      while (!indexedIds(other, "parcel").includes(sent) && performance.now() - sentAt < 3000) await Bun.sleep(50);
      expect(indexedIds(other, "parcel")).toEqual([leftBehind, sent]);
      // One timer period, plus room for a busy machine.
      expect(performance.now() - sentAt).toBeLessThan(2000);
    } finally {
      other.close();
      await server.stop();
    }
    expect(errors).toEqual([]);
  });
});
