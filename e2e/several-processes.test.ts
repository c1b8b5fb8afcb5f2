// Two Kefu processes on one data dir and one Redis, behind Debian's nginx configured as the README
// shows (e2e/nginx.ts): the visitor's widget on a shop page of another origin and the agent's console
// in Chromium, each socket on a different process. They chat both ways; kill -9 takes one process
// away mid-chat (then the other, once the first is back, as systemd's Restart=always would bring
// it): every page reconnects through nginx to the process left, nothing is lost or doubled on
// either side or in SQLite, presence and queue positions stay right.
import { afterAll, beforeAll, describe, expect, it, setDefaultTimeout } from "bun:test";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { BrowserContext, FrameLocator, Page } from "playwright-core";
import { freePort } from "../test/free-port";
import { type RedisServer, startRedisServer } from "../test/redis-server";
import { type Nginx, startNginx } from "./nginx";
import {
  binaryInEmptyDir,
  launchBrowser,
  phone,
  postForm,
  queryKefu,
  type RunningProcess,
  serveKefu,
  setUpShop,
  shotsDir,
  startHostShop,
  stopProcess,
} from "./support";

setDefaultTimeout(120_000);

/**
 * Longer than a killed process's presence entries outlive it: its heartbeat's expiry (9 s), the
 * lease's takeover when it was the housekeeping leader (10 s), the reap tick (1 s) and the grace
 * (5 s). By then its people count only where they reconnected.
 */
const presenceSettledMs = 25_000;
const desktop = { width: 1280, height: 800 };

let redis: RedisServer;
let nginx: Nginx;
/** Where nginx listens, named to Kefu (--public-url) before nginx starts. */
let publicUrl: string;
let browser: Awaited<ReturnType<typeof launchBrowser>>;
let host: ReturnType<typeof startHostShop>;
let dir: string;
let dataDir: string;
let kefu: string;
const contexts: BrowserContext[] = [];

/** One Kefu process of the two, on a fixed port so that nginx's upstream keeps naming it. */
class KefuProcess {
  private running: RunningProcess | null = null;
  private earlier = "";
  constructor(
    readonly name: string,
    readonly port: number,
  ) {}
  async start(): Promise<void> {
    this.earlier += this.running?.output() ?? "";
    this.running = await serveKefu(kefu, dir, dataDir, this.port, () => this.earlier, [
      "--redis-url",
      redis.url,
      "--trust-proxy",
      "--public-url",
      publicUrl,
    ]);
  }
  async kill9(): Promise<void> {
    this.running!.proc.kill("SIGKILL");
    await this.running!.proc.exited;
  }
  async stop(): Promise<void> {
    if (this.running) await stopProcess(this.running.proc);
  }
  output(): string {
    return this.earlier + (this.running?.output() ?? "");
  }
}

let one: KefuProcess;
let two: KefuProcess;
let ownerCookie: string;

/** Open TCP connections each process holds now: with no upstream keepalive, only the pages' WebSockets stay open. */
function socketsOn(kefuProcess: KefuProcess): number {
  const hexPort = kefuProcess.port.toString(16).toUpperCase().padStart(4, "0");
  return readFileSync("/proc/net/tcp", "utf8")
    .split("\n")
    .slice(1)
    .filter((line) => {
      const [, local, , state] = line.trim().split(/\s+/);
      return local?.endsWith(`:${hexPort}`) && state === "01";
    }).length;
}

/** Waits until the processes hold these numbers of sockets (a page's HTTP requests come and go meanwhile). */
async function sockets(expected: (counts: [number, number]) => boolean, what: string, timeoutMs = 10_000): Promise<[number, number]> {
  const deadline = Date.now() + timeoutMs;
  let counts: [number, number] = [socketsOn(one), socketsOn(two)];
  while (!expected(counts)) {
    if (Date.now() > deadline) throw new Error(`expected ${what}; found ${counts[0]} socket(s) on ${one.name} and ${counts[1]} on ${two.name}`);
    await Bun.sleep(50);
    counts = [socketsOn(one), socketsOn(two)];
  }
  return counts;
}

const exactly = (expected: [number, number]) => sockets(([a, b]) => a === expected[0] && b === expected[1], `${expected[0]} and ${expected[1]} sockets`);

async function person(locale: string, viewport: { width: number; height: number }): Promise<BrowserContext> {
  const context = await browser.newContext({ locale, viewport });
  context.setDefaultTimeout(15_000);
  // The console's Close asks to confirm: OK.
  context.on("page", (page) => page.on("dialog", (dialog) => void dialog.accept()));
  contexts.push(context);
  return context;
}

const widget = (page: Page): FrameLocator => page.frameLocator("[data-kefu] iframe");

/** A visitor on the host shop's page with the widget open and its socket connected. */
async function visitor(locale: string, viewport: { width: number; height: number }): Promise<Page> {
  const page = await (await person(locale, viewport)).newPage();
  await page.goto(host.url);
  await page.locator("[data-kefu] .launcher").click();
  await widget(page).locator("#composer textarea[name=body]").waitFor();
  return page;
}

async function visitorSends(page: Page, text: string, { confirmed = true } = {}): Promise<void> {
  const composer = widget(page).locator("#composer textarea[name=body]");
  await composer.fill(text);
  await composer.press("Enter");
  if (confirmed) await widget(page).locator("#thread .message.mine:not(.pending)", { hasText: text }).waitFor();
}

async function agentSends(page: Page, text: string, { confirmed = true } = {}): Promise<void> {
  const composer = page.locator("#composer textarea[name=body]");
  await composer.fill(text);
  await composer.press("Enter");
  if (confirmed) await page.locator("#thread .message.mine:not(.pending)", { hasText: text }).waitFor();
}

/** Each text once in the visitor's thread, once in the agent's, and once in SQLite. */
async function onceEverywhere(visitorPage: Page, agent: Page, texts: string[]): Promise<void> {
  for (const text of texts) {
    await widget(visitorPage).locator("#thread .message:not(.pending)", { hasText: text }).waitFor();
    await agent.locator("#thread .message:not(.pending)", { hasText: text }).waitFor();
  }
  for (const text of texts) {
    expect({ text, visitor: await widget(visitorPage).locator("#thread .message", { hasText: text }).count() }).toEqual({ text, visitor: 1 });
    expect({ text, agent: await agent.locator("#thread .message", { hasText: text }).count() }).toEqual({ text, agent: 1 });
    expect({ text, rows: queryKefu({ dataDir }, "SELECT id FROM messages WHERE body = ?", text).length }).toEqual({ text, rows: 1 });
  }
}

async function presenceRight(visitorPage: Page, agent: Page): Promise<void> {
  await widget(visitorPage).locator("#agent-status .presence.online").waitFor();
  await agent.locator("#visitor-status.online").waitFor();
}

beforeAll(async () => {
  redis = await startRedisServer();
  ({ dir, kefu } = binaryInEmptyDir());
  dataDir = join(dir, "kefu-data");
  one = new KefuProcess("process one", freePort());
  two = new KefuProcess("process two", freePort());
  const nginxPort = freePort();
  publicUrl = `http://127.0.0.1:${nginxPort}`;
  browser = await launchBrowser();
  // One after the other: the first start makes the database and the server secret.
  await one.start();
  await two.start();
  nginx = await startNginx(nginxPort, [one.port, two.port]);
  let widgetKey: string;
  ({ ownerCookie, widgetKey } = await setUpShop({ url: nginx.url, dataDir }));
  // The owner serves one conversation at a time, so the next visitors wait in line.
  const [owner] = queryKefu<{ id: number }>({ dataDir }, "SELECT id FROM agents");
  expect((await postForm({ url: nginx.url }, `/console/team/${owner!.id}/capacity`, { capacity: "1" }, { cookie: ownerCookie })).status).toBe(200);
  host = startHostShop(nginx.url, widgetKey);
});

afterAll(async () => {
  for (const context of contexts) await context.close().catch(() => {});
  await browser?.close();
  host?.stop();
  await one?.stop();
  await two?.stop();
  await nginx?.stop();
  await redis?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("two processes behind nginx", () => {
  let agent: Page;
  let first: Page;
  let waitingNext: Page;
  let waitingBehind: Page;
  /** The process each page's socket reached (nginx's least_conn): the agent's, then the first visitor's. */
  let agentsProcess: KefuProcess;
  let visitorsProcess: KefuProcess;

  it("puts the agent's socket on one process and the visitor's on the other, and they chat both ways", async () => {
    const agentContext = await person("en-US", desktop);
    await agentContext.addCookies([{ name: "kefu_session", value: ownerCookie.slice("kefu_session=".length), url: nginx.url }]);
    agent = await agentContext.newPage();
    await agent.goto(`${nginx.url}/console`);
    await agent.locator(".console").waitFor();
    const [onOne] = await sockets(([a, b]) => a + b === 1, "the agent's one socket");
    [agentsProcess, visitorsProcess] = onOne === 1 ? [one, two] : [two, one];

    // least_conn: the visitor's socket goes to the process with none. A request of the page still
    // in flight there when the socket opens ties the counts; then nginx may pick either, and the
    // page is loaded again (its socket closed first, so the counts are 1 and 0 this time).
    first = await visitor("zh-CN", phone);
    for (let attempt = 1; ; attempt++) {
      try {
        await sockets(([a, b]) => a === 1 && b === 1, "one socket on each process", 3000);
        break;
      } catch (error) {
        if (attempt === 3) throw error;
      }
      await first.reload();
      await first.locator("[data-kefu] .launcher").click();
      await widget(first).locator("#composer textarea[name=body]").waitFor();
    }
    await visitorSends(first, "Hello, do you ship to Chengdu?");

    await agent.locator("#my-conversations a").first().click();
    await agent.locator("#thread .message.theirs", { hasText: "Hello, do you ship to Chengdu?" }).waitFor();
    await agentSends(agent, "Yes, in two days.");
    await widget(first).locator("#thread .message.theirs", { hasText: "Yes, in two days." }).waitFor();
    await visitorSends(first, "Great, and the price?");
    await agentSends(agent, "Shipping is free over ¥99.");
    await onceEverywhere(first, agent, ["Hello, do you ship to Chengdu?", "Yes, in two days.", "Great, and the price?", "Shipping is free over ¥99."]);
    // Presence crosses processes: each sees the other online.
    await presenceRight(first, agent);
  });

  it("queues the next visitors with their places in line, whichever process they reached", async () => {
    waitingNext = await visitor("en-US", desktop);
    await visitorSends(waitingNext, "Second in the shop");
    await widget(waitingNext).locator("#queue-position", { hasText: "You are next in line." }).waitFor();
    waitingBehind = await visitor("en-US", phone);
    await visitorSends(waitingBehind, "Third in the shop");
    await widget(waitingBehind).locator("#queue-position", { hasText: "1 ahead of you in line." }).waitFor();
    // least_conn spread them: two sockets on each process.
    await exactly([2, 2]);
    await waitingNext.screenshot({ path: `${shotsDir}/several-processes-next-1280-en.png` });
    await agent.screenshot({ path: `${shotsDir}/several-processes-console-before-kill-1280-en.png` });
  });

  it("kill -9 of the visitor's process mid-chat: the pages reconnect through nginx to the other and nothing is lost or doubled", async () => {
    await visitorsProcess.kill9();
    // Written while the visitor's socket is down or just back: delivered once each.
    await visitorSends(first, "Are you still there?", { confirmed: false });
    await agentSends(agent, "Still here.", { confirmed: false });
    await widget(first).locator("#thread .message.mine:not(.pending)", { hasText: "Are you still there?" }).waitFor({ timeout: 20_000 });
    await agent.locator("#thread .message.mine:not(.pending)", { hasText: "Still here." }).waitFor();
    await exactly(agentsProcess === one ? [4, 0] : [0, 4]);
    await visitorSends(first, "Thanks!");
    await agentSends(agent, "You're welcome.");
    await onceEverywhere(first, agent, [
      "Hello, do you ship to Chengdu?",
      "Yes, in two days.",
      "Great, and the price?",
      "Shipping is free over ¥99.",
      "Are you still there?",
      "Still here.",
      "Thanks!",
      "You're welcome.",
    ]);
    // Past the dead process's heartbeat and grace, the people it carried are still online
    // (they reconnected), and the queue has not moved.
    await Bun.sleep(presenceSettledMs);
    await presenceRight(first, agent);
    await widget(waitingNext).locator("#queue-position", { hasText: "You are next in line." }).waitFor();
    await widget(waitingBehind).locator("#queue-position", { hasText: "1 ahead of you in line." }).waitFor();
    await first.screenshot({ path: `${shotsDir}/several-processes-visitor-390-zh-CN.png` });
    await waitingBehind.screenshot({ path: `${shotsDir}/several-processes-waiting-390-en.png` });
    await agent.screenshot({ path: `${shotsDir}/several-processes-console-1280-en.png` });
  });

  it("the first process back, kill -9 of the agent's: the agent reconnects too and the queue moves on when the chat closes", async () => {
    await visitorsProcess.start();
    await agentsProcess.kill9();
    await agentSends(agent, "Anything else?", { confirmed: false });
    await agent.locator("#thread .message.mine:not(.pending)", { hasText: "Anything else?" }).waitFor({ timeout: 20_000 });
    await exactly(visitorsProcess === one ? [4, 0] : [0, 4]);
    await visitorSends(first, "No, that's all.");
    await onceEverywhere(first, agent, ["Anything else?", "No, that's all."]);
    await Bun.sleep(presenceSettledMs);
    await presenceRight(first, agent);

    // The agent closes the first chat: the head of the line is served, the one behind moves up.
    await agent.locator("#conversation-actions button", { hasText: "Close" }).click();
    await agent.locator("#conversation-footer[data-state=closed]").waitFor();
    await widget(waitingNext).locator("#thread .event", { hasText: "joined the conversation" }).waitFor();
    await widget(waitingBehind).locator("#queue-position", { hasText: "You are next in line." }).waitFor();
    expect(queryKefu<{ status: string }>({ dataDir }, "SELECT status FROM conversations ORDER BY id")).toEqual([
      { status: "closed" },
      { status: "open" },
      { status: "queued" },
    ]);
    await waitingNext.screenshot({ path: `${shotsDir}/several-processes-served-1280-en.png` });
    await agent.screenshot({ path: `${shotsDir}/several-processes-console-after-close-1280-en.png` });
  });

  it("in Chinese: the console and the widget after both kills, at 1280 and 390", async () => {
    await postForm({ url: nginx.url }, "/console/locale", { locale: "zh-CN" }, { cookie: ownerCookie });
    const context = await person("zh-CN", phone);
    await context.addCookies([{ name: "kefu_session", value: ownerCookie.slice("kefu_session=".length), url: nginx.url }]);
    const narrow = await context.newPage();
    await narrow.goto(`${nginx.url}/console`);
    await narrow.locator(".console").waitFor();
    await narrow.screenshot({ path: `${shotsDir}/several-processes-console-390-zh-CN.png` });
    await agent.reload();
    await agent.locator(".console").waitFor();
    await agent.screenshot({ path: `${shotsDir}/several-processes-console-1280-zh-CN.png` });
    await first.setViewportSize(desktop);
    await first.screenshot({ path: `${shotsDir}/several-processes-visitor-1280-zh-CN.png` });
    // nginx always had a process to pass each request to, and reached both.
    expect(nginx.errorLog()).not.toContain("no live upstreams");
    for (const { port } of [one, two]) expect(nginx.accessLog()).toContain(`upstream=127.0.0.1:${port}`);
    expect(`${one.output()}${two.output()}`).not.toMatch(/ ERROR /);
  });
});
