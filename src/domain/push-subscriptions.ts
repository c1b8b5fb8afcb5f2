// The devices an agent asked to be notified on while no console of theirs is open (Web Push). A
// subscription is the browser's: its push service's URL and the keys to encrypt for it. The URL is
// one our server will call, so it is held to the webhooks' rule (public https, public-address.ts).
import { and, asc, eq, inArray } from "drizzle-orm";
import { createECDH } from "node:crypto";
import type { Queryable } from "../db/client";
import { pushSubscriptions, vapidKeys } from "../db/schema";
import { checkWebhookUrl } from "../outbound/public-address";
import { generateVapidKeys, type VapidKeyPair } from "../outbound/vapid";
import { ValidationError } from "./errors";
import { noOtherProcesses, type OtherProcesses } from "./other-processes";

export type PushSubscription = typeof pushSubscriptions.$inferSelect;

/** Push services' URLs run to about 500 characters; much more is not one. */
export const pushEndpointLength = 1000;
/** Devices kept per agent: a new one past this replaces the oldest. */
export const devicesPerAgent = 10;

export interface SubscriptionInput {
  endpoint: string;
  p256dh: string;
  auth: string;
}

/** The server's VAPID keys, made on first use and kept, so browsers' subscriptions stay good across restarts. */
export function vapidKeyPair(db: Queryable): VapidKeyPair {
  const stored = db.select().from(vapidKeys).where(eq(vapidKeys.id, 1)).get();
  if (stored) return stored;
  db.insert(vapidKeys).values({ id: 1, ...generateVapidKeys() }).onConflictDoNothing().run();
  return db.select().from(vapidKeys).where(eq(vapidKeys.id, 1)).get()!;
}

const base64url = /^[A-Za-z0-9_-]+={0,2}$/;

function decoded(text: string): Buffer | null {
  return base64url.test(text) ? Buffer.from(text, "base64url") : null;
}

/** A point on P-256, uncompressed: what the browser's key must be for us to agree a secret with it. */
function isBrowserKey(text: string): boolean {
  const key = decoded(text);
  if (key?.length !== 65 || key[0] !== 4) return false;
  try {
    const ours = createECDH("prime256v1");
    ours.generateKeys();
    ours.computeSecret(key);
    return true;
  } catch {
    return false;
  }
}

export function checkedSubscription(input: SubscriptionInput, allowPrivate: boolean): SubscriptionInput {
  const endpoint = input.endpoint.trim();
  const fields: ConstructorParameters<typeof ValidationError>[0] = {};
  if (endpoint.length > pushEndpointLength || checkWebhookUrl(endpoint, allowPrivate) !== null) fields.endpoint = { key: "push.badEndpoint" };
  if (!isBrowserKey(input.p256dh)) fields.p256dh = { key: "push.badKeys" };
  if (decoded(input.auth)?.length !== 16) fields.auth = { key: "push.badKeys" };
  if (Object.keys(fields).length) throw new ValidationError(fields);
  return { endpoint, p256dh: input.p256dh, auth: input.auth };
}

/**
 * Keeps the device for the agent, for as long as this session lasts. The same endpoint again (the
 * next sign-in, or another agent signing in on that browser) moves it to this session and agent.
 */
export function subscribeDevice(
  db: Queryable,
  agent: { id: number; businessId: number },
  sessionId: number,
  input: SubscriptionInput,
  allowPrivate: boolean,
): PushSubscription {
  const checked = checkedSubscription(input, allowPrivate);
  return db.transaction((tx) => {
    const saved = tx
      .insert(pushSubscriptions)
      .values({ businessId: agent.businessId, agentId: agent.id, sessionId, ...checked })
      .onConflictDoUpdate({ target: pushSubscriptions.endpoint, set: { businessId: agent.businessId, agentId: agent.id, sessionId, p256dh: checked.p256dh, auth: checked.auth } })
      .returning()
      .get();
    const devices = tx.select({ id: pushSubscriptions.id }).from(pushSubscriptions).where(eq(pushSubscriptions.agentId, agent.id)).orderBy(asc(pushSubscriptions.id)).all();
    const extra = devices.slice(0, Math.max(0, devices.length - devicesPerAgent)).map((device) => device.id);
    if (extra.length) tx.delete(pushSubscriptions).where(inArray(pushSubscriptions.id, extra)).run();
    return saved;
  }, { behavior: "immediate" });
}

/** Forgets the agent's device with this endpoint; says whether there was one. */
export function unsubscribeDevice(db: Queryable, agentId: number, endpoint: string): boolean {
  return db.delete(pushSubscriptions).where(and(eq(pushSubscriptions.agentId, agentId), eq(pushSubscriptions.endpoint, endpoint))).returning().all().length > 0;
}

/** Forgets a device its push service no longer knows (404 or 410). */
export function forgetDevice(db: Queryable, id: number): void {
  db.delete(pushSubscriptions).where(eq(pushSubscriptions.id, id)).run();
}

export function findDevice(db: Queryable, id: number): PushSubscription | undefined {
  return db.select().from(pushSubscriptions).where(eq(pushSubscriptions.id, id)).get();
}

export function devicesOf(db: Queryable, agentIds: readonly number[]): PushSubscription[] {
  if (!agentIds.length) return [];
  return db.select().from(pushSubscriptions).where(inArray(pushSubscriptions.agentId, [...agentIds])).all();
}

/**
 * Which agents of each business have a device, kept in memory: asked on every visitor message, so a
 * shop where nobody turned push on pays one Map lookup.
 */
export class PushDevices {
  private readonly byBusiness = new Map<number, Set<number>>();
  private readonly businessOf = new Map<number, number>();

  constructor(
    private readonly db: Queryable,
    private readonly others: OtherProcesses = noOtherProcesses,
  ) {
    this.readAll();
    others.hear(
      (agentId) => this.read(agentId),
      () => this.readAll(),
    );
  }

  agentsOf(businessId: number): ReadonlySet<number> | undefined {
    return this.byBusiness.get(businessId);
  }

  /** After the agent's devices changed (turned on or off, a session ended, a device gone): whether they still have any. */
  reload(agentId: number): void {
    this.read(agentId);
    this.others.changed(agentId);
  }

  private readAll(): void {
    this.byBusiness.clear();
    this.businessOf.clear();
    for (const row of this.db.selectDistinct({ businessId: pushSubscriptions.businessId, agentId: pushSubscriptions.agentId }).from(pushSubscriptions).all()) {
      this.add(row.businessId, row.agentId);
    }
  }

  private read(agentId: number): void {
    const any = this.db.select({ businessId: pushSubscriptions.businessId }).from(pushSubscriptions).where(eq(pushSubscriptions.agentId, agentId)).limit(1).get();
    const was = this.businessOf.get(agentId);
    if (was !== undefined && was !== any?.businessId) {
      const agents = this.byBusiness.get(was)!;
      agents.delete(agentId);
      if (!agents.size) this.byBusiness.delete(was);
      this.businessOf.delete(agentId);
    }
    if (any) this.add(any.businessId, agentId);
  }

  private add(businessId: number, agentId: number): void {
    this.businessOf.set(agentId, businessId);
    let agents = this.byBusiness.get(businessId);
    if (!agents) this.byBusiness.set(businessId, (agents = new Set()));
    agents.add(agentId);
  }
}
