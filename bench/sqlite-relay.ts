// The persisted yardstick for bench/chat-load.ts: the relay of bench/load/relay.ts writing one row
// per message into a SQLite file before it publishes it: bun:sqlite, WAL, synchronous=NORMAL, one
// prepared INSERT per message in autocommit. (conversation_id, client_id) is UNIQUE, as in Kefu,
// so a retried send cannot store a message twice.
//
//   npx bun bench/sqlite-relay.ts --db FILE [--port 0] [--host 127.0.0.1] [--idle-timeout 30]
//
// It prints "listening on http://HOST:PORT" on stdout once it accepts connections. The table is
// named and shaped like Kefu's where the harness reads it (messages: sender, client_id).
import { Database } from "bun:sqlite";
import { relayFlags, serveRelay } from "./load/relay";

const flags = relayFlags(process.argv.slice(2));
const file = flags.flag("db", "");
if (!file) throw new Error("--db FILE is required");
const db = new Database(file, { create: true });
db.exec("PRAGMA journal_mode = WAL");
db.exec("PRAGMA synchronous = NORMAL");
db.exec(`CREATE TABLE IF NOT EXISTS messages (
  id INTEGER PRIMARY KEY,
  conversation_id INTEGER NOT NULL,
  sender TEXT NOT NULL,
  client_id TEXT NOT NULL,
  body TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  UNIQUE (conversation_id, client_id)
)`);
const insert = db.prepare("INSERT INTO messages (conversation_id, sender, client_id, body, created_at) VALUES (?, ?, ?, ?, ?)");

const server = serveRelay(flags, {
  save: (conversationId, sender, clientId, body) => Number(insert.run(conversationId, sender, clientId, body, Date.now()).lastInsertRowid),
});
const stop = () => {
  server.stop(true);
  db.close();
  process.exit(0);
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
