import { describe, expect, it } from "bun:test";
import { businesses } from "../../src/db/schema";
import {
  blockIp,
  blockVisitorAndIp,
  canonicalIp,
  isIpBlocked,
  listBlockedIps,
  unblockIp,
  visitorsOnIp,
} from "../../src/domain/blocked-ips";
import { NotFoundError, ValidationError } from "../../src/domain/errors";
import { ignoreEvents } from "../../src/domain/events";
import { createAnonymousVisitor, findVisitor } from "../../src/domain/visitors";
import { addMember, testApp } from "../support";

function visitorFrom(ctx: ReturnType<typeof testApp>, ip: string | null, businessId = ctx.business.id) {
  return createAnonymousVisitor(ctx.db, "0".repeat(64), businessId, { ip, userAgent: null, page: null }).visitor;
}

function otherBusiness(ctx: ReturnType<typeof testApp>) {
  return ctx.db.insert(businesses).values({ name: "Other", widgetKey: "other-key", identitySecret: "s" }).returning().get();
}

describe("IP addresses", () => {
  it("spells each address one way: IPv6 compressed and lower-case, IPv4-mapped as IPv4", () => {
    expect(canonicalIp(" 203.0.113.7 ")).toBe("203.0.113.7");
    expect(canonicalIp("2001:DB8:0:0:0:0:0:1")).toBe("2001:db8::1");
    expect(canonicalIp("::ffff:203.0.113.7")).toBe("203.0.113.7");
    expect(canonicalIp("0:0:0:0:0:FFFF:cb00:7107")).toBe("203.0.113.7");
  });

  it("is not fooled by text that only looks like an address", () => {
    for (const text of ["", "unknown", "203.0.113", "203.0.113.256", "203.0.113.07", "fe80::1%eth0", "1.2.3.4/24", `${"1".repeat(46)}`]) {
      expect(canonicalIp(text)).toBeNull();
    }
  });
});

describe("blocked IP addresses", () => {
  it("blocks an address for the actor's business only, and notes it in the audit log", async () => {
    const ctx = testApp();
    const admin = await addMember(ctx, "admin", "admin@example.com");
    const other = otherBusiness(ctx);
    const blocked = blockIp(ctx.db, ignoreEvents, admin, "2001:DB8::7", "  spam  ");
    expect(blocked).toMatchObject({ ip: "2001:db8::7", reason: "spam", blockedBy: admin.id, businessId: ctx.business.id });
    expect(isIpBlocked(ctx.db, ctx.business.id, "2001:db8:0:0:0:0:0:7")).toBe(true);
    expect(isIpBlocked(ctx.db, other.id, "2001:db8::7")).toBe(false);
    expect(isIpBlocked(ctx.db, ctx.business.id, null)).toBe(false);
    expect(ctx.sqlite.query("SELECT business_id, agent_id, action, subject FROM audit_log").all()).toEqual([
      { business_id: ctx.business.id, agent_id: admin.id, action: "ip.blocked", subject: "ip:2001:db8::7" },
    ]);
  });

  it("treats blocking a blocked address again as a new reason, not a second block", async () => {
    const ctx = testApp();
    const admin = await addMember(ctx, "admin", "admin@example.com");
    const first = blockIp(ctx.db, ignoreEvents, admin, "203.0.113.7", "spam");
    const again = blockIp(ctx.db, ignoreEvents, admin, "::ffff:203.0.113.7", "abuse");
    expect(again).toMatchObject({ id: first.id, reason: "abuse" });
    expect(listBlockedIps(ctx.db, ctx.business.id).map((row) => row.blockedIp.reason)).toEqual(["abuse"]);
  });

  it("refuses a bad address or a long reason and stores nothing", async () => {
    const ctx = testApp();
    const admin = await addMember(ctx, "admin", "admin@example.com");
    expect(() => blockIp(ctx.db, ignoreEvents, admin, "<script>", "")).toThrow(expect.objectContaining({ fields: { ip: { key: "blocked.ipInvalid" } } }));
    expect(() => blockIp(ctx.db, ignoreEvents, admin, "203.0.113.7", "x".repeat(201))).toThrow(
      expect.objectContaining({ fields: { reason: { key: "error.reason.tooLong", params: { max: 200 } } } }),
    );
    expect(ctx.sqlite.query("SELECT count(*) AS n FROM blocked_ips").get()).toEqual({ n: 0 });
    expect(ctx.sqlite.query("SELECT count(*) AS n FROM audit_log").get()).toEqual({ n: 0 });
  });

  it("lists and unblocks only the business's own addresses", async () => {
    const ctx = testApp();
    const admin = await addMember(ctx, "admin", "admin@example.com");
    const other = otherBusiness(ctx);
    const theirs = blockIp(ctx.db, ignoreEvents, { id: admin.id, businessId: other.id }, "198.51.100.1", "");
    const ours = blockIp(ctx.db, ignoreEvents, admin, "203.0.113.7", "");
    expect(listBlockedIps(ctx.db, ctx.business.id)).toEqual([{ blockedIp: ours, blockedByName: admin.displayName }]);
    expect(() => unblockIp(ctx.db, admin, theirs.id)).toThrow(NotFoundError);
    expect(isIpBlocked(ctx.db, other.id, "198.51.100.1")).toBe(true);
    unblockIp(ctx.db, admin, ours.id);
    expect(isIpBlocked(ctx.db, ctx.business.id, "203.0.113.7")).toBe(false);
    expect(ctx.sqlite.query("SELECT action FROM audit_log WHERE business_id = ? ORDER BY id").all(ctx.business.id)).toEqual([
      { action: "ip.blocked" },
      { action: "ip.unblocked" },
    ]);
  });

  it("blocks a visitor and the address they came from together", async () => {
    const ctx = testApp();
    const agent = await addMember(ctx, "agent", "agent@example.com");
    const visitor = visitorFrom(ctx, "203.0.113.7");
    const { visitor: blocked, blockedIp } = blockVisitorAndIp(ctx.db, agent, visitor.id, "spam");
    expect(blocked.blocked).toBe(true);
    expect(blockedIp).toMatchObject({ ip: "203.0.113.7", reason: "spam" });
    expect(blockVisitorAndIp(ctx.db, agent, visitorFrom(ctx, null).id, "").blockedIp).toBeNull();
  });

  it("blocks neither the visitor nor an address when the address cannot be blocked", async () => {
    const ctx = testApp();
    const agent = await addMember(ctx, "agent", "agent@example.com");
    // A misconfigured proxy can forward anything as the client's address.
    const visitor = visitorFrom(ctx, "unknown");
    expect(() => blockVisitorAndIp(ctx.db, agent, visitor.id, "spam")).toThrow(ValidationError);
    expect(findVisitor(ctx.db, ctx.business.id, visitor.id)?.blocked).toBe(false);
    expect(ctx.sqlite.query("SELECT count(*) AS n FROM audit_log").get()).toEqual({ n: 0 });
  });

  it("finds which of the given visitors of the business last came from an address", () => {
    const ctx = testApp();
    const other = otherBusiness(ctx);
    const here = visitorFrom(ctx, "::ffff:203.0.113.7");
    const elsewhere = visitorFrom(ctx, "198.51.100.1");
    const otherShop = visitorFrom(ctx, "203.0.113.7", other.id);
    expect(visitorsOnIp(ctx.db, ctx.business.id, "203.0.113.7", [here.id, elsewhere.id, otherShop.id])).toEqual([here.id]);
    expect(visitorsOnIp(ctx.db, ctx.business.id, "203.0.113.7", [])).toEqual([]);
  });
});
