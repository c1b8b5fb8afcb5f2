// A full disk, for real: the data dir lives on a small tmpfs the test mounts (root is needed; in
// CI it is there, and a mount that fails fails this file, never skips it). Once the disk is full:
// /healthz says the database cannot be written, an upload is answered 507 and leaves no partial
// file, a message is refused by name (never "internal error") and nothing acknowledged is lost,
// a returning visitor still reads their page; and all is well again once there is room.
import { Database } from "bun:sqlite";
import { afterAll, beforeAll, describe, expect, it, setDefaultTimeout } from "bun:test";
import { mkdtempSync, readdirSync, rmSync, writeSync, openSync, closeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { png } from "../test/fixtures/files";
import { binaryPath, postForm } from "./support";

setDefaultTimeout(60_000);

const mountPoint = mkdtempSync(join(tmpdir(), "kefu-small-disk-"));
const dataDir = join(mountPoint, "data");
const filler = join(mountPoint, "filler");
let proc: Subprocess;
let url = "";
let widgetKey = "";
let visitorCookie = "";
let socket: WebSocket;
const frames: string[] = [];

/** Runs a command as root: directly when the test is root, else through sudo (as .ci/run does). */
async function asRoot(command: string[]): Promise<void> {
  const child = Bun.spawn(process.getuid?.() === 0 ? command : ["sudo", "-n", ...command], { stdout: "pipe", stderr: "pipe" });
  if ((await child.exited) !== 0) throw new Error(`${command.join(" ")} failed: ${await new Response(child.stderr).text()}`);
}

/** Writes zeros until the disk refuses: from here on, nothing more fits. */
function fillTheDisk(): void {
  const file = openSync(filler, "w");
  const chunk = Buffer.alloc(64 * 1024);
  try {
    for (;;) writeSync(file, chunk);
  } catch (error) {
    if ((error as { code?: string }).code !== "ENOSPC") throw error;
  } finally {
    closeSync(file);
  }
}

function nextFrame(match: (frame: string) => boolean, from: number): Promise<string> {
  return (async () => {
    const deadline = performance.now() + 5000;
    while (performance.now() < deadline) {
      const found = frames.slice(from).find(match);
      if (found) return found;
      await Bun.sleep(10);
    }
    throw new Error(`no matching frame; got:\n${frames.slice(from).join("\n")}`);
  })();
}

/** Sends a message over the visitor's socket: "stored", or the error event's text. */
async function send(body: string): Promise<{ clientId: string; outcome: string }> {
  const clientId = crypto.randomUUID();
  const from = frames.length;
  socket.send(JSON.stringify({ type: "send", clientId, body }));
  const frame = await nextFrame((text) => text.includes(clientId), from);
  return { clientId, outcome: frame.startsWith("{") ? (JSON.parse(frame) as { message: string }).message : "stored" };
}

const health = async () => {
  const response = await fetch(`${url}/healthz`);
  return { status: response.status, body: (await response.json()) as { writable: boolean; status: string } };
};

beforeAll(async () => {
  await asRoot(["mount", "-t", "tmpfs", "-o", "size=6m", "tmpfs", mountPoint]);
  proc = Bun.spawn([binaryPath, "--port", "0", "--host", "127.0.0.1", "--data-dir", dataDir], { stdout: "pipe", stderr: "pipe" });
  let output = "";
  void (async () => {
    for await (const chunk of proc.stdout as ReadableStream<Uint8Array>) output += new TextDecoder().decode(chunk);
  })();
  for (let i = 0; i < 400 && !url; i++) {
    await Bun.sleep(25);
    url = output.match(/http:\/\/[^\s/]+:\d+/)?.[0] ?? "";
  }
  expect((await postForm({ url }, "/setup", { name: "Mei", email: "mei@example.com", password: "a long password" })).status).toBe(303);
  const db = new Database(join(dataDir, "kefu.db"), { readonly: true });
  ({ widgetKey } = db.query("SELECT widget_key AS widgetKey FROM businesses").get() as { widgetKey: string });
  db.close();
  const page = await fetch(`${url}/chat/${widgetKey}`);
  visitorCookie = page.headers.getSetCookie().find((line) => line.startsWith("kefu_visitor="))!.split(";")[0]!;
  socket = new WebSocket(`${url.replace("http", "ws")}/chat/${widgetKey}/ws`, { headers: { cookie: visitorCookie, origin: url } } as unknown as string[]);
  socket.onmessage = (event) => frames.push(String(event.data));
  await new Promise((resolve) => (socket.onopen = resolve));
  socket.send(JSON.stringify({ type: "resume", after: 0 }));
  expect((await send("Hello, before the disk fills.")).outcome).toBe("stored");
});

afterAll(async () => {
  socket?.close();
  proc?.kill("SIGTERM");
  await proc?.exited;
  await asRoot(["umount", mountPoint]).catch(() => {});
  rmSync(mountPoint, { recursive: true, force: true });
});

describe("a full disk", () => {
  it("is reported by /healthz, refuses uploads with 507 leaving no partial file, refuses messages by name, and still shows the visitor their page", async () => {
    expect((await health()).status).toBe(200);
    fillTheDisk();
    const full = await health();
    expect(full.status).toBe(503);
    expect(full.body).toMatchObject({ status: "not writable", writable: false });

    const form = new FormData();
    form.append("file", new File([png, new Uint8Array(256 * 1024)], "photo.png", { type: "image/png" }));
    form.append("clientId", crypto.randomUUID());
    const upload = await fetch(`${url}/chat/${widgetKey}/attachments`, { method: "POST", body: form, headers: { cookie: visitorCookie, origin: url } });
    expect(upload.status).toBe(507);
    expect(await upload.text()).toContain("The server's disk is full, so nothing was saved.");
    const attachments = join(dataDir, "uploads", "attachments");
    const leftovers = readdirSync(attachments, { recursive: true }).filter((name) => String(name).endsWith(".tmp"));
    expect(leftovers).toEqual([]);

    // The WAL may have room for a few more rows; past it, each message is refused by name.
    const sent: { clientId: string; outcome: string }[] = [];
    for (let i = 0; i < 200 && sent.at(-1)?.outcome !== "The server's disk is full, so nothing was saved. Try again later; the shop's administrator must free some space."; i++) {
      sent.push(await send(`Message ${i} ${"满".repeat(4000)}`));
      expect(sent.at(-1)!.outcome).not.toContain("went wrong");
    }
    expect(sent.at(-1)!.outcome).toContain("The server's disk is full");

    // Reading works without writing: the returning visitor's page (a page view writes) opens.
    const page = await fetch(`${url}/chat/${widgetKey}`, { headers: { cookie: visitorCookie } });
    expect(page.status).toBe(200);

    rmSync(filler);
    await Bun.sleep(1500);
    expect((await health()).status).toBe(200);
    expect((await send("Hello again, with room.")).outcome).toBe("stored");
    const db = new Database(join(dataDir, "kefu.db"), { readonly: true });
    try {
      const stored = new Set((db.query("SELECT client_id AS clientId FROM messages").all() as { clientId: string }[]).map((row) => row.clientId));
      expect(sent.filter((one) => one.outcome === "stored" && !stored.has(one.clientId))).toEqual([]);
      expect(sent.filter((one) => one.outcome !== "stored" && stored.has(one.clientId))).toEqual([]);
    } finally {
      db.close();
    }
  });
});
