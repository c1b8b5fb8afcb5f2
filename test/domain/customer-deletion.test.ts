import { describe, expect, it } from "bun:test";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eq, type SQL, sql } from "drizzle-orm";
import { attachments, auditLog, businesses, conversations, messages, offlineMessages, visitorNotes, visitorTags, visitors } from "../../src/db/schema";
import { sendVisitorAttachment, storedFilePath } from "../../src/domain/attachments";
import { findBusiness } from "../../src/domain/businesses";
import { closeConversation, type Conversation } from "../../src/domain/conversations";
import { customerDeletionPreview, deleteCustomer } from "../../src/domain/customer-deletion";
import { exportCustomer } from "../../src/domain/customer-export";
import { NotFoundError, RuleError } from "../../src/domain/errors";
import { type DomainEvents, ignoreEvents } from "../../src/domain/events";
import { sendVisitorMessage } from "../../src/domain/messages";
import { leaveMessage } from "../../src/domain/offline-messages";
import { parseSearchQuery, searchMessages, searchVisitors } from "../../src/domain/search";
import { indexWaitingMessages } from "../../src/domain/search-index";
import { addVisitorNote, addVisitorTag } from "../../src/domain/visitor-profile";
import { createAnonymousVisitor, type Visitor } from "../../src/domain/visitors";
import * as files from "../fixtures/files";
import { addMember, testApp } from "../support";

let sent = 0;
const clientId = () => `client-${++sent}-abcdef`;

async function setup() {
  const uploadsDir = mkdtempSync(join(tmpdir(), "kefu-customers-"));
  const ctx = testApp({ uploadsDir });
  const other = ctx.db.insert(businesses).values({ name: "Other", widgetKey: "other-shop", identitySecret: "x" }).returning().get();
  const owner = await addMember(ctx, "owner", "owner@example.com");
  const admin = await addMember(ctx, "admin", "admin@example.com");
  const business = () => findBusiness(ctx.db, ctx.business.id)!;

  /** A customer with everything a customer can have: two conversations (one closed), a file, a note, a tag, an offline message. */
  async function customer(name: string, words: string, file: Uint8Array, businessId = ctx.business.id) {
    const visitor = createAnonymousVisitor(ctx.db, "0".repeat(64), businessId, { ip: null, userAgent: null, page: null }).visitor;
    ctx.db.update(visitors).set({ name, email: `${name.toLowerCase()}@example.com` }).where(eq(visitors.id, visitor.id)).run();
    const named = { ...visitor, name };
    const first = sendVisitorMessage(ctx.db, ignoreEvents, named, { clientId: clientId(), body: `${words} first` }, []).conversation;
    if (businessId === ctx.business.id) closeConversation(ctx.db, ignoreEvents, owner, first.id);
    else ctx.db.update(conversations).set({ status: "closed", closedAt: Date.now() }).where(eq(conversations.id, first.id)).run();
    sendVisitorMessage(ctx.db, ignoreEvents, named, { clientId: clientId(), body: `${words} second` }, []);
    if (businessId === ctx.business.id) {
      await sendVisitorAttachment(ctx.db, ignoreEvents, uploadsDir, business(), named, { clientId: clientId(), name: `${name}.png`, bytes: file }, []);
      addVisitorNote(ctx.db, owner, visitor.id, `${name} prefers email`);
      addVisitorTag(ctx.db, owner, visitor.id, "vip");
      leaveMessage(ctx.db, ignoreEvents, { id: businessId, offlineRequired: [] }, visitor.id, { name, phone: "", email: "", message: `${words} left` });
    }
    return named;
  }

  const rows = (visitorId: number) => ({
    visitor: ctx.db.select().from(visitors).where(eq(visitors.id, visitorId)).all().length,
    conversations: ctx.db.select().from(conversations).where(eq(conversations.visitorId, visitorId)).all().length,
    messages: ctx.db.all(sql`SELECT m.id FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE c.visitor_id = ${visitorId}`).length,
    attachments: ctx.db.all(sql`SELECT a.id FROM attachments a JOIN conversations c ON c.id = a.conversation_id WHERE c.visitor_id = ${visitorId}`).length,
    notes: ctx.db.select().from(visitorNotes).where(eq(visitorNotes.visitorId, visitorId)).all().length,
    tags: ctx.db.select().from(visitorTags).where(eq(visitorTags.visitorId, visitorId)).all().length,
    offlineMessages: ctx.db.select().from(offlineMessages).where(eq(offlineMessages.visitorId, visitorId)).all().length,
  });
  const filesOf = (visitorId: number) =>
    ctx.db
      .all<{ path: string }>(sql`SELECT a.path AS path FROM attachments a JOIN conversations c ON c.id = a.conversation_id WHERE c.visitor_id = ${visitorId}`)
      .map((file) => storedFilePath(uploadsDir, file)!);
  return { ...ctx, uploadsDir, other, owner, admin, customer, rows, filesOf };
}

function recording() {
  const told: string[] = [];
  const events: DomainEvents = {
    ...ignoreEvents,
    conversationChanged: (conversation: Conversation, previous: Conversation | null) => told.push(`conversation ${conversation.id} ${previous?.status}->${conversation.status}`),
    visitorDeleted: (visitorId: number) => told.push(`visitor ${visitorId} deleted`),
    inboxChanged: (businessId: number) => told.push(`inbox of ${businessId} changed`),
  };
  return { told, events };
}

// Messages: the first and its close, the second and the file.
const everything = { visitor: 1, conversations: 2, messages: 4, attachments: 1, notes: 1, tags: 1, offlineMessages: 1 };
const nothing = { visitor: 0, conversations: 0, messages: 0, attachments: 0, notes: 0, tags: 0, offlineMessages: 0 };

describe("deleting a customer", () => {
  it("removes them with their conversations, messages, files, notes, tags, offline messages and search rows, and only theirs", async () => {
    const ctx = await setup();
    const fang = await ctx.customer("Fang", "oolong", files.png);
    const bob = await ctx.customer("Bob", "puerh", files.gif);
    // Bob also sent Fang's picture: stored once, so the file stays for him.
    await sendVisitorAttachment(ctx.db, ignoreEvents, ctx.uploadsDir, findBusiness(ctx.db, ctx.business.id)!, bob, { clientId: clientId(), name: "same.png", bytes: files.png }, []);
    indexWaitingMessages(ctx.db);
    const fangFile = ctx.filesOf(fang.id)[0]!;
    const bobBefore = ctx.rows(bob.id);
    expect(ctx.rows(fang.id)).toMatchObject(everything);

    const deleted = deleteCustomer(ctx.db, ignoreEvents, ctx.uploadsDir, ctx.owner, fang.id);

    expect(deleted).toEqual({ conversations: 2, messages: 4, files: 1 });
    expect(ctx.rows(fang.id)).toEqual(nothing);
    expect(ctx.rows(bob.id)).toEqual(bobBefore);
    expect(existsSync(fangFile)).toBe(true);
    for (const file of ctx.filesOf(bob.id)) expect(existsSync(file)).toBe(true);
    // Search finds nothing of hers, still all of his, and both indexes are whole.
    const find = (q: string) => searchMessages(ctx.db, ctx.business.id, parseSearchQuery(q)).hits.length;
    expect(find("oolong")).toBe(0);
    expect(find("puerh")).toBe(2);
    expect(searchVisitors(ctx.db, ctx.business.id, parseSearchQuery("fang@example.com"))).toEqual([]);
    expect(searchVisitors(ctx.db, ctx.business.id, parseSearchQuery("bob@example.com"))).toHaveLength(1);
    ctx.sqlite.exec("INSERT INTO messages_fts(messages_fts) VALUES ('integrity-check')");
    ctx.sqlite.exec("INSERT INTO visitors_fts(visitors_fts) VALUES ('integrity-check')");
    const [entry] = ctx.db.select().from(auditLog).where(eq(auditLog.action, "customer.deleted")).all();
    expect(entry).toMatchObject({ agentId: ctx.owner.id, subject: `visitor:${fang.id}`, detail: { conversations: 2, messages: 4, files: 1 } });
  });

  it("removes a file on disk once no other attachment shares it", async () => {
    const ctx = await setup();
    const fang = await ctx.customer("Fang", "oolong", files.png);
    const file = ctx.filesOf(fang.id)[0]!;
    expect(existsSync(file)).toBe(true);
    deleteCustomer(ctx.db, ignoreEvents, ctx.uploadsDir, ctx.owner, fang.id);
    expect(existsSync(file)).toBe(false);
  });

  it("leaves the deleted customer's ids to nobody: the next customer's visitor, conversations, file, note and offline message get new ones", async () => {
    const ctx = await setup();
    const fang = await ctx.customer("Fang", "oolong", files.png);
    const ids = (query: SQL) => ctx.db.all<{ id: number }>(query).map((row) => row.id);
    const idsOf = (visitorId: number) => ({
      visitor: visitorId,
      conversations: ids(sql`SELECT id FROM conversations WHERE visitor_id = ${visitorId}`),
      attachments: ids(sql`SELECT a.id FROM attachments a JOIN conversations c ON c.id = a.conversation_id WHERE c.visitor_id = ${visitorId}`),
      notes: ids(sql`SELECT id FROM visitor_notes WHERE visitor_id = ${visitorId}`),
      offlineMessages: ids(sql`SELECT id FROM offline_messages WHERE visitor_id = ${visitorId}`),
    });
    const hers = idsOf(fang.id);
    deleteCustomer(ctx.db, ignoreEvents, ctx.uploadsDir, ctx.owner, fang.id);

    // An old console link or an integration's stored id must not come to mean someone else.
    const next = idsOf((await ctx.customer("Bob", "puerh", files.gif)).id);
    expect(next.visitor).toBeGreaterThan(hers.visitor);
    for (const kind of ["conversations", "attachments", "notes", "offlineMessages"] as const) {
      expect(next[kind]).not.toHaveLength(0);
      expect(Math.min(...next[kind])).toBeGreaterThan(Math.max(...hers[kind]));
    }
  });

  it("announces an ongoing conversation closed, then the visitor gone, then the inbox that counted their offline message", async () => {
    const ctx = await setup();
    const fang = await ctx.customer("Fang", "oolong", files.png);
    const ongoing = ctx.db.select().from(conversations).where(eq(conversations.visitorId, fang.id)).all().find((c) => c.status !== "closed")!;
    const { told, events } = recording();
    deleteCustomer(ctx.db, events, ctx.uploadsDir, ctx.owner, fang.id);
    expect(told).toEqual([`conversation ${ongoing.id} queued->closed`, `visitor ${fang.id} deleted`, `inbox of ${ctx.business.id} changed`]);
  });

  it("finds no visitor of another shop, and changes nothing", async () => {
    const ctx = await setup();
    const elsewhere = await ctx.customer("Elsewhere", "matcha", files.png, ctx.other.id);
    const before = ctx.rows(elsewhere.id);
    expect(() => deleteCustomer(ctx.db, ignoreEvents, ctx.uploadsDir, ctx.owner, elsewhere.id)).toThrow(NotFoundError);
    expect(ctx.rows(elsewhere.id)).toEqual(before);
  });

  it("is the owners' only", async () => {
    const ctx = await setup();
    const fang = await ctx.customer("Fang", "oolong", files.png);
    expect(() => deleteCustomer(ctx.db, ignoreEvents, ctx.uploadsDir, ctx.admin, fang.id)).toThrow(RuleError);
    expect(ctx.rows(fang.id)).toMatchObject(everything);
  });

  it("leaves everything, files included, when any part of it fails", async () => {
    const ctx = await setup();
    const fang = await ctx.customer("Fang", "oolong", files.png);
    const file = ctx.filesOf(fang.id)[0]!;
    // The last delete fails, after every other row of hers is gone inside the transaction.
    ctx.sqlite.exec("CREATE TRIGGER refuse_visitor_delete BEFORE DELETE ON visitors BEGIN SELECT RAISE(ABORT, 'disk trouble'); END");
    const { told, events } = recording();
    expect(() => deleteCustomer(ctx.db, events, ctx.uploadsDir, ctx.owner, fang.id)).toThrow("disk trouble");
    expect(ctx.rows(fang.id)).toMatchObject(everything);
    expect(existsSync(file)).toBe(true);
    expect(told).toEqual([]);
    expect(ctx.db.select().from(auditLog).where(eq(auditLog.action, "customer.deleted")).all()).toEqual([]);
  });

  it("names what will go before it goes", async () => {
    const ctx = await setup();
    const fang = await ctx.customer("Fang", "oolong", files.png);
    expect(customerDeletionPreview(ctx.db, ctx.business.id, fang.id)).toEqual({ conversations: 2, messages: 4, files: 1, ongoing: true });
    expect(customerDeletionPreview(ctx.db, ctx.other.id, fang.id)).toEqual({ conversations: 0, messages: 0, files: 0, ongoing: false });
  });
});

describe("exporting a customer's data", () => {
  it("holds everything about them but their token's hash and where files are stored, and is audited", async () => {
    const ctx = await setup();
    const fang: Visitor = await ctx.customer("Fang", "oolong", files.png);
    await ctx.customer("Bob", "puerh", files.gif);
    const data = exportCustomer(ctx.db, ctx.owner, fang.id);
    expect(data.visitor).toMatchObject({ id: fang.id, name: "Fang", email: "fang@example.com" });
    expect("tokenHash" in data.visitor).toBe(false);
    expect(data.tags).toEqual(["vip"]);
    expect(data.notes.map((note) => note.body)).toEqual(["Fang prefers email"]);
    expect(data.offlineMessages.map((left) => left.body)).toEqual(["oolong left"]);
    expect(data.conversations).toHaveLength(2);
    const bodies = data.conversations.flatMap((conversation) => conversation.messages.map((message) => message.body));
    expect(bodies).toContain("oolong first");
    expect(bodies).toContain("oolong second");
    expect(bodies.some((body) => body.startsWith("puerh"))).toBe(false);
    const [file] = data.conversations.flatMap((conversation) => conversation.attachments);
    expect(file).toMatchObject({ originalName: "Fang.png", mimeType: "image/png" });
    expect("path" in file!).toBe(false);
    expect(JSON.stringify(data)).not.toContain(ctx.db.select().from(visitors).where(eq(visitors.id, fang.id)).get()!.tokenHash!);
    expect(ctx.db.select().from(auditLog).where(eq(auditLog.action, "customer.exported")).all()).toHaveLength(1);
    expect(ctx.db.select().from(messages).all().length).toBeGreaterThan(0);
    expect(ctx.db.select().from(attachments).all().length).toBe(2);
  });

  it("finds no visitor of another shop, and is the owners' only", async () => {
    const ctx = await setup();
    const elsewhere = await ctx.customer("Elsewhere", "matcha", files.png, ctx.other.id);
    const fang = await ctx.customer("Fang", "oolong", files.png);
    expect(() => exportCustomer(ctx.db, ctx.owner, elsewhere.id)).toThrow(NotFoundError);
    expect(() => exportCustomer(ctx.db, ctx.admin, fang.id)).toThrow(RuleError);
    expect(ctx.db.select().from(auditLog).where(eq(auditLog.action, "customer.exported")).all()).toEqual([]);
  });
});
