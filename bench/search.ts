// Server time of search and of the conversation lists on a big database: seeds a fresh one in a
// temp dir through the real migrations, indexes every message for search as the server's batches
// would (src/domain/search-index.ts), then times each request through app.handle, signed in as
// the owner, from the session lookup to the rendered (uncompressed) HTML.
//
//   npx bun bench/search.ts [messages=100000] [conversations=messages/10] [runs=25]
//   npx bun bench/search.ts 1000000
//
// Two businesses share the data 70/30; text is a mix of English and Chinese sentences; 95% of
// conversations are closed (30% of those rated), the rest open or waiting. One message of the
// first business carries a code found nowhere else; the second business has a message with the
// same code, which the first must never see.
import { statSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { createApp } from "../src/app";
import { addAgent } from "../src/domain/agents";
import { indexWaitingMessages } from "../src/domain/search-index";
import { silentLog } from "../src/log";
import { ownerRequests, timeRuns } from "./console-requests";
import { benchDataDir, seededRandom } from "./seeded-database";

const messageCount = Number(process.argv[2] ?? 100_000);
const conversationCount = Number(process.argv[3] ?? Math.round(messageCount / 10));
const runs = Number(process.argv[4] ?? 25);

const { dataDir, opened } = benchDataDir("search");
const { db, sqlite } = opened;
const { random, pick } = seededRandom();

const english = (
  "hello hi thanks please order orders shipping delivery package parcel refund return exchange size colour color price discount coupon " +
  "when where what how why can could would tracking number address phone email invoice receipt payment card paypal wechat alipay " +
  "broken damaged wrong missing late early today tomorrow yesterday week month store shop product item mug cup teapot bowl plate " +
  "blue white green red black glaze porcelain ceramic handmade gift box wrap sale stock available sold out restock warehouse courier " +
  "express standard free cost fee tax customs international domestic city street zip code account login password reset update cancel"
).split(" ");
const chinese = (
  "你好 请问 订单 发货 快递 什么时候 到货 退款 退货 换货 尺寸 颜色 价格 优惠券 折扣 地址 电话 发票 支付 微信 支付宝 " +
  "包裹 物流 单号 查询 破损 少件 错发 今天 明天 昨天 本周 商品 杯子 茶壶 碗 盘子 蓝色 白色 陶瓷 手工 礼盒 包装 库存 " +
  "补货 仓库 顺丰 包邮 运费 关税 海关 国际 城市 街道 邮编 账号 登录 密码 取消 谢谢 好的 没问题 稍等 马上 处理"
).split(" ");

function sentence(): string {
  const words = 4 + Math.floor(random() * 14);
  if (random() < 0.5) return Array.from({ length: words }, () => pick(english)).join(" ");
  return Array.from({ length: words }, () => pick(chinese)).join(random() < 0.3 ? "，" : "");
}

// ---- seed ----

const seedStarted = performance.now();
const owner = (await addAgent(db, { businessId: 1, email: "owner@bench.test", name: "Owner", role: "owner", password: "correct horse" })).agent;
sqlite.run("INSERT INTO businesses (id, name, widget_key, identity_secret) VALUES (2, 'Second shop', 'bench-second', 'x')");
const agentIds: Record<number, number[]> = { 1: [owner.id], 2: [] };
const insertAgent = sqlite.prepare("INSERT INTO agents (business_id, email, password_hash, display_name, role) VALUES (?, ?, 'x', ?, 'agent') RETURNING id");
for (let i = 0; i < 25; i++) {
  const businessId = i < 19 ? 1 : 2;
  agentIds[businessId]!.push((insertAgent.get(businessId, `agent${i}@bench.test`, `Agent ${i}`) as { id: number }).id);
}

const insertVisitor = sqlite.prepare("INSERT INTO visitors (business_id, external_id, name, email, phone) VALUES (?, ?, ?, ?, ?) RETURNING id");
const insertConversation = sqlite.prepare(
  "INSERT INTO conversations (business_id, visitor_id, agent_id, status, created_at, assigned_at, closed_at, rating) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
);
const insertMessage = sqlite.prepare(
  "INSERT INTO messages (conversation_id, sender, agent_id, kind, body, meta, client_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
);
const touch = sqlite.prepare("UPDATE conversations SET last_message_id = ? WHERE id = ?");
const surnames = "王 李 张 刘 陈 杨 黄 赵 吴 周 Smith Jones Brown Lee Garcia Chen Wang Müller".split(" ");
const given = "伟 芳 娜 敏 静 强 磊 军 洋 勇 Anna Ben Chloe David Emma Felix Grace Henry".split(" ");

const yearMs = 365 * 24 * 60 * 60 * 1000;
const start = Date.now() - yearMs;
const perConversation = messageCount / conversationCount;
const planted: { uniqueId: number; otherBusinessId: number; oldConversationId: number; oldMessageId: number } = {
  uniqueId: 0,
  otherBusinessId: 0,
  oldConversationId: 0,
  oldMessageId: 0,
};
let written = 0;
let visitorId = 0;
const seedBatch = 2_000;
for (let first = 0; first < conversationCount; first += seedBatch) {
  sqlite.transaction(() => {
    for (let c = first; c < Math.min(first + seedBatch, conversationCount); c++) {
      const businessId = random() < 0.7 ? 1 : 2;
      // Some visitors come back: a new visitor for four conversations in five.
      if (visitorId === 0 || random() < 0.8) {
        const named = random() < 0.6;
        const name = named ? `${pick(surnames)}${pick(given)}` : null;
        visitorId = (
          insertVisitor.get(
            businessId,
            named ? `user:${c}` : `anon-bench${c}`,
            name,
            named && random() < 0.5 ? `customer${c}@example.com` : null,
            named && random() < 0.3 ? `138${String(c).padStart(8, "0")}` : null,
          ) as { id: number }
        ).id;
      }
      const at = start + Math.floor((c / conversationCount) * yearMs);
      const roll = random();
      const status = c > conversationCount * 0.95 ? (roll < 0.8 ? "open" : "queued") : "closed";
      const agentId = status === "queued" ? null : pick(agentIds[businessId]!);
      const rated = status === "closed" && random() < 0.3;
      const rating = rated ? pick([5, 5, 5, 5, 5, 5, 4, 4, 3, 2, 1]) : null;
      const length = Math.max(2, Math.round(perConversation * (0.5 + random())));
      const closedAt = status === "closed" ? at + length * 60_000 + 60_000 : null;
      const conversationId = (insertConversation.get(businessId, visitorId, agentId, status, at, agentId ? at : null, closedAt, rating) as { id: number }).id;
      let last = 0;
      for (let m = 0; m < length && written < messageCount; m++, written++) {
        const fromVisitor = m % 2 === 0 || agentId === null;
        const system = m === 1 && agentId !== null;
        last = (
          insertMessage.get(
            conversationId,
            system ? "system" : fromVisitor ? "visitor" : "agent",
            system || fromVisitor ? null : agentId,
            system ? "event" : "text",
            system ? "joined" : sentence(),
            system ? JSON.stringify({ agentId, agentName: "Agent" }) : fromVisitor ? null : JSON.stringify({ agentName: "Agent" }),
            `c${conversationId}m${m}`,
            at + m * 60_000,
          ) as { id: number }
        ).id;
        if (!planted.oldMessageId && businessId === 1 && c > conversationCount * 0.05 && m === 0) {
          planted.oldMessageId = last;
          planted.oldConversationId = conversationId;
        }
      }
      if (last) touch.run(last, conversationId);
    }
  })();
}
// The needle: one message in the first business, one in the second with the same code.
const needleAt = (business: number) =>
  sqlite.query("SELECT m.id FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE c.business_id = ? AND m.sender = 'visitor' AND m.id > ? ORDER BY m.id LIMIT 1").get(business, Math.floor(written / 3)) as { id: number };
planted.uniqueId = needleAt(1).id;
planted.otherBusinessId = needleAt(2).id;
sqlite.run("UPDATE messages SET body = body || ' tracking ZX9QK7W2' WHERE id IN (?, ?)", [planted.uniqueId, planted.otherBusinessId]);
indexWaitingMessages(db);
const seedSeconds = (performance.now() - seedStarted) / 1000;
const counts = sqlite.query("SELECT (SELECT count(*) FROM messages) AS messages, (SELECT count(*) FROM conversations) AS conversations, (SELECT count(*) FROM visitors) AS visitors").get() as Record<string, number>;
sqlite.run("PRAGMA wal_checkpoint(TRUNCATE)");
const databaseBytes = statSync(join(dataDir, "kefu.db")).size;

// ---- measure ----

// What a start adds on a big database (the app and its hub, before any request).
const appStarted = performance.now();
const app = createApp({ db, sqlite, secret: "0".repeat(64), config: { publicUrl: null, trustProxy: false }, uploadsDir: join(dataDir, "uploads"), log: silentLog });
const appStartMs = performance.now() - appStarted;
const openConversations = (sqlite.query("SELECT count(*) AS n FROM conversations WHERE status <> 'closed'").get() as { n: number }).n;
const get = await ownerRequests(app);

/** The `before`/`cursor` of the page's "more" link, if any. */
function nextLink(page: string): string | null {
  const match = /id="(?:search|list)-more"[^>]*href="([^"]+)"/.exec(page) ?? /href="([^"]+)"[^>]*id="(?:search|list)-more"/.exec(page);
  return match ? match[1]!.replaceAll("&amp;", "&") : null;
}

async function laterPage(path: string, pages: number): Promise<string> {
  let url = path;
  for (let i = 0; i < pages; i++) {
    const next = nextLink((await get(url)).text);
    if (!next) break;
    url = next;
  }
  return url;
}

interface Row {
  what: string;
  path: string;
  median: number;
  p90: number;
  note: string;
}
const rows: Row[] = [];

async function measure(what: string, path: string, check: (page: string) => string) {
  const first = await get(path);
  if (first.status !== 200) throw new Error(`${path} answered ${first.status}`);
  const note = check(first.text);
  const { median, p90 } = await timeRuns(() => get(path), runs);
  rows.push({ what, path, median, p90, note });
}

const resultCount = (page: string) => `${(page.match(/class="search-hit"/g) ?? []).length} messages, ${(page.match(/class="search-visitor"/g) ?? []).length} visitors`;
const itemCount = (page: string) => `${(page.match(/class="list-item"/g) ?? []).length} items`;
const q = (text: string) => `/console/search?q=${encodeURIComponent(text)}`;

await measure("search: one message among all (code ZX9QK7W2)", q("ZX9QK7W2"), (page) => {
  if (!page.includes(`?at=${planted.uniqueId}`)) throw new Error("the needle was not found");
  if (page.includes(`?at=${planted.otherBusinessId}`)) throw new Error("another business's message was shown");
  return resultCount(page);
});
await measure("search: common English word, first page", q("order"), resultCount);
await measure("search: common English word, 20th page", await laterPage(q("order"), 19), resultCount);
await measure("search: two words (both ≥ 3 chars)", q("refund package"), resultCount);
await measure("search: Chinese, 4 characters", q("什么时候"), resultCount);
await measure("search: Chinese, 3 + 2 characters", q("优惠券 退款"), resultCount);
await measure("search: short (2 chars), common", q("退款"), resultCount);
await measure("search: short (2 chars), rare: scans the whole window", q("qz"), resultCount);
// A two-character Chinese name one of the first business's visitors has.
const name = (sqlite.query("SELECT name FROM visitors WHERE business_id = 1 AND length(name) = 2 AND name GLOB '[王李张]*' ORDER BY id DESC LIMIT 1").get() as { name: string }).name;
await measure(`search: a 2-character name (${name}): visitors and messages`, q(name), resultCount);
const email = (sqlite.query("SELECT email FROM visitors WHERE business_id = 1 AND email IS NOT NULL ORDER BY id LIMIT 1 OFFSET 100").get() as { email: string }).email;
await measure("search: an email address (visitors)", q(email.split("@")[0]!), resultCount);
await measure("list: closed, first page", "/console/conversations", itemCount);
await measure("list: closed, 100th page (keyset)", await laterPage("/console/conversations", 99), itemCount);
await measure("list: closed, one agent", `/console/conversations?agent=${agentIds[1]![3]}`, itemCount);
await measure("list: closed, rating 1", "/console/conversations?rating=1", itemCount);
await measure("list: closed, rated", "/console/conversations?rating=rated", itemCount);
// The filters of one conversation closed mid-year: its agent, its month, its rating.
const sample = sqlite
  .query("SELECT agent_id AS agentId, closed_at AS closedAt FROM conversations WHERE business_id = 1 AND status = 'closed' AND rating = 5 AND closed_at > ? ORDER BY closed_at LIMIT 1")
  .get(start + yearMs / 2) as { agentId: number; closedAt: number };
const month = new Date(sample.closedAt).toISOString().slice(0, 7);
await measure("list: closed, one month, one agent, rating 5", `/console/conversations?agent=${sample.agentId}&rating=5&from=${month}-01&to=${month}-28`, (page) => {
  if (!page.includes('class="list-item"')) throw new Error("the filtered list is empty");
  return itemCount(page);
});
await measure("list: all open", "/console/conversations?list=open", itemCount);
await measure("list: all open, 2nd page", await laterPage("/console/conversations?list=open", 1), itemCount);
await measure("list: waiting", "/console/conversations?list=waiting", itemCount);
await measure("console: /console", "/console", () => "");
await measure("conversation: first history page", `/console/conversations/${planted.oldConversationId + 1}`, () => "");
await measure("conversation: ?at= an old message", `/console/conversations/${planted.oldConversationId}?at=${planted.oldMessageId}`, (page) => {
  if (!page.includes(`data-found="`)) throw new Error("the message was not marked");
  return "";
});

const fmt = (ms: number) => ms.toFixed(2);
console.log(
  `\n${counts.messages!.toLocaleString("en")} messages, ${counts.conversations!.toLocaleString("en")} conversations, ${counts.visitors!.toLocaleString("en")} visitors, 2 businesses; ` +
    `seeded in ${seedSeconds.toFixed(1)} s; database ${(databaseBytes / 1024 / 1024).toFixed(0)} MiB; median and p90 of ${runs} runs; ` +
    `load average ${loadavg().map((n) => n.toFixed(1)).join(" ")}; createApp ${appStartMs.toFixed(0)} ms with ${openConversations.toLocaleString("en")} open conversations\n`,
);
console.log("| request | median ms | p90 ms | shows |");
console.log("|---|---:|---:|---|");
for (const row of rows) console.log(`| ${row.what} | ${fmt(row.median)} | ${fmt(row.p90)} | ${row.note} |`);
opened.close();
