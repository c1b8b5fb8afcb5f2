// Migration 0017 (ids that are never used twice) on a shop's big database, and what AUTOINCREMENT
// costs an insert: seeds a database at the migration before (0016) in a temp dir with raw SQL in
// large transactions, counts every table's rows, times the migration to the latest, and checks
// that no row went and the database is whole; then inserts conversations into both databases.
//
//   npx bun bench/ids-migration.ts [messages=100000] [inserts=100000]
//   npx bun bench/ids-migration.ts 1000000
//
// Ten messages per conversation, one visitor per conversation; a note, a file and an offline
// message for every tenth visitor.
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { migrate, type OpenedDatabase, openDatabase } from "../src/db/client";
import { embeddedMigrations } from "../src/db/migrations";
import { seededRandom } from "./seeded-database";

const messageCount = Number(process.argv[2] ?? 100_000);
const insertCount = Number(process.argv[3] ?? 100_000);
const conversationCount = Math.round(messageCount / 10);
const dir = mkdtempSync(join(tmpdir(), "kefu-bench-ids-"));
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
const all = embeddedMigrations();
const beforeRebuild = all.slice(0, all.findIndex((migration) => migration.tag === "0017_ids_never_reused"));
const { random } = seededRandom();
const seconds = (since: number) => ((performance.now() - since) / 1000).toFixed(2);

function seededAtTheRebuild(path: string): OpenedDatabase {
  const opened = openDatabase(path);
  migrate(opened, beforeRebuild);
  const { sqlite } = opened;
  sqlite.run("INSERT INTO businesses (id, name, widget_key, identity_secret) VALUES (1, 'Shop', 'bench', 'x')");
  sqlite.run("INSERT INTO agents (id, business_id, email, password_hash, display_name, role) VALUES (1, 1, 'a@bench.test', 'x', 'Agent', 'owner')");
  const visitor = sqlite.prepare("INSERT INTO visitors (business_id, external_id, name) VALUES (1, ?, ?) RETURNING id");
  const conversation = sqlite.prepare("INSERT INTO conversations (business_id, visitor_id, agent_id, status, closed_at) VALUES (1, ?, 1, 'closed', 1) RETURNING id");
  const message = sqlite.prepare("INSERT INTO messages (conversation_id, sender, agent_id, body, client_id) VALUES (?, ?, ?, 'hello there', ?)");
  const note = sqlite.prepare("INSERT INTO visitor_notes (business_id, visitor_id, agent_id, body) VALUES (1, ?, 1, 'prefers email')");
  const file = sqlite.prepare("INSERT INTO attachments (business_id, conversation_id, original_name, mime_type, size, sha256, path) VALUES (1, ?, 'a.png', 'image/png', 1, 'x', 'x')");
  const offline = sqlite.prepare("INSERT INTO offline_messages (business_id, visitor_id, body) VALUES (1, ?, 'call me')");
  for (let first = 0; first < conversationCount; first += 5_000) {
    sqlite.transaction(() => {
      for (let c = first; c < Math.min(first + 5_000, conversationCount); c++) {
        const { id: visitorId } = visitor.get(`v${c}`, random() < 0.3 ? `Customer ${c}` : null) as { id: number };
        const { id } = conversation.get(visitorId) as { id: number };
        for (let m = 0; m < 10; m++) message.run(id, m % 2 ? "agent" : "visitor", m % 2 ? 1 : null, `c${id}m${m}`);
        sqlite.run("UPDATE conversations SET last_message_id = last_insert_rowid() WHERE id = ?", [id]);
        if (c % 10 === 0) {
          note.run(visitorId);
          file.run(id);
          offline.run(visitorId);
        }
      }
    })();
  }
  return opened;
}

function rowCounts({ sqlite }: OpenedDatabase) {
  const tables = sqlite.query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> '__drizzle_migrations'").all() as { name: string }[];
  return Object.fromEntries(tables.map(({ name }) => [name, (sqlite.query(`SELECT count(*) AS n FROM "${name}"`).get() as { n: number }).n]));
}

/**
 * Conversations for existing visitors: each in its own transaction; each with its first message in
 * one, as a visitor's first message makes it (messages already write sqlite_sequence); and all in
 * one transaction, where the sqlite_sequence write is the largest share of the work.
 */
function timeInserts({ sqlite }: OpenedDatabase) {
  const insert = sqlite.prepare("INSERT INTO conversations (business_id, visitor_id) VALUES (1, ?) RETURNING id");
  const message = sqlite.prepare("INSERT INTO messages (conversation_id, sender, body, client_id) VALUES (?, 'visitor', 'hello', 'first')");
  const perInsert = (work: () => void) => {
    const began = performance.now();
    work();
    const ms = (performance.now() - began) / insertCount;
    sqlite.run("DELETE FROM messages WHERE conversation_id > ?", [conversationCount]);
    sqlite.run("DELETE FROM conversations WHERE id > ?", [conversationCount]);
    return ms;
  };
  const alone = sqlite.transaction((visitorId: number) => insert.get(visitorId));
  const withMessage = sqlite.transaction((visitorId: number) => message.run((insert.get(visitorId) as { id: number }).id));
  return {
    alone: perInsert(() => {
      for (let i = 0; i < insertCount; i++) alone.immediate(1 + (i % conversationCount));
    }),
    withMessage: perInsert(() => {
      for (let i = 0; i < insertCount; i++) withMessage.immediate(1 + (i % conversationCount));
    }),
    batched: perInsert(() => sqlite.transaction(() => {
      for (let i = 0; i < insertCount; i++) insert.get(1 + (i % conversationCount));
    })()),
  };
}

let began = performance.now();
const path = join(dir, "kefu.db");
const shop = seededAtTheRebuild(path);
shop.sqlite.run("PRAGMA wal_checkpoint(TRUNCATE)");
const before = rowCounts(shop);
console.log(`seeded ${messageCount.toLocaleString("en")} messages in ${seconds(began)} s; ${(statSync(path).size / 2 ** 20).toFixed(0)} MiB; load average ${loadavg().map((n) => n.toFixed(1)).join(" ")}`);
began = performance.now();
const applied = migrate(shop);
console.log(`migration to the latest (${applied} migrations): ${seconds(began)} s`);
const after = rowCounts(shop);
const lost = Object.keys(before).filter((table) => before[table] !== after[table]);
const whole = shop.sqlite.query("PRAGMA integrity_check").all() as { integrity_check: string }[];
console.log(`tables whose row count changed: ${lost.length ? lost.join(", ") : "none"}; integrity_check: ${whole.map((row) => row.integrity_check).join("; ")}`);

// Alternating which goes first, so that neither side always runs on a warmer cache or a quieter machine.
const old = seededAtTheRebuild(join(dir, "old.db"));
const µs = (ms: number) => `${(ms * 1000).toFixed(1)} µs`;
console.log(`\n${insertCount.toLocaleString("en")} conversations inserted, per insert, before (0016) / with AUTOINCREMENT:`);
console.log("| round | own transaction | with its first message | all in one transaction |");
console.log("|---|---:|---:|---:|");
for (let round = 1; round <= 4; round++) {
  const oldFirst = round % 2 === 1;
  const first = timeInserts(oldFirst ? old : shop);
  const second = timeInserts(oldFirst ? shop : old);
  const [without, withIt] = oldFirst ? [first, second] : [second, first];
  console.log(`| ${round} | ${µs(without.alone)} / ${µs(withIt.alone)} | ${µs(without.withMessage)} / ${µs(withIt.withMessage)} | ${µs(without.batched)} / ${µs(withIt.batched)} |`);
}
