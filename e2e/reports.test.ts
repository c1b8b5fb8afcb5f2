// Reports as an owner reads them in Chromium against the built binary: a month of hand-made
// conversations written straight into the shop's database, and the figures, table rows, heat
// map and CSV the page gives for them.
import { Database } from "bun:sqlite";
import { afterAll, beforeAll, describe, expect, it, setDefaultTimeout } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { type Kefu, launchBrowser, postForm, setUpShop, shotsDir, startKefu } from "./support";

setDefaultTimeout(30_000);

let kefu: Kefu;
let browser: Browser;
let ownerCookie: string;

const second = 1000;
const minute = 60 * second;
// November 2026 in Shanghai (UTC+8).
const at = (isoLocal: string) => Date.parse(`${isoLocal}+08:00`);
const november = "from=2026-11-01&to=2026-11-30";

interface Seeded {
  opened: string;
  agent?: "ann" | "bo";
  sales?: boolean;
  joinedAfter?: number;
  firstResponseAfter?: number;
  assignedAfter?: number;
  closedAfter?: number;
  rating?: number;
  /** Queued for this agent only (an exclusive link): routing leaves it waiting while they are away. */
  waitsFor?: "bo";
  /** Sender and offset from opening; an agent's name for agents' messages. */
  messages: [sender: "visitor" | "ann" | "bo" | "joined" | "transferred", after: number][];
}

/** Eight conversations and three left messages: seven conversations and two messages in November. */
const conversations: Seeded[] = [
  { opened: "2026-11-03T10:00:00", agent: "ann", sales: true, joinedAfter: 20 * second, firstResponseAfter: 30 * second, closedAfter: 10 * minute, rating: 5,
    messages: [["visitor", 0], ["joined", 20 * second], ["ann", 30 * second], ["visitor", minute], ["ann", 2 * minute]] },
  { opened: "2026-11-03T14:00:00", agent: "ann", sales: true, joinedAfter: 40 * second, firstResponseAfter: minute, closedAfter: 20 * minute, rating: 4,
    messages: [["visitor", 0], ["joined", 40 * second], ["ann", minute]] },
  { opened: "2026-11-17T09:00:00", agent: "ann", joinedAfter: minute, firstResponseAfter: 90 * second, closedAfter: 30 * minute,
    messages: [["visitor", 0], ["joined", minute], ["ann", 90 * second]] },
  // Ann joined and answered, then handed it to Bo: it counts for Bo, its wait is until Ann joined.
  { opened: "2026-11-20T11:00:00", agent: "bo", sales: true, joinedAfter: 10 * second, firstResponseAfter: 2 * minute, assignedAfter: 3 * minute, closedAfter: 40 * minute, rating: 2,
    messages: [["visitor", 0], ["joined", 10 * second], ["ann", 2 * minute], ["transferred", 3 * minute], ["bo", 4 * minute]] },
  { opened: "2026-11-25T20:00:00", closedAfter: 5 * minute, messages: [["visitor", 0]] },
  // 23:30 on the last day, on the shop's clock (15:30 UTC): inside the range, a Monday at 23h.
  { opened: "2026-11-30T23:30:00", closedAfter: 10 * minute, messages: [["visitor", 0]] },
  // Still waiting, for Bo, who is away: neither answered nor missed.
  { opened: "2026-11-28T12:00:00", waitsFor: "bo", messages: [["visitor", 0]] },
  { opened: "2026-12-01T00:10:00", messages: [["visitor", 0]] },
];

function seed(dataDir: string): void {
  const db = new Database(join(dataDir, "kefu.db"));
  try {
    db.run("PRAGMA busy_timeout = 5000");
    db.run("UPDATE businesses SET timezone = 'Asia/Shanghai'");
    const agent = db.query("INSERT INTO agents (business_id, email, display_name, password_hash, role) VALUES (1, ?, ?, 'x', 'agent') RETURNING id");
    const ids = { ann: (agent.get("ann@example.com", "Ann 安") as { id: number }).id, bo: (agent.get("bo@example.com", "Bo") as { id: number }).id };
    const sales = (db.query("INSERT INTO groups (business_id, name) VALUES (1, 'Sales 销售') RETURNING id").get() as { id: number }).id;
    const conversation = db.query(`INSERT INTO conversations (business_id, visitor_id, agent_id, group_id, status, created_at, assigned_at, first_response_at, closed_at, rating, requested_agent_id)
      VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`);
    const message = db.query("INSERT INTO messages (conversation_id, sender, agent_id, body, client_id, created_at) VALUES (?, ?, ?, ?, ?, ?)");
    let n = 0;
    for (const c of conversations) {
      const opened = at(c.opened);
      const plus = (after: number | undefined) => (after === undefined ? null : opened + after);
      const visitorId = (db.query("INSERT INTO visitors (business_id, external_id) VALUES (1, ?) RETURNING id").get(`seed-${++n}`) as { id: number }).id;
      const status = c.closedAfter !== undefined ? "closed" : c.agent ? "open" : "queued";
      const { id } = conversation.get(visitorId, c.agent ? ids[c.agent] : null, c.sales ? sales : null, status, opened,
        plus(c.assignedAfter ?? c.joinedAfter), plus(c.firstResponseAfter), plus(c.closedAfter), c.rating ?? null, c.waitsFor ? ids[c.waitsFor] : null) as { id: number };
      for (const [sender, after] of c.messages) {
        const isAgent = sender === "ann" || sender === "bo";
        const kind = isAgent ? "agent" : sender === "visitor" ? "visitor" : "system";
        message.run(id, kind, isAgent ? ids[sender] : null, kind === "system" ? sender : "hello", `seed-${++n}`, opened + after);
      }
    }
    const left = db.query("INSERT INTO offline_messages (business_id, body, created_at) VALUES (1, 'please call', ?)");
    for (const when of ["2026-11-05T09:00:00", "2026-11-30T23:59:00", "2026-12-01T00:30:00"]) left.run(at(when));
  } finally {
    db.close();
  }
}

beforeAll(async () => {
  [kefu, browser] = await Promise.all([startKefu(), launchBrowser()]);
  ({ ownerCookie } = await setUpShop(kefu));
  seed(kefu.dataDir);
});

afterAll(async () => {
  await browser?.close();
  await kefu?.stop();
});

async function ownerPage(width = 1280, height = 800): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ locale: "en-US", viewport: { width, height }, acceptDownloads: true });
  context.setDefaultTimeout(10_000);
  const [name, value] = ownerCookie.split("=") as [string, string];
  await context.addCookies([{ name, value, url: kefu.url }]);
  return { context, page: await context.newPage() };
}

const figure = (page: Page, id: string) => page.locator(`[data-figure="${id}"] dd`);

describe("the reports page in the browser", () => {
  it("shows November's figures as counted by hand", async () => {
    const { context, page } = await ownerPage();
    await page.goto(`${kefu.url}/console`);
    await page.getByRole("link", { name: "Reports" }).click();
    await page.waitForURL(/\/console\/reports$/);
    await page.fill("#field-from", "2026-11-01");
    await page.fill("#field-to", "2026-11-30");
    await page.getByRole("button", { name: "Show" }).click();
    await page.waitForURL(/from=2026-11-01/);
    await expect(page.locator("#report-range").textContent()).resolves.toContain("(Asia/Shanghai)");
    // Each card: the figure, its note, and October's (nothing seeded there) to compare.
    expect(await figure(page, "started").textContent()).toBe("730 days before: 0");
    expect(await figure(page, "answered").textContent()).toBe("457%30 days before: 0");
    expect(await figure(page, "missed").textContent()).toBe("229%30 days before: 0");
    expect(await figure(page, "first-response").textContent()).toBe("1m 00s90% within 2m 00s30 days before: —");
    expect(await figure(page, "queue-wait").textContent()).toBe("20s30 days before: —");
    expect(await figure(page, "duration").textContent()).toBe("10m 00s30 days before: —");
    expect(await figure(page, "rating").textContent()).toBe("3.73 rated30 days before: —");
    expect(await figure(page, "csat").textContent()).toBe("67%30 days before: —");
    expect(await figure(page, "messages").textContent()).toBe("148 from visitors, 6 from agents30 days before: 0");
    expect(await figure(page, "offline-messages").textContent()).toBe("230 days before: 0");
    const agents = page.locator("#table-agents tbody tr");
    // Name, started, answered, missed, first response median and p90, wait, duration, rating, CSAT, rated, messages.
    expect(await agents.allTextContents()).toEqual([
      "Ann 安3301m 00s1m 30s40s20m 00s4.5100%244",
      "Bo1102m 00s2m 00s10s40m 00s2.00%112",
      "No agent302———5m 00s——030",
    ]);
    expect(await page.locator('#table-daily tr[data-date="2026-11-30"] td').allTextContents()).toEqual(["1", "0", "1", "—"]);
    // The heat map's cell for Monday 23:00 says its number to a mouse and a screen reader.
    expect(await page.locator("svg.heat-map rect title").allTextContents()).toContain("Mon 23:00–24:00: 1 started");
    await page.screenshot({ path: `${shotsDir}/reports-en-1280.png`, fullPage: true });
    await context.close();
  });

  it("exports the table by agent as a CSV Excel reads", async () => {
    const { context, page } = await ownerPage();
    await page.goto(`${kefu.url}/console/reports?${november}`);
    const [download] = await Promise.all([page.waitForEvent("download"), page.locator("#by-agents + a, section[aria-labelledby=by-agents] a[download]").click()]);
    expect(download.suggestedFilename()).toBe("kefu-report-agents-2026-11-01-to-2026-11-30.csv");
    const bytes = readFileSync((await download.path())!);
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = bytes.subarray(3).toString("utf8").trim().split("\r\n");
    expect(lines[1]).toStartWith("Ann 安,3,3,0,60,90,40,1200,4.5,100,2,0,0,0,1,1,4,4");
    expect(lines.at(-1)).toStartWith("Total,7,4,2,60,120,20,600,3.67,66.7,3");
    await context.close();
  });

  it("filters by group and reads on a phone", async () => {
    const { context, page } = await ownerPage(390, 844);
    await page.goto(`${kefu.url}/console/reports?${november}`);
    await page.selectOption("#field-group", { label: "Sales 销售" });
    await page.getByRole("button", { name: "Show" }).click();
    await page.waitForURL(/group=\d+/);
    expect(await figure(page, "started").textContent()).toStartWith("330 days before");
    await page.screenshot({ path: `${shotsDir}/reports-en-390.png`, fullPage: true });
    await context.close();
  });

  it("reads in Chinese", async () => {
    expect((await postForm(kefu, "/console/locale", { locale: "zh-CN" }, { cookie: ownerCookie })).status).toBeLessThan(400);
    const { context, page } = await ownerPage();
    await page.goto(`${kefu.url}/console/reports?${november}`);
    expect(await page.locator("h1").textContent()).toBe("报表");
    expect(await figure(page, "first-response").textContent()).toBe("1分00秒90% 在 2分00秒 内前 30 天：—");
    await page.screenshot({ path: `${shotsDir}/reports-zh-1280.png`, fullPage: true });
    await context.close();
  });
});
