// The agent's workspace as an agent lives it (issue 11: A5, A10, A11, A14 and the console's part
// B), against the built binary in real Chromium: the owner answers with a limit of one
// conversation, visitors write from the chat page, and the console is looked at from a phone to
// a wide screen, in English and Chinese. The steps share one server and run in order.
import { afterAll, beforeAll, describe, expect, it, setDefaultTimeout } from "bun:test";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { type Kefu, launchBrowser, postForm, queryKefu, sessionCookie, shotsDir, startKefu } from "./support";

setDefaultTimeout(30_000);

const owner = { name: "Mei Lin", email: "mei@example.com", password: "a long password" };
const refusedAtCapacity = "You already have as many open conversations as your limit allows. Close one first.";

let kefu: Kefu;
let browser: Browser;
let ownerCookie: string;
let chatPath: string;
let ownerId: number;
let colleagueId: number;
const contexts: BrowserContext[] = [];

const query = <T>(sql: string, ...params: (string | number)[]) => queryKefu<T>(kefu, sql, ...params);

beforeAll(async () => {
  [kefu, browser] = await Promise.all([startKefu(), launchBrowser()]);
  const setup = await postForm(kefu, "/setup", owner);
  expect(setup.status).toBe(303);
  ownerCookie = sessionCookie(setup);
  const page = await (await fetch(`${kefu.url}/console`, { headers: { cookie: ownerCookie } })).text();
  chatPath = new URL(page.match(/<input id="chat-link" readonly value="([^"]+)"/)![1]!).pathname;
  // A colleague who has never signed in: the transfer picker must say they cannot take anything.
  const added = await postForm(kefu, "/console/team", { name: "Bo Wang", email: "bo@example.com", role: "agent" }, { cookie: ownerCookie, "hx-request": "true" });
  expect(added.status).toBe(200);
  [ownerId, colleagueId] = query<{ id: number }>("SELECT id FROM agents ORDER BY id").map((agent) => agent.id) as [number, number];
  await setCapacity(1);
});

afterAll(async () => {
  for (const context of contexts) await context.close();
  await browser?.close();
  await kefu?.stop();
});

async function setCapacity(capacity: number) {
  expect((await postForm(kefu, `/console/team/${ownerId}/capacity`, { capacity: String(capacity) }, { cookie: ownerCookie })).status).toBe(200);
}

/** Records whether the page's hx-ws socket is open. */
function trackSocket() {
  const w = window as unknown as { __kefuWsOpen: boolean };
  w.__kefuWsOpen = false;
  document.addEventListener("htmx:ws:after:connection", () => (w.__kefuWsOpen = true));
  document.addEventListener("htmx:ws:close", () => (w.__kefuWsOpen = false));
}

async function person(options: { agent?: boolean; locale?: string; width?: number; height?: number } = {}): Promise<Page> {
  const context = await browser.newContext({ locale: options.locale ?? "en-US", viewport: { width: options.width ?? 1280, height: options.height ?? 800 } });
  contexts.push(context);
  context.setDefaultTimeout(10_000);
  await context.addInitScript(trackSocket);
  // Every confirm (Close) is accepted, as a person clicking OK would.
  context.on("page", (page) => page.on("dialog", (dialog) => void dialog.accept()));
  if (options.agent) await context.addCookies([{ name: "kefu_session", value: ownerCookie.slice("kefu_session=".length), url: kefu.url }]);
  return context.newPage();
}

async function socketOpen(page: Page): Promise<void> {
  await page.waitForFunction(() => (window as unknown as { __kefuWsOpen?: boolean }).__kefuWsOpen === true, undefined, { polling: 25 });
}

async function visitorWrites(text: string): Promise<Page> {
  const page = await person({ width: 400, height: 700 });
  await page.goto(kefu.url + chatPath);
  await socketOpen(page);
  await send(page, text);
  return page;
}

async function send(page: Page, text: string): Promise<void> {
  const composer = page.locator("#composer textarea[name=body]");
  await composer.fill(text);
  await composer.press("Enter");
  await page.locator("#thread .message.mine:not(.pending) .bubble", { hasText: text }).waitFor();
}

function conversationOf(text: string): { id: number; visitorId: number; status: string } {
  const [row] = query<{ id: number; visitorId: number; status: string }>(
    "SELECT c.id, c.visitor_id AS visitorId, c.status FROM conversations c JOIN messages m ON m.conversation_id = c.id WHERE m.sender = 'visitor' AND m.body = ?",
    text,
  );
  if (!row) throw new Error(`no conversation has the visitor message "${text}"`);
  return row;
}

const item = (page: Page, list: "my" | "waiting", id: number) => page.locator(`#${list}-conversations #conversation-${id}`);
const shot = (page: Page, name: string) => page.screenshot({ path: `${shotsDir}/workspace-${name}.png` });

/** WCAG contrast of two computed colours ("rgb(r, g, b)"). */
function contrast(foreground: string, background: string): number {
  const luminance = (color: string) => {
    const [r, g, b] = color.match(/\d+(\.\d+)?/g)!.slice(0, 3).map((part) => {
      const channel = Number(part) / 255;
      return channel <= 0.03928 ? channel / 12.92 : ((channel + 0.055) / 1.055) ** 2.4;
    }) as [number, number, number];
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const [light, dark] = [luminance(foreground), luminance(background)].sort((a, b) => b - a) as [number, number];
  return (light + 0.05) / (dark + 0.05);
}

/** Every link and button on screen has a name: its visible text, an aria-label or a title. */
async function expectNamed(page: Page): Promise<void> {
  const unnamed = await page.locator("a, button, summary").evaluateAll((all) =>
    all
      .filter((element) => element.checkVisibility())
      .filter((element) => !((element as HTMLElement).innerText.trim() || element.getAttribute("aria-label") || element.getAttribute("title")))
      .map((element) => element.outerHTML.slice(0, 120)),
  );
  expect(unnamed).toEqual([]);
}

describe("the workspace, as the owner answers with a limit of one conversation", () => {
  let agent: Page;
  let first: ReturnType<typeof conversationOf>;
  let second: ReturnType<typeof conversationOf>;
  let secondVisitor: Page;

  it("counts what waits in a tab that stays in sight, and previews what the visitor wrote", async () => {
    agent = await person({ agent: true });
    await agent.goto(`${kefu.url}/console`);
    await socketOpen(agent);
    await visitorWrites("Where is my parcel? Order A1029.");
    first = conversationOf("Where is my parcel? Order A1029.");
    await item(agent, "my", first.id).waitFor();
    await agent.locator("#count-mine", { hasText: "1" }).waitFor();
    // What the visitor wrote, not the "joined" line that came after it.
    expect(await item(agent, "my", first.id).locator(".preview").textContent()).toBe("Where is my parcel? Order A1029.");

    secondVisitor = await visitorWrites("Do you ship to Hong Kong?");
    second = conversationOf("Do you ship to Hong Kong?");
    expect(second.status).toBe("queued");
    // Mine stays open; the Waiting tab counts the newcomer, live.
    await agent.locator("#count-waiting", { hasText: "1" }).waitFor();
    expect(await agent.locator("#tab-mine").getAttribute("aria-selected")).toBe("true");
    const tab = await agent.locator("#tab-waiting").boundingBox();
    expect(tab!.y + tab!.height).toBeLessThan(800);
    await agent.locator("#tab-waiting").click();
    await item(agent, "waiting", second.id).waitFor();
    await item(agent, "waiting", second.id).locator(".elapsed", { hasText: "< 1 min" }).waitFor();
  });

  it("says why Take is refused beside the Take that was clicked in the list (A5)", async () => {
    const waiting = item(agent, "waiting", second.id);
    const [answer] = await Promise.all([
      agent.waitForResponse((response) => response.url().includes(`/conversations/${second.id}/take`)),
      waiting.locator("button.take").click(),
    ]);
    expect(answer.status()).toBe(409);
    const reason = waiting.locator(".request-problem[role=alert]");
    await reason.waitFor();
    expect(await reason.textContent()).toBe(refusedAtCapacity);
    // Beside the button: just under it, inside the same item.
    const [button, said] = await Promise.all([waiting.locator("button.take").boundingBox(), reason.boundingBox()]);
    expect(said!.y).toBeGreaterThan(button!.y);
    expect(said!.y - (button!.y + button!.height)).toBeLessThan(40);
    expect(new URL(agent.url()).pathname).toBe("/console");
    await shot(agent, "take-refused-1280-en");
  });

  it("shows a waiting conversation as Waiting with Take in place of the composer, and the composer, focused, once taken (A10, A14)", async () => {
    await Promise.all([agent.waitForURL(`**/console/conversations/${second.id}`), item(agent, "waiting", second.id).locator("a").click()]);
    await socketOpen(agent);
    const footer = agent.locator("#conversation-footer[data-state=waiting]");
    await footer.locator("text=Waiting").waitFor();
    expect(await agent.locator("#composer").count()).toBe(0);
    await shot(agent, "waiting-1280-en");

    // Taken at capacity from here: the reason shows beside this Take too.
    await footer.locator("button", { hasText: "Take" }).click();
    await footer.locator(".request-problem", { hasText: refusedAtCapacity }).waitFor();

    // Away, the owner is given nothing by routing when room frees up; Take still works.
    expect((await postForm(kefu, "/console/availability", { availability: "away" }, { cookie: ownerCookie })).status).toBe(200);
    await setCapacity(2);
    await footer.locator("button", { hasText: "Take" }).click();
    const composer = agent.locator("#conversation-footer[data-state=composer] #composer textarea[name=body]");
    await composer.waitFor();
    await agent.waitForFunction(() => document.activeElement?.matches("#composer textarea[name=body]") === true, undefined, { polling: 25 });
    await agent.locator("#conversation-actions button", { hasText: "Close" }).waitFor();
    await agent.locator("#visitor-conversations .badge.status-open", { hasText: "Open" }).waitFor();
    // The tab follows the conversation into Mine.
    await agent.locator("#tab-mine[aria-selected=true]").waitFor();
    await item(agent, "my", second.id).waitFor();
    // The composer that came in works like the one a page loads with.
    await send(agent, "Yes, we do: 3 to 5 days.");
    await secondVisitor.locator("#thread .message.theirs", { hasText: "Yes, we do: 3 to 5 days." }).waitFor();
    expect((await postForm(kefu, "/console/availability", { availability: "online" }, { cookie: ownerCookie })).status).toBe(200);
  });

  it("shows a closed conversation closed, with its own messages and the panel saying Closed, and leads to the visitor's next one (A10, A14)", async () => {
    await agent.locator("#conversation-actions button", { hasText: "Close" }).click();
    const closed = agent.locator("#conversation-footer[data-state=closed]");
    await closed.locator("text=Closed").waitFor();
    await agent.locator("#visitor-conversations .badge.status-closed", { hasText: "Closed" }).waitFor();
    expect(await agent.locator("#composer").count()).toBe(0);
    expect(await agent.locator("#visitor-conversations .badge.status-open").count()).toBe(0);

    await send(secondVisitor, "One more thing: gift wrap?");
    const newer = conversationOf("One more thing: gift wrap?");
    expect(newer.id).not.toBe(second.id);
    await agent.reload();
    await closed.waitFor();
    expect(await agent.locator("#thread").textContent()).not.toContain("gift wrap");
    await shot(agent, "closed-1280-en");
    await Promise.all([agent.waitForURL(`**/console/conversations/${newer.id}`), closed.locator("a", { hasText: "Open their newer conversation" }).click()]);
    await agent.locator("#thread .message", { hasText: "gift wrap" }).waitFor();
  });

  it("renames the visitor in the conversation's header at once, and keeps a long name on one line in the list (A14, A11)", async () => {
    await agent.goto(`${kefu.url}/console/conversations/${first.id}`);
    await socketOpen(agent);
    await agent.locator("#visitor-edit summary").click();
    await agent.fill("#visitor-field-name", "Wang Xiaoming of Hangzhou Trading Company Limited");
    await agent.locator("#visitor-edit button[type=submit]").click();
    await agent.locator("#conversation-visitor-name", { hasText: "Wang Xiaoming of Hangzhou Trading Company Limited" }).waitFor();
    const name = item(agent, "my", first.id).locator(".item-name");
    await name.locator("text=Wang Xiaoming").waitFor();
    const box = await name.evaluate((element) => ({ lines: element.getBoundingClientRect().height / parseFloat(getComputedStyle(element).lineHeight), clipped: element.scrollWidth > element.clientWidth }));
    expect(box.lines).toBeLessThan(1.5);
    expect(box.clipped).toBe(true);
  });

  it("offers colleagues with their load, saying who cannot take it, with a note field to write in (A14, B)", async () => {
    await agent.locator(".transfer-picker summary").click();
    const colleague = agent.locator(".transfer-choice", { hasText: "Bo Wang" });
    await colleague.waitFor();
    expect(await colleague.locator(`input[value="agent:${colleagueId}"]`).isDisabled()).toBe(true);
    expect((await colleague.locator(".transfer-why").textContent())?.trim()).toBe("offline");
    expect((await colleague.locator(".transfer-load").textContent())?.trim()).toBe("0/5");
    await agent.locator(".transfer-picker", { hasText: "Nobody can take it now" }).waitFor();
    const note = await agent.locator(".transfer-picker textarea[name=note]").boundingBox();
    expect(note!.width).toBeGreaterThan(250);
    await shot(agent, "transfer-1280-en");
    // Esc folds it away again.
    await agent.keyboard.press("Escape");
    expect(await agent.locator(".transfer-picker").getAttribute("open")).toBeNull();
  });

  it("keeps the header on one line with same-size buttons from 1024 to 1440 px, in English and Chinese (B)", async () => {
    for (const locale of ["en", "zh-CN"] as const) {
      const page = await person({ agent: true, locale: locale === "en" ? "en-US" : "zh-CN" });
      await postForm(kefu, "/console/locale", { locale }, { cookie: ownerCookie });
      await page.goto(`${kefu.url}/console/conversations/${first.id}`);
      await socketOpen(page);
      for (const width of [1024, 1280, 1440]) {
        await page.setViewportSize({ width, height: 800 });
        const header = await page.locator(".conversation-header").boundingBox();
        expect(header!.height).toBeLessThan(64);
        const heights = await page.locator("#conversation-actions > button, #conversation-actions > details > summary").evaluateAll((all) => all.map((element) => Math.round(element.getBoundingClientRect().height)));
        expect(heights.length).toBe(4);
        expect(new Set(heights).size).toBe(1);
        // Nothing in the header runs out of it.
        const overflowing = await page.locator(".conversation-header").evaluate((element) => element.scrollWidth > element.clientWidth);
        expect(overflowing).toBe(false);
        await shot(page, `thread-${width}-${locale}`);
        if (width === 1024) {
          // Below 1280 px the visitor panel is a drawer over the thread: opened from the header, closed by Esc.
          expect(await page.locator("#visitor-panel").isVisible()).toBe(false);
          await page.locator(".panel-toggle").click();
          expect(await page.locator("#visitor-panel").isVisible()).toBe(true);
          await shot(page, `panel-drawer-${width}-${locale}`);
          await page.keyboard.press("Escape");
          expect(await page.locator("#visitor-panel").isVisible()).toBe(false);
        }
      }
      await page.context().close();
    }
    await postForm(kefu, "/console/locale", { locale: "en" }, { cookie: ownerCookie });
  });

  it("names the navigation's icons, leads the keyboard past it, and gives the selected row readable text (B)", async () => {
    await agent.setViewportSize({ width: 1280, height: 800 });
    await agent.goto(`${kefu.url}/console/conversations/${first.id}`);
    await socketOpen(agent);
    // The rail shows icons; each link is named.
    const names = await agent.locator("nav a").evaluateAll((links) => links.map((link) => (link as HTMLElement).innerText.trim() || link.getAttribute("title")));
    expect(names).toContain("Business hours");
    expect(await agent.locator("nav a[href='/console/hours']").getAttribute("title")).toBe("Business hours");
    await expectNamed(agent);
    // The first Tab on a page reaches the skip link, which takes the keyboard to the main content.
    const lists = await person({ agent: true });
    await lists.goto(`${kefu.url}/console`);
    await lists.keyboard.press("Tab");
    expect(await lists.evaluate(() => document.activeElement?.className)).toBe("skip-link");
    await lists.keyboard.press("Enter");
    expect(await lists.evaluate(() => document.activeElement?.id)).toBe("main");
    await lists.context().close();
    // The open conversation's row: every text on it passes WCAG AA (4.5:1).
    const selected = agent.locator(`#my-conversations > li[aria-current] > a`);
    const colors = await selected.evaluate((link) => {
      const background = getComputedStyle(link).backgroundColor;
      return [...link.querySelectorAll(".item-name, .preview, .item-when")].map((text) => ({ color: getComputedStyle(text).color, background }));
    });
    expect(colors.length).toBe(3);
    for (const { color, background } of colors) expect(contrast(color, background)).toBeGreaterThanOrEqual(4.5);
  });

  it("is usable on a phone: list, then thread, then visitor panel, each a screen with a way back, and 44 px targets (B)", async () => {
    for (const locale of ["en", "zh-CN"] as const) {
      await postForm(kefu, "/console/locale", { locale }, { cookie: ownerCookie });
      const page = await person({ agent: true, locale: locale === "en" ? "en-US" : "zh-CN", width: 390, height: 844 });
      await page.goto(`${kefu.url}/console`);
      await socketOpen(page);
      const visible = (selector: string) => page.locator(selector).isVisible();
      expect(await visible(".inbox")).toBe(true);
      expect(await visible(".conversation")).toBe(false);
      await shot(page, `phone-list-${locale}`);
      await expectNamed(page);
      const targets = async (selector: string) =>
        page.locator(selector).evaluateAll((all) => all.filter((element) => element.checkVisibility()).map((element) => Math.round(element.getBoundingClientRect().height)));
      for (const height of await targets("nav a, .inbox-tabs [role=tab], .conversation-list a")) expect(height).toBeGreaterThanOrEqual(44);

      await Promise.all([page.waitForURL(`**/console/conversations/${first.id}`), item(page, "my", first.id).locator("a").click()]);
      await socketOpen(page);
      expect(await visible(".inbox")).toBe(false);
      expect(await visible(".conversation")).toBe(true);
      expect(await visible("#visitor-panel")).toBe(false);
      for (const height of await targets(".conversation-header a, .conversation-header button, .conversation-header summary")) expect(height).toBeGreaterThanOrEqual(44);
      // The thread fills the screen down to the composer at its foot.
      const composer = await page.locator("#conversation-footer").boundingBox();
      expect(composer!.y + composer!.height).toBeGreaterThan(844 - 4);
      // The page is as wide as the phone: nothing to scroll sideways.
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      await shot(page, `phone-thread-${locale}`);
      await expectNamed(page);

      await page.locator(".panel-toggle").click();
      expect(await visible("#visitor-panel")).toBe(true);
      expect(await visible(".conversation")).toBe(false);
      await shot(page, `phone-panel-${locale}`);
      await page.locator("#visitor-panel .screen-back").click();
      expect(await visible(".conversation")).toBe(true);
      await Promise.all([page.waitForURL(/\/console$/), page.locator(".conversation-header .screen-back").click()]);
      expect(await visible(".inbox")).toBe(true);
      await page.context().close();
    }
    await postForm(kefu, "/console/locale", { locale: "en" }, { cookie: ownerCookie });
  });
});
