// Files sent in a conversation, both ways: images, voice messages, documents. Threat: an upload is
// someone else's bytes that we keep and later serve from our own origin. Its kind is read from its
// first bytes, never from its name or the browser's claim, so HTML or SVG (script) can never pass
// for an image; only images and audio are ever shown inline (routes/attachments.ts).
// Files are stored once per content, as attachments/<ab>/<sha256>; each upload is a row and a
// message of its own, committed together through the ordinary send paths of messages.ts.
import { mkdirSync, renameSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { and, eq, inArray, isNotNull, sum } from "drizzle-orm";
import type { Database, Queryable } from "../db/client";
import { attachments, conversations, messages } from "../db/schema";
import type { Actor } from "./agents";
import { anyone, type Pool } from "./assignment";
import type { Business } from "./businesses";
import { type Channel, findConversationForAgent } from "./conversations";
import { type FieldProblem, RuleError, ValidationError } from "./errors";
import type { ConversationEvents } from "./events";
import { attachmentLimits, messageLimits } from "./limits";
import { alreadySent, type Draft, type SendResult, sendAgentMessage, sendVisitorMessage } from "./messages";
import { randomToken } from "./tokens";
import type { Visitor } from "./visitors";

export type Attachment = typeof attachments.$inferSelect;

/** What a business may accept, as its settings name them. */
export const attachmentKinds = ["image", "audio", "pdf", "document", "archive", "text"] as const;
export type AttachmentKind = (typeof attachmentKinds)[number];

export interface DetectedType {
  kind: AttachmentKind;
  /** The MIME type the file is stored and served with. */
  mime: string;
}

/** What an attachment message carries in its meta, beside the agent's name on an agent's. */
export interface AttachmentMeta {
  attachmentId: number;
  name: string;
  size: number;
  mime: string;
  /** The visitor's copy is served under /chat/<widgetKey>, where their cookie goes. */
  widgetKey: string;
}

export function attachmentMetaOf(meta: Record<string, unknown> | null | undefined): AttachmentMeta | null {
  if (!meta || typeof meta.attachmentId !== "number" || typeof meta.widgetKey !== "string") return null;
  return {
    attachmentId: meta.attachmentId,
    name: String(meta.name ?? ""),
    size: Number(meta.size ?? 0),
    mime: String(meta.mime ?? ""),
    widgetKey: meta.widgetKey,
  };
}

// ---- what a file is ----

const ascii = (bytes: Uint8Array, start: number, text: string) => {
  for (let i = 0; i < text.length; i++) if (bytes[start + i] !== text.charCodeAt(i)) return false;
  return true;
};
const startsWith = (bytes: Uint8Array, prefix: number[]) => prefix.every((byte, i) => bytes[i] === byte);
const u16 = (bytes: Uint8Array, at: number) => (bytes[at] ?? 0) | ((bytes[at + 1] ?? 0) << 8);
const u32 = (bytes: Uint8Array, at: number) => (u16(bytes, at) | (u16(bytes, at + 2) << 16)) >>> 0;
const latin1 = new TextDecoder("latin1");

/** The names in a zip's central directory; the first local entry's name when there is none to read. */
function zipEntryNames(bytes: Uint8Array): string[] {
  const names: string[] = [];
  // The end-of-central-directory record sits in the last 22 bytes plus a comment of up to 64 KB.
  for (let at = bytes.length - 22; at >= Math.max(0, bytes.length - 22 - 0xffff); at--) {
    if (u32(bytes, at) !== 0x06054b50) continue;
    let offset = u32(bytes, at + 16);
    const count = Math.min(u16(bytes, at + 10), 5000);
    for (let i = 0; i < count && offset + 46 <= bytes.length && u32(bytes, offset) === 0x02014b50; i++) {
      const nameLength = u16(bytes, offset + 28);
      names.push(latin1.decode(bytes.subarray(offset + 46, offset + 46 + nameLength)));
      offset += 46 + nameLength + u16(bytes, offset + 30) + u16(bytes, offset + 32);
    }
    if (names.length > 0) return names;
    break;
  }
  return u32(bytes, 0) === 0x04034b50 ? [latin1.decode(bytes.subarray(30, 30 + u16(bytes, 26)))] : [];
}

/** Office Open XML and OpenDocument files are zips with a telling entry; any other zip is an archive. */
function zipType(bytes: Uint8Array): DetectedType {
  const names = zipEntryNames(bytes);
  if (names.includes("[Content_Types].xml")) {
    const family = names.some((name) => name.startsWith("word/"))
      ? "wordprocessingml.document"
      : names.some((name) => name.startsWith("xl/"))
        ? "spreadsheetml.sheet"
        : names.some((name) => name.startsWith("ppt/"))
          ? "presentationml.presentation"
          : null;
    return { kind: "document", mime: family ? `application/vnd.openxmlformats-officedocument.${family}` : "application/octet-stream" };
  }
  // OpenDocument (and EPUB) store an uncompressed "mimetype" entry first, naming the format.
  if (u32(bytes, 0) === 0x04034b50 && latin1.decode(bytes.subarray(30, 38)) === "mimetype" && u16(bytes, 26) === 8 && u16(bytes, 8) === 0) {
    const start = 30 + 8 + u16(bytes, 28);
    const declared = latin1.decode(bytes.subarray(start, start + Math.min(u32(bytes, 18), 100)));
    return { kind: "document", mime: /^application\/[a-z0-9.+-]{1,90}$/.test(declared) ? declared : "application/octet-stream" };
  }
  return { kind: "archive", mime: "application/zip" };
}

// MP4 brands: M4A/M4B are audio files; the generic ISO brands are what Safari's recorder writes.
const mp4AudioBrands = new Set(["M4A ", "M4B ", "M4P ", "mp42", "mp41", "isom", "iso5", "iso6", "dash"]);

function isMp3(bytes: Uint8Array): boolean {
  if (ascii(bytes, 0, "ID3")) return true;
  // A bare MPEG audio frame: 11 sync bits, a real layer, a real bitrate.
  const [first = 0, second = 0, third = 0] = bytes;
  return first === 0xff && (second & 0xe0) === 0xe0 && (second & 0x06) !== 0 && (third & 0xf0) !== 0xf0;
}

const signatures: { type: DetectedType; matches: (bytes: Uint8Array) => boolean }[] = [
  { type: { kind: "image", mime: "image/png" }, matches: (b) => startsWith(b, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]) },
  { type: { kind: "image", mime: "image/jpeg" }, matches: (b) => startsWith(b, [0xff, 0xd8, 0xff]) },
  { type: { kind: "image", mime: "image/gif" }, matches: (b) => ascii(b, 0, "GIF87a") || ascii(b, 0, "GIF89a") },
  { type: { kind: "image", mime: "image/webp" }, matches: (b) => ascii(b, 0, "RIFF") && ascii(b, 8, "WEBP") },
  { type: { kind: "audio", mime: "audio/wav" }, matches: (b) => ascii(b, 0, "RIFF") && ascii(b, 8, "WAVE") },
  // EBML, with the "webm" doc type among its first elements (what browsers record).
  { type: { kind: "audio", mime: "audio/webm" }, matches: (b) => startsWith(b, [0x1a, 0x45, 0xdf, 0xa3]) && latin1.decode(b.subarray(4, 64)).includes("webm") },
  { type: { kind: "audio", mime: "audio/ogg" }, matches: (b) => ascii(b, 0, "OggS") },
  { type: { kind: "audio", mime: "audio/mp4" }, matches: (b) => ascii(b, 4, "ftyp") && mp4AudioBrands.has(latin1.decode(b.subarray(8, 12))) },
  { type: { kind: "audio", mime: "audio/mpeg" }, matches: isMp3 },
  { type: { kind: "pdf", mime: "application/pdf" }, matches: (b) => ascii(b, 0, "%PDF-") },
  // OLE compound files: the Office formats before 2007 (.doc, .xls, .ppt).
  { type: { kind: "document", mime: "application/vnd.ms-office" }, matches: (b) => startsWith(b, [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]) },
  { type: { kind: "archive", mime: "application/x-7z-compressed" }, matches: (b) => startsWith(b, [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c]) },
  { type: { kind: "archive", mime: "application/vnd.rar" }, matches: (b) => ascii(b, 0, "Rar!\x1a\x07") },
  { type: { kind: "archive", mime: "application/gzip" }, matches: (b) => startsWith(b, [0x1f, 0x8b]) },
];

const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * The kind of a file from its content alone, or null when it is none we accept. Text is valid
 * UTF-8 without NUL bytes: HTML and SVG are text at most, never images.
 */
export function detectType(bytes: Uint8Array): DetectedType | null {
  if (bytes.length === 0) return null;
  if (u32(bytes, 0) === 0x04034b50 || u32(bytes, 0) === 0x06054b50) return zipType(bytes);
  const signature = signatures.find((candidate) => candidate.matches(bytes));
  if (signature) return signature.type;
  if (bytes.includes(0)) return null;
  try {
    utf8.decode(bytes);
    return { kind: "text", mime: "text/plain" };
  } catch {
    return null;
  }
}

/** The message kind a file is shown as: images and audio inline, anything else as a file card. */
export function messageKindOf(kind: AttachmentKind): "image" | "audio" | "file" {
  return kind === "image" || kind === "audio" ? kind : "file";
}

/**
 * The name as shown and offered for download: no directories, no control or bidi-override
 * characters (which can make "gpj.exe" read as "exe.jpg"), at most 200 characters with the
 * extension kept.
 */
export function cleanFileName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? "";
  const cleaned = base.replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu, "").replace(/\s+/g, " ").trim();
  if (!cleaned || cleaned === "." || cleaned === "..") return "file";
  const characters = Array.from(cleaned);
  if (characters.length <= attachmentLimits.nameLength) return cleaned;
  const extension = /\.[^.\s]{1,10}$/.exec(cleaned)?.[0] ?? "";
  return characters.slice(0, attachmentLimits.nameLength - extension.length).join("") + extension;
}

// ---- refusals ----

/** Why an upload is refused: too large or past the shop's storage limit (HTTP 413), of a kind not accepted (415), or empty (422). */
export class AttachmentRefused extends RuleError {
  constructor(
    readonly reason: "tooLarge" | "kind" | "empty" | "quota",
    problem: FieldProblem,
    /** For a kind refused: the kinds the business accepts, for the page to name in its language. */
    readonly accepted: AttachmentKind[] = [],
  ) {
    super(problem);
  }
}

/** Megabytes as people read them: one decimal. */
export function megabytes(bytes: number, round: "up" | "nearest" = "nearest"): string {
  const tenths = (bytes / (1024 * 1024)) * 10;
  return String((round === "up" ? Math.ceil(tenths) : Math.round(tenths)) / 10);
}

/** "The file is 11.2 MB; the limit is 10 MB.": a size over the limit never reads as the limit itself. */
export function tooLarge(business: Pick<Business, "uploadMaxBytes">, size: number): AttachmentRefused {
  const max = megabytes(business.uploadMaxBytes);
  const nearest = megabytes(size);
  return new AttachmentRefused("tooLarge", {
    key: "attachment.tooLarge",
    params: { size: Number(nearest) > Number(max) ? nearest : megabytes(size, "up"), max },
  });
}

/** The business's accepted kinds, in the order the settings list them. */
export function acceptedKinds(business: Pick<Business, "uploadKinds">): AttachmentKind[] {
  return attachmentKinds.filter((kind) => business.uploadKinds.includes(kind));
}

/** Checks an upload against the business's rules before anything is stored; returns its type. */
export function checkUpload(business: Pick<Business, "uploadMaxBytes" | "uploadKinds">, bytes: Uint8Array): DetectedType {
  if (bytes.length > business.uploadMaxBytes) throw tooLarge(business, bytes.length);
  if (bytes.length === 0) throw new AttachmentRefused("empty", { key: "attachment.empty" });
  const detected = detectType(bytes);
  const accepted = acceptedKinds(business);
  if (!detected || !accepted.includes(detected.kind)) {
    throw new AttachmentRefused(
      "kind",
      accepted.length ? { key: "attachment.kindRefused", params: { kinds: accepted.join(", ") } } : { key: "attachment.noKinds" },
      accepted,
    );
  }
  return detected;
}

/** Bytes of files the shop's conversations hold. */
export function storageUsed(db: Queryable, businessId: number): number {
  return Number(db.select({ bytes: sum(attachments.size) }).from(attachments).where(eq(attachments.businessId, businessId)).get()?.bytes ?? 0);
}

/** Refuses a file that would take the shop past the storage limit a platform admin set. */
function checkStorageQuota(db: Queryable, business: Pick<Business, "id" | "maxStorageBytes">, size: number): void {
  if (business.maxStorageBytes === null || storageUsed(db, business.id) + size <= business.maxStorageBytes) return;
  throw new AttachmentRefused("quota", { key: "attachment.storageQuota", params: { max: megabytes(business.maxStorageBytes) } });
}

// ---- storing ----

export interface Upload {
  clientId: string;
  name: string;
  bytes: Uint8Array;
}

const storedPathPattern = /^attachments\/[0-9a-f]{2}\/[0-9a-f]{64}$/;

/** Where a stored file is on disk; null for a path that is not one we wrote. */
export function storedFilePath(uploadsDir: string, attachment: Pick<Attachment, "path">): string | null {
  return storedPathPattern.test(attachment.path) ? join(uploadsDir, attachment.path) : null;
}

/**
 * Writes the content once under its hash: a temp name first, then a rename, so a crash never
 * leaves half a file under a real name. Returns whether this call wrote it.
 */
async function storeContent(uploadsDir: string, sha256: string, bytes: Uint8Array): Promise<{ path: string; wrote: boolean }> {
  const path = `attachments/${sha256.slice(0, 2)}/${sha256}`;
  const target = join(uploadsDir, path);
  try {
    if (statSync(target).size === bytes.length) return { path, wrote: false };
  } catch {
    // Not stored yet.
  }
  mkdirSync(join(uploadsDir, "attachments", sha256.slice(0, 2)), { recursive: true });
  const temp = join(uploadsDir, "attachments", sha256.slice(0, 2), `.${sha256}.${randomToken(8)}.tmp`);
  try {
    await Bun.write(temp, bytes);
    renameSync(temp, target);
  } catch (error) {
    // A full disk leaves half a file behind: never keep it.
    rmSync(temp, { force: true });
    throw error;
  }
  return { path, wrote: true };
}

/** Removes a file this upload wrote when no row came to point at it (the send was refused). */
function forgetContent(db: Queryable, uploadsDir: string, stored: { path: string; wrote: boolean }, sha256: string): void {
  if (!stored.wrote) return;
  if (db.select({ id: attachments.id }).from(attachments).where(eq(attachments.sha256, sha256)).limit(1).get()) return;
  rmSync(join(uploadsDir, stored.path), { force: true });
}

function checkClientId(clientId: string): void {
  if (!messageLimits.clientIdPattern.test(clientId)) throw new ValidationError({ clientId: { key: "message.badClientId" } });
}

/** Stores the file and sends its message through `send`; a refused send leaves nothing behind. */
async function storeAndSend(
  db: Database,
  uploadsDir: string,
  business: Business,
  upload: Upload,
  detected: DetectedType,
  uploadedBy: "visitor" | "agent",
  send: (draft: Draft) => SendResult,
): Promise<SendResult> {
  const name = cleanFileName(upload.name);
  const sha256 = new Bun.CryptoHasher("sha256").update(upload.bytes).digest("hex");
  const stored = await storeContent(uploadsDir, sha256, upload.bytes);
  const attach = (tx: Queryable, conversation: { id: number }) => {
    const row = tx
      .insert(attachments)
      .values({ businessId: business.id, conversationId: conversation.id, originalName: name, mimeType: detected.mime, size: upload.bytes.length, sha256, path: stored.path, uploadedBy })
      .returning()
      .get();
    return { attachmentId: row.id, name, size: row.size, mime: row.mimeType, widgetKey: business.widgetKey } satisfies AttachmentMeta;
  };
  let result: SendResult;
  try {
    result = send({ clientId: upload.clientId, body: name, kind: messageKindOf(detected.kind), attach });
  } catch (error) {
    forgetContent(db, uploadsDir, stored, sha256);
    throw error;
  }
  // A retry that raced the first send is answered with the stored message; its file is the first's.
  if (!result.created) forgetContent(db, uploadsDir, stored, sha256);
  return result;
}

/**
 * A visitor sends a file: like a typed message, the first one opens and routes a conversation.
 * A retry with the same client id gets the stored message and stores nothing.
 */
export async function sendVisitorAttachment(
  db: Database,
  events: ConversationEvents,
  uploadsDir: string,
  business: Business,
  visitor: Visitor,
  upload: Upload,
  onlineAgentIds: readonly number[],
  pool: Pool = anyone,
  channel: Channel = "widget",
): Promise<SendResult> {
  checkClientId(upload.clientId);
  const existing = alreadySent(db, visitor.id, upload.clientId);
  if (existing) {
    const conversation = db.select().from(conversations).where(eq(conversations.id, existing.conversationId)).get()!;
    return { message: existing, conversation, created: false, started: false };
  }
  const detected = checkUpload(business, upload.bytes);
  checkStorageQuota(db, business, upload.bytes.length);
  return storeAndSend(db, uploadsDir, business, upload, detected, "visitor", (draft) =>
    sendVisitorMessage(db, events, visitor, draft, onlineAgentIds, pool, channel),
  );
}

/** An agent sends a file into a conversation they have, under the same rules as a typed answer. */
export async function sendAgentAttachment(
  db: Database,
  events: ConversationEvents,
  uploadsDir: string,
  business: Business,
  agent: Actor & { displayName: string },
  conversationId: number,
  upload: Upload,
): Promise<SendResult> {
  checkClientId(upload.clientId);
  const conversation = findConversationForAgent(db, agent.businessId, conversationId);
  const send = (draft: Draft) => sendAgentMessage(db, events, agent, conversation.id, draft);
  // Checked before the file is written too (the send checks again, in its transaction).
  const retried = conversationMessageByClientId(db, conversation.id, upload.clientId);
  if (retried) return { message: retried, conversation, created: false, started: false };
  if (conversation.status === "closed") throw new RuleError({ key: "conversation.alreadyClosed" });
  if (conversation.agentId !== agent.id) throw new RuleError({ key: "conversation.notYours" });
  const detected = checkUpload(business, upload.bytes);
  checkStorageQuota(db, business, upload.bytes.length);
  return storeAndSend(db, uploadsDir, business, upload, detected, "agent", send);
}

function conversationMessageByClientId(db: Queryable, conversationId: number, clientId: string) {
  return db.select().from(messages).where(and(eq(messages.conversationId, conversationId), eq(messages.clientId, clientId))).get();
}

// ---- reading ----

/** An attachment in one of this visitor's own conversations; anything else is not found. */
export function findVisitorAttachment(db: Queryable, visitorId: number, attachmentId: number): Attachment | undefined {
  return db
    .select()
    .from(attachments)
    .where(
      and(
        eq(attachments.id, attachmentId),
        inArray(attachments.conversationId, db.select({ id: conversations.id }).from(conversations).where(eq(conversations.visitorId, visitorId))),
      ),
    )
    .get();
}

/** An attachment of a conversation of this business, for its agents. */
export function findBusinessAttachment(db: Queryable, businessId: number, attachmentId: number): Attachment | undefined {
  return db
    .select()
    .from(attachments)
    .where(and(eq(attachments.id, attachmentId), eq(attachments.businessId, businessId), isNotNull(attachments.conversationId)))
    .get();
}
