// Server time of a month's report on a big database, and of building its tallies: seeds a fresh
// database in a temp dir through the real migrations with raw SQL in large transactions, tallies
// every message as the server's batches would (src/domain/conversation-tallies.ts), then times
// the report page through app.handle (signed in as the owner, session lookup to rendered HTML)
// and buildReport alone; last, a report with messages no batch has tallied yet.
//
//   npx bun bench/reports.ts [messages=100000] [months=12] [runs=15]
//   npx bun bench/reports.ts 1000000          # a year: about 5,800 conversations a month
//   npx bun bench/reports.ts 1000000 1        # everything in one month: the worst case
//
// Ten messages per conversation on average; two businesses 70/30 (the report reads one); 90%
// answered, 30% of closed ones rated; agents in three groups.
import { loadavg } from "node:os";
import { join } from "node:path";
import { createApp } from "../src/app";
import { addAgent } from "../src/domain/agents";
import { tallyNextMessages } from "../src/domain/conversation-tallies";
import { rangeOf } from "../src/domain/report-range";
import { buildReport } from "../src/domain/reports";
import { silentLog } from "../src/log";
import { ownerRequests, timeRuns } from "./console-requests";
import { benchDataDir, seededRandom } from "./seeded-database";

const messageCount = Number(process.argv[2] ?? 100_000);
const months = Number(process.argv[3] ?? 12);
const runs = Number(process.argv[4] ?? 15);
const conversationCount = Math.round(messageCount / 10);

const { dir, opened } = benchDataDir("reports");
const { db, sqlite } = opened;
const { random, pick } = seededRandom();
const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

// ---- seed: the months end at the start of today (UTC), the shop's zone is UTC ----

const seedStarted = performance.now();
await addAgent(db, { businessId: 1, email: "owner@bench.test", name: "Owner", role: "owner", password: "correct horse" });
sqlite.run("INSERT INTO businesses (id, name, widget_key, identity_secret) VALUES (2, 'Second shop', 'bench-second', 'x')");
const groupIds = [1, 2, 3].map((n) => (sqlite.query("INSERT INTO groups (business_id, name) VALUES (1, ?) RETURNING id").get(`Group ${n}`) as { id: number }).id);
const agentIds: Record<number, number[]> = { 1: [], 2: [] };
const insertAgent = sqlite.prepare("INSERT INTO agents (business_id, email, password_hash, display_name, role) VALUES (?, ?, 'x', ?, 'agent') RETURNING id");
for (let i = 0; i < 25; i++) {
  const businessId = i < 19 ? 1 : 2;
  agentIds[businessId]!.push((insertAgent.get(businessId, `agent${i}@bench.test`, `Agent ${i}`) as { id: number }).id);
}
const insertVisitor = sqlite.prepare("INSERT INTO visitors (business_id, external_id) VALUES (?, ?) RETURNING id");
const insertConversation = sqlite.prepare(
  `INSERT INTO conversations (business_id, visitor_id, agent_id, group_id, status, created_at, assigned_at, first_response_at, closed_at, rating)
   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
);
const insertMessage = sqlite.prepare("INSERT INTO messages (conversation_id, sender, agent_id, kind, body, client_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)");
const dayMs = 86_400_000;
const end = Math.floor(Date.now() / dayMs) * dayMs;
const span = months * 30 * dayMs;
const start = end - span;
let written = 0;
const seedBatch = 5_000;
for (let first = 0; first < conversationCount; first += seedBatch) {
  sqlite.transaction(() => {
    for (let c = first; c < Math.min(first + seedBatch, conversationCount); c++) {
      const businessId = random() < 0.7 ? 1 : 2;
      const visitorId = (insertVisitor.get(businessId, `v${c}`) as { id: number }).id;
      const at = start + Math.floor((c / conversationCount) * span);
      const answered = random() < 0.9;
      const agentId = answered ? pick(agentIds[businessId]!) : null;
      const length = Math.max(2, Math.round(10 * (0.5 + random())));
      const joinedAt = answered ? at + Math.floor(random() * 120_000) : null;
      const firstResponseAt = joinedAt === null ? null : joinedAt + Math.floor(random() * 60_000);
      const closedAt = at + length * 60_000;
      const rating = answered && random() < 0.3 ? pick([5, 5, 5, 4, 4, 3, 2, 1]) : null;
      const groupId = businessId === 1 ? pick(groupIds) : null;
      const { id } = insertConversation.get(businessId, visitorId, agentId, groupId, "closed", at, joinedAt, firstResponseAt, closedAt, rating) as { id: number };
      for (let m = 0; m < length && written < messageCount; m++, written++) {
        const system = m === 1 && agentId !== null;
        const sender = system ? "system" : m % 2 === 0 || agentId === null ? "visitor" : "agent";
        insertMessage.run(id, sender, sender === "agent" ? agentId : null, system ? "event" : "text", system ? "joined" : "hello there", `c${id}m${m}`, at + m * 60_000);
      }
    }
  })();
}
const seedSeconds = (performance.now() - seedStarted) / 1000;

// ---- the tallies: built from nothing, as on the first start after the upgrade ----

const buildTimes: number[] = [];
for (let i = 0; i < 3; i++) {
  sqlite.run("DELETE FROM conversation_tallies");
  sqlite.run("DELETE FROM tally_progress");
  const began = performance.now();
  while (tallyNextMessages(db));
  buildTimes.push(performance.now() - began);
}
// One batch of new messages on top of a built table: what the server's timer costs each second.
const batchTimes: number[] = [];
for (let i = 0; i < 5; i++) {
  const last = (sqlite.query("SELECT last_message_id AS id FROM tally_progress").get() as { id: number }).id;
  sqlite.run("UPDATE tally_progress SET last_message_id = ?", [last - 5_000]);
  sqlite.run(
    `UPDATE conversation_tallies SET visitor_messages = visitor_messages - (SELECT count(*) FROM messages m WHERE m.conversation_id = conversation_tallies.conversation_id AND m.id > ? AND m.sender = 'visitor'),
       agent_messages = agent_messages - (SELECT count(*) FROM messages m WHERE m.conversation_id = conversation_tallies.conversation_id AND m.id > ? AND m.sender = 'agent')
     WHERE conversation_id IN (SELECT DISTINCT conversation_id FROM messages WHERE id > ?)`,
    [last - 5_000, last - 5_000, last - 5_000],
  );
  const began = performance.now();
  tallyNextMessages(db);
  batchTimes.push(performance.now() - began);
}

// ---- the report of the last whole month (30 days) ----

const app = createApp({ db, sqlite, secret: "0".repeat(64), config: { publicUrl: null, trustProxy: false }, uploadsDir: join(dir, "uploads"), log: silentLog });
const get = await ownerRequests(app);
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const range = rangeOf("UTC", day(end - 30 * dayMs), day(end - dayMs));
const business = { id: 1, timezone: "UTC" };

const timed = (work: () => unknown) => timeRuns(work, runs);

const page = async (path: string) => {
  const { status, text } = await get(path);
  if (status !== 200) throw new Error(`${path} answered ${status}`);
  return text;
};
const monthPath = `/console/reports?from=${range.from}&to=${range.to}`;
const started = buildReport(db, business, range).totals.started;
const rows: [string, { median: number; p90: number }][] = [
  ["report page, one month (HTML)", await timed(() => page(monthPath))],
  ["buildReport, one month", await timed(() => buildReport(db, business, range))],
  ["buildReport, one month, one agent", await timed(() => buildReport(db, business, range, { agentId: agentIds[1]![0]! }))],
  ["CSV by agent, one month", await timed(() => page(`/console/reports/export?table=agents&from=${range.from}&to=${range.to}`))],
];
// The last 10,000 messages untallied, as if the batches had fallen behind: the report adds them.
sqlite.run("UPDATE tally_progress SET last_message_id = last_message_id - 10000");
rows.push(["report page, one month, 10,000 messages untallied", await timed(() => page(monthPath))]);

const fmt = (ms: number) => ms.toFixed(1);
console.log(
  `\n${written.toLocaleString("en")} messages, ${conversationCount.toLocaleString("en")} conversations over ${months} × 30 days, 2 businesses; seeded in ${seedSeconds.toFixed(1)} s; ` +
    `the month's report covers ${started.toLocaleString("en")} conversations; median and p90 of ${runs} runs; load average ${loadavg().map((n) => n.toFixed(1)).join(" ")}\n`,
);
console.log(`tallies built from nothing (${written.toLocaleString("en")} messages): median ${fmt(median(buildTimes))} ms of 3 runs`);
console.log(`one batch of 5,000 new messages: median ${fmt(median(batchTimes))} ms of 5 runs\n`);
console.log("| request | median ms | p90 ms |");
console.log("|---|---:|---:|");
for (const [what, time] of rows) console.log(`| ${what} | ${fmt(time.median)} | ${fmt(time.p90)} |`);
opened.close();
