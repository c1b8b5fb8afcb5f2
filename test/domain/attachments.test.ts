import { describe, expect, it } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eq } from "drizzle-orm";
import { attachments, businesses, messages, visitors } from "../../src/db/schema";
import {
  AttachmentRefused,
  cleanFileName,
  detectType,
  findBusinessAttachment,
  findVisitorAttachment,
  sendAgentAttachment,
  sendVisitorAttachment,
} from "../../src/domain/attachments";
import { findBusiness } from "../../src/domain/businesses";
import { RuleError } from "../../src/domain/errors";
import { ignoreEvents } from "../../src/domain/events";
import { sendVisitorMessage } from "../../src/domain/messages";
import { createAnonymousVisitor } from "../../src/domain/visitors";
import * as files from "../fixtures/files";
import { addMember, testApp } from "../support";

const visit = { ip: null, userAgent: null, page: null };
let counter = 0;
const clientId = () => `upload-${++counter}-${crypto.randomUUID().slice(0, 8)}`;

function setup() {
  const uploadsDir = mkdtempSync(join(tmpdir(), "kefu-attachments-"));
  const ctx = testApp({ uploadsDir });
  const newVisitor = () => createAnonymousVisitor(ctx.db, "0".repeat(64), ctx.business.id, visit).visitor;
  const rules = () => findBusiness(ctx.db, ctx.business.id)!;
  return { ...ctx, uploadsDir, newVisitor, rules };
}

/** Every stored file under the uploads dir, temp files included. */
function storedFiles(uploadsDir: string): string[] {
  const root = join(uploadsDir, "attachments");
  if (!existsSync(root)) return [];
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

describe("what a file is", () => {
  it.each([
    ["a PNG", files.png, "image", "image/png"],
    ["a JPEG", files.jpegHeader, "image", "image/jpeg"],
    ["a GIF", files.gif, "image", "image/gif"],
    ["a WebP", files.webpHeader, "image", "image/webp"],
    ["a WebM recording", files.webmHeader, "audio", "audio/webm"],
    ["an Ogg recording", files.oggHeader, "audio", "audio/ogg"],
    ["an MP3", files.mp3Header, "audio", "audio/mpeg"],
    ["an M4A", files.m4aHeader, "audio", "audio/mp4"],
    ["a WAV", files.wavHeader, "audio", "audio/wav"],
    ["a PDF", files.pdf, "pdf", "application/pdf"],
    ["a Word document", files.docx, "document", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"],
    ["an Excel workbook", files.xlsx, "document", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"],
    ["an OpenDocument text", files.odt, "document", "application/vnd.oasis.opendocument.text"],
    ["a legacy Office file", files.oleHeader, "document", "application/vnd.ms-office"],
    ["a plain zip", files.plainZip, "archive", "application/zip"],
    ["a 7z archive", files.sevenZipHeader, "archive", "application/x-7z-compressed"],
    ["a RAR archive", files.rarHeader, "archive", "application/vnd.rar"],
    ["a gzip file", files.gzip, "archive", "application/gzip"],
    ["a CSV in UTF-8", files.csv, "text", "text/plain"],
  ] as const)("reads %s from its first bytes", (_name, content, kind, mime) => {
    expect(detectType(content)).toEqual({ kind, mime });
  });

  it("takes HTML and SVG for text at most, never for images", () => {
    expect(detectType(files.html)).toEqual({ kind: "text", mime: "text/plain" });
    expect(detectType(files.svg)).toEqual({ kind: "text", mime: "text/plain" });
  });

  it("knows nothing of binary content that is none of the formats, or of invalid UTF-8", () => {
    expect(detectType(new Uint8Array([0x4d, 0x5a, 0x90, 0x00, 0x03]))).toBeNull();
    expect(detectType(new Uint8Array([0x68, 0x69, 0xff, 0xfe]))).toBeNull();
    expect(detectType(new Uint8Array())).toBeNull();
  });
});

describe("file names", () => {
  it("keeps only the last path segment, without control or direction-changing characters", () => {
    expect(cleanFileName("C:\\Users\\mei\\photo.png")).toBe("photo.png");
    expect(cleanFileName("../../etc/passwd")).toBe("passwd");
    expect(cleanFileName("invoice\u202Egpj.exe")).toBe("invoicegpj.exe");
    expect(cleanFileName("a\nb\tc.txt")).toBe("abc.txt");
    expect(cleanFileName("  ..  ")).toBe("file");
  });

  it("shortens a long name to 200 characters and keeps its extension", () => {
    const name = cleanFileName(`${"长".repeat(300)}.pdf`);
    expect(Array.from(name)).toHaveLength(200);
    expect(name.endsWith(".pdf")).toBe(true);
  });
});

describe("a visitor sending a file", () => {
  it("stores it once under its hash, with a row and an image message that opens a conversation", async () => {
    const ctx = setup();
    const visitor = ctx.newVisitor();
    const sent = await sendVisitorAttachment(ctx.db, ignoreEvents, ctx.uploadsDir, ctx.rules(), visitor, { clientId: clientId(), name: "dir/photo.png", bytes: files.png }, []);
    expect(sent).toMatchObject({ created: true, started: true, message: { kind: "image", sender: "visitor", body: "photo.png" } });
    const row = ctx.db.select().from(attachments).get()!;
    const sha = new Bun.CryptoHasher("sha256").update(files.png).digest("hex");
    expect(row).toMatchObject({ conversationId: sent.conversation.id, originalName: "photo.png", mimeType: "image/png", size: files.png.length, sha256: sha, uploadedBy: "visitor", path: `attachments/${sha.slice(0, 2)}/${sha}` });
    expect(sent.message.meta).toEqual({ attachmentId: row.id, name: "photo.png", size: files.png.length, mime: "image/png", widgetKey: ctx.rules().widgetKey });
    expect(new Uint8Array(readFileSync(join(ctx.uploadsDir, row.path)))).toEqual(files.png);
  });

  it("writes the same content once, whoever sends it, and gives each upload its own row", async () => {
    const ctx = setup();
    const first = await sendVisitorAttachment(ctx.db, ignoreEvents, ctx.uploadsDir, ctx.rules(), ctx.newVisitor(), { clientId: clientId(), name: "a.pdf", bytes: files.pdf }, []);
    const second = await sendVisitorAttachment(ctx.db, ignoreEvents, ctx.uploadsDir, ctx.rules(), ctx.newVisitor(), { clientId: clientId(), name: "b.pdf", bytes: files.pdf }, []);
    expect(second.conversation.id).not.toBe(first.conversation.id);
    const rows = ctx.db.select().from(attachments).all();
    expect(rows.map((row) => row.originalName)).toEqual(["a.pdf", "b.pdf"]);
    expect(new Set(rows.map((row) => row.path)).size).toBe(1);
    expect(storedFiles(ctx.uploadsDir)).toHaveLength(1);
  });

  it("answers a retry with the stored message and stores nothing twice", async () => {
    const ctx = setup();
    const visitor = ctx.newVisitor();
    const upload = { clientId: clientId(), name: "notes.txt", bytes: files.csv };
    const first = await sendVisitorAttachment(ctx.db, ignoreEvents, ctx.uploadsDir, ctx.rules(), visitor, upload, []);
    const again = await sendVisitorAttachment(ctx.db, ignoreEvents, ctx.uploadsDir, ctx.rules(), visitor, upload, []);
    expect(again).toMatchObject({ created: false, message: { id: first.message.id, kind: "file" } });
    expect(ctx.db.select().from(attachments).all()).toHaveLength(1);
    expect(ctx.db.select().from(messages).all()).toHaveLength(1);
  });

  it("refuses a file over the business's limit and stores nothing", async () => {
    const ctx = setup();
    ctx.db.update(businesses).set({ uploadMaxBytes: 1024 * 1024 }).where(eq(businesses.id, ctx.business.id)).run();
    const attempt = sendVisitorAttachment(ctx.db, ignoreEvents, ctx.uploadsDir, ctx.rules(), ctx.newVisitor(), { clientId: clientId(), name: "big.txt", bytes: files.textOfSize(1024 * 1024 + 1) }, []);
    const error = await attempt.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AttachmentRefused);
    expect(error).toMatchObject({ reason: "tooLarge", problem: { key: "attachment.tooLarge", params: { size: "1.1", max: "1" } } });
    expect(ctx.db.select().from(attachments).all()).toHaveLength(0);
    expect(ctx.db.select().from(messages).all()).toHaveLength(0);
    expect(storedFiles(ctx.uploadsDir)).toHaveLength(0);
  });

  it("refuses a kind the business does not take, naming the ones it does, and stores nothing", async () => {
    const ctx = setup();
    ctx.db.update(businesses).set({ uploadKinds: ["image", "pdf"] }).where(eq(businesses.id, ctx.business.id)).run();
    const error = await sendVisitorAttachment(ctx.db, ignoreEvents, ctx.uploadsDir, ctx.rules(), ctx.newVisitor(), { clientId: clientId(), name: "fake.png", bytes: files.html }, []).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ reason: "kind", accepted: ["image", "pdf"] });
    expect(ctx.db.select().from(attachments).all()).toHaveLength(0);
    expect(storedFiles(ctx.uploadsDir)).toHaveLength(0);
  });

  it("leaves no file behind when the send itself is refused", async () => {
    const ctx = setup();
    const visitor = ctx.newVisitor();
    // Blocked after the page loaded: the send's own transaction refuses it.
    ctx.db.update(visitors).set({ blocked: true }).where(eq(visitors.id, visitor.id)).run();
    const error = await sendVisitorAttachment(ctx.db, ignoreEvents, ctx.uploadsDir, ctx.rules(), visitor, { clientId: clientId(), name: "photo.png", bytes: files.png }, []).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RuleError);
    expect(error).toMatchObject({ problem: { key: "chat.blocked" } });
    expect(ctx.db.select().from(attachments).all()).toHaveLength(0);
    expect(storedFiles(ctx.uploadsDir)).toHaveLength(0);
  });

  it("is found for that visitor and the business's agents only", async () => {
    const ctx = setup();
    const visitor = ctx.newVisitor();
    const sent = await sendVisitorAttachment(ctx.db, ignoreEvents, ctx.uploadsDir, ctx.rules(), visitor, { clientId: clientId(), name: "photo.png", bytes: files.png }, []);
    const id = (sent.message.meta as { attachmentId: number }).attachmentId;
    expect(findVisitorAttachment(ctx.db, visitor.id, id)?.id).toBe(id);
    expect(findVisitorAttachment(ctx.db, ctx.newVisitor().id, id)).toBeUndefined();
    expect(findBusinessAttachment(ctx.db, ctx.business.id, id)?.id).toBe(id);
    expect(findBusinessAttachment(ctx.db, ctx.business.id + 1, id)).toBeUndefined();
  });
});

describe("an agent sending a file", () => {
  async function openConversation() {
    const ctx = setup();
    const agent = await addMember(ctx, "agent", "ann@example.com");
    const visitor = ctx.newVisitor();
    const { conversation } = sendVisitorMessage(ctx.db, ignoreEvents, visitor, { clientId: clientId(), body: "hello" }, [agent.id]);
    return { ...ctx, agent, visitor, conversation };
  }

  it("sends it as a file message under the agent's name", async () => {
    const ctx = await openConversation();
    const sent = await sendAgentAttachment(ctx.db, ignoreEvents, ctx.uploadsDir, ctx.rules(), ctx.agent, ctx.conversation.id, { clientId: clientId(), name: "invoice.pdf", bytes: files.pdf });
    expect(sent.message).toMatchObject({ kind: "file", sender: "agent", body: "invoice.pdf", meta: { agentName: ctx.agent.displayName, name: "invoice.pdf", mime: "application/pdf" } });
    expect(ctx.db.select().from(attachments).get()).toMatchObject({ uploadedBy: "agent", conversationId: ctx.conversation.id });
  });

  it("is refused in a conversation that is someone else's, before anything is stored", async () => {
    const ctx = await openConversation();
    const colleague = await addMember(ctx, "agent", "bo@example.com");
    const error = await sendAgentAttachment(ctx.db, ignoreEvents, ctx.uploadsDir, ctx.rules(), colleague, ctx.conversation.id, { clientId: clientId(), name: "x.pdf", bytes: files.pdf }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ problem: { key: "conversation.notYours" } });
    expect(ctx.db.select().from(attachments).all()).toHaveLength(0);
    expect(storedFiles(ctx.uploadsDir)).toHaveLength(0);
  });
});
