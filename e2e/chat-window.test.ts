// The visitor's chat window as a shop deploys it: the widget on a host page of another origin
// (localhost:<port>, while Kefu answers on 127.0.0.1), so the chat page is a third-party iframe
// that may be framed only with embed=1, and the loader and the page talk by postMessage only.
import { Database } from "bun:sqlite";
import { afterAll, beforeAll, describe, expect, it, setDefaultTimeout } from "bun:test";
import { join } from "node:path";
import type { Browser, BrowserContext, BrowserContextOptions, Frame, FrameLocator, Page } from "playwright-core";
import { brandColors, contrastRatio } from "../src/views/brand";
import { type Kefu, launchBrowser, openConsole, postForm, sessionCookie, shotsDir, startKefu } from "./support";

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
  // Every test's visitor goes to the owner: room for all of them.
  await asOwner("/console/settings", { capacity: "100" });
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
  await context.addInitScript(followChatPage);
  return context;
}

/**
 * Runs in every page and frame before its scripts: notes when the chat page's socket is open and
 * when the loader's init reached it (the loader hears the page only from then on).
 */
function followChatPage() {
  const state = { open: false, init: false };
  (window as unknown as { kefuFollow: typeof state }).kefuFollow = state;
  document.addEventListener("htmx:ws:after:connection", () => (state.open = true));
  document.addEventListener("htmx:ws:close", () => (state.open = false));
  addEventListener("message", (event) => {
    if (event.data?.kefu === 1 && event.data.type === "init") state.init = true;
  });
}

/** Waits until the chat page (a tab, or the widget's frame) is connected, and in the widget, introduced to its loader. */
async function chatReady(frame: Frame | Page, embedded: boolean): Promise<void> {
  await frame.waitForFunction((widget) => {
    const state = (window as unknown as { kefuFollow?: { open: boolean; init: boolean } }).kefuFollow;
    return !!state && state.open && (!widget || state.init);
  }, embedded, { polling: 25 });
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

/** The shop's page with its widget, loaded (closed) in the background and connected. */
async function hostPage(context: BrowserContext, settings: unknown = {}): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${hostUrl}/?settings=${encodeURIComponent(JSON.stringify(settings))}`);
  await launcher(page).waitFor();
  await widget(page).locator("main.chat").waitFor({ state: "attached" });
  await chatReady(chatFrame(page), true);
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
  await asOwner("/console/hours", { timezone: "UTC", closedDates: closedDays(), offlineText: "", noAgentText: "" });
  try {
    await run();
  } finally {
    await asOwner("/console/hours", { timezone: "UTC", closedDates: "", offlineText: "", noAgentText: "" });
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
  const instead = [
    { shown: "the group picker", selector: ".group-picker", during: withGroupPicker },
    { shown: "the leave-a-message form", selector: "#leave-message", during: whileClosed },
  ];
  for (const { shown, selector, during } of instead) {
    it(`opens the widget of a visitor who sees ${shown}, on the conversation`, async () => {
      await during(async () => {
        const context = await newContext();
        const page = await hostPage(context);
        await widget(page).locator(selector).waitFor({ state: "attached" });
        await writeFirst("Hello! Can I help you choose a tea?");
        await panel(page).waitFor({ state: "visible" });
        await widget(page).locator("#thread .message.theirs", { hasText: "Hello! Can I help you choose a tea?" }).waitFor();
        await widget(page).locator("#composer").waitFor();
        await context.close();
      });
    });
  }
});

// ---- the shop's colour and title ----

interface Painted {
  background: string;
  color: string;
}

/** A computed rgb()/rgba() colour as #rrggbb (alpha ignored: the tests read opaque fills). */
function hex(css: string): string {
  const [r, g, b] = css.match(/[\d.]+/g)!.slice(0, 3).map(Number);
  return `#${[r, g, b].map((value) => Math.round(value!).toString(16).padStart(2, "0")).join("")}`;
}

async function painted(locator: { evaluate<R>(fn: (element: Element) => R): Promise<R> }): Promise<Painted> {
  const { background, color } = await locator.evaluate((element) => {
    const style = getComputedStyle(element);
    return { background: style.backgroundColor, color: style.color };
  });
  return { background: hex(background), color: hex(color) };
}

/** The agent's console, signed in as the owner; opening it makes the owner an online agent. */
const agentConsole = async (): Promise<Page> => openConsole(await newContext(), kefu.url, ownerCookie);

async function sendFromWidget(page: Page, text: string): Promise<void> {
  await chatReady(chatFrame(page), true);
  const box = widget(page).locator("#composer textarea[name=body]");
  await box.fill(text);
  await box.press("Enter");
  await widget(page).locator("#thread .message.mine:not(.pending)", { hasText: text }).waitFor();
}

/** The agent answers in the newest conversation: the visitor of the test at hand. */
async function replyAsAgent(agent: Page, text: string): Promise<void> {
  const [newest] = query("SELECT max(id) AS id FROM conversations") as { id: number }[];
  await agent.goto(`${kefu.url}/console/conversations/${newest!.id}`);
  await agent.locator("#composer textarea[name=body]").fill(text);
  await agent.locator("#composer textarea[name=body]").press("Enter");
  await agent.locator("#thread .message.mine:not(.pending)", { hasText: text }).waitFor();
}

describe("the shop's colour and title in the chat window", () => {
  for (const [colour, textOnIt] of [["#fde047", "#111111"], ["#1e3a8a", "#ffffff"]] as const) {
    it(`paints ${colour} on the launcher, the header, the send button and the visitor's bubbles, with readable text and links`, async () => {
      await asOwner("/console/deploy/appearance", { color: colour, title: "Tea House support", position: "right", greeting: "" });
      const agent = await agentConsole();
      const context = await newContext();
      const page = await hostPage(context);
      // The loader's button: the colour, and an icon that reads on it.
      expect(await painted(launcher(page))).toEqual({ background: colour, color: textOnIt });
      await launcher(page).click();
      const chat = widget(page);
      await expect(chat.locator(".chat-header").textContent()).resolves.toContain("Tea House support");
      expect(await painted(chat.locator(".chat-header"))).toEqual({ background: colour, color: textOnIt });
      expect(await painted(chat.locator("#composer .send"))).toEqual({ background: colour, color: textOnIt });
      await sendFromWidget(page, "Do you ship to Hangzhou?");
      expect(await painted(chat.locator("#thread .message.mine .bubble").first())).toEqual({ background: colour, color: textOnIt });
      // The agent answers with a link: on the white bubble it is the shop's colour darkened to read.
      await replyAsAgent(agent, "Yes, see https://example.com/shipping");
      const link = chat.locator("#thread .message.theirs a", { hasText: "example.com/shipping" });
      const { color: linkColour } = await painted(link);
      expect(contrastRatio(linkColour, "#ffffff")).toBeGreaterThanOrEqual(4.5);
      expect(linkColour).toBe(brandColors(colour).ink);
      // A keyboard focus ring in that readable colour too.
      await chat.locator("#composer textarea[name=body]").focus();
      await page.keyboard.press("Shift+Tab");
      const ring = await chat.locator("#composer").evaluate(() => {
        const focused = document.activeElement!;
        return { tool: focused.closest(".composer-tools") !== null, outline: getComputedStyle(focused).outlineColor };
      });
      expect(ring.tool).toBe(true);
      expect(hex(ring.outline)).toBe(brandColors(colour).ink);
      await page.screenshot({ path: `${shotsDir}/chat-window-colour-${colour.slice(1)}.png` });
      await context.close();
      await agent.context().close();
    });
  }
});

describe("ending the chat", () => {
  it("is in the header's ⋯ menu, asks in the page first, and then the header neither says online nor offers it again", async () => {
    const agent = await agentConsole();
    const context = await newContext();
    const page = await hostPage(context);
    const dialogs: string[] = [];
    page.on("dialog", (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    await launcher(page).click();
    const chat = widget(page);
    // Nothing to end before the first message.
    await expect(chat.locator("[aria-controls=chat-menu]").isVisible()).resolves.toBe(false);
    await sendFromWidget(page, "I would like to change my order");
    await chat.locator("#agent-status .presence.online").waitFor();
    await expect(chat.locator("#end-chat").isVisible()).resolves.toBe(false);

    await chat.getByRole("button", { name: "More" }).click();
    await chat.getByRole("menuitem", { name: "End chat" }).click();
    const question = chat.getByRole("alertdialog");
    await expect(question.textContent()).resolves.toContain("End this chat?");
    await page.screenshot({ path: `${shotsDir}/chat-window-end-confirm.png` });
    // Keep chatting: nothing ends.
    await question.getByRole("button", { name: "Keep chatting" }).click();
    await question.waitFor({ state: "hidden" });
    expect(query("SELECT status FROM conversations ORDER BY id DESC LIMIT 1")).toEqual([{ status: "open" }]);

    await chat.getByRole("button", { name: "More" }).click();
    await chat.getByRole("menuitem", { name: "End chat" }).click();
    await question.getByRole("button", { name: "End chat" }).click();
    await chat.locator("#agent-status:not([data-ongoing])").waitFor({ state: "attached" });
    expect(query("SELECT status FROM conversations ORDER BY id DESC LIMIT 1")).toEqual([{ status: "closed" }]);
    await expect(chat.locator(".chat-header .presence").count()).resolves.toBe(0);
    await expect(chat.locator("[aria-controls=chat-menu]").isVisible()).resolves.toBe(false);
    await page.screenshot({ path: `${shotsDir}/chat-window-ended.png` });

    // Writing again starts a new conversation, which can be ended again.
    await sendFromWidget(page, "One more question");
    await chat.locator("[aria-controls=chat-menu]").waitFor();
    expect(dialogs).toEqual([]);
    await context.close();
    await agent.context().close();
  });
});

describe("a reply while the chat page's tab is hidden", () => {
  it("counts in the title and chimes, until the visitor looks again", async () => {
    const agent = await agentConsole();
    const context = await newContext();
    // Headless Chromium never hides a page: this stands in for the browser's tab switch, and
    // counts the notes the page plays through WebAudio.
    await context.addInitScript(() => {
      const state = { hidden: false, notes: 0 };
      Object.assign(window, { kefuTest: state });
      Object.defineProperty(document, "hidden", { get: () => state.hidden });
      Object.defineProperty(document, "visibilityState", { get: () => (state.hidden ? "hidden" : "visible") });
      const start = OscillatorNode.prototype.start;
      OscillatorNode.prototype.start = function (...args) {
        state.notes += 1;
        return start.apply(this, args);
      };
    });
    const page = await context.newPage();
    await page.goto(`${kefu.url}/chat/${widgetKey}`);
    await chatReady(page, false);
    const title = await page.title();
    const box = page.locator("#composer textarea[name=body]");
    await box.fill("Is the shop open on Sunday?");
    await box.press("Enter");
    await page.locator("#thread .message.mine:not(.pending)", { hasText: "Sunday" }).waitFor();
    const setHidden = (hidden: boolean) =>
      page.evaluate((value) => {
        (window as unknown as { kefuTest: { hidden: boolean } }).kefuTest.hidden = value;
        document.dispatchEvent(new Event("visibilitychange"));
      }, hidden);
    await setHidden(true);
    await replyAsAgent(agent, "Yes, from 10:00.");
    await page.waitForFunction((base) => document.title === `(1) ${base}`, title);
    await agent.locator("#composer textarea[name=body]").fill("Until 16:00.");
    await agent.locator("#composer textarea[name=body]").press("Enter");
    await page.waitForFunction((base) => document.title === `(2) ${base}`, title);
    const notes = await page.evaluate(() => (window as unknown as { kefuTest: { notes: number } }).kefuTest.notes);
    expect(notes).toBeGreaterThanOrEqual(2);
    await setHidden(false);
    await page.waitForFunction((base) => document.title === base, title);
    // Read while looked at: no count, no sound.
    await agent.locator("#composer textarea[name=body]").fill("See you then.");
    await agent.locator("#composer textarea[name=body]").press("Enter");
    await page.locator("#thread .message.theirs", { hasText: "See you then." }).waitFor();
    await expect(page.title()).resolves.toBe(title);
    await expect(page.evaluate(() => (window as unknown as { kefuTest: { notes: number } }).kefuTest.notes)).resolves.toBe(notes);
    await context.close();
    await agent.context().close();
  });
});

// ---- look and feel ----

describe("the widget and the keyboard", () => {
  it("closes on Esc inside the chat, and gives the focus back to the launcher", async () => {
    const context = await newContext();
    const page = await hostPage(context);
    await launcher(page).click();
    const box = widget(page).locator("#composer textarea[name=body]");
    await box.focus();
    // Esc first closes what the page opened (the emoji picker), then the widget.
    await widget(page).locator("#composer .emoji-toggle").click();
    await widget(page).locator(".emoji-picker").waitFor();
    await page.keyboard.press("Escape");
    await widget(page).locator(".emoji-picker").waitFor({ state: "hidden" });
    await expect(panel(page).isVisible()).resolves.toBe(true);
    await page.keyboard.press("Escape");
    await panel(page).waitFor({ state: "hidden" });
    await expect(launcher(page).evaluate((button) => (button.getRootNode() as ShadowRoot).activeElement === button)).resolves.toBe(true);
    await context.close();
  });
});

describe("the leave-a-message form in the widget", () => {
  it("fits a 380×600 panel with its button in sight, and says plainly when the message is sent", async () => {
    await whileClosed(async () => {
      // 600 px: the panel's height on a window 708 px high (it keeps 108 px for the launcher).
      const context = await newContext({ viewport: { width: 1280, height: 708 } });
      const page = await hostPage(context);
      await launcher(page).click();
      const form = widget(page).locator("#leave-message");
      await form.waitFor();
      expect(await panel(page).boundingBox()).toMatchObject({ width: 380, height: 600 });
      const frameBox = (await panel(page).boundingBox())!;
      const submit = form.locator("button[type=submit]");
      const button = (await submit.boundingBox())!;
      expect(button.y + button.height).toBeLessThanOrEqual(frameBox.y + frameBox.height);
      expect(button.height).toBeGreaterThanOrEqual(44);
      await form.locator("input[name=name]").fill("Lin");
      await form.locator("textarea[name=message]").fill("Please call me about a wholesale order.");
      await page.screenshot({ path: `${shotsDir}/chat-window-leave-message.png` });
      await submit.click();
      const sent = widget(page).locator("#leave-message.sent");
      await expect(sent.getByRole("heading").textContent()).resolves.toBe("Message sent");
      await expect(sent.textContent()).resolves.toContain("We got your message");
      await page.screenshot({ path: `${shotsDir}/chat-window-leave-message-sent.png` });
      await context.close();
    });
  });
});

describe("the composer and the thread", () => {
  it("grows from one line to a limit, keeps the send button inside it, and shows 'typing…' just above it", async () => {
    const agent = await agentConsole();
    const context = await newContext();
    const page = await context.newPage();
    await page.goto(`${kefu.url}/chat/${widgetKey}`);
    await chatReady(page, false);
    const box = page.locator("#composer textarea[name=body]");
    const height = async () => (await box.boundingBox())!.height;
    expect(await height()).toBe(40);
    await box.fill("one\ntwo\nthree");
    expect(await height()).toBeGreaterThan(60);
    await box.fill(Array.from({ length: 12 }, (_, line) => `line ${line}`).join("\n"));
    expect(await height()).toBe(120);
    const field = (await page.locator("#composer .composer-field").boundingBox())!;
    const send = (await page.locator("#composer .send").boundingBox())!;
    expect(send.x).toBeGreaterThanOrEqual(field.x);
    expect(send.x + send.width).toBeLessThanOrEqual(field.x + field.width);
    await box.press("Enter");
    expect(await height()).toBe(40);
    await page.locator("#thread .message.mine:not(.pending)", { hasText: "line 11" }).waitFor();

    await replyAsAgent(agent, "Hello!");
    await page.locator("#thread .message.theirs", { hasText: "Hello!" }).waitFor();
    await Bun.sleep(2100); // the agent's "typing" is sent at most every 2 s
    await agent.locator("#composer textarea[name=body]").pressSequentially("Let me check", { delay: 30 });
    const typing = page.locator("#typing");
    await typing.waitFor();
    const composerTop = (await page.locator("#composer").boundingBox())!.y;
    const typingBox = (await typing.boundingBox())!;
    expect(typingBox.y + typingBox.height).toBeLessThanOrEqual(composerTop);
    expect(composerTop - (typingBox.y + typingBox.height)).toBeLessThan(12);
    await context.close();
    await agent.context().close();
  });
});

describe("the chat window on a phone", () => {
  it("keeps the header on one line in Chinese, names every icon button, and makes every button 44 px", async () => {
    await asOwner("/console/visitor-window/faqs", { question: "发货要多久？", answer: "两到三天。" });
    const agent = await agentConsole();
    const context = await newContext({ locale: "zh-CN", viewport: phone, isMobile: true, hasTouch: true });
    const page = await hostPage(context);
    await launcher(page).click();
    const chat = widget(page);
    await sendFromWidget(page, "你好");
    await chat.locator("#agent-status .presence", { hasText: "在线" }).waitFor();
    const row = (await chat.locator(".chat-header-row").boundingBox())!;
    expect(row.height).toBeLessThanOrEqual(48);
    const presence = (await chat.locator("#agent-status .presence").boundingBox())!;
    expect(presence.height).toBeLessThan(24);
    const buttons = await chat.locator("main.chat").evaluate((main) =>
      [...main.querySelectorAll<HTMLElement>(".chat-header-row button, #composer button")]
        .filter((button) => button.offsetParent !== null)
        .map((button) => ({
          name: button.getAttribute("aria-label") || button.textContent!.trim() || button.title,
          width: button.getBoundingClientRect().width,
          height: button.getBoundingClientRect().height,
        })),
    );
    expect(buttons.length).toBeGreaterThanOrEqual(6);
    for (const button of buttons) {
      expect(button.name).not.toBe("");
      expect(Math.min(button.width, button.height)).toBeGreaterThanOrEqual(44);
    }
    await page.screenshot({ path: `${shotsDir}/chat-window-phone-zh.png` });
    await context.close();
    await agent.context().close();
  });

  it("folds the FAQ away behind a toggle and opens it over the thread, which keeps its size", async () => {
    const context = await newContext({ viewport: phone, isMobile: true, hasTouch: true });
    const page = await hostPage(context);
    await launcher(page).click();
    const chat = widget(page);
    await chat.locator("#composer").waitFor();
    await expect(chat.locator("#chat-side").isVisible()).resolves.toBe(false);
    const thread = (await chat.locator("#thread-scroll").boundingBox())!;
    await chat.locator(".chat-side-toggle").click();
    await chat.locator("#chat-side").waitFor();
    expect(await chat.locator("#thread-scroll").boundingBox()).toEqual(thread);
    expect(await chat.locator("#chat-side").boundingBox()).toEqual(thread);
    await page.screenshot({ path: `${shotsDir}/chat-window-phone-faq.png` });
    await chat.locator("button", { hasText: "发货要多久？" }).click();
    await chat.locator("#thread .message.auto", { hasText: "两到三天。" }).waitFor();
    await expect(chat.locator("#chat-side").isVisible()).resolves.toBe(false);
    await context.close();
  });
});

describe("how the chat window looks", () => {
  for (const colour of ["#2563eb", "#fde047", "#1e3a8a"]) {
    it(`in ${colour}, on a desktop and a phone, in English and Chinese: readable, and no wider than the window`, async () => {
      await asOwner("/console/deploy/appearance", { color: colour, title: "Tea House support", position: "right", greeting: "" });
      const agent = await agentConsole();
      for (const [locale, viewport] of [["en-US", desktop], ["zh-CN", phone]] as const) {
        const context = await newContext({ locale, viewport, ...(viewport === phone ? { isMobile: true, hasTouch: true } : {}) });
        const page = await hostPage(context);
        await launcher(page).click();
        await sendFromWidget(page, locale === "zh-CN" ? "乌龙茶有货吗？" : "Is the oolong in stock?");
        await replyAsAgent(agent, locale === "zh-CN" ? "有的，还有 12 包。" : "Yes, 12 packs left: https://example.com/oolong");
        await widget(page).locator("#thread .message.theirs").first().waitFor();
        await page.screenshot({ path: `${shotsDir}/chat-window-${colour.slice(1)}-${locale}-${viewport === phone ? "phone" : "desktop"}.png` });
        const standalone = await context.newPage();
        await standalone.goto(`${kefu.url}/chat/${widgetKey}`);
        await chatReady(standalone, false);
        await standalone.screenshot({ path: `${shotsDir}/chat-page-${colour.slice(1)}-${locale}-${viewport === phone ? "phone" : "desktop"}.png` });
        // Readable on the shop's colour, and nothing wider than the window, in the frame and the page.
        for (const chat of [chatFrame(page), standalone]) {
          const header = await painted(chat.locator(".chat-header"));
          expect(contrastRatio(header.background, header.color)).toBeGreaterThanOrEqual(4.5);
          await expect(chat.evaluate(() => document.documentElement.scrollWidth <= innerWidth)).resolves.toBe(true);
        }
        await context.close();
      }
      await agent.context().close();
    });
  }
});
