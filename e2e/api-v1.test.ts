// The JSON API as an integrator meets it, against the built binary: the owner makes a read token
// and a write token on the profile page in Chromium (choosing scope and limit), follows the link
// to the reference, then a script lists, answers, closes and reopens a visitor's conversation and
// updates the visitor, and the read token is refused every change.
import { afterAll, beforeAll, describe, expect, it, setDefaultTimeout } from "bun:test";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { type Kefu, launchBrowser, openConsole, postForm, setUpShop, shotsDir, startKefu } from "./support";

setDefaultTimeout(60_000);

let kefu: Kefu;
let browser: Browser;
let ownerCookie = "";
let widgetKey = "";
let context: BrowserContext;
let profile: Page;
const tokens = { read: "", write: "" };

beforeAll(async () => {
  [kefu, browser] = await Promise.all([startKefu(), launchBrowser()]);
  ({ ownerCookie, widgetKey } = await setUpShop(kefu));
  context = await browser.newContext({ locale: "en-US", viewport: { width: 1280, height: 800 } });
  context.setDefaultTimeout(10_000);
  // The console open in a tab: the owner is online, so the visitor's conversation is theirs.
  await openConsole(context, kefu.url, ownerCookie);
  profile = await context.newPage();
});

afterAll(async () => {
  await browser?.close();
  await kefu?.stop();
});

const shot = (page: Page, name: string) => page.screenshot({ path: `${shotsDir}/api-${name}.png`, fullPage: true });

function api(token: string, path: string, init: { method?: string; json?: unknown; language?: string } = {}) {
  return fetch(`${kefu.url}/api/v1${path}`, {
    method: init.method ?? "GET",
    headers: {
      authorization: `Bearer ${token}`,
      ...(init.json === undefined ? {} : { "content-type": "application/json" }),
      ...(init.language ? { "accept-language": init.language } : {}),
    },
    body: init.json === undefined ? undefined : JSON.stringify(init.json),
  });
}

/** A visitor on the chat page (its socket, as the page holds it) who says hello. */
async function visitorSaysHello(): Promise<WebSocket> {
  const chat = await fetch(`${kefu.url}/chat/${widgetKey}`);
  const cookie = chat.headers.getSetCookie().find((line) => line.startsWith("kefu_visitor="))!.split(";")[0]!;
  const socket = new WebSocket(`${kefu.url.replace(/^http/, "ws")}/chat/${widgetKey}/ws`, { headers: { cookie, origin: kefu.url } } as unknown as string[]);
  await new Promise((resolve, reject) => {
    socket.onopen = resolve;
    socket.onerror = () => reject(new Error("the visitor's socket failed"));
  });
  socket.send(JSON.stringify({ type: "resume", after: 0 }));
  const clientId = crypto.randomUUID();
  const stored = nextFrame(socket, (frame) => frame.includes(`message-${clientId}`));
  socket.send(JSON.stringify({ type: "send", clientId, body: "Where is my parcel?" }));
  await stored;
  return socket;
}

function nextFrame(socket: WebSocket, match: (frame: string) => boolean, ms = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no matching frame within ${ms} ms`)), ms);
    socket.addEventListener("message", (event) => {
      if (match(String(event.data))) {
        clearTimeout(timer);
        resolve(String(event.data));
      }
    });
  });
}

describe("API tokens made in the console", () => {
  it("makes a read-only token with its own limit, and a read and write token", async () => {
    await profile.goto(`${kefu.url}/console/profile`);
    await profile.fill("#api-token-name", "Dashboard");
    expect(await profile.isChecked("#api-tokens input[name=scope][value=read]")).toBe(true);
    await profile.fill("#api-token-requestsPerMinute", "60");
    await profile.click("#api-tokens button[type=submit]:has-text('Create token')");
    tokens.read = (await profile.locator("#new-api-token").textContent())!.trim();
    expect(tokens.read).toMatch(/^kefu_/);
    await profile.fill("#api-token-name", "Helpdesk sync");
    await profile.check("#api-tokens input[name=scope][value=write]");
    await profile.click("#api-tokens button[type=submit]:has-text('Create token')");
    await profile.locator("#api-tokens .notice.ok:has-text('Helpdesk sync')").waitFor();
    tokens.write = (await profile.locator("#new-api-token").textContent())!.trim();
    expect(tokens.write).not.toBe(tokens.read);
    const rows = await profile.locator("#api-tokens tbody tr").allTextContents();
    expect(rows[0]).toContain("Read only");
    expect(rows[0]).toContain("60/min");
    expect(rows[1]).toContain("Read and write");
    expect(rows[1]).toContain("1200/min");
    await shot(profile, "tokens-en");
    await profile.setViewportSize({ width: 390, height: 844 });
    await shot(profile, "tokens-en-phone");
    await profile.setViewportSize({ width: 1280, height: 800 });
  });

  it("shows a limit out of bounds beside its field, making nothing", async () => {
    await profile.fill("#api-token-name", "Runaway");
    await profile.fill("#api-token-requestsPerMinute", "100000");
    // The browser's own check would stop the form; the server's answer is what is tested here.
    await profile.evaluate(() => document.querySelector<HTMLInputElement>("#api-token-requestsPerMinute")!.removeAttribute("max"));
    await profile.click("#api-tokens button[type=submit]:has-text('Create token')");
    const error = profile.locator("#api-token-requestsPerMinute-error");
    await error.waitFor();
    expect(await error.textContent()).toContain("from 10 to 6000");
    expect(await profile.locator("#api-tokens tbody tr").count()).toBe(2);
  });

  it("links to the reference, which documents every endpoint", async () => {
    const [docs] = await Promise.all([context.waitForEvent("page"), profile.click("#api-tokens a:has-text('API reference')")]);
    await docs.waitForLoadState();
    expect(await docs.title()).toContain("Kefu API reference");
    const document = (await (await fetch(`${kefu.url}/api/v1/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    const count = Object.values(document.paths).reduce((n, methods) => n + Object.keys(methods).length, 0);
    expect(await docs.locator(".api-endpoint").count()).toBe(count);
    await shot(docs, "docs-en");
    await docs.setViewportSize({ width: 390, height: 844 });
    await docs.goto(`${kefu.url}/api/v1/docs?locale=zh-CN`);
    expect(await docs.locator("h1").textContent()).toBe("Kefu API 文档");
    await shot(docs, "docs-zh-phone");
    await docs.close();
  });

  it("shows the tokens in Chinese", async () => {
    expect((await postForm(kefu, "/console/locale", { locale: "zh-CN" }, { cookie: ownerCookie })).status).toBe(204);
    await profile.goto(`${kefu.url}/console/profile`);
    expect(await profile.locator("#api-tokens h2").textContent()).toBe("API 令牌");
    expect(await profile.locator("#api-tokens tbody").textContent()).toContain("只读");
    await shot(profile, "tokens-zh");
    await profile.setViewportSize({ width: 390, height: 844 });
    await shot(profile, "tokens-zh-phone");
    await profile.setViewportSize({ width: 1280, height: 800 });
    await postForm(kefu, "/console/locale", { locale: "en" }, { cookie: ownerCookie });
  });
});

describe("a script with the tokens", () => {
  it("reads with the read token, and is refused changes with 403 naming the write scope", async () => {
    const visitor = await visitorSaysHello();
    const listed = await api(tokens.read, "/conversations");
    expect(listed.status).toBe(200);
    expect(listed.headers.get("ratelimit-limit")).toBe("60");
    const { conversations } = (await listed.json()) as { conversations: { id: number; agentId: number; visitorId: number }[] };
    expect(conversations).toHaveLength(1);
    const [conversation] = conversations;
    const messages = (await (await api(tokens.read, `/conversations/${conversation!.id}/messages`)).json()) as { messages: { body: string }[] };
    expect(messages.messages.map((message) => message.body)).toContain("Where is my parcel?");
    const { agents } = (await (await api(tokens.read, "/agents")).json()) as { agents: { id: number; online: boolean }[] };
    expect(agents).toEqual([expect.objectContaining({ id: conversation!.agentId, online: true })]);
    const refused = await api(tokens.read, `/conversations/${conversation!.id}/close`, { method: "POST" });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: string }).error).toContain("write scope");
    const zh = await api(tokens.read, `/visitors/${conversation!.visitorId}`, { method: "PATCH", json: { name: "Ana" }, language: "zh-CN" });
    expect(zh.status).toBe(403);
    expect(((await zh.json()) as { error: string }).error).toContain("写入权限");
    visitor.close();
  });

  it("answers, updates the visitor, closes and reopens with the write token; the visitor sees the answer", async () => {
    const visitor = await visitorSaysHello();
    const { conversations } = (await (await api(tokens.write, "/conversations")).json()) as { conversations: { id: number; visitorId: number }[] };
    const conversation = conversations[0]!;
    const heard = nextFrame(visitor, (frame) => frame.includes("It left today."));
    const sent = await api(tokens.write, `/conversations/${conversation.id}/messages`, { method: "POST", json: { body: "It left today.", clientId: crypto.randomUUID() } });
    expect(sent.status).toBe(201);
    await heard;
    const updated = await api(tokens.write, `/visitors/${conversation.visitorId}`, { method: "PATCH", json: { name: "Ana", attributes: { plan: "pro" } } });
    expect(updated.status).toBe(200);
    expect(await updated.json()).toMatchObject({ name: "Ana", attributes: { plan: "pro" } });
    expect((await api(tokens.write, `/conversations/${conversation.id}/close`, { method: "POST" })).status).toBe(200);
    const reopened = await api(tokens.write, `/conversations/${conversation.id}/reopen`, { method: "POST" });
    expect(reopened.status).toBe(200);
    expect(await reopened.json()).toMatchObject({ status: "open", closedAt: null });
    const history = (await (await api(tokens.read, `/visitors/${conversation.visitorId}/conversations`)).json()) as { conversations: { id: number }[] };
    expect(history.conversations.map((c) => c.id)).toEqual([conversation.id]);
    visitor.close();
  });

  it("answers 429 with Retry-After once the read token passes its 60 requests in a minute", async () => {
    let answer: Response | null = null;
    for (let i = 0; i < 61; i++) {
      answer = await api(tokens.read, "/agents");
      if (answer.status === 429) break;
    }
    expect(answer!.status).toBe(429);
    expect(Number(answer!.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(answer!.headers.get("ratelimit-remaining")).toBe("0");
    expect((await api(tokens.write, "/agents")).status).toBe(200);
  });
});
