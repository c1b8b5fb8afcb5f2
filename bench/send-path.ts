// Where a visitor message's server time goes, without sockets: the same domain call the visitor
// socket makes (sendVisitorMessage, with the real Hub rendering every fragment) on a fresh
// database in a temp dir, timed per call and split into "commit" (the transaction) and "announce"
// (the hub: queries, renders, publishes to a broker that only counts). For scale, the same four
// statements of the commit through cached bun:sqlite statements.
//
//   npx bun bench/send-path.ts [visitors=1000] [rounds=20] [agents=100]
//
// Topics that have listeners mirror bench/chat-load.ts: every visitor's own topic and every
// agent's topics; nobody views a thread (agentThread topics are empty).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { agents as agentsTable } from "../src/db/schema";
import { currentConversation, summarize, unreadTotal } from "../src/domain/conversations";
import type { ConversationEvents } from "../src/domain/events";
import { sendVisitorMessage } from "../src/domain/messages";
import { createAnonymousVisitor, type Visitor } from "../src/domain/visitors";
import { soleProcess } from "../src/realtime/cluster";
import { Hub } from "../src/realtime/hub";
import { openDataDir } from "../src/data-dir";
import { silentLog } from "../src/log";

const visitorCount = Number(process.argv[2] ?? 1000);
const rounds = Number(process.argv[3] ?? 20);
const agentCount = Number(process.argv[4] ?? 100);

const dir = mkdtempSync(join(tmpdir(), "kefu-send-path-"));
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
const opened = openDataDir(join(dir, "data"));
const { db, sqlite } = opened;
let published = 0;
let publishedBytes = 0;
const hub = new Hub(
  db,
  {
    publish(_topic, data) {
      published++;
      publishedBytes += data.length;
    },
    hasSubscribers: (topic) => !topic.startsWith("thread:"),
    subscribe: async () => {},
    unsubscribe() {},
    close() {},
  },
  soleProcess(),
  { graceMs: 5000, log: silentLog },
);

const business = sqlite.query("SELECT id FROM businesses ORDER BY id LIMIT 1").get() as { id: number };
// Room for every visitor: this measures assignment, not the queue.
sqlite.run("UPDATE businesses SET max_concurrent_chats = 100");
const agentIds: number[] = [];
for (let i = 0; i < agentCount; i++) {
  const row = db
    .insert(agentsTable)
    .values({ businessId: business.id, email: `agent${i}@bench.test`, passwordHash: "x", displayName: `Agent ${i}`, role: "agent", availability: "online" })
    .returning({ id: agentsTable.id })
    .get();
  agentIds.push(row.id);
  hub.agents.connected(row.id);
}
const visitors: Visitor[] = [];
for (let i = 0; i < visitorCount; i++) {
  visitors.push(createAnonymousVisitor(db, "bench-secret", business.id, { ip: "127.0.0.1", userAgent: "bench", page: null }).visitor);
}

// Split each call into the commit and the announcements by timing the hub's part separately.
let announceMs = 0;
const timedEvents: ConversationEvents = {
  messageCreated(message, conversation) {
    const t = performance.now();
    hub.messageCreated(message, conversation);
    announceMs += performance.now() - t;
  },
  conversationChanged(conversation, previous) {
    const t = performance.now();
    hub.conversationChanged(conversation, previous);
    announceMs += performance.now() - t;
  },
  messagesRead(visitorId, reader, upTo) {
    hub.messagesRead(visitorId, reader, upTo);
  },
};

function phase(label: string, count: number, send: (i: number) => void): void {
  announceMs = 0;
  published = 0;
  publishedBytes = 0;
  const times = new Float64Array(count);
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    const t = performance.now();
    send(i);
    times[i] = performance.now() - t;
  }
  const total = performance.now() - start;
  times.sort();
  const at = (q: number) => times[Math.min(count - 1, Math.ceil(q * count) - 1)]!;
  console.log(
    `${label}: ${count} calls, ${((total / count) * 1000).toFixed(0)} µs each ` +
      `(commit ${(((total - announceMs) / count) * 1000).toFixed(0)} µs + announce ${((announceMs / count) * 1000).toFixed(0)} µs), ` +
      `p50 ${(at(0.5) * 1000).toFixed(0)} µs, p99 ${(at(0.99) * 1000).toFixed(0)} µs, max ${(at(1) * 1000).toFixed(0)} µs; ` +
      `${(published / count).toFixed(1)} publishes (${(publishedBytes / count).toFixed(0)} bytes) per call; ` +
      `=> at most ${Math.floor(1000 / (total / count))} msg/s on one core`,
  );
}

let n = 0;
const online = () => hub.agents.onlineIds();
phase("first message (opens + assigns a conversation)", visitors.length, (i) => {
  sendVisitorMessage(db, timedEvents, visitors[i]!, { clientId: `bench-msg-${n++}`, body: `Hello, message ${n}.` }, online());
});
for (let round = 0; round < Math.min(2, rounds); round++) {
  // warm-up rounds, not reported separately
  for (const visitor of visitors) sendVisitorMessage(db, timedEvents, visitor, { clientId: `bench-msg-${n++}`, body: `Hello, message ${n}.` }, online());
}
phase(`later messages (${rounds} rounds over ${visitors.length} open conversations)`, visitors.length * rounds, (i) => {
  const visitor = visitors[i % visitors.length]!;
  sendVisitorMessage(db, timedEvents, visitor, { clientId: `bench-msg-${n++}`, body: `Hello, message ${n}.` }, online());
});

// The pieces of "announce", one at a time.
const conversation = currentConversation(db, visitors[0]!.id)!;
const each = (label: string, count: number, run: () => void) => {
  const t = performance.now();
  for (let i = 0; i < count; i++) run();
  console.log(`  ${label}: ${(((performance.now() - t) / count) * 1000).toFixed(0)} µs`);
};
console.log("pieces:");
each("currentConversation (drizzle)", 2000, () => currentConversation(db, visitors[0]!.id));
each("summarize (drizzle; twice per message)", 2000, () => summarize(db, conversation.id));
each(`unreadTotal (drizzle; ${Math.round(((rounds + 3) * visitors.length) / agentCount)} unread per agent by now)`, 2000, () => unreadTotal(db, conversation.agentId!));
each("agents.onlineIds()", 2000, () => online());

// The commit's four statements through cached bun:sqlite statements, for scale.
const alreadySent = sqlite.query(
  "SELECT id FROM messages WHERE conversation_id IN (SELECT id FROM conversations WHERE visitor_id = ?) AND client_id = ?",
);
const current = sqlite.query("SELECT * FROM conversations WHERE visitor_id = ? AND status <> 'closed' ORDER BY id DESC LIMIT 1");
const insert = sqlite.query("INSERT INTO messages (conversation_id, sender, kind, body, client_id) VALUES (?, 'visitor', 'text', ?, ?) RETURNING *");
const touch = sqlite.query("UPDATE conversations SET last_message_id = ? WHERE id = ?");
const commit = sqlite.transaction((visitor: Visitor, clientId: string, body: string) => {
  alreadySent.get(visitor.id, clientId);
  const conversation = current.get(visitor.id) as { id: number };
  const message = insert.get(conversation.id, body, clientId) as { id: number };
  touch.run(message.id, conversation.id);
});
phase("the same commit with cached bun:sqlite statements (no announce)", visitors.length * 5, (i) => {
  commit.immediate(visitors[i % visitors.length]!, `raw-${n++}`, `Hello, message ${n}.`);
});

opened.close();
