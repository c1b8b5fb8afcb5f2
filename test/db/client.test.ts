import { describe, expect, it } from "bun:test";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { migrate, openDatabase } from "../../src/db/client";
import { embeddedMigrations } from "../../src/db/migrations";

function indexes(sqlite: ReturnType<typeof openDatabase>["sqlite"], table: string) {
  const list = sqlite.query(`PRAGMA index_list(${table})`).all() as { name: string; unique: number }[];
  return list.map((index) => ({
    unique: index.unique === 1,
    columns: (sqlite.query(`PRAGMA index_info(${index.name})`).all() as { name: string }[]).map((c) => c.name),
  }));
}

describe("the database", () => {
  it("embeds every migration the journal lists", () => {
    const journal = JSON.parse(readFileSync(join(import.meta.dir, "../../migrations/meta/_journal.json"), "utf8"));
    expect(embeddedMigrations().map((m) => m.tag)).toEqual(journal.entries.map((e: { tag: string }) => e.tag));
  });

  it("applies the migrations once and then reports nothing to do", () => {
    const opened = openDatabase(":memory:");
    expect(migrate(opened)).toBe(embeddedMigrations().length);
    expect(migrate(opened)).toBe(0);
    const tables = (opened.sqlite.query("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((t) => t.name);
    for (const table of ["businesses", "agents", "groups", "agent_groups", "visitors", "conversations", "messages", "attachments",
      "faqs", "canned_replies", "greetings", "business_hours", "offline_messages", "visitor_tabs", "sessions", "audit_log"]) {
      expect(tables).toContain(table);
    }
  });

  it("has the indexes the hot queries need", () => {
    const opened = openDatabase(":memory:");
    migrate(opened);
    const { sqlite } = opened;
    expect(indexes(sqlite, "messages")).toContainEqual({ unique: false, columns: ["conversation_id", "id"] });
    expect(indexes(sqlite, "messages")).toContainEqual({ unique: true, columns: ["conversation_id", "client_id"] });
    expect(indexes(sqlite, "conversations")).toContainEqual({ unique: false, columns: ["business_id", "status", "last_message_id"] });
    expect(indexes(sqlite, "visitors")).toContainEqual({ unique: true, columns: ["business_id", "external_id"] });
    expect(indexes(sqlite, "sessions")).toContainEqual({ unique: true, columns: ["token_hash"] });
  });

  it("opens files with WAL, NORMAL sync, a busy timeout and foreign keys on", () => {
    const opened = openDatabase(join(mkdtempSync(join(tmpdir(), "kefu-db-")), "kefu.db"));
    const pragma = (name: string) => Object.values(opened.sqlite.query(`PRAGMA ${name}`).get() as object)[0];
    expect(pragma("journal_mode")).toBe("wal");
    expect(pragma("synchronous")).toBe(1);
    expect(pragma("busy_timeout")).toBe(5000);
    expect(pragma("foreign_keys")).toBe(1);
  });

  it("gives an upgraded shop the 30-minute idle close unless its owner chose 'never'", () => {
    const opened = openDatabase(":memory:");
    const all = embeddedMigrations();
    const upTo = (tag: string) => all.slice(0, all.findIndex((m) => m.tag === tag));
    migrate(opened, upTo("0008_nobody_online"));
    const { sqlite } = opened;
    sqlite.run("INSERT INTO businesses (id, name, widget_key, identity_secret) VALUES (1, 'untouched', 'k1', 's'), (2, 'chose never', 'k2', 's'), (3, 'chose 90', 'k3', 's')");
    sqlite.run("UPDATE businesses SET idle_close_minutes = 90 WHERE id = 3");
    sqlite.run("INSERT INTO audit_log (business_id, action, subject) VALUES (2, 'business.idle_close_changed', 'business:2'), (3, 'business.idle_close_changed', 'business:3')");
    expect(migrate(opened)).toBe(all.length - upTo("0008_nobody_online").length);
    expect(sqlite.query("SELECT id, idle_close_minutes AS minutes FROM businesses ORDER BY id").all()).toEqual([
      { id: 1, minutes: 30 },
      { id: 2, minutes: 0 },
      { id: 3, minutes: 90 },
    ]);
  });

  it("refuses migrations that would leave rows pointing at nothing, and changes nothing", () => {
    const opened = openDatabase(":memory:");
    migrate(opened);
    const { sqlite } = opened;
    sqlite.run("INSERT INTO businesses (id, name, widget_key, identity_secret) VALUES (1, 'b', 'k', 's')");
    sqlite.run("INSERT INTO visitors (id, business_id, external_id) VALUES (1, 1, 'v')");
    const losing = { tag: "9999_loses_the_shop", sql: ["DELETE FROM businesses"], folderMillis: Date.now() * 2, hash: "x", bps: true };
    expect(() => migrate(opened, [...embeddedMigrations(), losing])).toThrow(/visitors -> businesses.*nothing was changed/);
    expect(sqlite.query("SELECT count(*) AS n FROM businesses").get()).toEqual({ n: 1 });
    expect(migrate(opened)).toBe(0);
    expect(sqlite.query("PRAGMA foreign_keys").get()).toEqual({ foreign_keys: 1 });
  });

  it("rejects a second message with the same client id in a conversation", () => {
    const opened = openDatabase(":memory:");
    migrate(opened);
    const { sqlite } = opened;
    sqlite.run("INSERT INTO businesses (id, name, widget_key, identity_secret) VALUES (1, 'b', 'k', 's')");
    sqlite.run("INSERT INTO visitors (id, business_id, external_id) VALUES (1, 1, 'v')");
    sqlite.run("INSERT INTO conversations (id, business_id, visitor_id) VALUES (1, 1, 1)");
    const insert = () => sqlite.run("INSERT INTO messages (conversation_id, sender, body, client_id) VALUES (1, 'visitor', 'hi', 'c-1')");
    insert();
    expect(insert).toThrow(/UNIQUE/);
  });
});
