import { describe, expect, it } from "bun:test";
import type { Database as SQLite } from "bun:sqlite";
import { migrate, openDatabase } from "../../src/db/client";
import { embeddedMigrations } from "../../src/db/migrations";

// Migration 0017 rebuilds the tables whose ids leave the server, for AUTOINCREMENT; 0018 makes
// their triggers again. A shop's database must come through it whole.
const all = embeddedMigrations();
const beforeRebuild = all.slice(0, all.findIndex((migration) => migration.tag === "0017_ids_never_reused"));
// Up to 0018 only: later migrations may add columns, which are not the rebuild's to keep.
const throughRebuild = all.slice(0, all.findIndex((migration) => migration.tag === "0018_ids_never_reused_triggers") + 1);
const rebuilt = ["api_tokens", "attachments", "blocked_ips", "canned_replies", "conversations", "deliveries", "faqs", "greetings", "groups",
  "offline_messages", "visitor_notes", "visitor_tabs", "visitors", "webhook_endpoints"];

function tables(sqlite: SQLite): string[] {
  return (sqlite.query(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '%_fts%'
    AND name <> '__drizzle_migrations' ORDER BY name`).all() as { name: string }[]).map((table) => table.name);
}

/** Three rows in every table, each column holding a value of its kind; row i points at row i of each parent. */
function fillEveryTable(sqlite: SQLite) {
  sqlite.run("PRAGMA foreign_keys = OFF");
  for (const table of tables(sqlite)) {
    const columns = sqlite.query(`PRAGMA table_info(${table})`).all() as { name: string; type: string }[];
    const insert = `INSERT OR IGNORE INTO ${table} (${columns.map((c) => `"${c.name}"`).join(", ")}) VALUES (${columns.map(() => "?").join(", ")})`;
    for (let i = 1; i <= 3; i++) {
      sqlite.run(insert, columns.map((column) => (/int|num|real/i.test(column.type) ? i : `${table}.${column.name}.${i}`)));
    }
  }
  sqlite.run("PRAGMA foreign_keys = ON");
}

function everyRow(sqlite: SQLite) {
  return Object.fromEntries(tables(sqlite).map((table) => [table, sqlite.query(`SELECT * FROM ${table} ORDER BY rowid`).all()]));
}

function schemaAround(sqlite: SQLite) {
  return {
    // Spacing aside: drizzle-kit writes the indexes it made again without spaces between columns.
    indexesAndTriggers: sqlite.query("SELECT type, name, tbl_name, replace(sql, ' ', '') AS sql FROM sqlite_master WHERE type IN ('index', 'trigger') ORDER BY name").all(),
    foreignKeys: sqlite
      .query(`SELECT m.name, f."from", f."table", f."to", f.on_delete, f.on_update FROM sqlite_master m, pragma_foreign_key_list(m.name) f
        WHERE m.type = 'table' ORDER BY 1, 2, 3`)
      .all(),
  };
}

function shopAtTheRebuild() {
  const opened = openDatabase(":memory:");
  migrate(opened, beforeRebuild);
  fillEveryTable(opened.sqlite);
  return opened;
}

describe("the migration to ids that are never used twice", () => {
  it("keeps every row, index, foreign key and trigger, and the database checks clean", () => {
    const opened = shopAtTheRebuild();
    const { sqlite } = opened;
    const rows = everyRow(sqlite);
    expect(Object.values(rows).every((table) => table.length > 0)).toBe(true);
    const schema = schemaAround(sqlite);

    expect(migrate(opened, throughRebuild)).toBe(throughRebuild.length - beforeRebuild.length);

    expect(everyRow(sqlite)).toEqual(rows);
    expect(schemaAround(sqlite)).toEqual(schema);
    expect(sqlite.query("PRAGMA foreign_key_check").all()).toEqual([]);
    expect(sqlite.query("PRAGMA integrity_check").all()).toEqual([{ integrity_check: "ok" }]);
    sqlite.run("INSERT INTO visitors_fts(visitors_fts) VALUES ('integrity-check')");
    expect(sqlite.query("PRAGMA foreign_keys").get()).toEqual({ foreign_keys: 1 });
  });

  it("continues each table's ids after its highest row, and never gives a deleted one again", () => {
    const opened = shopAtTheRebuild();
    migrate(opened);
    const { sqlite } = opened;
    const sequences = Object.fromEntries((sqlite.query("SELECT name, seq FROM sqlite_sequence").all() as { name: string; seq: number }[]).map((row) => [row.name, row.seq]));
    for (const table of rebuilt) expect(sequences[table]).toBe(3);

    sqlite.run("DELETE FROM faqs WHERE id = 3");
    sqlite.run("INSERT INTO faqs (business_id, question, answer) VALUES (1, 'q', 'a')");
    expect(sqlite.query("SELECT max(id) AS id FROM faqs").get()).toEqual({ id: 4 });
  });

  it("leaves the search index and the customers' counts following visitors and conversations", () => {
    const opened = shopAtTheRebuild();
    migrate(opened);
    const { sqlite } = opened;
    const found = (words: string) => sqlite.query("SELECT rowid AS id FROM visitors_fts WHERE visitors_fts MATCH ?").all(`"${words}"`);
    const count = (visitorId: number) => sqlite.query("SELECT conversation_count AS n FROM visitors WHERE id = ?").get(visitorId);
    expect(found("visitors.name.2")).toEqual([{ id: 2 }]);

    sqlite.run("UPDATE visitors SET name = 'Wang Fang' WHERE id = 2");
    expect(found("visitors.name.2")).toEqual([]);
    expect(found("Wang Fang")).toEqual([{ id: 2 }]);
    sqlite.run("INSERT INTO visitors (business_id, external_id, name) VALUES (1, 'shop-user-9', 'Li Lei')");
    expect(found("Li Lei")).toEqual([{ id: 4 }]);

    const before = count(1) as { n: number };
    sqlite.run("INSERT INTO conversations (business_id, visitor_id) VALUES (1, 1)");
    expect(count(1)).toEqual({ n: before.n + 1 });
    sqlite.run("INSERT INTO conversation_tallies (conversation_id) VALUES (4)");
    sqlite.run("DELETE FROM conversations WHERE id = 4");
    expect(count(1)).toEqual(before);
    expect(sqlite.query("SELECT * FROM conversation_tallies WHERE conversation_id = 4").all()).toEqual([]);

    sqlite.run("DELETE FROM visitors WHERE id = 4");
    expect(found("Li Lei")).toEqual([]);
    sqlite.run("INSERT INTO visitors_fts(visitors_fts) VALUES ('integrity-check')");
  });
});
