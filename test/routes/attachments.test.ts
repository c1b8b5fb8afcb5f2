import { describe, expect, it } from "bun:test";
import { existsSync, mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eq } from "drizzle-orm";
import { addAgent } from "../../src/domain/agents";
import { attachments, businesses, conversations, messages, visitors } from "../../src/db/schema";
import * as files from "../fixtures/files";
import { Client, listeningApps, openChat, signedIn, testApp, TestSocket, visitChat, wsUrl } from "../support";

function setup() {
  const uploadsDir = mkdtempSync(join(tmpdir(), "kefu-attachment-routes-"));
  const ctx = testApp({ uploadsDir });
  const chatPath = `/chat/${ctx.business.widgetKey}`;
  return { ...ctx, uploadsDir, chatPath };
}

type Setup = ReturnType<typeof setup>;

/** A visitor who has opened the chat page and holds its cookie. */
async function visitor(ctx: Setup) {
  return (await openChat(ctx, new Client(ctx.app, { "accept-language": "en" }))).browser;
}

function upload(content: Uint8Array, name: string, clientId = crypto.randomUUID(), type = "application/octet-stream") {
  const form = new FormData();
  form.set("file", new File([content as Uint8Array<ArrayBuffer>], name, { type }));
  form.set("clientId", clientId);
  return form;
}

/** The attachment id in a rendered message. */
function attachmentIdIn(fragment: string): number {
  const id = /\/attachments\/(\d+)"/.exec(fragment)?.[1];
  if (!id) throw new Error(`no attachment link in:\n${fragment}`);
  return Number(id);
}

function storedFiles(uploadsDir: string): string[] {
  const root = join(uploadsDir, "attachments");
  if (!existsSync(root)) return [];
  return readdirSync(root, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile()).map((entry) => entry.name);
}

function nothingStored(ctx: Setup) {
  expect(ctx.db.select().from(attachments).all()).toHaveLength(0);
  expect(ctx.db.select().from(messages).all()).toHaveLength(0);
  expect(storedFiles(ctx.uploadsDir)).toHaveLength(0);
}

/** An agent of the test business who has taken the visitor's (queued) conversation. */
async function agentWithConversation(ctx: Setup) {
  const { agent, client } = await signedIn(ctx, "agent", `agent-${crypto.randomUUID().slice(0, 6)}@example.com`);
  const conversation = ctx.db.select().from(conversations).get()!;
  expect((await client.post(`/console/conversations/${conversation.id}/take`)).status).toBe(200);
  return { agent, client, conversation };
}

describe("a visitor sending a file", () => {
  it("sends an image that starts a conversation and shows as a thumbnail under their chat path", async () => {
    const ctx = setup();
    const client = await visitor(ctx);
    const id = crypto.randomUUID();
    const response = await client.post(`${ctx.chatPath}/attachments`, upload(files.png, "photo.png", id, "image/png"));
    expect(response.status).toBe(200);
    const fragment = await response.text();
    expect(fragment).toContain(`id="message-${id}"`);
    expect(fragment).toMatch(new RegExp(`<img src="${ctx.chatPath}/attachments/\\d+" alt="photo.png"`));
    expect(ctx.db.select().from(conversations).get()).toMatchObject({ status: "queued" });
    expect(ctx.db.select().from(messages).get()).toMatchObject({ kind: "image", body: "photo.png", clientId: id });
  });

  it("serves it back to that visitor inline, with its detected type and no way to run script", async () => {
    const ctx = setup();
    const client = await visitor(ctx);
    const id = attachmentIdIn(await (await client.post(`${ctx.chatPath}/attachments`, upload(files.png, "photo.png"))).text());
    const response = await client.get(`${ctx.chatPath}/attachments/${id}`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("image/png");
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    expect(response.headers.get("content-security-policy")).toBe("default-src 'none'; sandbox");
    expect(response.headers.get("content-disposition")).toBe("inline; filename*=UTF-8''photo.png");
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(files.png);
  });

  it("takes an HTML file named .png for text, shows it as a file and serves it only as a download", async () => {
    const ctx = setup();
    const client = await visitor(ctx);
    const fragment = await (await client.post(`${ctx.chatPath}/attachments`, upload(files.html, "cute cat.png", undefined, "image/png"))).text();
    expect(fragment).not.toContain("<img");
    expect(fragment).toContain('class="attachment-file"');
    expect(ctx.db.select().from(attachments).get()).toMatchObject({ mimeType: "text/plain" });
    const response = await client.get(`${ctx.chatPath}/attachments/${attachmentIdIn(fragment)}`);
    expect(response.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(response.headers.get("content-disposition")).toBe("attachment; filename*=UTF-8''cute%20cat.png");
    expect(response.headers.get("content-security-policy")).toBe("default-src 'none'; sandbox");
  });

  it("offers a PDF as a download with its name encoded for the header", async () => {
    const ctx = setup();
    const client = await visitor(ctx);
    const fragment = await (await client.post(`${ctx.chatPath}/attachments`, upload(files.pdf, "发票 (Mei's); 2024.pdf"))).text();
    const response = await client.get(`${ctx.chatPath}/attachments/${attachmentIdIn(fragment)}`);
    expect(response.headers.get("content-type")).toBe("application/pdf");
    expect(response.headers.get("content-disposition")).toBe("attachment; filename*=UTF-8''%E5%8F%91%E7%A5%A8%20%28Mei%27s%29%3B%202024.pdf");
  });

  it("refuses a file over the business's limit with the sizes in the message, and stores nothing", async () => {
    const ctx = setup();
    ctx.db.update(businesses).set({ uploadMaxBytes: 1024 * 1024 }).where(eq(businesses.id, ctx.business.id)).run();
    const client = await visitor(ctx);
    const response = await client.post(`${ctx.chatPath}/attachments`, upload(files.textOfSize(1024 * 1024 + 100_000), "big.txt"));
    expect(response.status).toBe(413);
    expect(await response.text()).toBe("The file is 1.1 MB; the limit is 1 MB.");
    nothingStored(ctx);
  });

  it("refuses by Content-Length before reading the body when it says the file is too large", async () => {
    const ctx = setup();
    const client = await visitor(ctx);
    const response = await client.request(`${ctx.chatPath}/attachments`, {
      method: "POST",
      form: upload(files.png, "small.png"),
      headers: { "content-length": String(11.2 * 1024 * 1024) },
    });
    expect(response.status).toBe(413);
    expect(await response.text()).toBe("The file is 11.2 MB; the limit is 10 MB.");
    nothingStored(ctx);
  });

  it("refuses a kind the business does not accept, naming the ones it does, and stores nothing", async () => {
    const ctx = setup();
    ctx.db.update(businesses).set({ uploadKinds: ["image", "pdf"] }).where(eq(businesses.id, ctx.business.id)).run();
    const client = await visitor(ctx);
    const response = await client.post(`${ctx.chatPath}/attachments`, upload(files.html, "fake.png", undefined, "image/png"));
    expect(response.status).toBe(415);
    expect(await response.text()).toBe("This kind of file cannot be sent here. Allowed: images, PDF.");
    nothingStored(ctx);
  });

  it("stores the same content once for two visitors, and answers a retry with the stored message", async () => {
    const ctx = setup();
    const first = await visitor(ctx);
    const second = await visitor(ctx);
    const id = crypto.randomUUID();
    await first.post(`${ctx.chatPath}/attachments`, upload(files.pdf, "a.pdf", id));
    const retried = await first.post(`${ctx.chatPath}/attachments`, upload(files.pdf, "a.pdf", id));
    expect(retried.status).toBe(200);
    await second.post(`${ctx.chatPath}/attachments`, upload(files.pdf, "b.pdf"));
    expect(ctx.db.select().from(attachments).all()).toHaveLength(2);
    expect(ctx.db.select().from(messages).all()).toHaveLength(2);
    expect(storedFiles(ctx.uploadsDir)).toHaveLength(1);
  });

  it("slows down a visitor sending many files in a minute", async () => {
    const ctx = setup();
    const client = await visitor(ctx);
    for (let i = 0; i < 10; i++) {
      expect((await client.post(`${ctx.chatPath}/attachments`, upload(files.textOfSize(10 + i), `note-${i}.txt`))).status).toBe(200);
    }
    const response = await client.post(`${ctx.chatPath}/attachments`, upload(files.png, "one-more.png"));
    expect(response.status).toBe(429);
    expect(await response.text()).toBe("Too many files in a short time: wait a minute, then send again.");
    expect(ctx.db.select().from(attachments).all()).toHaveLength(10);
  });

  it("is refused to a blocked visitor, who stores nothing", async () => {
    const ctx = setup();
    const client = await visitor(ctx);
    ctx.db.update(visitors).set({ blocked: true }).run();
    const response = await client.post(`${ctx.chatPath}/attachments`, upload(files.png, "photo.png"));
    expect(response.status).toBe(403);
    nothingStored(ctx);
  });
});

describe("who may fetch a file", () => {
  it("is not found for another visitor, for no visitor, or under another shop's path", async () => {
    const ctx = setup();
    const owner = await visitor(ctx);
    const id = attachmentIdIn(await (await owner.post(`${ctx.chatPath}/attachments`, upload(files.png, "photo.png"))).text());
    const stranger = await visitor(ctx);
    expect((await stranger.get(`${ctx.chatPath}/attachments/${id}`)).status).toBe(404);
    expect((await new Client(ctx.app).get(`${ctx.chatPath}/attachments/${id}`)).status).toBe(404);
    ctx.db.insert(businesses).values({ name: "Other", widgetKey: "other-key", identitySecret: "s" }).run();
    expect((await owner.get(`/chat/other-key/attachments/${id}`)).status).toBe(404);
    expect((await owner.get(`${ctx.chatPath}/attachments/${id + 1}`)).status).toBe(404);
    expect((await owner.get(`${ctx.chatPath}/attachments/abc`)).status).toBe(404);
  });

  it("is served to every agent of the business, and not found for another business's agent", async () => {
    const ctx = setup();
    const client = await visitor(ctx);
    const id = attachmentIdIn(await (await client.post(`${ctx.chatPath}/attachments`, upload(files.png, "photo.png"))).text());
    const { client: colleague } = await signedIn(ctx, "agent");
    const response = await colleague.get(`/console/attachments/${id}`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("image/png");
    const other = ctx.db.insert(businesses).values({ name: "Other", widgetKey: "other-key", identitySecret: "s" }).returning().get();
    await addAgent(ctx.db, { businessId: other.id, email: "stranger@other.test", name: "Stranger", role: "owner", password: "correct horse" });
    const stranger = new Client(ctx.app);
    expect((await stranger.post("/login", { email: "stranger@other.test", password: "correct horse" })).status).toBe(303);
    expect((await stranger.get(`/console/attachments/${id}`)).status).toBe(404);
  });

  it("answers a byte range, as audio players ask", async () => {
    const ctx = setup();
    const client = await visitor(ctx);
    const id = attachmentIdIn(await (await client.post(`${ctx.chatPath}/attachments`, upload(files.webmHeader, "voice.webm"))).text());
    const response = await client.get(`${ctx.chatPath}/attachments/${id}`, { range: "bytes=4-9" });
    expect(response.status).toBe(206);
    expect(response.headers.get("content-type")).toBe("audio/webm");
    expect(response.headers.get("content-range")).toBe(`bytes 4-9/${files.webmHeader.length}`);
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(files.webmHeader.slice(4, 10));
  });
});

describe("an agent sending a file", () => {
  it("sends a PDF into their conversation, which the visitor then downloads", async () => {
    const ctx = setup();
    const guest = await visitor(ctx);
    await guest.post(`${ctx.chatPath}/attachments`, upload(files.png, "photo.png"));
    const { client, conversation } = await agentWithConversation(ctx);
    const response = await client.post(`/console/conversations/${conversation.id}/attachments`, upload(files.pdf, "invoice.pdf"));
    expect(response.status).toBe(200);
    const fragment = await response.text();
    expect(fragment).toContain('class="attachment-file"');
    expect(fragment).toContain('href="/console/attachments/');
    const download = await guest.get(`${ctx.chatPath}/attachments/${attachmentIdIn(fragment)}`);
    expect(download.status).toBe(200);
    expect(new Uint8Array(await download.arrayBuffer())).toEqual(files.pdf);
  });

  it("is refused in a conversation that is not theirs, and not found in another business's", async () => {
    const ctx = setup();
    const guest = await visitor(ctx);
    await guest.post(`${ctx.chatPath}/attachments`, upload(files.png, "photo.png"));
    const { conversation } = await agentWithConversation(ctx);
    const { client: colleague } = await signedIn(ctx, "agent", "colleague@example.com");
    const refused = await colleague.post(`/console/conversations/${conversation.id}/attachments`, upload(files.pdf, "x.pdf"));
    expect(refused.status).toBe(409);
    expect(await colleague.post(`/console/conversations/${conversation.id + 1}/attachments`, upload(files.pdf, "x.pdf")).then((r) => r.status)).toBe(404);
    expect(ctx.db.select().from(attachments).all()).toHaveLength(1);
  });
});

describe("request bodies", () => {
  it("keeps an ordinary form post under the form limit", async () => {
    const ctx = setup();
    const { client } = await signedIn(ctx, "owner");
    const response = await client.request("/console/settings", {
      method: "POST",
      form: { name: "Shop" },
      headers: { "content-length": String(2 * 1024 * 1024) },
    });
    expect(response.status).toBe(413);
    expect(ctx.db.select().from(businesses).get()!.name).not.toBe("Shop");
  });

  it("asks a form post without a length to say its length, and answers the JSON API in JSON", async () => {
    const ctx = setup();
    const { client } = await signedIn(ctx, "owner");
    const chunked = await client.request("/console/settings", { method: "POST", form: { name: "Shop" }, headers: { "transfer-encoding": "chunked" } });
    expect(chunked.status).toBe(411);
    const api = await client.request("/api/v1/conversations/1/messages", { method: "POST", body: "{}", headers: { "content-type": "application/json", "content-length": String(5 * 1024 * 1024) } });
    expect(api.status).toBe(413);
    expect(await api.json()).toEqual({ error: "The request is too large (5.0 MB; at most 1 MB)." });
  });
});

describe("the upload settings", () => {
  it("let a manager set the largest file and the kinds accepted", async () => {
    const ctx = setup();
    const { client } = await signedIn(ctx, "admin");
    const form = new URLSearchParams([["uploadMaxMb", "5"], ["uploadKinds", "image"], ["uploadKinds", "pdf"]]);
    const response = await client.request("/console/settings", { method: "POST", body: form.toString(), headers: { "content-type": "application/x-www-form-urlencoded" } });
    expect(response.status).toBe(200);
    expect(ctx.db.select().from(businesses).get()).toMatchObject({ uploadMaxBytes: 5 * 1024 * 1024, uploadKinds: ["image", "pdf"] });
    const page = await (await client.get("/console/settings")).text();
    expect(page).toContain('value="5"');
    expect(page).toMatch(/value="pdf" checked/);
    expect(page).not.toMatch(/value="text" checked/);
  });

  it("accept no kinds at all, and the composer then offers no attach button", async () => {
    const ctx = setup();
    const { client } = await signedIn(ctx, "owner");
    expect((await client.post("/console/settings", { uploadMaxMb: "10" })).status).toBe(200);
    expect(ctx.db.select().from(businesses).get()!.uploadKinds).toEqual([]);
    const page = await (await (await visitor(ctx)).get(ctx.chatPath)).text();
    expect(page).not.toContain('id="attach-button"');
  });

  it("refuse a size out of range or an unknown kind, and change nothing", async () => {
    const ctx = setup();
    const { client } = await signedIn(ctx, "owner");
    for (const size of ["0", "51", "2.5", ""]) {
      const response = await client.post("/console/settings", { uploadMaxMb: size, uploadKinds: "image" });
      expect(response.status).toBe(422);
      expect(await response.text()).toContain("Enter a whole number of megabytes from 1 to 50.");
    }
    expect((await client.post("/console/settings", { uploadMaxMb: "5", uploadKinds: "exe" })).status).toBe(422);
    expect(ctx.db.select().from(businesses).get()).toMatchObject({ uploadMaxBytes: 10 * 1024 * 1024, uploadKinds: ["image", "audio", "pdf", "document", "archive", "text"] });
  });

  it("are not for agents to change", async () => {
    const ctx = setup();
    const { client } = await signedIn(ctx, "agent");
    expect((await client.post("/console/settings", { uploadMaxMb: "1" })).status).toBe(403);
    expect(ctx.db.select().from(businesses).get()!.uploadMaxBytes).toBe(10 * 1024 * 1024);
  });
});

describe("live delivery", () => {
  const start = listeningApps();

  it("shows the agent a visitor's image as it arrives, linked under the console", async () => {
    const ctx = start();
    const { client } = await signedIn(ctx, "agent");
    const lobby = new TestSocket(wsUrl(ctx, "/ws/agent"), { cookie: client.cookie!, origin: ctx.base });
    await lobby.opened;
    lobby.send({ type: "resume", after: 0 });
    const cookie = await visitChat(ctx.base, ctx.business.widgetKey);
    // The agent is online: the first upload opens a conversation that is theirs.
    await Bun.sleep(50);
    const form = upload(files.png, "photo.png");
    const response = await fetch(`${ctx.base}/chat/${ctx.business.widgetKey}/attachments`, { method: "POST", body: form, headers: { cookie, origin: ctx.base } });
    expect(response.status).toBe(200);
    const conversation = ctx.db.select().from(conversations).get()!;
    const thread = new TestSocket(wsUrl(ctx, `/ws/agent?conversation=${conversation.id}`), { cookie: client.cookie!, origin: ctx.base });
    await thread.opened;
    thread.send({ type: "resume", after: 0 });
    const frame = await thread.next((f) => f.includes("<img"));
    expect(frame).toMatch(/<img src="\/console\/attachments\/\d+" alt="photo.png"/);
    lobby.close();
    thread.close();
  });
});
