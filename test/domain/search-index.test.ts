import type { Database as SQLite } from "bun:sqlite";
import { describe, expect, it } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDataDir } from "../../src/data-dir";
import { type OpenedDatabase, migrate, openDatabase } from "../../src/db/client";
import { embeddedMigrations } from "../../src/db/migrations";
import { ignoreEvents } from "../../src/domain/events";
import { sendVisitorMessage } from "../../src/domain/messages";
import { parseSearchQuery, searchMessages } from "../../src/domain/search";
import { indexNextMessages, indexWaitingMessages } from "../../src/domain/search-index";
import { createAnonymousVisitor } from "../../src/domain/visitors";
import { testApp } from "../support";

let clientIds = 0;

/** Adds `bodies` to a new conversation of the first business, in order; returns their ids. */
function messagesFrom(sqlite: SQLite, sender: "visitor" | "agent" | "system", bodies: string[]): number[] {
  const visitorId = (sqlite.query("INSERT INTO visitors (business_id, external_id) VALUES (1, ?) RETURNING id").get(`anon-${crypto.randomUUID()}`) as { id: number }).id;
  const conversationId = (sqlite.query("INSERT INTO conversations (business_id, visitor_id) VALUES (1, ?) RETURNING id").get(visitorId) as { id: number }).id;
  const insert = sqlite.query("INSERT INTO messages (conversation_id, sender, body, client_id) VALUES (?, ?, ?, ?) RETURNING id");
  return bodies.map((body) => (insert.get(conversationId, sender, body, `client-${++clientIds}`) as { id: number }).id);
}

/** The ids the index itself holds for a word, without the catch-up a search does first. */
function indexedIds(sqlite: SQLite, word: string): number[] {
  return (sqlite.query("SELECT rowid AS id FROM messages_fts WHERE messages_fts MATCH ? ORDER BY rowid").all(`"${word}"`) as { id: number }[]).map((row) => row.id);
}

/**
 * How many rows the index counts as indexed: the first varint of FTS5's averages record. A row
 * indexed twice counts twice here, though a query would show it once.
 */
function indexedRowCount(sqlite: SQLite): number {
  const record = sqlite.query("SELECT block FROM messages_fts_data WHERE id = 1").get() as { block: Uint8Array } | null;
  let count = 0;
  for (const byte of record?.block ?? []) {
    count = count * 128 + (byte & 0x7f);
    if (byte < 0x80) break;
  }
  return count;
}

const lastIndexed = (sqlite: SQLite) => (sqlite.query("SELECT last_message_id AS id FROM search_index_progress").get() as { id: number }).id;
const integrityCheck = (sqlite: SQLite) => sqlite.run("INSERT INTO messages_fts(messages_fts) VALUES ('integrity-check')");
const search = (opened: Pick<OpenedDatabase, "db">, text: string) =>
  searchMessages(opened.db, 1, parseSearchQuery(text)).hits.map((hit) => hit.id);
const newDatabaseFile = () => join(mkdtempSync(join(tmpdir(), "kefu-search-index-")), "data");

describe("indexing messages for search", () => {
  it("leaves a sent message out of its own commit, and a search right after finds it", () => {
    const ctx = testApp();
    const visitor = createAnonymousVisitor(ctx.db, "0".repeat(64), ctx.business.id, { ip: null, userAgent: null, page: null }).visitor;
    const { message } = sendVisitorMessage(ctx.db, ignoreEvents, visitor, { clientId: "client-sent-1", body: "Where is my parcel?" }, []);
    expect(indexedIds(ctx.sqlite, "parcel")).toEqual([]);
    expect(search(ctx, "parcel")).toEqual([message.id]);
    expect(indexedIds(ctx.sqlite, "parcel")).toEqual([message.id]);
  });

  it("indexes the oldest waiting messages a batch at a time, without a search, and never a system event", () => {
    const ctx = testApp();
    const [first, second, third] = messagesFrom(ctx.sqlite, "visitor", ["parcel one", "parcel two", "parcel three"]);
    const [event] = messagesFrom(ctx.sqlite, "system", ["parcel joined"]);
    const [reply] = messagesFrom(ctx.sqlite, "agent", ["parcel reply"]);

    expect(indexNextMessages(ctx.db, 2)).toBe(true);
    expect(indexedIds(ctx.sqlite, "parcel")).toEqual([first!, second!]);
    expect(lastIndexed(ctx.sqlite)).toBe(second!);
    // A batch counts system events too (they bound the work), but indexes none of them.
    expect(indexNextMessages(ctx.db, 2)).toBe(true);
    expect(indexedIds(ctx.sqlite, "parcel")).toEqual([first!, second!, third!]);
    expect(lastIndexed(ctx.sqlite)).toBe(event!);
    expect(indexNextMessages(ctx.db, 2)).toBe(false);
    expect(indexedIds(ctx.sqlite, "parcel")).toEqual([first!, second!, third!, reply!]);
    expect(indexNextMessages(ctx.db, 2)).toBe(false);
    expect(indexedIds(ctx.sqlite, "joined")).toEqual([]);
    expect(indexedRowCount(ctx.sqlite)).toBe(4);
  });

  it("neither repeats nor skips a message across restarts of the same database file", () => {
    const dataDir = newDatabaseFile();
    let opened = openDataDir(dataDir);
    const before = messagesFrom(opened.sqlite, "visitor", ["refund alpha", "refund bravo", "refund charlie"]);
    indexNextMessages(opened.db, 2);
    opened.close();

    opened = openDataDir(dataDir);
    const after = messagesFrom(opened.sqlite, "visitor", ["refund delta"]);
    messagesFrom(opened.sqlite, "system", ["refund closed"]);
    indexWaitingMessages(opened.db);
    opened.close();

    opened = openDataDir(dataDir);
    expect(indexNextMessages(opened.db)).toBe(false);
    expect(search(opened, "refund")).toEqual([...before, ...after].reverse());
    expect(indexedRowCount(opened.sqlite)).toBe(4);
    integrityCheck(opened.sqlite);
    opened.close();
  });

  it("carries on from the index the per-message trigger built before 0009: nothing lost, nothing twice", () => {
    const opened = openDatabase(":memory:");
    const all = embeddedMigrations();
    const before0009 = all.slice(0, all.findIndex((m) => m.tag === "0009_search_index_batches"));
    migrate(opened, before0009);
    opened.sqlite.run("INSERT INTO businesses (id, name, widget_key, identity_secret) VALUES (1, 'Shop', 'key', 's')");
    const old = messagesFrom(opened.sqlite, "visitor", ["invoice old one", "invoice old two"]);
    messagesFrom(opened.sqlite, "system", ["invoice event"]);
    expect(indexedRowCount(opened.sqlite)).toBe(2);

    migrate(opened);
    const fresh = messagesFrom(opened.sqlite, "visitor", ["invoice new"]);
    expect(search(opened, "invoice")).toEqual([...old, ...fresh].reverse());
    expect(indexedRowCount(opened.sqlite)).toBe(3);
    integrityCheck(opened.sqlite);
  });

  it("takes deleted and edited messages out of the index only when they were in it", () => {
    const ctx = testApp();
    const indexed = messagesFrom(ctx.sqlite, "visitor", ["coupon kept", "coupon deleted", "coupon edited"]);
    indexWaitingMessages(ctx.db);
    const waiting = messagesFrom(ctx.sqlite, "visitor", ["coupon waiting kept", "coupon waiting deleted", "coupon waiting edited"]);
    const [event] = messagesFrom(ctx.sqlite, "system", ["coupon event"]);

    ctx.sqlite.run("DELETE FROM messages WHERE id IN (?, ?, ?)", [indexed[1]!, waiting[1]!, event!]);
    ctx.sqlite.run("UPDATE messages SET body = 'voucher edited' WHERE id IN (?, ?)", [indexed[2]!, waiting[2]!]);
    integrityCheck(ctx.sqlite);
    expect(indexedIds(ctx.sqlite, "coupon")).toEqual([indexed[0]!]);
    expect(indexedIds(ctx.sqlite, "voucher")).toEqual([indexed[2]!]);

    expect(search(ctx, "coupon")).toEqual([waiting[0]!, indexed[0]!]);
    expect(search(ctx, "voucher")).toEqual([waiting[2]!, indexed[2]!]);
    expect(indexedRowCount(ctx.sqlite)).toBe(4);
    integrityCheck(ctx.sqlite);
  });

  it("still answers from what is indexed when the disk is too full to index the waiting messages", () => {
    const ctx = testApp();
    const [indexed] = messagesFrom(ctx.sqlite, "visitor", ["receipt sent"]);
    indexWaitingMessages(ctx.db);
    // Enough different text that indexing it needs new pages, which a full disk does not give.
    const [waiting] = messagesFrom(ctx.sqlite, "visitor", [`receipt ${Array.from({ length: 2000 }, (_, i) => i.toString(36)).join(" ")}`]);
    const pages = (ctx.sqlite.query("PRAGMA page_count").get() as { page_count: number }).page_count;
    ctx.sqlite.run(`PRAGMA max_page_count = ${pages}`);
    expect(() => indexNextMessages(ctx.db)).toThrow("database or disk is full");
    expect(search(ctx, "receipt")).toEqual([indexed!]);
    ctx.sqlite.run(`PRAGMA max_page_count = ${pages * 10}`);
    expect(search(ctx, "receipt")).toEqual([waiting!, indexed!]);
    expect(indexedRowCount(ctx.sqlite)).toBe(2);
  });
});
