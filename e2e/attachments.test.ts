// Files both ways, as people send them: a visitor on the chat page and an agent in the console,
// each in their own Chromium context, against the built binary. The voice message is recorded
// with Chromium's fake microphone (launchBrowser's --use-fake-device-for-media-stream). kefu.db
// and the data dir are only ever read, to check what was (and was not) stored.
import { Database } from "bun:sqlite";
import { afterAll, beforeAll, describe, expect, it, setDefaultTimeout } from "bun:test";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { type AddressInfo, createConnection, createServer, type Socket } from "node:net";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import * as files from "../test/fixtures/files";
import { type Kefu, launchBrowser, postForm, sessionCookie, shotsDir, startKefu } from "./support";

setDefaultTimeout(60_000);

const owner = { name: "Mei", email: "mei@example.com", password: "a long password" };

let kefu: Kefu;
let browser: Browser;
let ownerCookie: string;
let chatPath: string;
/** A real picture to send: a PNG Chromium drew. */
let picture: Buffer;

beforeAll(async () => {
  [kefu, browser] = await Promise.all([startKefu(), launchBrowser()]);
  const setup = await postForm(kefu, "/setup", owner);
  expect(setup.status).toBe(303);
  ownerCookie = sessionCookie(setup);
  // Every conversation of this file goes to the owner, however many there are.
  expect((await postForm(kefu, "/console/settings", { capacity: "100" }, { cookie: ownerCookie })).status).toBe(200);
  const consolePage = await (await fetch(`${kefu.url}/console`, { headers: { cookie: ownerCookie, "accept-language": "en" } })).text();
  const link = consolePage.match(/<input id="chat-link" readonly value="([^"]+)"/)?.[1];
  if (!link) throw new Error("no #chat-link on /console");
  chatPath = new URL(link).pathname;
  const page = await browser.newPage({ viewport: { width: 320, height: 200 } });
  await page.setContent(`<body style="margin:0;background:linear-gradient(135deg,#f59e0b,#2563eb)"><h1 style="font:32px sans-serif;color:#fff;margin:70px 40px">Order #1024</h1></body>`);
  picture = await page.screenshot({ type: "png" });
  await page.close();
});

afterAll(async () => {
  await browser?.close();
  await kefu?.stop();
});

// ---- pages ----

function trackSocket() {
  const state = { open: false };
  (window as unknown as { __kefuWs: typeof state }).__kefuWs = state;
  document.addEventListener("htmx:ws:after:connection", () => (state.open = true));
  document.addEventListener("htmx:ws:close", () => (state.open = false));
}

async function newContext(agent = false): Promise<BrowserContext> {
  const context = await browser.newContext({ locale: "en-US", viewport: agent ? { width: 1280, height: 800 } : { width: 420, height: 760 }, acceptDownloads: true });
  context.setDefaultTimeout(10_000);
  await context.addInitScript(trackSocket);
  if (agent) await context.addCookies([{ name: "kefu_session", value: ownerCookie.slice("kefu_session=".length), url: kefu.url }]);
  return context;
}

/** Every page of this file fails its test on a script error, and never opens a dialog by itself. */
function watch(page: Page, problems: string[]): Page {
  page.on("pageerror", (error) => problems.push(`${page.url()}: ${error.message}`));
  page.on("dialog", (dialog) => {
    problems.push(`dialog ${dialog.message()}`);
    void dialog.dismiss().catch(() => {});
  });
  return page;
}

async function open(context: BrowserContext, path: string, problems: string[], base = kefu.url): Promise<Page> {
  const page = watch(await context.newPage(), problems);
  expect((await page.goto(base + path))?.status()).toBe(200);
  await page.waitForFunction(() => (window as unknown as { __kefuWs?: { open: boolean } }).__kefuWs?.open === true, undefined, { polling: 25 });
  return page;
}

interface SlowUplink {
  url: string;
  /** Each connection through it: how much of what the browser sent went on, and whether it closed. */
  connections: { forwarded: number; closed: boolean }[];
  stop(): Promise<void>;
}

/**
 * A TCP proxy that takes whatever the browser sends at once, and passes it on at `bytesPerSecond`
 * (the answers go back at full speed): a slow link with the file's bytes in flight. When the
 * browser drops a connection, what is still in flight is lost with it, as on a real network.
 */
async function slowUplink(target: string, bytesPerSecond: number): Promise<SlowUplink> {
  const { hostname, port } = new URL(target);
  const open = new Set<Socket>();
  const connections: SlowUplink["connections"] = [];
  const server = createServer((client) => {
    const upstream = createConnection({ host: hostname, port: Number(port) });
    const connection = { forwarded: 0, closed: false };
    connections.push(connection);
    const inFlight: Buffer[] = [];
    let sending = false;
    const pump = () => {
      const chunk = inFlight.shift();
      if (!chunk || connection.closed) {
        sending = false;
        return;
      }
      sending = true;
      upstream.write(chunk);
      connection.forwarded += chunk.length;
      setTimeout(pump, (chunk.length / bytesPerSecond) * 1000);
    };
    for (const socket of [client, upstream]) {
      open.add(socket);
      socket.on("close", () => open.delete(socket));
      socket.on("error", () => {});
    }
    client.on("data", (data: Buffer) => {
      for (let at = 0; at < data.length; at += 16 * 1024) inFlight.push(data.subarray(at, at + 16 * 1024));
      if (!sending) pump();
    });
    const drop = () => {
      connection.closed = true;
      inFlight.length = 0;
      upstream.destroy();
    };
    client.on("end", drop);
    client.on("close", drop);
    upstream.on("close", () => client.destroy());
    upstream.pipe(client);
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const address = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${address.port}`,
    connections,
    stop: async () => {
      for (const socket of open) socket.destroy();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}

const shot = (page: Page, name: string) => page.screenshot({ path: `${shotsDir}/attachments-${name}.png` });

/** The confirmed (no longer pending) messages of the thread that hold `selector`. */
const confirmed = (page: Page, selector: string) => page.locator(`#thread > .message:not(.pending) ${selector}`);

// ---- what was stored ----

function database(): Database {
  return new Database(join(kefu.dataDir, "kefu.db"), { readonly: true });
}

function attachmentRows(): { id: number; conversation_id: number; original_name: string; mime_type: string; size: number }[] {
  const db = database();
  try {
    return db.query("SELECT id, conversation_id, original_name, mime_type, size FROM attachments ORDER BY id").all() as never;
  } finally {
    db.close();
  }
}

/** Every file under the uploads dir's attachments, temp files included. */
function storedFiles(): string[] {
  const root = join(kefu.dataDir, "uploads", "attachments");
  if (!existsSync(root)) return [];
  return readdirSync(root, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
}

/** The newest conversation: the one the visitor of these tests started. */
function latestConversationId(): number {
  const db = database();
  try {
    return (db.query("SELECT id FROM conversations ORDER BY id DESC LIMIT 1").get() as { id: number }).id;
  } finally {
    db.close();
  }
}

// ---- the tests ----

describe("files between a visitor and an agent", () => {
  let visitorContext: BrowserContext;
  let agentContext: BrowserContext;
  let visitor: Page;
  let agent: Page;
  let conversationId: number;
  const problems: string[] = [];

  beforeAll(async () => {
    [visitorContext, agentContext] = await Promise.all([newContext(), newContext(true)]);
    // The agent is online first, so the visitor's first file opens a conversation that is theirs.
    agent = await open(agentContext, "/console", problems);
    visitor = await open(visitorContext, chatPath, problems);
  });

  afterAll(async () => {
    await visitorContext?.close();
    await agentContext?.close();
  });

  it("a visitor sends a picture, shown as a thumbnail on both sides", async () => {
    await visitor.setInputFiles("#attach-input", { name: "order.png", mimeType: "image/png", buffer: picture });
    const thumbnail = confirmed(visitor, ".bubble.attachment img");
    await thumbnail.waitFor();
    await visitor.waitForFunction(() => (document.querySelector("#thread img") as HTMLImageElement | null)?.complete);
    expect(await thumbnail.evaluate((image: HTMLImageElement) => image.naturalWidth)).toBe(320);
    conversationId = latestConversationId();
    expect(attachmentRows().at(-1)).toMatchObject({ conversation_id: conversationId, original_name: "order.png", mime_type: "image/png", size: picture.length });

    expect((await agent.goto(`${kefu.url}/console/conversations/${conversationId}`))?.status()).toBe(200);
    const seen = confirmed(agent, ".bubble.attachment img");
    await seen.waitFor();
    await agent.waitForFunction(() => (document.querySelector("#thread img") as HTMLImageElement | null)?.naturalWidth === 320);
    expect(await seen.evaluate((image: HTMLImageElement) => image.getBoundingClientRect().width)).toBeLessThanOrEqual(240);
    // A click opens it large, in a dialog; Escape closes it.
    await seen.click();
    const viewer = agent.locator("dialog#attachment-viewer[open] img");
    await viewer.waitFor();
    expect(await viewer.evaluate((image: HTMLImageElement) => image.naturalWidth)).toBe(320);
    await shot(agent, "viewer");
    await agent.keyboard.press("Escape");
    await agent.locator("dialog#attachment-viewer[open]").waitFor({ state: "detached" }).catch(async () => {
      expect(await agent.locator("dialog#attachment-viewer").evaluate((dialog: HTMLDialogElement) => dialog.open)).toBe(false);
    });
  });

  it("a visitor records a voice message that the agent receives live and plays", async () => {
    await agent.waitForFunction(() => (window as unknown as { __kefuWs?: { open: boolean } }).__kefuWs?.open === true, undefined, { polling: 25 });
    await visitor.click("#record-button");
    await visitor.locator(".composer-status.recording").waitFor();
    await visitor.waitForTimeout(1500);
    await shot(visitor, "recording");
    await visitor.click(".stop-recording");
    await confirmed(visitor, "audio.attachment-audio").waitFor();
    const clip = confirmed(agent, "audio.attachment-audio");
    await clip.waitFor();
    // The player knows how long it is before anyone plays it (a browser's WebM states no length).
    for (const page of [visitor, agent]) {
      const duration = await confirmed(page, "audio.attachment-audio")
        .last()
        .evaluate((audio: HTMLAudioElement) =>
          Number.isFinite(audio.duration) && audio.currentTime === 0
            ? audio.duration
            : new Promise<number>((resolve) => {
                const done = () => Number.isFinite(audio.duration) && audio.currentTime === 0 && resolve(audio.duration);
                audio.addEventListener("durationchange", done);
                audio.addEventListener("seeked", done);
                setTimeout(() => resolve(audio.duration), 5000);
              }),
        );
      expect(duration).toBeGreaterThan(1);
      expect(duration).toBeLessThan(10);
    }
    const row = attachmentRows().at(-1)!;
    expect(row.mime_type).toBe("audio/webm");
    expect(row.original_name).toMatch(/^voice-\d{8}-\d{6}\.webm$/);
    const played = await clip.evaluate(async (audio: HTMLAudioElement) => {
      await audio.play();
      const start = audio.currentTime;
      await new Promise((resolve) => setTimeout(resolve, 800));
      audio.pause();
      return { start, now: audio.currentTime };
    });
    expect(played.now).toBeGreaterThan(played.start + 0.3);
    await shot(agent, "thread");
  });

  it("the agent sends a PDF, which the visitor downloads byte for byte", async () => {
    await agent.setInputFiles("#attach-input", { name: "invoice 1024.pdf", mimeType: "application/pdf", buffer: Buffer.from(files.pdf) });
    await confirmed(agent, ".attachment-file").filter({ hasText: "invoice 1024.pdf" }).waitFor();
    const card = confirmed(visitor, "a.attachment-file").filter({ hasText: "invoice 1024.pdf" });
    await card.waitFor();
    expect(await card.textContent()).toContain("193 bytes");
    await shot(visitor, "received");
    const [download] = await Promise.all([visitor.waitForEvent("download"), card.click()]);
    expect(download.suggestedFilename()).toBe("invoice 1024.pdf");
    expect(new Uint8Array(readFileSync((await download.path())!))).toEqual(files.pdf);
  });

  it("an HTML file named .png is only a file to download, and never renders", async () => {
    await visitor.setInputFiles("#attach-input", { name: "cat.png", mimeType: "image/png", buffer: Buffer.from(files.html) });
    const card = confirmed(visitor, "a.attachment-file").filter({ hasText: "cat.png" });
    await card.waitFor();
    expect(await visitor.locator("#thread img[alt='cat.png']").count()).toBe(0);
    expect(attachmentRows().at(-1)).toMatchObject({ original_name: "cat.png", mime_type: "text/plain" });
    // Opened directly, it is a download; the page that asked stays as it was.
    const url = kefu.url + (await card.getAttribute("href"))!;
    const page = watch(await visitorContext.newPage(), problems);
    const [download] = await Promise.all([page.waitForEvent("download"), page.goto(url).catch(() => null)]);
    expect(download.suggestedFilename()).toBe("cat.png");
    expect(await page.title()).not.toBe("pwned");
    await page.close();
    const response = await visitorContext.request.get(url);
    expect(response.headers()["content-type"]).toBe("text/plain; charset=utf-8");
    expect(response.headers()["content-disposition"]).toStartWith("attachment;");
    expect(response.headers()["x-content-type-options"]).toBe("nosniff");
  });

  it("an upload cancelled on its way stores nothing", async () => {
    const rows = attachmentRows().length;
    const stored = storedFiles().length;
    // A slow uplink for real (Chromium's own throttling only paces the progress events, while
    // the bytes still reach the server at once): the page talks to Kefu through this proxy.
    const proxy = await slowUplink(kefu.url, 512 * 1024);
    const context = await newContext();
    try {
      const page = await open(context, chatPath, problems, proxy.url);
      const size = 4 * 1024 * 1024;
      await page.setInputFiles("#attach-input", { name: "scan.txt", mimeType: "text/plain", buffer: Buffer.alloc(size, 0x61) });
      await page.waitForFunction(() => Number((document.querySelector(".message.upload.pending progress") as HTMLProgressElement | null)?.value) > 0);
      await shot(page, "uploading");
      await page.click(".message.upload.pending .upload-cancel");
      await page.locator(".message.upload").waitFor({ state: "detached" });
      // The upload's connection ends (cancelled), or carries the whole file on (not cancelled).
      const uploading = proxy.connections.find((connection) => connection.forwarded > 64 * 1024)!;
      const deadline = Date.now() + 20_000;
      while (!uploading.closed && uploading.forwarded < size && Date.now() < deadline) await Bun.sleep(50);
      await Bun.sleep(500);
      expect(uploading.closed).toBe(true);
      expect(uploading.forwarded).toBeLessThan(size);
      expect(await page.locator("#thread .message").count()).toBe(0);
    } finally {
      await context.close();
      await proxy.stop();
    }
    expect(attachmentRows()).toHaveLength(rows);
    expect(storedFiles()).toHaveLength(stored);
  });

  it("an 11 MB file gets 413, is shown as refused, and nothing is stored", async () => {
    const rows = attachmentRows().length;
    const stored = storedFiles().length;
    const eleven = 11 * 1024 * 1024;
    // Straight to the server, past the page's own check.
    const answer = await visitor.evaluate(
      async ({ path, size }) => {
        const form = new FormData();
        form.append("file", new File([new Uint8Array(size).fill(97)], "huge.txt"));
        form.append("clientId", crypto.randomUUID());
        const response = await fetch(`${path}/attachments`, { method: "POST", body: form });
        return { status: response.status, text: await response.text() };
      },
      { path: chatPath, size: eleven },
    );
    expect(answer).toEqual({ status: 413, text: "The file is 11 MB; the limit is 10 MB." });
    // Through the composer: refused in place, with the same words.
    await visitor.setInputFiles("#attach-input", { name: "huge.bin", mimeType: "application/octet-stream", buffer: Buffer.alloc(eleven + 200_000, 1) });
    await visitor.locator(".message.upload.failed .upload-error", { hasText: "The file is 11.2 MB; the limit is 10 MB." }).waitFor();
    await shot(visitor, "too-large");
    expect(attachmentRows()).toHaveLength(rows);
    expect(storedFiles()).toHaveLength(stored);
  });

  it("a visitor of another conversation gets 404 for the file's address", async () => {
    const href = await confirmed(visitor, "a.attachment-image").first().getAttribute("href");
    expect(href).toMatch(new RegExp(`^${chatPath}/attachments/\\d+$`));
    expect((await visitorContext.request.get(kefu.url + href)).status()).toBe(200);
    const strangerContext = await newContext();
    try {
      await open(strangerContext, chatPath, problems);
      const response = await strangerContext.request.get(kefu.url + href);
      expect(response.status()).toBe(404);
      expect(await response.text()).not.toContain("PNG");
    } finally {
      await strangerContext.close();
    }
    expect(problems).toEqual([]);
  });
});
