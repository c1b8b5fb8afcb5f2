// Live chat as real people use it: a visitor on the chat page and an agent in the console, each
// in their own Chromium context, against the built binary. One server (restartable on the same
// port and data dir) and one browser serve the whole file; each describe block starts its own
// visitor, so the blocks do not depend on each other. kefu.db is only ever read (except for the
// second shop the authorization tests add), to compare what the pages show with what is stored.
import { Database } from "bun:sqlite";
import { afterAll, beforeAll, describe, expect, it, setDefaultTimeout } from "bun:test";
import { join } from "node:path";
import type { Browser, BrowserContext, BrowserContextOptions, Locator, Page } from "playwright-core";
import {
  launchBrowser,
  postForm,
  type RestartableKefu,
  runKefu,
  sessionCookie,
  shotsDir,
  startRestartableKefu,
  startTcpProxy,
  type TcpProxy,
} from "./support";

setDefaultTimeout(30_000);

const owner = { name: "Mei", email: "mei@example.com", password: "a long password" };
const desktop = { width: 1280, height: 800 };
const phone = { width: 390, height: 844 };

let kefu: RestartableKefu;
let browser: Browser;
/** The owner's `kefu_session=...` pair. */
let ownerCookie: string;
/** /chat/<widget key>, as the console shows it in #chat-link. */
let chatPath: string;
let widgetKey: string;
/** Every dialog any page of this file opened; a message must never open one. */
const dialogs: string[] = [];

beforeAll(async () => {
  [kefu, browser] = await Promise.all([startRestartableKefu(), launchBrowser()]);
  const setup = await postForm(kefu, "/setup", owner);
  expect(setup.status).toBe(303);
  ownerCookie = sessionCookie(setup);
  // One agent answers every conversation of this file: lift the per-agent limit (default 5) so
  // that no visitor waits in the queue unless a test wants it to.
  const capacity = await postForm(kefu, "/console/settings", { capacity: "100" }, { cookie: ownerCookie });
  expect(capacity.status).toBe(200);
  const consolePage = await (await fetch(`${kefu.url}/console`, { headers: { cookie: ownerCookie, "accept-language": "en" } })).text();
  const link = consolePage.match(/<input id="chat-link" readonly value="([^"]+)"/)?.[1];
  if (!link) throw new Error("no #chat-link on /console");
  chatPath = new URL(link).pathname;
  widgetKey = chatPath.split("/")[2]!;
});

afterAll(async () => {
  await browser?.close();
  await kefu?.stop();
});

// ---- pages ----

/** Runs in every page before its scripts: records the hx-ws connection's opens and closes. */
function trackSocket() {
  const state = { open: false, connects: 0, closes: [] as (number | null)[] };
  (window as unknown as { __kefuWs: typeof state }).__kefuWs = state;
  document.addEventListener("htmx:ws:after:connection", () => {
    state.open = true;
    state.connects++;
  });
  document.addEventListener("htmx:ws:close", (event) => {
    state.open = false;
    state.closes.push((event as CustomEvent<{ code: number | null }>).detail?.code ?? null);
  });
}

interface SocketState {
  open: boolean;
  connects: number;
  closes: (number | null)[];
}

const socketState = (page: Page) => page.evaluate(() => (window as unknown as { __kefuWs: SocketState }).__kefuWs);

/** Waits until the page's socket is open and has connected more than `moreThan` times. */
async function connected(page: Page, moreThan = 0, timeout = 10_000): Promise<void> {
  await page.waitForFunction(
    (n) => {
      const ws = (window as unknown as { __kefuWs?: SocketState }).__kefuWs;
      return !!ws && ws.open && ws.connects > n;
    },
    moreThan,
    { timeout, polling: 25 },
  );
}

async function disconnected(page: Page, timeout = 10_000): Promise<void> {
  await page.waitForFunction(() => !(window as unknown as { __kefuWs: SocketState }).__kefuWs.open, undefined, { timeout, polling: 25 });
}

function watch(page: Page): Page {
  page.on("dialog", (dialog) => {
    dialogs.push(`${dialog.type()}: ${dialog.message()} on ${page.url()}`);
    void dialog.dismiss().catch(() => {});
  });
  return page;
}

async function newContext(options: BrowserContextOptions & { agent?: boolean } = {}): Promise<BrowserContext> {
  const { agent, ...rest } = options;
  const context = await browser.newContext({ locale: "en-US", viewport: desktop, ...rest });
  // Well under the test timeout: a wait that fails must fail the test, not time it out (bun test
  // then kills the browser and the server, and every later test fails with it).
  context.setDefaultTimeout(10_000);
  await context.addInitScript(trackSocket);
  if (agent) {
    // Cookies belong to the host, not the port: this also signs in pages reached through a proxy.
    await context.addCookies([{ name: "kefu_session", value: ownerCookie.slice("kefu_session=".length), url: kefu.url }]);
  }
  return context;
}

/** Opens `path` (on `base`, the server unless a proxy is given) and waits for its socket. */
async function open(context: BrowserContext, path: string, base = kefu.url): Promise<Page> {
  const page = watch(await context.newPage());
  const response = await page.goto(base + path);
  expect(response?.status()).toBe(200);
  await connected(page).catch(() => {
    throw new Error(`the page at ${path} never opened its WebSocket (see "every page load, on a fast or a slow network")`);
  });
  return page;
}

/** The number in the console's #unread-total badge (0 while it is hidden). */
const unreadTotal = (page: Page) =>
  page.$eval("#unread-total", (badge) => ((badge as HTMLElement).hidden ? 0 : Number(badge.textContent) || 0));

const composer = (page: Page) => page.locator("#composer textarea[name=body]");

/** Types a message into the composer and sends it with Enter. */
async function send(page: Page, text: string): Promise<void> {
  await composer(page).fill(text);
  await composer(page).press("Enter");
}

function exactly(text: string): RegExp {
  return new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`);
}

/** The confirmed (not pending) message with this text in the page's thread. */
function message(page: Page, text: string, side?: "mine" | "theirs"): Locator {
  return page
    .locator(`#thread > .message${side ? `.${side}` : ""}:not(.pending)`)
    .filter({ has: page.locator(".bubble", { hasText: exactly(text) }) });
}

interface Shown {
  id: string;
  seq: string;
  classes: string;
  text: string;
}

/** The thread as the page shows it, without the agent's presence lines (they are not messages). */
const thread = (page: Page): Promise<Shown[]> =>
  page.$$eval("#thread > .message:not(.presence)", (elements) =>
    elements.map((element) => ({
      id: element.id,
      seq: (element as HTMLElement).dataset.seq ?? "",
      classes: element.className,
      text: (element.querySelector(".bubble") ?? element.querySelector("span"))?.textContent ?? "",
    })),
  );

async function until<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, timeout = 10_000): Promise<T> {
  const deadline = performance.now() + timeout;
  let last: unknown;
  while (performance.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    await Bun.sleep(25);
  }
  throw new Error(`timed out after ${timeout} ms waiting for ${what}${last ? `: ${last}` : ""}`);
}

const shot = (page: Page, name: string) => page.screenshot({ path: `${shotsDir}/chat-${name}.png` });

// ---- the database, read-only ----

interface Row {
  id: number;
  conversation_id: number;
  client_id: string;
  sender: string;
  body: string;
  read_at: number | null;
}

function query<T>(sql: string, ...params: (string | number)[]): T[] {
  const db = new Database(join(kefu.dataDir, "kefu.db"), { readonly: true });
  try {
    return db.query(sql).all(...params) as T[];
  } finally {
    db.close();
  }
}

/** The visitor who sent the message with this client id. */
function visitorOf(clientId: string): number {
  const [row] = query<{ visitor_id: number }>(
    "SELECT c.visitor_id FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE m.client_id = ?",
    clientId,
  );
  if (!row) throw new Error(`no stored message with client id ${clientId}`);
  return row.visitor_id;
}

/** Everything stored in the visitor's conversations, in id order. */
function storedThread(visitorId: number): Row[] {
  return query<Row>(
    "SELECT m.id, m.conversation_id, m.client_id, m.sender, m.body, m.read_at FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE c.visitor_id = ? ORDER BY m.id",
    visitorId,
  );
}

function conversationsOf(visitorId: number): { id: number; status: string; agent_id: number | null }[] {
  return query("SELECT id, status, agent_id FROM conversations WHERE visitor_id = ? ORDER BY id", visitorId);
}

const clientIdOf = (shown: Pick<Shown, "id">) => shown.id.replace(/^message-/, "");

/** The page shows exactly what is stored for the visitor: same ids, same order, nothing twice. */
async function expectThreadMatchesDatabase(page: Page, visitorId: number): Promise<void> {
  const shown = await thread(page);
  const stored = storedThread(visitorId);
  expect(new Set(shown.map((one) => one.id)).size).toBe(shown.length);
  expect(shown.map((one) => [one.id, one.seq])).toEqual(stored.map((row) => [`message-${row.client_id}`, String(row.id)]));
}

/** Opens a visitor page, sends a first message and returns the visitor's id and first message. */
async function startConversation(visitor: Page, text: string): Promise<{ visitorId: number; conversationId: number; first: Shown }> {
  await send(visitor, text);
  await message(visitor, text, "mine").waitFor();
  const first = (await thread(visitor)).find((one) => one.text === text)!;
  const visitorId = visitorOf(clientIdOf(first));
  const conversationId = conversationsOf(visitorId).at(-1)!.id;
  return { visitorId, conversationId, first };
}

// ---- raw WebSockets, for what a browser page would never send ----

interface RawSocket {
  socket: WebSocket;
  opened: boolean;
  received: string[];
  closed: Promise<{ code: number; reason: string }>;
  send(frame: unknown): void;
  /** Waits until a received frame matches. */
  next(match: (data: string) => boolean, timeout?: number): Promise<string>;
}

async function rawSocket(path: string, headers: Record<string, string>): Promise<RawSocket> {
  const socket = new WebSocket(`${kefu.url.replace(/^http/, "ws")}${path}`, { headers } as unknown as string[]);
  const received: string[] = [];
  socket.addEventListener("message", (event) => received.push(String(event.data)));
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.addEventListener("close", (event) => resolve({ code: event.code, reason: event.reason })),
  );
  const opened = await Promise.race([
    new Promise<boolean>((resolve) => socket.addEventListener("open", () => resolve(true))),
    closed.then(() => false),
  ]);
  return {
    socket,
    opened,
    received,
    closed,
    send: (frame) => socket.send(typeof frame === "string" ? frame : JSON.stringify(frame)),
    next: (match, timeout = 5000) => until("a matching frame", () => received.find(match), timeout),
  };
}

/** A new anonymous visitor over plain HTTP: its `kefu_visitor=...` pair. */
async function newVisitorCookie(path = chatPath): Promise<string> {
  const response = await fetch(kefu.url + path, { headers: { "accept-language": "en" } });
  expect(response.status).toBe(200);
  const cookie = response.headers.getSetCookie().find((line) => line.startsWith("kefu_visitor="));
  if (!cookie) throw new Error("no visitor cookie");
  return cookie.split(";")[0]!;
}

// =====================================================================================

describe("a conversation that waits for an agent", () => {
  let visitorContext: BrowserContext;
  let agentContext: BrowserContext;

  beforeAll(async () => {
    [visitorContext, agentContext] = await Promise.all([newContext(), newContext({ agent: true })]);
  });

  afterAll(async () => {
    await visitorContext?.close();
    await agentContext?.close();
  });

  it("waits in the queue while no agent is online, and moves to the agent who takes it", async () => {
    // Away: an agent who opens the console "online" is given what waits at once; an agent away
    // is not, but can look into a waiting conversation and take it.
    expect((await postForm(kefu, "/console/availability", { availability: "away" }, { cookie: ownerCookie })).status).toBeLessThan(400);
    const agent = await open(agentContext, "/console");
    await agent.getByText("No conversations yet.").waitFor();
    expect(await agent.getByText("Pick a conversation on the left.").isVisible()).toBe(false);

    const visitor = await open(visitorContext, chatPath);
    const { visitorId, conversationId } = await startConversation(visitor, "Is the shop open on Sunday?");
    expect(conversationsOf(visitorId)).toEqual([{ id: conversationId, status: "queued", agent_id: null }]);
    const waiting = agent.locator(`#waiting-conversations > li#conversation-${conversationId}`);
    await waiting.waitFor();
    // The first conversation arrived live: the empty pane no longer says there are none.
    await agent.getByText("Pick a conversation on the left.").waitFor();
    expect(await agent.getByText("No conversations yet.").isVisible()).toBe(false);
    expect(await waiting.locator(".preview").textContent()).toBe("Is the shop open on Sunday?");
    expect(await agent.locator(`#my-conversations > li#conversation-${conversationId}`).count()).toBe(0);

    await Promise.all([agent.waitForURL(`**/console/conversations/${conversationId}`), waiting.locator("a").click()]);
    await connected(agent);
    await message(agent, "Is the shop open on Sunday?", "theirs").waitFor();
    // Looking into a waiting conversation is not answering it: not seen yet.
    await Bun.sleep(300);
    expect(await visitor.locator("#thread > .message.mine.seen").count()).toBe(0);
    await agent.locator("#conversation-footer button", { hasText: "Take" }).click();
    await agent.locator("#conversation-actions button", { hasText: "Close" }).waitFor();
    await agent.locator(`#my-conversations > li#conversation-${conversationId}`).waitFor();
    await agent.locator(`#waiting-conversations > li#conversation-${conversationId}`).waitFor({ state: "detached" });

    // The visitor is told who answers, live, and sees them come back online.
    await visitor.locator("#agent-status strong", { hasText: owner.name }).waitFor();
    await visitor.locator("#agent-status .presence.away").waitFor();
    await agent.selectOption("#availability", "online");
    await visitor.locator("#agent-status .presence.online").waitFor();
    await visitor.locator("#thread > .message.event", { hasText: `${owner.name} joined the conversation` }).waitFor();
    await send(agent, "Yes, from ten to four.");
    await message(visitor, "Yes, from ten to four.", "theirs").waitFor();
    // Now it is the agent's, open in front of them: the visitor's question is seen, not unread.
    await visitor.locator("#thread > .message.mine.seen", { hasText: "Is the shop open on Sunday?" }).waitFor({ timeout: 3000 });
    await agent.locator(`#my-conversations > li#conversation-${conversationId}:not(:has(.unread))`).waitFor({ timeout: 3000 });
  });
});

describe("a live conversation between a visitor and an agent", () => {
  let visitorContext: BrowserContext;
  let agentContext: BrowserContext;
  let visitor: Page;
  let agent: Page;
  let visitorId: number;
  let conversationId: number;
  let unreadBefore: number;

  beforeAll(async () => {
    [visitorContext, agentContext] = await Promise.all([newContext(), newContext({ agent: true })]);
    // The agent is online (has a console page open) before the visitor writes.
    agent = await open(agentContext, "/console");
    visitor = await open(visitorContext, chatPath);
  });

  afterAll(async () => {
    await visitorContext?.close();
    await agentContext?.close();
  });

  it("shows the visitor's first message in the agent's list within a second, unread and not yet seen", async () => {
    unreadBefore = await unreadTotal(agent);
    const startedAt = performance.now();
    ({ visitorId, conversationId } = await startConversation(visitor, "Hello, is anyone there?"));
    const item = agent.locator(`#my-conversations > li#conversation-${conversationId}`);
    await item.waitFor({ timeout: 1000 });
    const ms = performance.now() - startedAt;
    console.log(`first message to the agent's list: ${ms.toFixed(0)} ms`);
    expect(ms).toBeLessThan(1000);
    expect(conversationsOf(visitorId)).toEqual([{ id: conversationId, status: "open", agent_id: 1 }]);
    await item.locator(".unread", { hasText: "1" }).waitFor();
    await until("the unread total to count the new message", async () => (await unreadTotal(agent)) === unreadBefore + 1);
    // Nobody has the conversation open yet, so the visitor's message is not seen.
    await visitor.locator("#thread > .message.event", { hasText: `${owner.name} joined the conversation` }).waitFor();
    expect(await message(visitor, "Hello, is anyone there?", "mine").getAttribute("class")).not.toContain("seen");
    expect(await message(visitor, "Hello, is anyone there?", "mine").locator(".receipt").isVisible()).toBe(false);
  });

  it("marks the visitor's message seen once the agent opens the conversation", async () => {
    await Promise.all([agent.waitForURL(`**/console/conversations/${conversationId}`), agent.click(`#conversation-${conversationId} a`)]);
    await connected(agent);
    await message(agent, "Hello, is anyone there?", "theirs").waitFor();
    const seen = visitor.locator("#thread > .message.mine.seen", { hasText: "Hello, is anyone there?" });
    await seen.waitFor({ timeout: 2000 });
    expect(await seen.locator(".receipt").textContent()).toBe("Seen");
    expect(await seen.locator(".receipt").isVisible()).toBe(true);
    await until("the unread total to drop again", async () => (await unreadTotal(agent)) === unreadBefore);
    expect(storedThread(visitorId).find((row) => row.body === "Hello, is anyone there?")?.read_at).toBeNumber();
  });

  it("delivers the visitor's next message to the agent's open thread within a second, with no reload", async () => {
    const startedAt = performance.now();
    await send(visitor, "I ordered a teapot last week.");
    await message(agent, "I ordered a teapot last week.", "theirs").waitFor({ timeout: 1000 });
    const ms = performance.now() - startedAt;
    console.log(`visitor to agent: ${ms.toFixed(0)} ms`);
    expect(ms).toBeLessThan(1000);
    // The agent has it open and in view: seen at once.
    await visitor.locator("#thread > .message.mine.seen", { hasText: "I ordered a teapot last week." }).waitFor({ timeout: 2000 });
  });

  it("delivers the agent's reply to the visitor within a second, and shows it seen to the agent once the visitor has it", async () => {
    const startedAt = performance.now();
    await send(agent, "Hi! Let me look that up for you.");
    const reply = message(visitor, "Hi! Let me look that up for you.", "theirs");
    await reply.waitFor({ timeout: 1000 });
    const ms = performance.now() - startedAt;
    console.log(`agent to visitor: ${ms.toFixed(0)} ms`);
    expect(ms).toBeLessThan(1000);
    expect(await reply.locator(".author").textContent()).toBe(owner.name);
    const seen = agent.locator("#thread > .message.mine.seen", { hasText: "Hi! Let me look that up for you." });
    await seen.waitFor({ timeout: 2000 });
    expect(await seen.locator(".receipt").textContent()).toBe("Seen");
    // The agent's own bubble is confirmed: the stored message replaced the pending one.
    const mine = (await thread(agent)).find((one) => one.text === "Hi! Let me look that up for you.")!;
    expect(Number(mine.seq)).toBe(storedThread(visitorId).at(-1)!.id);
    expect(mine.classes).not.toContain("pending");
  });

  it("shows the agent that the visitor is typing, and hides it when the message arrives", async () => {
    const typing = agent.locator("#typing");
    await typing.waitFor({ state: "hidden" });
    // chat.js sends "typing" at most every 2 s: typing for ~2.5 s sends at least one.
    await Promise.all([
      typing.waitFor({ state: "visible", timeout: 5000 }),
      composer(visitor).pressSequentially("Order number 1234", { delay: 150 }),
    ]);
    expect((await typing.textContent())?.trim()).toBe(`Visitor #${visitorId} is typing…`);
    await composer(visitor).press("Enter");
    await message(agent, "Order number 1234", "theirs").waitFor();
    await typing.waitFor({ state: "hidden", timeout: 1000 });
  });

  it("shows the visitor that the agent is typing, and hides it when the message arrives", async () => {
    const typing = visitor.locator("#typing");
    await typing.waitFor({ state: "hidden" });
    await Promise.all([
      typing.waitFor({ state: "visible", timeout: 5000 }),
      composer(agent).pressSequentially("Found it, it ships today", { delay: 150 }),
    ]);
    expect((await typing.textContent())?.trim()).toBe(`${owner.name} is typing…`);
    await composer(agent).press("Enter");
    await message(visitor, "Found it, it ships today", "theirs").waitFor();
    await typing.waitFor({ state: "hidden", timeout: 1000 });
  });

  it("sends with Enter and starts a new line with Shift+Enter", async () => {
    await composer(visitor).fill("");
    await composer(visitor).pressSequentially("Thanks!");
    await composer(visitor).press("Shift+Enter");
    await composer(visitor).pressSequentially("Bye");
    expect(await composer(visitor).inputValue()).toBe("Thanks!\nBye");
    expect((await thread(visitor)).some((one) => one.text.startsWith("Thanks!"))).toBe(false);
    await composer(visitor).press("Enter");
    await until("the two-line message on the agent's page", async () =>
      (await agent.locator("#thread > .message.theirs .bubble").allInnerTexts()).includes("Thanks!\nBye"),
    );
    expect(await composer(visitor).inputValue()).toBe("");
    expect(storedThread(visitorId).at(-1)?.body).toBe("Thanks!\nBye");
  });

  it("shows both pages exactly what is stored", async () => {
    await until("no pending bubbles", async () => (await visitor.locator(".message.pending").count()) === 0 && (await agent.locator(".message.pending").count()) === 0);
    await expectThreadMatchesDatabase(visitor, visitorId);
    await expectThreadMatchesDatabase(agent, visitorId);
  });

  it("keeps the same conversation and full history after the visitor reloads", async () => {
    const before = await thread(visitor);
    await visitor.reload();
    await connected(visitor);
    const after = await thread(visitor);
    expect(after.map((one) => [one.id, one.seq, one.text])).toEqual(before.map((one) => [one.id, one.seq, one.text]));
    await expectThreadMatchesDatabase(visitor, visitorId);
    // Seen receipts are part of the page, not only of the live session.
    expect((await visitor.locator("#thread > .message.mine:not(.seen)").count())).toBe(0);
    await send(visitor, "Still here after a reload.");
    await message(agent, "Still here after a reload.", "theirs").waitFor();
    expect(conversationsOf(visitorId).map((one) => one.id)).toEqual([conversationId]);
    await expectThreadMatchesDatabase(agent, visitorId);
  });

  it("keeps the same conversation and full history after the agent reloads", async () => {
    const before = await thread(agent);
    await agent.reload();
    await connected(agent);
    const after = await thread(agent);
    expect(after.map((one) => [one.id, one.seq, one.text])).toEqual(before.map((one) => [one.id, one.seq, one.text]));
    await expectThreadMatchesDatabase(agent, visitorId);
    expect(await agent.locator(`#my-conversations > li#conversation-${conversationId}[aria-current=true]`).count()).toBe(1);
    await send(agent, "And so am I.");
    await message(visitor, "And so am I.", "theirs").waitFor();
    await expectThreadMatchesDatabase(visitor, visitorId);
    await expectThreadMatchesDatabase(agent, visitorId);
  });

  it("looks right on a desktop, in the agent's workspace and on a phone", async () => {
    await shot(visitor, "visitor-desktop");
    await shot(agent, "agent-workspace");
    const phoneContext = await newContext({ viewport: phone, isMobile: true, hasTouch: true, storageState: await visitorContext.storageState() });
    try {
      const onPhone = await open(phoneContext, chatPath);
      // The same visitor (same cookie): the same thread.
      expect((await thread(onPhone)).map((one) => one.id)).toEqual((await thread(visitor)).map((one) => one.id));
      await composer(onPhone).fill("Typed on a phone");
      await shot(onPhone, "visitor-phone");
      const box = await onPhone.locator("#composer").boundingBox();
      expect(box!.x).toBeGreaterThanOrEqual(0);
      expect(box!.x + box!.width).toBeLessThanOrEqual(phone.width + 1);
      expect(box!.y + box!.height).toBeLessThanOrEqual(phone.height + 1);
      expect(await onPhone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(phone.width);
      // A message sent on the phone shows on the visitor's desktop tab too.
      await composer(onPhone).press("Enter");
      await message(visitor, "Typed on a phone", "mine").waitFor();
      await message(agent, "Typed on a phone", "theirs").waitFor();
    } finally {
      await phoneContext.close();
    }
  });
});

// =====================================================================================

describe("catching up after a lost connection", () => {
  let visitorProxy: TcpProxy;
  let agentProxy: TcpProxy;
  let visitorContext: BrowserContext;
  let agentContext: BrowserContext;
  let visitor: Page;
  let agent: Page;
  let visitorId: number;

  /** The context loses its network: its sockets drop (1006) and reconnecting fails until restored. */
  async function goOffline(context: BrowserContext, proxy: TcpProxy, page: Page): Promise<number> {
    const { connects } = await socketState(page);
    await context.setOffline(true);
    proxy.cut();
    await disconnected(page);
    return connects;
  }

  async function goOnline(context: BrowserContext, proxy: TcpProxy, page: Page, connectsBefore: number): Promise<void> {
    proxy.restore();
    await context.setOffline(false);
    // hx-ws retries with backoff (0.5 s, doubling): the next try after this succeeds.
    await connected(page, connectsBefore, 20_000);
  }

  beforeAll(async () => {
    [visitorProxy, agentProxy] = await Promise.all([startTcpProxy(kefu.url), startTcpProxy(kefu.url)]);
    [visitorContext, agentContext] = await Promise.all([newContext(), newContext({ agent: true })]);
    agent = await open(agentContext, "/console", agentProxy.url);
    visitor = await open(visitorContext, chatPath, visitorProxy.url);
    let conversationId: number;
    ({ visitorId, conversationId } = await startConversation(visitor, "My parcel has not arrived."));
    await agent.goto(`${agentProxy.url}/console/conversations/${conversationId}`);
    await connected(agent);
    await message(agent, "My parcel has not arrived.", "theirs").waitFor();
  });

  afterAll(async () => {
    await visitorContext?.close();
    await agentContext?.close();
    await visitorProxy?.stop();
    await agentProxy?.stop();
  });

  it("gives the visitor the three messages the agent sent while it was offline, once each and in order", async () => {
    const connects = await goOffline(visitorContext, visitorProxy, visitor);
    const texts = ["Sorry to hear that.", "I see it left our warehouse on Monday.", "It should arrive tomorrow."];
    for (const text of texts) await send(agent, text);
    for (const text of texts) await message(agent, text, "mine").waitFor();
    expect(await thread(visitor).then((shown) => shown.filter((one) => texts.includes(one.text)))).toEqual([]);

    await goOnline(visitorContext, visitorProxy, visitor, connects);
    for (const text of texts) await message(visitor, text, "theirs").waitFor();
    const shown = await thread(visitor);
    expect(shown.filter((one) => texts.includes(one.text)).map((one) => one.text)).toEqual(texts);
    await expectThreadMatchesDatabase(visitor, visitorId);
    // Once back, the visitor has read them, and the agent sees that.
    for (const text of texts) await agent.locator("#thread > .message.mine.seen", { hasText: text }).waitFor();
  });

  it("gives the agent the three messages the visitor sent while it was offline, once each and in order", async () => {
    const connects = await goOffline(agentContext, agentProxy, agent);
    const texts = ["Great, thank you!", "Can it be left with a neighbour?", "Number 12 is usually home."];
    for (const text of texts) await send(visitor, text);
    for (const text of texts) await message(visitor, text, "mine").waitFor();
    expect(await thread(agent).then((shown) => shown.filter((one) => texts.includes(one.text)))).toEqual([]);

    await goOnline(agentContext, agentProxy, agent, connects);
    for (const text of texts) await message(agent, text, "theirs").waitFor();
    const shown = await thread(agent);
    expect(shown.filter((one) => texts.includes(one.text)).map((one) => one.text)).toEqual(texts);
    await expectThreadMatchesDatabase(agent, visitorId);
    for (const text of texts) await visitor.locator("#thread > .message.mine.seen", { hasText: text }).waitFor();
  });

  it("sends what the visitor wrote while offline once the connection is back, once", async () => {
    const connects = await goOffline(visitorContext, visitorProxy, visitor);
    await send(visitor, "Written in a tunnel.");
    await visitor.locator("#thread > .message.mine.pending", { hasText: "Written in a tunnel." }).waitFor();
    await goOnline(visitorContext, visitorProxy, visitor, connects);
    await message(visitor, "Written in a tunnel.", "mine").waitFor();
    await message(agent, "Written in a tunnel.", "theirs").waitFor();
    expect(storedThread(visitorId).filter((row) => row.body === "Written in a tunnel.")).toHaveLength(1);
    await expectThreadMatchesDatabase(visitor, visitorId);
    await expectThreadMatchesDatabase(agent, visitorId);
  });
});

// =====================================================================================

describe("a server restart in the middle of a conversation", () => {
  let visitorContext: BrowserContext;
  let agentContext: BrowserContext;
  let visitor: Page;
  let agent: Page;
  let visitorId: number;

  beforeAll(async () => {
    [visitorContext, agentContext] = await Promise.all([newContext(), newContext({ agent: true })]);
    agent = await open(agentContext, "/console");
    visitor = await open(visitorContext, chatPath);
    let conversationId: number;
    ({ visitorId, conversationId } = await startConversation(visitor, "Do you ship to Canada?"));
    await agent.goto(`${kefu.url}/console/conversations/${conversationId}`);
    await connected(agent);
    await send(agent, "We do, in about a week.");
    await message(visitor, "We do, in about a week.", "theirs").waitFor();
  });

  afterAll(async () => {
    await visitorContext?.close();
    await agentContext?.close();
  });

  it("survives a crash (SIGKILL): both pages reconnect by themselves and lose or double nothing", async () => {
    const [visitorBefore, agentBefore] = await Promise.all([socketState(visitor), socketState(agent)]);
    await kefu.halt("SIGKILL");
    await Promise.all([disconnected(visitor), disconnected(agent)]);
    // Written while the server is down: it waits in the page and goes out after the reconnect.
    await send(visitor, "Hello? Are you still there?");
    await kefu.start();
    await Promise.all([connected(visitor, visitorBefore.connects, 20_000), connected(agent, agentBefore.connects, 20_000)]);

    await message(agent, "Hello? Are you still there?", "theirs").waitFor({ timeout: 15_000 });
    await message(visitor, "Hello? Are you still there?", "mine").waitFor();
    await send(agent, "Yes, sorry, we had a hiccup.");
    await message(visitor, "Yes, sorry, we had a hiccup.", "theirs").waitFor();
    await send(visitor, "No problem.");
    await message(agent, "No problem.", "theirs").waitFor();

    await expectThreadMatchesDatabase(visitor, visitorId);
    await expectThreadMatchesDatabase(agent, visitorId);
    expect(storedThread(visitorId).map((row) => row.body)).toEqual([
      "Do you ship to Canada?",
      "joined",
      "We do, in about a week.",
      "Hello? Are you still there?",
      "Yes, sorry, we had a hiccup.",
      "No problem.",
    ]);
  });

  it("stops cleanly on SIGTERM within 5 s with pages connected, and the pages reconnect after the restart", async () => {
    const [visitorBefore, agentBefore] = await Promise.all([socketState(visitor), socketState(agent)]);
    const stopped = await kefu.halt("SIGTERM", 5000);
    await kefu.start();
    console.log(`SIGTERM with two pages connected: ${stopped.forced ? "still running after" : "exited in"} ${stopped.ms.toFixed(0)} ms`);
    await Promise.all([connected(visitor, visitorBefore.connects, 20_000), connected(agent, agentBefore.connects, 20_000)]);
    await send(visitor, "Back again.");
    await message(agent, "Back again.", "theirs").waitFor();
    // The visitor's own confirmation is a frame of its own socket: it may land just after the agent's.
    await message(visitor, "Back again.", "mine").waitFor();
    await expectThreadMatchesDatabase(visitor, visitorId);
    await expectThreadMatchesDatabase(agent, visitorId);
    // A clean shutdown must not wait for the browsers to hang up (systemd would kill it).
    expect(stopped.forced).toBe(false);
  }, 60_000);
});

// =====================================================================================

describe("markup and scripts in messages", () => {
  const hostile = ["<img src=x onerror=alert(1)>", "<script>alert(1)</script>", "javascript:alert(1)"];
  let visitorContext: BrowserContext;
  let agentContext: BrowserContext;
  let visitor: Page;
  let agent: Page;
  let conversationId: number;

  async function expectNoMarkup(page: Page): Promise<void> {
    expect(await page.locator("#thread img, #thread script, #thread iframe, .conversation-list img, .conversation-list script").count()).toBe(0);
    expect(await page.locator('a[href^="javascript" i], a[href^="data" i]').count()).toBe(0);
    expect(await page.locator("[onerror], [onload], [onclick]").count()).toBe(0);
  }

  beforeAll(async () => {
    [visitorContext, agentContext] = await Promise.all([newContext(), newContext({ agent: true })]);
    agent = await open(agentContext, "/console");
    visitor = await open(visitorContext, chatPath);
    ({ conversationId } = await startConversation(visitor, "I have a question about your website."));
    await agent.goto(`${kefu.url}/console/conversations/${conversationId}`);
    await connected(agent);
  });

  afterAll(async () => {
    await visitorContext?.close();
    await agentContext?.close();
  });

  it("shows the visitor's markup as text on both sides and in the agent's conversation list", async () => {
    for (const text of hostile) await send(visitor, text);
    for (const text of hostile) {
      await message(visitor, text, "mine").waitFor();
      await message(agent, text, "theirs").waitFor();
      expect(await message(visitor, text).count()).toBe(1);
      expect(await message(agent, text).locator(".bubble").textContent()).toBe(text);
    }
    const preview = agent.locator(`#conversation-${conversationId} .preview`);
    await until("the list preview to show the last message", async () => (await preview.textContent()) === "javascript:alert(1)");
    await send(visitor, "<img src=x onerror=alert(1)>");
    await until("the list preview to show the markup as text", async () => (await preview.textContent()) === "<img src=x onerror=alert(1)>");
    await expectNoMarkup(visitor);
    await expectNoMarkup(agent);
  });

  it("shows the agent's markup as text on both sides", async () => {
    for (const text of hostile) await send(agent, text);
    for (const text of hostile) {
      await message(agent, text, "mine").waitFor();
      await message(visitor, text, "theirs").waitFor();
      expect(await message(visitor, text, "theirs").locator(".bubble").textContent()).toBe(text);
    }
    await expectNoMarkup(visitor);
    await expectNoMarkup(agent);
  });

  it("shows the same text after a reload, from the server's own rendering", async () => {
    await Promise.all([visitor.reload(), agent.reload()]);
    await Promise.all([connected(visitor), connected(agent)]);
    for (const text of hostile) {
      expect(await message(visitor, text, "mine").count()).toBeGreaterThanOrEqual(1);
      expect(await message(visitor, text, "theirs").count()).toBe(1);
      expect(await message(agent, text, "theirs").count()).toBeGreaterThanOrEqual(1);
      expect(await message(agent, text, "mine").count()).toBe(1);
    }
    // The list previews what the visitor wrote last, not the agent's own words.
    expect(await agent.locator(`#conversation-${conversationId} .preview`).textContent()).toBe("<img src=x onerror=alert(1)>");
    await expectNoMarkup(visitor);
    await expectNoMarkup(agent);
  });

  it("links http(s) addresses safely and never javascript:", async () => {
    await send(visitor, "See https://example.com/teapots?colour=blue and javascript:alert(document.cookie)");
    const sent = message(agent, "See https://example.com/teapots?colour=blue and javascript:alert(document.cookie)", "theirs");
    await sent.waitFor();
    const links = sent.locator(".bubble a");
    expect(await links.count()).toBe(1);
    expect(await links.getAttribute("href")).toBe("https://example.com/teapots?colour=blue");
    expect((await links.getAttribute("rel"))?.split(/\s+/).sort()).toEqual(["nofollow", "noopener", "ugc"]);
    await expectNoMarkup(agent);
    await expectNoMarkup(visitor);
  });

  it("never opened a dialog on any page", async () => {
    await Bun.sleep(200);
    expect(dialogs).toEqual([]);
  });
});

// =====================================================================================

describe("sending the same client message id twice", () => {
  let visitorContext: BrowserContext;
  let agentContext: BrowserContext;
  let visitor: Page;
  let agent: Page;
  let visitorId: number;
  let visitorCookie: string;

  beforeAll(async () => {
    [visitorContext, agentContext] = await Promise.all([newContext(), newContext({ agent: true })]);
    agent = await open(agentContext, "/console");
    visitor = await open(visitorContext, chatPath);
    let conversationId: number;
    ({ visitorId, conversationId } = await startConversation(visitor, "Testing, one two."));
    await agent.goto(`${kefu.url}/console/conversations/${conversationId}`);
    await connected(agent);
    const cookie = (await visitorContext.cookies()).find((one) => one.name === "kefu_visitor");
    visitorCookie = `kefu_visitor=${cookie!.value}`;
  });

  afterAll(async () => {
    await visitorContext?.close();
    await agentContext?.close();
  });

  it("stores and shows one message, however often and over however many sockets it is sent", async () => {
    const clientId = `retry-${crypto.randomUUID()}`;
    const frame = { type: "send", clientId, body: "Sent twice, stored once." };
    const first = await rawSocket(`${chatPath}/ws`, { cookie: visitorCookie, origin: kefu.url });
    expect(first.opened).toBe(true);
    // Like chat.js: say where the page is first (this also subscribes it to its thread).
    first.send({ type: "resume", after: 1_000_000 });
    first.send(frame);
    first.send(frame);
    await first.next((data) => data.includes(`id="message-${clientId}"`));
    await message(agent, "Sent twice, stored once.", "theirs").waitFor();
    // A retry after the first was confirmed, and one from a new socket (a reconnected page).
    first.send(frame);
    first.socket.close();
    const second = await rawSocket(`${chatPath}/ws`, { cookie: visitorCookie, origin: kefu.url });
    second.send({ type: "resume", after: 0 });
    second.send(frame);
    await second.next((data) => data.includes(`id="message-${clientId}"`));
    await Bun.sleep(300);
    second.socket.close();

    expect(query<{ n: number }>("SELECT count(*) AS n FROM messages WHERE client_id = ?", clientId)).toEqual([{ n: 1 }]);
    expect(await agent.locator(`#message-${clientId}`).count()).toBe(1);
    expect(await visitor.locator(`#message-${clientId}`).count()).toBe(1);
    await expectThreadMatchesDatabase(agent, visitorId);
    await expectThreadMatchesDatabase(visitor, visitorId);
  });
});

// =====================================================================================

describe("who may read and write what (HTTP and WebSocket)", () => {
  let cookieA: string;
  let cookieB: string;
  let visitorA: number;
  let conversationA: number;
  let messageA: number;
  let otherAgentCookie: string;
  let otherChatPath: string;

  /** Sends a frame from a visitor's own socket and waits for the echo of the stored message. */
  async function say(cookie: string, body: string): Promise<{ clientId: string; id: number }> {
    const socket = await rawSocket(`${chatPath}/ws`, { cookie, origin: kefu.url });
    expect(socket.opened).toBe(true);
    const clientId = `auth-${crypto.randomUUID()}`;
    socket.send({ type: "resume", after: 1_000_000 });
    socket.send({ type: "send", clientId, body });
    const echo = await socket.next((data) => data.includes(`id="message-${clientId}"`));
    socket.socket.close();
    return { clientId, id: Number(echo.match(new RegExp(`id="message-${clientId}" data-seq="(\\d+)"`))![1]) };
  }

  beforeAll(async () => {
    [cookieA, cookieB] = await Promise.all([newVisitorCookie(), newVisitorCookie()]);
    const sent = await say(cookieA, "A's private question about order 777");
    messageA = sent.id;
    visitorA = visitorOf(sent.clientId);
    conversationA = conversationsOf(visitorA)[0]!.id;
    await say(cookieB, "B's own question");

    // A second shop with its own owner, added beside the running server.
    const db = new Database(join(kefu.dataDir, "kefu.db"));
    try {
      db.run("PRAGMA busy_timeout = 5000");
      db.run("INSERT INTO businesses (name, widget_key, identity_secret) VALUES ('Other Shop', 'other-shop-widget', 'other-shop-identity-secret-0123456789')");
    } finally {
      db.close();
    }
    const added = await runKefu(kefu.kefu, ["user", "add", "--email", "zed@other.example", "--name", "Zed", "--role", "owner", "--password", "zed's long password", "--data-dir", kefu.dataDir], kefu.dir);
    expect(added.exitCode).toBe(0);
    const move = new Database(join(kefu.dataDir, "kefu.db"));
    try {
      move.run("PRAGMA busy_timeout = 5000");
      move.run("UPDATE agents SET business_id = (SELECT id FROM businesses WHERE widget_key = 'other-shop-widget') WHERE email = 'zed@other.example'");
    } finally {
      move.close();
    }
    const login = await postForm(kefu, "/login", { email: "zed@other.example", password: "zed's long password" });
    expect(login.status).toBe(303);
    otherAgentCookie = sessionCookie(login);
    otherChatPath = "/chat/other-shop-widget";
  });

  it("gives visitor B only B's own history, whatever page it asks for", async () => {
    for (const before of [messageA, messageA + 1, messageA + 1000, 2 ** 31]) {
      const response = await fetch(`${kefu.url}${chatPath}/messages?before=${before}`, { headers: { cookie: cookieB, "accept-language": "en" } });
      expect(response.status).toBe(200);
      const body = await response.text();
      expect(body).not.toContain("order 777");
      const ids = [...body.matchAll(/id="message-([^"]+)"/g)].map((match) => match[1]!);
      for (const clientId of ids) expect(visitorOf(clientId)).not.toBe(visitorA);
    }
    const own = await fetch(`${kefu.url}${chatPath}/messages?before=${2 ** 31}`, { headers: { cookie: cookieB } });
    expect(await own.text()).toContain("B&#39;s own question");
    // No cookie, no history.
    const anonymous = await fetch(`${kefu.url}${chatPath}/messages?before=${messageA + 1}`);
    expect(anonymous.status).toBe(404);
    expect(await anonymous.text()).not.toContain("order 777");
  });

  it("replays and pushes to visitor B's socket only B's own messages", async () => {
    const socket = await rawSocket(`${chatPath}/ws`, { cookie: cookieB, origin: kefu.url });
    socket.send({ type: "resume", after: 0 });
    await socket.next((data) => data.includes("own question"));
    await say(cookieA, "A's second private message");
    await Bun.sleep(300);
    expect(socket.received.join("\n")).not.toContain("private");
    socket.socket.close();
  });

  it("refuses frames that name another conversation or visitor, and stores nothing", async () => {
    const storedBefore = storedThread(visitorA);
    const socket = await rawSocket(`${chatPath}/ws`, { cookie: cookieB, origin: kefu.url });
    const attempts = [
      { type: "send", clientId: "sneaky-0001", body: "into A", conversationId: conversationA },
      { type: "send", clientId: "sneaky-0002", body: "into A", visitorId: visitorA },
      { type: "send", clientId: "sneaky-0003", body: "into A", conversation: conversationA, visitor: visitorA },
      { type: "resume", after: 0, visitorId: visitorA },
      { type: "resume", after: 0, conversationId: conversationA },
      { type: "read", upTo: messageA + 100, conversationId: conversationA },
      { type: "typing", visitorId: visitorA },
      { type: "subscribe", topic: `visitor:${visitorA}:en` },
    ];
    for (const frame of attempts) socket.send(frame);
    await until("an error event for every frame", () => socket.received.filter((data) => data.startsWith('{"type":"error"')).length >= attempts.length || undefined);
    await Bun.sleep(200);
    const errors = socket.received.map((data) => JSON.parse(data) as { type: string });
    expect(errors).toHaveLength(attempts.length);
    expect(errors.every((event) => event.type === "error")).toBe(true);
    socket.socket.close();
    expect(query("SELECT id FROM messages WHERE client_id LIKE 'sneaky-%'")).toEqual([]);
    expect(storedThread(visitorA)).toEqual(storedBefore);
  });

  it("closes a visitor socket without a valid visitor cookie with 4401", async () => {
    const attempts: Record<string, string>[] = [{ origin: kefu.url }, { origin: kefu.url, cookie: "kefu_visitor=not-a-real-token" }];
    for (const headers of attempts) {
      const socket = await rawSocket(`${chatPath}/ws`, headers);
      expect(await socket.closed).toMatchObject({ code: 4401 });
    }
    // A's cookie means nothing at another shop's chat.
    const elsewhere = await rawSocket(`${otherChatPath}/ws`, { origin: kefu.url, cookie: cookieA });
    expect(await elsewhere.closed).toMatchObject({ code: 4401 });
  });

  it("refuses a WebSocket upgrade from a foreign Origin with 403", async () => {
    const upgrade = { upgrade: "websocket", connection: "Upgrade", "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==", "sec-websocket-version": "13" };
    for (const [path, cookie] of [[`${chatPath}/ws`, cookieA], ["/ws/agent", ownerCookie], [`/ws/agent?conversation=${conversationA}`, ownerCookie]] as const) {
      const response = await fetch(kefu.url + path, { headers: { ...upgrade, cookie, origin: "https://evil.example" } });
      expect(response.status).toBe(403);
      const socket = await rawSocket(path, { cookie, origin: "https://evil.example" });
      expect(socket.opened).toBe(false);
      const noOrigin = await rawSocket(path, { cookie });
      expect(noOrigin.opened).toBe(false);
    }
  });

  it("keeps another shop's agent out of the conversation: 404 on every page and action, 4404 on its socket", async () => {
    const conversationBefore = conversationsOf(visitorA);
    const get = (path: string) => fetch(kefu.url + path, { headers: { cookie: otherAgentCookie, "accept-language": "en" }, redirect: "manual" });
    const consolePage = await (await get("/console")).text();
    expect(consolePage).not.toContain(`conversation-${conversationA}"`);
    expect(consolePage).not.toContain("order 777");
    for (const path of [
      `/console/conversations/${conversationA}`,
      `/console/conversations/${conversationA}/messages?before=${messageA + 1}`,
      `/console/conversations/${conversationA}/actions`,
    ]) {
      const response = await get(path);
      expect(response.status).toBe(404);
      expect(await response.text()).not.toContain("order 777");
    }
    for (const action of ["take", "close"]) {
      const response = await postForm(kefu, `/console/conversations/${conversationA}/${action}`, {}, { cookie: otherAgentCookie });
      expect(response.status).toBe(404);
    }
    expect(conversationsOf(visitorA)).toEqual(conversationBefore);

    const socket = await rawSocket(`/ws/agent?conversation=${conversationA}`, { cookie: otherAgentCookie, origin: kefu.url });
    expect(await socket.closed).toMatchObject({ code: 4404 });
    // Its own console socket can neither send into A's conversation nor read it.
    const own = await rawSocket("/ws/agent", { cookie: otherAgentCookie, origin: kefu.url });
    expect(own.opened).toBe(true);
    own.send({ type: "resume", after: 0 });
    own.send({ type: "send", clientId: "foreign-agent-1", body: "hijack" });
    own.send({ type: "send", clientId: "foreign-agent-2", body: "hijack", conversationId: conversationA });
    await until("two error events", () => own.received.filter((data) => data.includes('"type":"error"')).length >= 2 || undefined);
    await Bun.sleep(200);
    expect(own.received.join("\n")).not.toContain("order 777");
    own.socket.close();
    expect(query("SELECT id FROM messages WHERE client_id LIKE 'foreign-agent-%'")).toEqual([]);
    // And a socket with no session at all is told to sign in.
    const anonymous = await rawSocket("/ws/agent", { origin: kefu.url });
    expect(await anonymous.closed).toMatchObject({ code: 4401 });
  });
});

// =====================================================================================

describe("the visitor page speaks the browser's language", () => {
  it("is in Chinese for a zh-CN browser, down to the agent's join line and the seen receipt", async () => {
    const [context, agentContext] = await Promise.all([newContext({ locale: "zh-CN", viewport: phone, isMobile: true, hasTouch: true }), newContext({ agent: true })]);
    try {
      const agent = await open(agentContext, "/console");
      const page = await open(context, chatPath);
      expect(await page.getAttribute("html", "lang")).toBe("zh-CN");
      expect(await composer(page).getAttribute("placeholder")).toStartWith("输入消息…");
      expect((await page.textContent("#composer button[type=submit]"))?.trim()).toBe("发送");
      expect((await page.textContent(".chat-welcome"))?.trim()).toBe("您好！请问有什么可以帮您？");
      const { conversationId } = await startConversation(page, "你好，我想问一下发货时间。");
      await page.locator("#thread > .message.event", { hasText: `${owner.name} 已接入会话` }).waitFor();
      await page.locator("#agent-status .presence", { hasText: "在线" }).waitFor();
      // The agent, in English, answers; each side reads its own language.
      await agent.goto(`${kefu.url}/console/conversations/${conversationId}`);
      await connected(agent);
      await agent.locator("#thread > .message.event", { hasText: `${owner.name} joined the conversation` }).waitFor();
      const seen = page.locator("#thread > .message.mine.seen", { hasText: "你好，我想问一下发货时间。" });
      await seen.waitFor();
      expect(await seen.locator(".receipt").textContent()).toBe("已读");
      await send(agent, "Today, before 5 pm.");
      await message(page, "Today, before 5 pm.", "theirs").waitFor();
      await shot(page, "visitor-phone-zh");
    } finally {
      await context.close();
      await agentContext.close();
    }
  });

  it("tells times and days in the page's language, not the browser's, and groups one author's run of messages", async () => {
    // An English browser on a page the shop (or the widget's setLocale) put in Chinese.
    const context = await newContext({ locale: "en-US" });
    try {
      const page = await open(context, `${chatPath}?locale=zh-CN`);
      expect(await page.getAttribute("html", "lang")).toBe("zh-CN");
      await startConversation(page, "第一条。");
      await send(page, "第二条。");
      await message(page, "第二条。", "mine").waitFor();
      await send(page, "第三条。");
      await message(page, "第三条。", "mine").waitFor();
      const times = await page.locator("#thread time").allTextContents();
      expect(times.length).toBeGreaterThan(1);
      for (const time of times) expect(time).toMatch(/^\d{1,2}:\d{2}$/);
      await expect(page.locator("#thread > .day-separator").allTextContents()).resolves.toEqual(["今天"]);
      // The second of two quick messages in a row from the visitor continues the first one's run.
      await expect(message(page, "第三条。", "mine").getAttribute("class")).resolves.toContain("grouped");
      await expect(message(page, "第一条。", "mine").getAttribute("class")).resolves.not.toContain("grouped");
    } finally {
      await context.close();
    }
  });

  it("is in English for an en-US browser", async () => {
    const context = await newContext({ locale: "en-US" });
    try {
      const page = await open(context, chatPath);
      expect(await page.getAttribute("html", "lang")).toBe("en");
      expect(await composer(page).getAttribute("placeholder")).toStartWith("Write a message…");
      expect((await page.textContent("#composer button[type=submit]"))?.trim()).toBe("Send");
      expect((await page.textContent(".chat-welcome"))?.trim()).toBe("Hello! How can we help you today?");
      await shot(page, "visitor-empty-desktop");
    } finally {
      await context.close();
    }
  });
});

// =====================================================================================

describe("a visitor who sends too fast", () => {
  it("is told to slow down at the 21st message in 10 s, and only 20 are stored", async () => {
    const context = await newContext();
    try {
      const page = await open(context, chatPath);
      const texts = Array.from({ length: 21 }, (_, index) => `Quick message ${index + 1}`);
      const startedAt = performance.now();
      for (const text of texts) await send(page, text);
      const failed = page.locator("#thread > .message.mine.pending.failed", { hasText: "Quick message 21" });
      await failed.waitFor({ timeout: 5000 });
      const ms = performance.now() - startedAt;
      expect(ms).toBeLessThan(10_000);
      expect(await failed.locator(".meta").textContent()).toContain("You are sending messages too fast. Wait a few seconds and try again.");
      expect(await failed.locator("button.retry").textContent()).toBe("Retry");
      for (const text of texts.slice(0, 20)) await message(page, text, "mine").waitFor();
      const first = (await thread(page)).find((one) => one.text === "Quick message 1")!;
      const stored = storedThread(visitorOf(clientIdOf(first))).filter((row) => row.sender === "visitor");
      expect(stored.map((row) => row.body)).toEqual(texts.slice(0, 20));
      expect(await page.locator("#thread > .message.failed").count()).toBe(1);
      await shot(page, "visitor-slow-down");
    } finally {
      await context.close();
    }
  });
});

// =====================================================================================

// Last in the file: its console pages make the agent "online" for a few seconds.
describe("every page load, on a fast or a slow network", () => {
  /**
   * Opens `path` in a fresh context where `script` arrives `delayMs` late (a slow or congested
   * network), and reports whether the page opened its socket and said where it is ("resume").
   */
  async function load(path: string, script: string | null, delayMs = 500) {
    const context = await newContext({ agent: path.startsWith("/console") });
    try {
      if (script) {
        await context.route(`**/assets/${script}*`, async (route) => {
          await Bun.sleep(delayMs);
          await route.continue();
        });
      }
      const page = watch(await context.newPage());
      let resumed = false;
      // Listened to only until the resume frame is seen: Playwright's events for a socket whose page
      // is already gone can otherwise fail another test's call ("Cannot find object to frameSent").
      page.on("websocket", (socket) => {
        const sent = (frame: { payload: string | Buffer }) => {
          if (!String(frame.payload).includes('"type":"resume"')) return;
          resumed = true;
          socket.off("framesent", sent);
        };
        socket.on("framesent", sent);
        socket.on("close", () => socket.off("framesent", sent));
      });
      await page.goto(kefu.url + path);
      const socketOpened = await connected(page, 0, 3000).then(() => true, () => false);
      if (socketOpened) await until("the resume frame", () => resumed, 2000).catch(() => {});
      let live: boolean | null = null;
      if (socketOpened && path === chatPath) {
        // Live for real: the page's own message comes back confirmed (pushed, swapped in).
        await send(page, `Sent after a slow ${script ?? "nothing"}`);
        live = await message(page, `Sent after a slow ${script ?? "nothing"}`, "mine").waitFor({ timeout: 3000 }).then(() => true, () => false);
      }
      return { path, slow: script, socketOpened, resumed, live };
    } finally {
      await context.close();
    }
  }

  it("opens the live connection of the visitor page and of the console, whichever script comes late", async () => {
    const outcomes = await Promise.all([
      load(chatPath, null),
      load("/console", null),
      load(chatPath, "hx-ws.js"),
      load(chatPath, "hx-upsert.js"),
      load(chatPath, "chat.js"),
      load("/console", "hx-ws.js"),
      load("/console", "chat.js"),
    ]);
    const broken = outcomes.filter((outcome) => !outcome.socketOpened || !outcome.resumed || outcome.live === false);
    if (broken.length) console.log("pages that never went live:", broken);
    expect(broken).toEqual([]);
  });
});
