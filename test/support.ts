// Builds an isolated Kefu app on an in-memory database, and a tiny browser-like client for it.
import { afterEach } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type AppOptions, createApp } from "../src/app";
import { migrate, openDatabase } from "../src/db/client";
import { addAgent } from "../src/domain/agents";
import { ensureDefaultBusiness } from "../src/domain/businesses";
import { findVisitorByToken } from "../src/domain/visitors";
import { silentLog } from "../src/log";

export const origin = "http://kefu.test";
const testSecret = "0".repeat(64);

/**
 * KEFU_TEST_BROKER=redis runs the apps on the Redis broker (the preload starts a redis-server);
 * each app's database is its own, so are its channels.
 */
export function testBroker(): Pick<AppOptions, "redisKeyPrefix"> & { redisUrl: string | null } {
  const broker = process.env.KEFU_TEST_BROKER ?? "local";
  if (broker === "local") return { redisUrl: null };
  if (broker !== "redis") throw new Error(`KEFU_TEST_BROKER must be local or redis, not "${broker}"`);
  return { redisUrl: process.env.KEFU_TEST_REDIS_URL!, redisKeyPrefix: `kefu-test-${crypto.randomUUID()}:` };
}

export function testApp(overrides: Partial<AppOptions> = {}) {
  const opened = openDatabase(":memory:");
  migrate(opened);
  const business = ensureDefaultBusiness(opened.db);
  const { redisUrl, redisKeyPrefix } = testBroker();
  const app = createApp({
    db: opened.db,
    sqlite: opened.sqlite,
    secret: testSecret,
    config: { publicUrl: null, trustProxy: false, redisUrl },
    redisKeyPrefix,
    uploadsDir: mkdtempSync(join(tmpdir(), "kefu-uploads-")),
    log: silentLog,
    ...overrides,
  });
  return { app, db: opened.db, sqlite: opened.sqlite, business };
}

type TestApp = ReturnType<typeof testApp>;

/** Like a browser on the Kefu origin: keeps the session cookie and sends Sec-Fetch-Site. */
export class Client {
  cookie: string | null = null;

  constructor(
    private readonly app: TestApp["app"],
    private readonly headers: Record<string, string> = {},
  ) {}

  async request(path: string, init: RequestInit & { form?: Record<string, string> | FormData } = {}): Promise<Response> {
    const headers = new Headers({ ...this.headers, ...(init.headers as Record<string, string>) });
    if (this.cookie) headers.set("cookie", this.cookie);
    let body = init.body;
    if (init.form instanceof FormData) body = init.form;
    else if (init.form) {
      headers.set("content-type", "application/x-www-form-urlencoded");
      // As a browser posts it and Bun's server hands it on: an empty form is no body at all.
      body = new URLSearchParams(init.form).toString() || null;
    }
    if (init.method && init.method !== "GET" && !headers.has("sec-fetch-site")) headers.set("sec-fetch-site", "same-origin");
    const response = await this.app.handle(new Request(origin + path, { ...init, headers, body }));
    const setCookie = response.headers.get("set-cookie");
    if (setCookie) {
      const [pair] = setCookie.split(";");
      this.cookie = pair!.endsWith("=") || /Max-Age=0|Expires=Thu, 01 Jan 1970/.test(setCookie) ? null : pair!;
    }
    return response;
  }

  get(path: string, headers: Record<string, string> = {}) {
    return this.request(path, { headers });
  }

  post(path: string, form: Record<string, string> | FormData = {}, headers: Record<string, string> = {}) {
    return this.request(path, { method: "POST", form, headers });
  }
}

/**
 * Opens the chat page as a browser does, page and script: the page gives the browser its token,
 * and the script's first report (as embed.js sends it) stores the visitor. Returns that visitor.
 */
export async function openChat(ctx: TestApp, browser: Client = new Client(ctx.app), business: { id: number; widgetKey: string } = ctx.business) {
  const { widgetKey } = business;
  const page = await browser.get(`/chat/${widgetKey}`);
  if (page.status !== 200) throw new Error(`chat page answered ${page.status}`);
  const report = await browser.request(`/chat/${widgetKey}/context`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ language: "en", timezone: "UTC" }),
  });
  if (report.status !== 200) throw new Error(`the page's report answered ${report.status}`);
  const token = decodeURIComponent(browser.cookie!.split("=")[1]!);
  return { browser, visitor: findVisitorByToken(ctx.db, testSecret, business.id, token)! };
}

export async function addMember(ctx: TestApp, role: "owner" | "admin" | "agent", email: string, password = "correct horse") {
  const { agent } = await addAgent(ctx.db, { businessId: ctx.business.id, email, name: email.split("@")[0]!, role, password });
  return agent;
}

/** A signed-in client for a new member of the test business. */
export async function signedIn(ctx: TestApp, role: "owner" | "admin" | "agent", email = `${role}@example.com`) {
  const agent = await addMember(ctx, role, email);
  const client = new Client(ctx.app);
  const response = await client.post("/login", { email, password: "correct horse" });
  if (response.status !== 303 || !client.cookie) throw new Error(`sign-in failed: ${response.status}`);
  return { agent, client };
}

/** A WebSocket client that keeps every frame it receives, with a way to wait for one. */
export class TestSocket {
  readonly frames: string[] = [];
  closed: { code: number; reason: string } | null = null;
  private readonly ws: WebSocket;
  private waiters: (() => void)[] = [];
  readonly opened: Promise<void>;

  constructor(url: string, headers: Record<string, string>) {
    this.ws = new WebSocket(url, { headers } as unknown as string[]);
    this.opened = new Promise((resolve, reject) => {
      this.ws.onopen = () => resolve();
      this.ws.onerror = () => reject(new Error(`socket to ${url} failed`));
    });
    this.ws.onmessage = (event) => {
      this.frames.push(String(event.data));
      this.wake();
    };
    this.ws.onclose = (event) => {
      this.closed = { code: event.code, reason: event.reason };
      this.wake();
    };
  }

  private wake() {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  send(frame: unknown) {
    this.ws.send(typeof frame === "string" ? frame : JSON.stringify(frame));
  }

  /** Resolves with the first frame (from `from` on) that matches, or rejects after `ms`. */
  async next(match: (frame: string) => boolean, ms = 2000, from = 0): Promise<string> {
    const deadline = Date.now() + ms;
    for (;;) {
      const found = this.frames.slice(from).find(match);
      if (found !== undefined) return found;
      if (Date.now() > deadline) throw new Error(`no matching frame within ${ms} ms; got:\n${this.frames.join("\n---\n")}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  }

  async closedWith(ms = 2000): Promise<{ code: number; reason: string }> {
    const deadline = Date.now() + ms;
    while (!this.closed && Date.now() < deadline) await Bun.sleep(10);
    if (!this.closed) throw new Error("socket stayed open");
    return this.closed;
  }

  close() {
    this.ws.close();
  }
}

/** The test app listening on a free port, for WebSocket tests. */
export function listeningApp(overrides: Partial<AppOptions> = {}) {
  const ctx = testApp({ presenceGraceMs: 50, ...overrides });
  ctx.app.listen({ port: 0, hostname: "127.0.0.1" });
  const base = `http://127.0.0.1:${ctx.app.server!.port}`;
  const stop = async () => {
    await ctx.app.stop(true);
  };
  return { ...ctx, base, stop };
}

export type ListeningApp = ReturnType<typeof listeningApp>;

/** Starts listening apps for the tests of a file, each stopped after its test. */
export function listeningApps(): () => ListeningApp {
  let running: ListeningApp[] = [];
  afterEach(() => {
    for (const app of running) app.stop();
    running = [];
  });
  return () => {
    const ctx = listeningApp();
    running.push(ctx);
    return ctx;
  };
}

/** The WebSocket URL of a path on a listening app. */
export function wsUrl(ctx: ListeningApp, path: string): string {
  return `${ctx.base.replace("http", "ws")}${path}`;
}

/** Opens the chat page like a browser would; returns the visitor cookie it was given. */
export async function visitChat(base: string, widgetKey: string, cookie?: string): Promise<string> {
  const response = await fetch(`${base}/chat/${widgetKey}`, { headers: cookie ? { cookie } : {} });
  if (response.status !== 200) throw new Error(`chat page answered ${response.status}`);
  return response.headers.getSetCookie().find((c) => c.startsWith("kefu_visitor="))?.split(";")[0] ?? cookie!;
}

/**
 * A visitor in a conversation with an agent whose console shows that conversation's thread (and
 * whose lobby socket hears the lists).
 */
export async function chatting(ctx: ListeningApp) {
  const { client } = await signedIn(ctx, "agent");
  const lobby = new TestSocket(wsUrl(ctx, "/ws/agent"), { cookie: client.cookie!, origin: ctx.base });
  await lobby.opened;
  lobby.send({ type: "resume", after: 0 });
  const cookie = await visitChat(ctx.base, ctx.business.widgetKey);
  const visitor = new TestSocket(wsUrl(ctx, `/chat/${ctx.business.widgetKey}/ws`), { cookie, origin: ctx.base });
  await visitor.opened;
  visitor.send({ type: "resume", after: 0 });
  visitor.send({ type: "send", clientId: crypto.randomUUID(), body: "hello" });
  await visitor.next((f) => f.includes("joined the conversation"));
  const { id } = ctx.sqlite.query("SELECT id FROM conversations").get() as { id: number };
  const agent = new TestSocket(wsUrl(ctx, `/ws/agent?conversation=${id}`), { cookie: client.cookie!, origin: ctx.base });
  await agent.opened;
  agent.send({ type: "resume", after: 0 });
  // The replayed thread arrives after the subscription: from here on the agent hears typing.
  await agent.next((f) => f.includes("hello"));
  return { client, cookie, lobby, visitor, agent, conversationId: id };
}
