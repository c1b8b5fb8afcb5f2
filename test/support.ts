// Builds an isolated Kefu app on an in-memory database, and a tiny browser-like client for it.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type AppOptions, createApp } from "../src/app";
import { migrate, openDatabase } from "../src/db/client";
import { addAgent } from "../src/domain/agents";
import { ensureDefaultBusiness } from "../src/domain/businesses";
import { silentLog } from "../src/log";

export const origin = "http://kefu.test";

export function testApp(overrides: Partial<AppOptions> = {}) {
  const opened = openDatabase(":memory:");
  migrate(opened);
  const business = ensureDefaultBusiness(opened.db);
  const app = createApp({
    db: opened.db,
    sqlite: opened.sqlite,
    secret: "0".repeat(64),
    config: { publicUrl: null, trustProxy: false },
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
      body = new URLSearchParams(init.form).toString();
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
