// The visitor's chat window as a shop deploys it: the widget on a host page of another origin
// (localhost:<port>, while Kefu answers on 127.0.0.1), so the chat page is a third-party iframe
// that may be framed only with embed=1, and the loader and the page talk by postMessage only.
import { Database } from "bun:sqlite";
import { afterAll, beforeAll, describe, expect, it, setDefaultTimeout } from "bun:test";
import { join } from "node:path";
import type { Browser, BrowserContext, BrowserContextOptions, Frame, FrameLocator, Page } from "playwright-core";
import { type Kefu, launchBrowser, postForm, sessionCookie, shotsDir, startKefu } from "./support";

setDefaultTimeout(60_000);

const owner = { name: "Mei", email: "mei@example.com", password: "a long password" };
const desktop = { width: 1280, height: 800 };
const phone = { width: 390, height: 844 };

let kefu: Kefu;
let browser: Browser;
let ownerCookie: string;
let widgetKey: string;
let host: ReturnType<typeof Bun.serve>;
let hostUrl: string;

beforeAll(async () => {
  [kefu, browser] = await Promise.all([startKefu(), launchBrowser()]);
  const setup = await postForm(kefu, "/setup", owner);
  expect(setup.status).toBe(303);
  ownerCookie = sessionCookie(setup);
  widgetKey = (query("SELECT widget_key AS widgetKey FROM businesses")[0] as { widgetKey: string }).widgetKey;
  const kefuUrl = kefu.url;
  // The shop's page; ?settings= becomes window.kefuSettings.
  host = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch(request) {
      const settings = new URL(request.url).searchParams.get("settings") ?? "{}";
      return new Response(
        `<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Tea House</title></head>
<body><h1>Tea House</h1><p>Oolong tea, 250 g</p><script>window.kefuSettings = ${settings};</script>
<script async src="${kefuUrl}/widget.js" data-key="${widgetKey}"></script></body></html>`,
        { headers: { "content-type": "text/html; charset=utf-8" } },
      );
    },
  });
  hostUrl = `http://localhost:${host.port}`;
});

afterAll(async () => {
  await browser?.close();
  host?.stop(true);
  await kefu?.stop();
});

function query(sql: string, ...params: (string | number)[]): unknown[] {
  const db = new Database(join(kefu.dataDir, "kefu.db"), { readonly: true });
  try {
    return db.query(sql).all(...params);
  } finally {
    db.close();
  }
}

/** A console POST as the owner; fails the test unless it was taken. */
async function asOwner(path: string, form: Record<string, string>): Promise<void> {
  const response = await postForm(kefu, path, form, { cookie: ownerCookie });
  expect(response.status).toBeLessThan(400);
}

async function newContext(options: BrowserContextOptions = {}): Promise<BrowserContext> {
  const context = await browser.newContext({ locale: "en-US", viewport: desktop, ...options });
  context.setDefaultTimeout(15_000);
  return context;
}

/** Every uncaught error of a page: neither the widget nor the chat page may throw. */
function watch(page: Page): string[] {
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  return errors;
}

const launcher = (page: Page) => page.locator("[data-kefu] .launcher");
const panel = (page: Page) => page.locator("[data-kefu] .panel");
const widget = (page: Page): FrameLocator => page.frameLocator("[data-kefu] iframe");
/** The chat page's frame itself, for its address and for evaluating in it. */
const chatFrame = (page: Page): Frame => page.frames().find((frame) => frame.url().includes(`/chat/${widgetKey}`))!;

/** The shop's page with its widget, loaded (closed) in the background. */
async function hostPage(context: BrowserContext, settings: unknown = {}): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${hostUrl}/?settings=${encodeURIComponent(JSON.stringify(settings))}`);
  await launcher(page).waitFor();
  await widget(page).locator("main.chat").waitFor({ state: "attached" });
  return page;
}

/** The visitor the newest chat page made, and an agent's first message to them from Live visitors. */
async function writeFirst(text: string): Promise<void> {
  const [visitor] = query("SELECT max(id) AS id FROM visitors") as { id: number }[];
  await asOwner(`/console/visitors/${visitor!.id}/message`, { body: text, clientId: crypto.randomUUID() });
}

/** Shows the picker with two groups, and takes it away again after `run`. */
async function withGroupPicker(run: (groups: { id: number; name: string }[]) => Promise<void>): Promise<void> {
  await asOwner("/console/groups", { name: "Sales" });
  await asOwner("/console/groups", { name: "Support" });
  await asOwner("/console/groups/picker", { groupPicker: "on" });
  const groups = query("SELECT id, name FROM groups ORDER BY id") as { id: number; name: string }[];
  try {
    await run(groups);
  } finally {
    for (const group of groups) await asOwner(`/console/groups/${group.id}/delete`, {});
  }
}

/** The shop's calendar day today and tomorrow (its time zone is UTC here). */
const closedDays = () => [0, 1].map((days) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10)).join(" ");

/** Closed today: the chat page offers the leave-a-message form until `run` is done. */
async function whileClosed(run: () => Promise<void>): Promise<void> {
  await asOwner("/console/hours", { timezone: "UTC", closedDates: closedDays(), offlineText: "" });
  try {
    await run();
  } finally {
    await asOwner("/console/hours", { timezone: "UTC", closedDates: "", offlineText: "" });
  }
}

describe("the group picker in the widget", () => {
  it("opens the chosen group's chat inside the widget, in the language the shop's page chose", async () => {
    await withGroupPicker(async ([sales]) => {
      const context = await newContext();
      const page = await hostPage(context, { locale: "zh-CN" });
      const errors = watch(page);
      await launcher(page).click();
      await widget(page).locator(".group-picker a", { hasText: sales!.name }).click();
      // The frame loaded the chat (not the browser's "refused to connect" page), still embedded.
      await widget(page).locator("#composer textarea[name=body]").fill("有红茶吗？");
      const address = new URL(chatFrame(page).url());
      expect(Object.fromEntries(address.searchParams)).toEqual({ group: String(sales!.id), locale: "zh-CN", embed: "1" });
      await expect(widget(page).locator("html").getAttribute("lang")).resolves.toBe("zh-CN");
      await widget(page).locator("#composer textarea[name=body]").press("Enter");
      await widget(page).locator("#thread .message.mine:not(.pending)", { hasText: "有红茶吗？" }).waitFor();
      expect(query("SELECT c.group_id AS groupId FROM conversations c JOIN messages m ON m.conversation_id = c.id WHERE m.body = '有红茶吗？'")).toEqual([
        { groupId: sales!.id },
      ]);
      expect(errors).toEqual([]);
      await context.close();
    });
  });
});

describe("an agent who writes first", () => {
  it("opens the widget of a visitor who sees the group picker, on the conversation", async () => {
    await withGroupPicker(async () => {
      const context = await newContext();
      const page = await hostPage(context);
      await widget(page).locator(".group-picker").waitFor({ state: "attached" });
      await writeFirst("Hello! Can I help you choose a tea?");
      await panel(page).waitFor({ state: "visible" });
      await widget(page).locator("#thread .message.theirs", { hasText: "Hello! Can I help you choose a tea?" }).waitFor();
      await widget(page).locator("#composer").waitFor();
      await context.close();
    });
  });

  it("opens the widget of a visitor who sees the leave-a-message form, on the conversation", async () => {
    await whileClosed(async () => {
      const context = await newContext();
      const page = await hostPage(context);
      await widget(page).locator("#leave-message").waitFor({ state: "attached" });
      await writeFirst("We are closed, but I am here: how can I help?");
      await panel(page).waitFor({ state: "visible" });
      await widget(page).locator("#thread .message.theirs", { hasText: "We are closed, but I am here" }).waitFor();
      await widget(page).locator("#composer").waitFor();
      await context.close();
    });
  });
});
