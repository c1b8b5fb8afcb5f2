// Several shops on one install: made from the command line with their owner, watched, disabled
// and limited by a platform admin. A shop's own settings stay in businesses.ts; this file is what
// the install does to shops as a whole.
import { and, asc, count, eq, gte, inArray, max, ne, sum } from "drizzle-orm";
import type { Database, Queryable } from "../db/client";
import { agents, attachments, businesses, conversations, messages, sessions } from "../db/schema";
import { type Agent, insertAgent, toAgent } from "./agents";
import { recordAudit } from "./audit";
import type { Business } from "./businesses";
import { NotFoundError, RuleError, ValidationError } from "./errors";
import type { DomainEvents } from "./events";
import { checkEmail, checkName, normalizeEmail, problems } from "./fields";
import { localClock } from "./hours";
import { limits } from "./limits";
import { hashPassword } from "./passwords";
import { randomToken, readablePassword } from "./tokens";

export interface NewShop {
  name: string;
  ownerEmail: string;
  /** Left out, the owner is called by their email's name part until they change it. */
  ownerName?: string;
}

export interface AddedShop {
  shop: Business;
  owner: Agent;
  /** Shown once; the owner must change it at first sign-in. */
  temporaryPassword: string;
}

/** A new shop with its own widget key and secrets, the defaults a first run has, and its owner. */
export async function addShop(db: Database, input: NewShop): Promise<AddedShop> {
  const ownerName = input.ownerName ?? input.ownerEmail.trim().split("@")[0] ?? "";
  const found = problems({
    name: checkName(input.name, limits.businessNameLength),
    "owner-email": checkEmail(input.ownerEmail),
    "owner-name": checkName(ownerName),
  });
  if (found) throw new ValidationError(found);
  const temporaryPassword = readablePassword();
  const passwordHash = await hashPassword(temporaryPassword);
  return db.transaction((tx) => {
    const shop = tx
      .insert(businesses)
      .values({ name: input.name.trim(), widgetKey: randomToken(12), identitySecret: randomToken(32) })
      .returning()
      .get();
    let owner;
    try {
      owner = insertAgent(tx, { businessId: shop.id, email: input.ownerEmail, displayName: ownerName, role: "owner", passwordHash, mustChangePassword: true });
    } catch (error) {
      // The CLI names its flags; insertAgent names the field.
      if (error instanceof ValidationError && error.fields.email) throw new ValidationError({ "owner-email": error.fields.email });
      throw error;
    }
    return { shop, owner: toAgent(owner), temporaryPassword };
  }, { behavior: "immediate" });
}

export function listShops(db: Queryable): Business[] {
  return db.select().from(businesses).orderBy(asc(businesses.id)).all();
}

type PlatformActor = Pick<Agent, "id" | "businessId" | "platformAdmin">;

/** What a shop uses of the install, for the platform page. */
export interface ShopUsage {
  shop: Business;
  agents: number;
  /** Waiting or being answered now. */
  openConversations: number;
  /** Started since the first of this month on the shop's own clock. */
  conversationsThisMonth: number;
  messages: number;
  storageBytes: number;
  /** When its last message was written; null before the first. */
  lastActivityAt: number | null;
}

/** Every shop's usage, for a platform admin; to anyone else there is none to see. */
export function shopUsage(db: Queryable, actor: PlatformActor, now = Date.now()): ShopUsage[] {
  if (!actor.platformAdmin) throw new NotFoundError("shop");
  const byShop = <T extends { businessId: number }>(rows: T[]) => new Map(rows.map((row) => [row.businessId, row]));
  const agentCounts = byShop(
    db.select({ businessId: agents.businessId, n: count() }).from(agents).where(eq(agents.disabled, false)).groupBy(agents.businessId).all(),
  );
  const open = byShop(
    db.select({ businessId: conversations.businessId, n: count() }).from(conversations).where(ne(conversations.status, "closed")).groupBy(conversations.businessId).all(),
  );
  const storage = byShop(db.select({ businessId: attachments.businessId, bytes: sum(attachments.size) }).from(attachments).groupBy(attachments.businessId).all());
  const messageCounts = byShop(
    db
      .select({ businessId: conversations.businessId, n: count(), lastId: max(messages.id) })
      .from(messages)
      .innerJoin(conversations, eq(conversations.id, messages.conversationId))
      .groupBy(conversations.businessId)
      .all(),
  );
  const lastIds = [...messageCounts.values()].flatMap((row) => (row.lastId === null ? [] : [row.lastId]));
  const lastTimes = new Map(
    lastIds.length ? db.select({ id: messages.id, at: messages.createdAt }).from(messages).where(inArray(messages.id, lastIds)).all().map((row) => [row.id, row.at]) : [],
  );
  return listShops(db).map((shop) => {
    const monthly = db
      .select({ n: count() })
      .from(conversations)
      .where(and(eq(conversations.businessId, shop.id), gte(conversations.openedAt, monthStart(shop.timezone, now))))
      .get();
    const lastId = messageCounts.get(shop.id)?.lastId ?? null;
    return {
      shop,
      agents: agentCounts.get(shop.id)?.n ?? 0,
      openConversations: open.get(shop.id)?.n ?? 0,
      conversationsThisMonth: monthly?.n ?? 0,
      messages: messageCounts.get(shop.id)?.n ?? 0,
      storageBytes: Number(storage.get(shop.id)?.bytes ?? 0),
      lastActivityAt: lastId === null ? null : (lastTimes.get(lastId) ?? null),
    };
  });
}

/** Midnight of the month's first day on the shop's clock (a daylight-saving change inside the month moves it by its hour). */
function monthStart(timezone: string, now: number): number {
  const clock = localClock(timezone, now);
  const day = Number(clock.date.slice(8, 10));
  return now - now % 60_000 - ((day - 1) * 1440 + clock.minutes) * 60_000;
}

function shopOf(db: Queryable, actor: PlatformActor, shopId: number): Business {
  // Only a platform admin sees other shops; to everyone else they do not exist.
  if (!actor.platformAdmin) throw new NotFoundError("shop");
  const shop = db.select().from(businesses).where(eq(businesses.id, shopId)).get();
  if (!shop) throw new NotFoundError("shop");
  return shop;
}

/**
 * A disabled shop serves nobody: its agents' sessions end (their sockets close), its visitors'
 * sockets close, and until it is enabled again its pages, sign-ins and API tokens are refused.
 */
export function setShopDisabled(db: Database, events: DomainEvents, actor: PlatformActor, shopId: number, disabled: boolean): Business {
  const shop = db.transaction((tx) => {
    const target = shopOf(tx, actor, shopId);
    // The platform admin's own shop is where they sign in: disabling it would lock them out.
    if (disabled && target.id === actor.businessId) throw new RuleError({ key: "platform.ownShop" });
    const updated = tx.update(businesses).set({ disabled }).where(eq(businesses.id, shopId)).returning().get()!;
    if (disabled) {
      tx.delete(sessions).where(inArray(sessions.agentId, tx.select({ id: agents.id }).from(agents).where(eq(agents.businessId, shopId)))).run();
    }
    recordAudit(tx, actor, disabled ? "platform.shop_disabled" : "platform.shop_enabled", `business:${shopId}`);
    return updated;
  }, { behavior: "immediate" });
  if (disabled) events.shopDisabled(shopId);
  return shop;
}

export interface ShopLimits {
  /** Active team members at most; null: no limit. */
  maxAgents: number | null;
  /** Bytes of uploaded files at most; null: no limit. */
  maxStorageBytes: number | null;
}

export function setShopLimits(db: Database, actor: PlatformActor, shopId: number, shopLimits: ShopLimits): Business {
  const whole = (value: number | null, most: number) => value === null || (Number.isInteger(value) && value >= 1 && value <= most);
  const found = problems({
    maxAgents: whole(shopLimits.maxAgents, limits.shopMaxAgents) ? null : { key: "platform.maxAgentsRange", params: { max: limits.shopMaxAgents } },
    maxStorageBytes: whole(shopLimits.maxStorageBytes, limits.shopMaxStorageBytes)
      ? null
      : { key: "platform.maxStorageRange", params: { max: limits.shopMaxStorageBytes / 1024 ** 3 } },
  });
  if (found) throw new ValidationError(found);
  return db.transaction((tx) => {
    shopOf(tx, actor, shopId);
    const updated = tx.update(businesses).set(shopLimits).where(eq(businesses.id, shopId)).returning().get()!;
    recordAudit(tx, actor, "platform.shop_limits_changed", `business:${shopId}`, { ...shopLimits });
    return updated;
  }, { behavior: "immediate" });
}

/** Who runs the install: only the command line gives or takes it. Null: nobody signs in with that email. */
export function setPlatformAdmin(db: Database, email: string, platformAdmin: boolean): Agent | null {
  const updated = db.update(agents).set({ platformAdmin }).where(eq(agents.email, normalizeEmail(email))).returning().get();
  return updated ? toAgent(updated) : null;
}
