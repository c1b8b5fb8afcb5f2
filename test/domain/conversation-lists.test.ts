import { describe, expect, it } from "bun:test";
import {
  checkClosedFilters,
  type ClosedFilters,
  type ConversationListName,
  conversationListPage,
  mayViewList,
  startOfDay,
} from "../../src/domain/conversation-lists";
import { ValidationError } from "../../src/domain/errors";
import { addMember, testApp } from "../support";

type Ctx = ReturnType<typeof testApp>;
let clientIds = 0;

interface Seed {
  status?: "queued" | "open" | "closed";
  agentId?: number | null;
  closedAt?: number | null;
  rating?: number | null;
  groupId?: number | null;
  businessId?: number;
  /** How many messages it has; the last one sets its place in the open lists. */
  messages?: number;
}

/** A conversation with its visitor and messages; returns its id. */
function conversation(ctx: Ctx, seed: Seed = {}): number {
  const businessId = seed.businessId ?? ctx.business.id;
  const visitorId = (ctx.sqlite.query("INSERT INTO visitors (business_id, external_id, name) VALUES (?, ?, 'V') RETURNING id").get(businessId, crypto.randomUUID()) as { id: number }).id;
  const status = seed.status ?? "closed";
  const { id } = ctx.sqlite
    .query("INSERT INTO conversations (business_id, visitor_id, agent_id, status, closed_at, rating, group_id) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id")
    .get(businessId, visitorId, seed.agentId ?? null, status, status === "closed" ? (seed.closedAt ?? Date.now()) : null, seed.rating ?? null, seed.groupId ?? null) as { id: number };
  for (let i = 0; i < (seed.messages ?? 1); i++) {
    ctx.sqlite.run("INSERT INTO messages (conversation_id, sender, body, client_id) VALUES (?, 'visitor', ?, ?)", [id, `hello ${i}`, `c-${++clientIds}`]);
  }
  ctx.sqlite.run("UPDATE conversations SET last_message_id = (SELECT max(id) FROM messages WHERE conversation_id = ?) WHERE id = ?", [id, id]);
  return id;
}

/** Adds a message to an existing conversation, making it the most recently active. */
function touch(ctx: Ctx, conversationId: number) {
  const { id } = ctx.sqlite.query("INSERT INTO messages (conversation_id, sender, body, client_id) VALUES (?, 'visitor', 'again', ?) RETURNING id").get(conversationId, `c-${++clientIds}`) as { id: number };
  ctx.sqlite.run("UPDATE conversations SET last_message_id = ? WHERE id = ?", [id, conversationId]);
}

/** Every page of a list, followed by its cursors: the ids, in order. */
function allPages(ctx: Ctx, viewer: { id: number; businessId: number }, list: ConversationListName, filters: ClosedFilters = {}, limit = 3, timezone = "UTC") {
  const ids: number[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = conversationListPage(ctx.db, viewer, list, { cursor, filters, timezone }, limit);
    ids.push(...page.items.map((item) => item.conversation.id));
    cursor = page.next ?? undefined;
    pages++;
  } while (cursor !== undefined && pages < 100);
  return ids;
}

const day = (iso: string) => new Date(iso).getTime();

describe("the closed list", () => {
  it("pages most recently closed first, by keyset, with nothing twice and nothing left out, ties included", async () => {
    const ctx = testApp();
    const owner = await addMember(ctx, "owner", "owner@example.com");
    const at = day("2026-03-10T12:00:00Z");
    // Three closed in the same millisecond: the id breaks the tie, across a page boundary.
    const ids = [at - 5000, at - 4000, at, at, at, at + 1000, at + 2000, at + 3000].map((closedAt) => conversation(ctx, { closedAt }));
    conversation(ctx, { status: "open", agentId: owner.id });
    const expected = [ids[7], ids[6], ids[5], ids[4], ids[3], ids[2], ids[1], ids[0]];
    expect(allPages(ctx, owner, "closed")).toEqual(expected as number[]);
    expect(allPages(ctx, owner, "closed", {}, 1)).toEqual(expected as number[]);
    expect(allPages(ctx, owner, "closed", {}, 30)).toEqual(expected as number[]);
  });

  it("filters by agent", async () => {
    const ctx = testApp();
    const owner = await addMember(ctx, "owner", "owner@example.com");
    const ann = await addMember(ctx, "agent", "ann@example.com");
    const bob = await addMember(ctx, "agent", "bob@example.com");
    const anns = [1, 2, 3, 4].map((i) => conversation(ctx, { agentId: ann.id, closedAt: 1000 * i }));
    conversation(ctx, { agentId: bob.id, closedAt: 2500 });
    expect(allPages(ctx, owner, "closed", { agentId: ann.id })).toEqual([...anns].reverse());
  });

  it("filters by rating, by being rated, and by not being rated", async () => {
    const ctx = testApp();
    const owner = await addMember(ctx, "owner", "owner@example.com");
    const five = conversation(ctx, { rating: 5, closedAt: 1 });
    const one = conversation(ctx, { rating: 1, closedAt: 2 });
    const none = conversation(ctx, { closedAt: 3 });
    const alsoFive = conversation(ctx, { rating: 5, closedAt: 4 });
    expect(allPages(ctx, owner, "closed", { rating: 5 })).toEqual([alsoFive, five]);
    expect(allPages(ctx, owner, "closed", { rating: 1 })).toEqual([one]);
    expect(allPages(ctx, owner, "closed", { rating: 3 })).toEqual([]);
    expect(allPages(ctx, owner, "closed", { rating: "rated" }, 1)).toEqual([alsoFive, one, five]);
    expect(allPages(ctx, owner, "closed", { rating: "unrated" })).toEqual([none]);
  });

  it("filters by closing day in the shop's time zone, both ends included", async () => {
    const ctx = testApp();
    const owner = await addMember(ctx, "owner", "owner@example.com");
    // Shanghai is UTC+8: 2026-03-01 there runs from 2026-02-28T16:00Z to 2026-03-01T16:00Z.
    const before = conversation(ctx, { closedAt: day("2026-02-28T15:59:59Z") });
    const first = conversation(ctx, { closedAt: day("2026-02-28T16:00:00Z") });
    const last = conversation(ctx, { closedAt: day("2026-03-02T15:59:59Z") });
    const after = conversation(ctx, { closedAt: day("2026-03-02T16:00:00Z") });
    expect(allPages(ctx, owner, "closed", { from: "2026-03-01", to: "2026-03-02" }, 3, "Asia/Shanghai")).toEqual([last, first]);
    expect(allPages(ctx, owner, "closed", { from: "2026-03-01", to: "2026-03-02" }, 3, "UTC")).toEqual([after, last]);
    expect(allPages(ctx, owner, "closed", { to: "2026-02-28" }, 3, "Asia/Shanghai")).toEqual([before]);
  });

  it("combines its filters", async () => {
    const ctx = testApp();
    const owner = await addMember(ctx, "owner", "owner@example.com");
    const ann = await addMember(ctx, "agent", "ann@example.com");
    const match = conversation(ctx, { agentId: ann.id, rating: 4, closedAt: day("2026-05-05T10:00:00Z") });
    conversation(ctx, { agentId: ann.id, rating: 4, closedAt: day("2026-06-05T10:00:00Z") });
    conversation(ctx, { agentId: owner.id, rating: 4, closedAt: day("2026-05-05T11:00:00Z") });
    conversation(ctx, { agentId: ann.id, rating: 2, closedAt: day("2026-05-05T12:00:00Z") });
    expect(allPages(ctx, owner, "closed", { agentId: ann.id, rating: 4, from: "2026-05-01", to: "2026-05-31" })).toEqual([match]);
  });

  it("shows only the viewer's business", async () => {
    const ctx = testApp();
    const owner = await addMember(ctx, "owner", "owner@example.com");
    const other = (ctx.sqlite.query("INSERT INTO businesses (name, widget_key, identity_secret) VALUES ('Other', 'k2', 's') RETURNING id").get() as { id: number }).id;
    const ours = conversation(ctx);
    conversation(ctx, { businessId: other });
    conversation(ctx, { businessId: other, status: "open" });
    expect(allPages(ctx, owner, "closed")).toEqual([ours]);
    expect(allPages(ctx, owner, "open")).toEqual([]);
  });

  it("shows what was last said rather than the closing event", async () => {
    const ctx = testApp();
    const owner = await addMember(ctx, "owner", "owner@example.com");
    const id = conversation(ctx, { agentId: owner.id });
    ctx.sqlite.run("INSERT INTO messages (conversation_id, sender, kind, body, client_id) VALUES (?, 'system', 'event', 'closed', 'sys-1')", [id]);
    ctx.sqlite.run("UPDATE conversations SET last_message_id = (SELECT max(id) FROM messages) WHERE id = ?", [id]);
    const [item] = conversationListPage(ctx.db, owner, "closed").items;
    expect(item).toMatchObject({ lastWords: "hello 0", lastBody: "closed", lastSender: "system", agentName: "owner", visitorName: "V" });
  });
});

describe("the open lists", () => {
  it("order by latest activity and page by keyset without repeats or gaps", async () => {
    const ctx = testApp();
    const owner = await addMember(ctx, "owner", "owner@example.com");
    const ann = await addMember(ctx, "agent", "ann@example.com");
    const ids = [1, 2, 3, 4, 5, 6, 7].map((i) => conversation(ctx, { status: "open", agentId: i % 2 ? ann.id : owner.id, messages: i }));
    conversation(ctx, { status: "queued" });
    touch(ctx, ids[2]!);
    const expected = [ids[2], ids[6], ids[5], ids[4], ids[3], ids[1], ids[0]];
    expect(allPages(ctx, owner, "open")).toEqual(expected as number[]);
    expect(allPages(ctx, owner, "open", {}, 2)).toEqual(expected as number[]);
  });

  it("\"mine\" holds the viewer's open conversations only", async () => {
    const ctx = testApp();
    const ann = await addMember(ctx, "agent", "ann@example.com");
    const bob = await addMember(ctx, "agent", "bob@example.com");
    const anns = [conversation(ctx, { status: "open", agentId: ann.id }), conversation(ctx, { status: "open", agentId: ann.id })];
    conversation(ctx, { status: "open", agentId: bob.id });
    conversation(ctx, { status: "closed", agentId: ann.id });
    expect(allPages(ctx, ann, "mine", {}, 1)).toEqual([...anns].reverse());
  });

  it("\"waiting\" holds the queued conversations the viewer may take", async () => {
    const ctx = testApp();
    const ann = await addMember(ctx, "agent", "ann@example.com");
    const bob = await addMember(ctx, "agent", "bob@example.com");
    const group = (ctx.sqlite.query("INSERT INTO groups (business_id, name) VALUES (?, 'Sales') RETURNING id").get(ctx.business.id) as { id: number }).id;
    const other = (ctx.sqlite.query("INSERT INTO groups (business_id, name) VALUES (?, 'Support') RETURNING id").get(ctx.business.id) as { id: number }).id;
    ctx.sqlite.run("INSERT INTO agent_groups (agent_id, group_id) VALUES (?, ?)", [ann.id, group]);
    const anyone = conversation(ctx, { status: "queued" });
    const sales = conversation(ctx, { status: "queued", groupId: group });
    conversation(ctx, { status: "queued", groupId: other });
    conversation(ctx, { status: "open", agentId: bob.id });
    expect(allPages(ctx, ann, "waiting")).toEqual([sales, anyone]);
  });

  it("\"all open\" is for owners and admins", () => {
    expect(mayViewList({ role: "agent" }, "open")).toBe(false);
    expect(mayViewList({ role: "admin" }, "open")).toBe(true);
    expect(mayViewList({ role: "owner" }, "open")).toBe(true);
    for (const list of ["closed", "mine", "waiting"] as const) expect(mayViewList({ role: "agent" }, list)).toBe(true);
  });
});

describe("the filters and cursors", () => {
  it("refuses dates that are not days, and a range that ends before it starts", () => {
    for (const bad of ["2026-02-30", "2026-13-01", "26-01-01", "yesterday", "2026-1-1"]) {
      expect(() => checkClosedFilters({ from: bad })).toThrow(ValidationError);
    }
    expect(() => checkClosedFilters({ from: "2026-03-02", to: "2026-03-01" })).toThrow(ValidationError);
    expect(() => checkClosedFilters({ from: "2026-03-01", to: "2026-03-01" })).not.toThrow();
  });

  it("finds a day's start in the shop's zone, across daylight-saving changes", () => {
    expect(startOfDay("2026-03-01", "UTC")).toBe(day("2026-03-01T00:00:00Z"));
    expect(startOfDay("2026-03-01", "Asia/Shanghai")).toBe(day("2026-02-28T16:00:00Z"));
    expect(startOfDay("2026-03-29", "Europe/Berlin")).toBe(day("2026-03-28T23:00:00Z"));
    expect(startOfDay("2026-03-30", "Europe/Berlin")).toBe(day("2026-03-29T22:00:00Z"));
    expect(startOfDay("2026-11-02", "America/New_York")).toBe(day("2026-11-02T05:00:00Z"));
  });
});
