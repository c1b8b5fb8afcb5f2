// Server time of Console → Customers on a big shop: seeds a fresh database in a temp dir through
// the real migrations with `visitors` visitors (four in five of them customers, last seen over
// 120 days, 0-3 conversations each, a third tagged "repeat", one in 40 "vip"; a second shop holds
// one in ten), then times each request through app.handle, signed in as the owner, from the
// session lookup to the rendered (uncompressed) HTML.
//
//   npx bun bench/customers.ts [visitors=100000] [runs=25]
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { createApp } from "../src/app";
import { openDataDir } from "../src/data-dir";
import { addAgent } from "../src/domain/agents";
import { silentLog } from "../src/log";
import { ownerRequests, timeRuns } from "./console-requests";

const visitorCount = Number(process.argv[2] ?? 100_000);
const runs = Number(process.argv[3] ?? 25);

const dir = mkdtempSync(join(tmpdir(), "kefu-bench-customers-"));
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
const dataDir = join(dir, "data");
const { db, sqlite, close } = openDataDir(dataDir);

const seedStarted = performance.now();
await addAgent(db, { businessId: 1, email: "owner@bench.test", name: "Owner", role: "owner", password: "correct horse" });
sqlite.run("INSERT INTO businesses (id, name, widget_key, identity_secret) VALUES (2, 'Second shop', 'bench-second', 'x')");
const now = Date.now();
const day = 86_400_000;
const surnames = "王 李 张 刘 陈 杨 黄 赵 Smith Jones Brown Garcia Müller".split(" ");
const given = "伟 芳 娜 敏 静 强 Anna Ben Chloe David Emma".split(" ");
const insertVisitor = sqlite.prepare("INSERT INTO visitors (business_id, external_id, name, email, phone, last_seen_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id");
const insertConversation = sqlite.prepare("INSERT INTO conversations (business_id, visitor_id, status, closed_at) VALUES (?, ?, 'closed', ?)");
const insertTag = sqlite.prepare("INSERT INTO visitor_tags (business_id, visitor_id, tag) VALUES (?, ?, ?)");
sqlite.transaction(() => {
  for (let i = 0; i < visitorCount; i++) {
    const businessId = i % 10 === 9 ? 2 : 1;
    const customer = i % 5 !== 0;
    const name = customer && i % 4 !== 0 ? `${surnames[i % surnames.length]}${given[(i >> 3) % given.length]}` : null;
    const { id } = insertVisitor.get(
      businessId,
      customer && i % 7 === 0 ? `user:crm-${i}` : `anon-bench${i}`,
      name,
      customer && i % 2 === 1 ? `customer${i}@example.com` : null,
      customer && i % 3 === 0 ? `138${String(i).padStart(8, "0")}` : null,
      now - ((i * 104_729_000) % (120 * day)),
    ) as { id: number };
    for (let c = 0; c < i % 4; c++) insertConversation.run(businessId, id, now - c * day);
    if (i % 3 === 1) insertTag.run(businessId, id, "repeat");
    if (i % 40 === 1) insertTag.run(businessId, id, "vip");
  }
})();
sqlite.run("ANALYZE");
const seedSeconds = (performance.now() - seedStarted) / 1000;

const app = createApp({ db, sqlite, secret: "0".repeat(64), config: { publicUrl: null, trustProxy: false }, uploadsDir: join(dataDir, "uploads"), log: silentLog });
const ownerGet = await ownerRequests(app);

async function get(path: string): Promise<string> {
  const { status, text } = await ownerGet(path);
  if (status !== 200) throw new Error(`${path} answered ${status}`);
  return text;
}

/** The "more" link of a list page, `pages` pages on. */
async function laterPage(path: string, pages: number): Promise<string> {
  let url = path;
  for (let i = 0; i < pages; i++) {
    const match = /id="customers-more" href="([^"]+)"/.exec(await get(url));
    if (!match) break;
    url = match[1]!.replaceAll("&amp;", "&");
  }
  return url;
}

const rows: { what: string; median: number; p90: number; shown: number }[] = [];
async function measure(what: string, path: string) {
  const shown = ((await get(path)).match(/class="customer-item"/g) ?? []).length;
  rows.push({ what, ...(await timeRuns(() => get(path), runs)), shown });
}

await measure("last seen, first page", "/console/customers");
await measure("last seen, 50th page (keyset)", await laterPage("/console/customers", 49));
await measure("most conversations, first page", "/console/customers?order=conversations");
await measure("most conversations, 50th page", await laterPage("/console/customers?order=conversations", 49));
for (const seen of ["today", "week", "month", "older"]) {
  await measure(`seen ${seen}`, `/console/customers?seen=${seen}`);
  await measure(`seen ${seen}, most conversations`, `/console/customers?seen=${seen}&order=conversations`);
}
await measure("tag vip (rare)", "/console/customers?tag=vip");
await measure("tag repeat (a third), most conversations", "/console/customers?tag=repeat&order=conversations");
await measure("search an email's start (one)", "/console/customers?q=customer4243");
await measure("search example.com (two in five)", "/console/customers?q=example.com");
await measure("search an external id", "/console/customers?q=crm-7007");
await measure("search a 2-character name (王芳)", "/console/customers?q=王芳");
await measure("search 2 characters found nowhere (scans)", "/console/customers?q=qz");
const customer = (sqlite.query("SELECT visitor_id AS id FROM conversations WHERE business_id = 1 ORDER BY id DESC LIMIT 1").get() as { id: number }).id;
await measure("a customer's page", `/console/customers/${customer}`);

const counts = sqlite.query("SELECT (SELECT count(*) FROM visitors) AS visitors, (SELECT count(*) FROM conversations) AS conversations").get() as Record<string, number>;
console.log(
  `\n${counts.visitors!.toLocaleString("en")} visitors, ${counts.conversations!.toLocaleString("en")} conversations, 2 businesses; seeded in ${seedSeconds.toFixed(1)} s; ` +
    `median and p90 of ${runs} runs; load average ${loadavg().map((n) => n.toFixed(1)).join(" ")}\n`,
);
console.log("| request | median ms | p90 ms | rows |");
console.log("|---|---:|---:|---:|");
for (const row of rows) console.log(`| ${row.what} | ${row.median.toFixed(2)} | ${row.p90.toFixed(2)} | ${row.shown} |`);
close();
