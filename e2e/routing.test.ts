// Routing as people live it (issue 4), against the built binary with real Chromium: each test
// starts its own Kefu in an empty folder, adds agents with `kefu user add`, and gives every
// person (owner, agents, visitors) their own browser context. kefu.db is only read, to check
// that what the pages show is what is stored.
import { Database } from "bun:sqlite";
import { afterAll, afterEach, beforeAll, describe, expect, it, setDefaultTimeout } from "bun:test";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { type Kefu, launchBrowser, postForm, runKefu, sessionCookie, shotsDir, startKefu } from "./support";

setDefaultTimeout(30_000);

let browser: Browser;
let kefu: Kefu | null = null;
let contexts: BrowserContext[] = [];

beforeAll(async () => {
  browser = await launchBrowser();
});

afterEach(async () => {
  for (const context of contexts) await context.close();
  contexts = [];
  await kefu?.stop();
  kefu = null;
});

afterAll(async () => {
  await browser?.close();
});

interface Shop {
  kefu: Kefu;
  ownerCookie: string;
  chatPath: string;
  db(): Database;
}

/** A fresh Kefu with its owner set up; the owner never opens a console, so never gets chats. */
async function shop(): Promise<Shop> {
  kefu = await startKefu();
  const running = kefu;
  const setup = await postForm(running, "/setup", { name: "Owner", email: "owner@example.com", password: "a long password" });
  expect(setup.status).toBe(303);
  const ownerCookie = sessionCookie(setup);
  const consolePage = await (await fetch(`${running.url}/console`, { headers: { cookie: ownerCookie } })).text();
  const chatPath = new URL(consolePage.match(/<input id="chat-link" readonly value="([^"]+)"/)![1]!).pathname;
  return { kefu: running, ownerCookie, chatPath, db: () => new Database(join(running.dataDir, "kefu.db"), { readonly: true }) };
}

/** A team member added with the CLI (as an owner would on the server), signed in. */
async function agent(s: Shop, name: string): Promise<{ id: number; name: string; cookie: string }> {
  const email = `${name.toLowerCase()}@example.com`;
  const added = await runKefu(s.kefu.kefu, ["user", "add", "--email", email, "--name", name, "--role", "agent", "--password", "a long password", "--data-dir", s.kefu.dataDir], s.kefu.dir);
  expect(added.exitCode).toBe(0);
  const cookie = sessionCookie(await postForm(s.kefu, "/login", { email, password: "a long password" }));
  const db = s.db();
  const { id } = db.query("SELECT id FROM agents WHERE email = ?").get(email) as { id: number };
  db.close();
  return { id, name, cookie };
}

/** A browser context for one person; agents carry their session cookie. */
async function person(s: Shop, cookie?: string): Promise<BrowserContext> {
  const context = await browser.newContext({ locale: "en-US", viewport: { width: 1280, height: 800 } });
  context.setDefaultTimeout(10_000);
  contexts.push(context);
  await context.addInitScript(() => {
    document.addEventListener("htmx:ws:after:connection", () => {
      (window as unknown as { __kefuWsOpen: boolean }).__kefuWsOpen = true;
    });
  });
  if (cookie) await context.addCookies([{ name: "kefu_session", value: cookie.slice("kefu_session=".length), url: s.kefu.url }]);
  // Every confirm (Close, Block) is accepted, as a person clicking OK would.
  context.on("page", (page) => page.on("dialog", (dialog) => void dialog.accept()));
  return context;
}

/** Goes to a page and waits for its WebSocket, without which it sees nothing live. */
async function visit(page: Page, url: string): Promise<Page> {
  await page.goto(url);
  await page.waitForFunction(() => (window as unknown as { __kefuWsOpen?: boolean }).__kefuWsOpen === true, undefined, { polling: 25 });
  return page;
}

const open = async (context: BrowserContext, url: string) => visit(await context.newPage(), url);

const consoleOf = async (s: Shop, who: { cookie: string }, path = "/console") => open(await person(s, who.cookie), s.kefu.url + path);
const visitor = async (s: Shop, link = "") => open(await person(s), s.kefu.url + s.chatPath + link);

async function send(page: Page, text: string): Promise<void> {
  const composer = page.locator("#composer textarea[name=body]");
  await composer.fill(text);
  await composer.press("Enter");
  await page.locator("#thread .message.mine:not(.pending) .bubble", { hasText: text }).waitFor();
}

/** The stored conversation whose visitor wrote `text`. */
function conversationOf(s: Shop, text: string) {
  const db = s.db();
  const row = db
    .query(
      `SELECT c.id, c.status, c.agent_id AS agentId FROM conversations c
       JOIN messages m ON m.conversation_id = c.id WHERE m.sender = 'visitor' AND m.body = ?`,
    )
    .get(text) as { id: number; status: string; agentId: number | null };
  db.close();
  return row;
}

const shot = (page: Page, name: string) => page.screenshot({ path: `${shotsDir}/routing-${name}.png` });

describe("auto mode with two agents of capacity 1", () => {
  it("queues the later visitors with their place in line and assigns the head when a conversation closes", async () => {
    const s = await shop();
    expect((await postForm(s.kefu, "/console/settings/capacity", { capacity: "1" }, { cookie: s.ownerCookie })).status).toBe(200);
    const [ana, bo] = [await agent(s, "Ana"), await agent(s, "Bo")];
    const [anaConsole] = [await consoleOf(s, ana), await consoleOf(s, bo)];

    const first = await visitor(s);
    await send(first, "first visitor");
    const second = await visitor(s);
    await send(second, "second visitor");
    for (const page of [first, second]) await page.locator("#thread .event", { hasText: "joined the conversation" }).waitFor();
    expect([conversationOf(s, "first visitor").agentId, conversationOf(s, "second visitor").agentId].sort()).toEqual([ana.id, bo.id].sort());

    const third = await visitor(s);
    await send(third, "third visitor");
    await third.locator("#queue-position", { hasText: "You are next in line." }).waitFor();
    const fourth = await visitor(s);
    await send(fourth, "fourth visitor");
    await fourth.locator("#queue-position", { hasText: "1 ahead of you in line." }).waitFor();
    await shot(fourth, "auto-queue");
    expect(conversationOf(s, "fourth visitor")).toMatchObject({ status: "queued", agentId: null });

    // Ana closes her conversation: the head of the line (the third visitor) is hers, live.
    const anasVisitor = conversationOf(s, "first visitor").agentId === ana.id ? "first visitor" : "second visitor";
    await anaConsole.locator(`#my-conversations #conversation-${conversationOf(s, anasVisitor).id} a`).click();
    await anaConsole.locator("#conversation-actions button", { hasText: "Close" }).click();
    await anaConsole.locator("#conversation-actions .badge", { hasText: "Closed" }).waitFor();
    await third.locator("#thread .event", { hasText: "Ana joined the conversation" }).waitFor();
    await third.locator("#agent-status", { hasText: "Ana" }).waitFor();
    await fourth.locator("#queue-position", { hasText: "You are next in line." }).waitFor();
    expect(conversationOf(s, "third visitor")).toMatchObject({ status: "open", agentId: ana.id });
    expect(conversationOf(s, "fourth visitor")).toMatchObject({ status: "queued" });
  });
});

describe("claim mode", () => {
  it("shows a waiting visitor to both agents live, and only one of two simultaneous takes wins", async () => {
    const s = await shop();
    expect((await postForm(s.kefu, "/console/settings/routing", { routingMode: "claim" }, { cookie: s.ownerCookie })).status).toBe(200);
    const [ana, bo] = [await agent(s, "Ana"), await agent(s, "Bo")];
    const consoles = [await consoleOf(s, ana), await consoleOf(s, bo)];
    const waiting = await visitor(s);
    await send(waiting, "who takes me?");
    const { id } = conversationOf(s, "who takes me?");
    const items = consoles.map((page) => page.locator(`#waiting-conversations #conversation-${id}`));
    for (const item of items) await item.waitFor();
    expect(conversationOf(s, "who takes me?")).toMatchObject({ status: "queued", agentId: null });
    await shot(consoles[0]!, "claim-waiting");

    // Both click Take at the same instant (one shared clock), so both requests are in flight.
    const answers = consoles.map((page) => page.waitForResponse((response) => response.url().includes(`/conversations/${id}/take`)));
    const at = Date.now() + 300;
    await Promise.all(
      consoles.map((page) =>
        page.evaluate(
          ({ selector, at }) =>
            new Promise<void>((resolve) =>
              setTimeout(() => {
                document.querySelector<HTMLButtonElement>(selector)!.click();
                resolve();
              }, at - Date.now()),
            ),
          { selector: `#conversation-${id} button.take`, at },
        ),
      ),
    );
    // One is given it, the other is told it is already taken.
    expect((await Promise.all(answers)).map((response) => response.status()).sort()).toEqual([200, 409]);
    // The winner lands in the conversation; the waiting item is gone from both lists.
    for (const item of items) await item.waitFor({ state: "detached" });
    const taken = conversationOf(s, "who takes me?");
    expect(taken.status).toBe("open");
    expect([ana.id, bo.id]).toContain(taken.agentId!);
    const winner = consoles[taken.agentId === ana.id ? 0 : 1]!;
    await winner.waitForURL(`**/console/conversations/${taken.id}`);
    await waiting.locator("#thread .event", { hasText: "joined the conversation" }).waitFor();
    const db = s.db();
    expect(db.query("SELECT count(*) AS n FROM messages WHERE body = 'joined'").get()).toEqual({ n: 1 });
    db.close();
  });
});

describe("outside business hours", () => {
  it("shows the visitor the leave-a-message form, and the message lands in the inbox", async () => {
    const s = await shop();
    const owner = await person(s, s.ownerCookie);
    const hours = await owner.newPage();
    await hours.goto(`${s.kefu.url}/console/hours`);
    // Closed today, whatever the weekday: today's date in the shop's time zone (UTC).
    await hours.selectOption("#field-timezone", "UTC");
    await hours.fill("#field-closedDates", new Date().toISOString().slice(0, 10));
    await hours.fill("#field-offlineText", "We are closed today. Leave us a note.");
    await hours.locator("form button[type=submit]").last().click();
    await hours.locator("#hours-now", { hasText: "outside business hours" }).waitFor();

    const ana = await agent(s, "Ana");
    const inbox = await consoleOf(s, ana, "/console/inbox");
    const page = await visitor(s);
    await page.locator("#leave-message", { hasText: "We are closed today. Leave us a note." }).waitFor();
    expect(await page.locator("#composer").count()).toBe(0);
    await page.fill("#leave-message input[name=name]", "Lin <b>");
    await page.fill("#leave-message input[name=email]", "lin@example.com");
    await page.fill("#leave-message textarea[name=message]", "Please call me about my order");
    await page.locator("#leave-message button[type=submit]").click();
    await page.locator("#leave-message", { hasText: /thank/i }).waitFor();
    await shot(page, "left-message");

    // The open inbox counts it live; a reload lists it, escaped, with a way to mark it handled.
    await inbox.locator("#inbox-count", { hasText: "1" }).waitFor();
    await inbox.reload();
    const entry = inbox.locator("article.offline-message", { hasText: "Please call me about my order" });
    await entry.waitFor();
    expect(await entry.textContent()).toContain("Lin <b>");
    await entry.locator("button", { hasText: "Mark handled" }).click();
    await inbox.locator("text=Handled by Ana").first().waitFor();
    await shot(inbox, "inbox");
    const db = s.db();
    expect(db.query("SELECT name, email, body, handled FROM offline_messages").all()).toEqual([
      { name: "Lin <b>", email: "lin@example.com", body: "Please call me about my order", handled: 1 },
    ]);
    expect(db.query("SELECT count(*) AS n FROM conversations").get()).toEqual({ n: 0 });
    db.close();
  });
});

describe("a blocked visitor", () => {
  it("sees only that chat is unavailable and cannot send anything", async () => {
    const s = await shop();
    const ana = await agent(s, "Ana");
    const lobby = await consoleOf(s, ana);
    const page = await visitor(s);
    await send(page, "spam spam");
    const { id } = conversationOf(s, "spam spam");
    await visit(lobby, `${s.kefu.url}/console/conversations/${id}`);
    await lobby.locator("#conversation-actions summary", { hasText: "Block" }).click();
    await lobby.fill("#conversation-actions input[name=reason]", "spam links");
    await lobby.locator("#conversation-actions button.danger", { hasText: "Block" }).click();
    await lobby.locator("#conversation-actions .badge", { hasText: "Blocked" }).waitFor();

    // The open page reloads into the unavailable page, with no composer.
    await page.locator("text=Chat is not available.").waitFor();
    expect(await page.locator("#composer").count()).toBe(0);
    await shot(page, "blocked");
    // A console in that page cannot get through either: the socket is refused.
    const closed = await page.evaluate(
      (path) =>
        new Promise<number>((resolve) => {
          const socket = new WebSocket(`${location.origin}${path}/ws`);
          socket.onopen = () => socket.send(JSON.stringify({ type: "send", clientId: crypto.randomUUID(), body: "let me in" }));
          socket.onclose = (event) => resolve(event.code);
        }),
      s.chatPath,
    );
    expect(closed).toBe(4403);
    const db = s.db();
    expect(db.query("SELECT count(*) AS n FROM messages WHERE sender = 'visitor'").get()).toEqual({ n: 1 });
    db.close();
  });
});

describe("transfer", () => {
  it("moves the conversation from one agent's console to the other's, live, and tells the visitor who helps now", async () => {
    const s = await shop();
    const [ana, bo] = [await agent(s, "Ana"), await agent(s, "Bo")];
    const consoles = new Map([
      [ana.id, await consoleOf(s, ana)],
      [bo.id, await consoleOf(s, bo)],
    ]);
    const page = await visitor(s);
    await send(page, "I need billing");
    const { id, agentId } = conversationOf(s, "I need billing");
    const [giver, receiver] = agentId === ana.id ? [ana, bo] : [bo, ana];
    const giverPage = consoles.get(giver.id)!;
    const receiverPage = consoles.get(receiver.id)!;
    const receiverItem = receiverPage.locator(`#my-conversations #conversation-${id}`);
    expect(await receiverItem.count()).toBe(0);

    await visit(giverPage, `${s.kefu.url}/console/conversations/${id}`);
    await giverPage.locator("#conversation-actions summary", { hasText: "Transfer" }).click();
    await giverPage.selectOption("#conversation-actions select[name=to]", `agent:${receiver.id}`);
    await giverPage.fill("#conversation-actions input[name=note]", "knows invoices");
    await giverPage.locator("#conversation-actions form button[type=submit]", { hasText: "Transfer" }).click();

    await receiverItem.waitFor();
    await giverPage.locator(`#my-conversations #conversation-${id}`).waitFor({ state: "detached" });
    await page.locator("#thread .event", { hasText: `${receiver.name} is now helping you` }).waitFor();
    await page.locator("#agent-status", { hasText: receiver.name }).waitFor();
    // The note is for agents: the visitor never sees it.
    expect(await page.locator("text=knows invoices").count()).toBe(0);
    await shot(receiverPage, "transfer-received");
    expect(conversationOf(s, "I need billing")).toMatchObject({ status: "open", agentId: receiver.id });
  });
});
