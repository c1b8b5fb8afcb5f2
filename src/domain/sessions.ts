// Agent sessions. The cookie holds a random token; the database holds only its keyed hash, so
// a copy of the database (a backup, say) cannot be used to sign in.
import { and, eq, gt, inArray, lt } from "drizzle-orm";
import type { Database } from "../db/client";
import { agents, businesses, sessions } from "../db/schema";
import { type Agent, toAgent } from "./agents";
import type { DomainEvents } from "./events";
import { limits } from "./limits";
import { keyedHash, randomToken } from "./tokens";

export interface SignedIn {
  agent: Agent;
  sessionId: number;
}

// Touching every request would turn each page view into a write; once a minute is enough.
const touchEveryMs = 60_000;

export function startSession(
  db: Database,
  secret: string,
  agentId: number,
  client: { ip: string | null; userAgent: string | null },
  now = Date.now(),
): string {
  const token = randomToken();
  db.insert(sessions)
    .values({
      agentId,
      tokenHash: keyedHash(secret, token),
      createdAt: now,
      lastSeenAt: now,
      expiresAt: now + limits.sessionLifetimeMs,
      ip: client.ip,
      userAgent: client.userAgent?.slice(0, 300) ?? null,
    })
    .run();
  return token;
}

/** The enabled agent of an enabled shop a live session token belongs to, or null. Extends the session while used. */
export function findSignedIn(db: Database, secret: string, token: string, now = Date.now()): SignedIn | null {
  const tokenHash = keyedHash(secret, token);
  const row = db
    .select({ session: sessions, agent: agents })
    .from(sessions)
    .innerJoin(agents, eq(agents.id, sessions.agentId))
    .innerJoin(businesses, eq(businesses.id, agents.businessId))
    .where(and(eq(sessions.tokenHash, tokenHash), gt(sessions.expiresAt, now), eq(agents.disabled, false), eq(businesses.disabled, false)))
    .get();
  if (!row) return null;
  if (now - row.session.lastSeenAt > touchEveryMs) {
    db.update(sessions)
      .set({ lastSeenAt: now, expiresAt: now + limits.sessionLifetimeMs })
      .where(eq(sessions.id, row.session.id))
      .run();
  }
  return { agent: toAgent(row.agent), sessionId: row.session.id };
}

/** Of these sessions, the ones still live: not ended, not expired, their agent and shop not disabled. */
export function liveSessionIds(db: Database, sessionIds: readonly number[], now = Date.now()): Set<number> {
  if (sessionIds.length === 0) return new Set();
  const rows = db
    .select({ id: sessions.id })
    .from(sessions)
    .innerJoin(agents, eq(agents.id, sessions.agentId))
    .innerJoin(businesses, eq(businesses.id, agents.businessId))
    .where(and(inArray(sessions.id, [...sessionIds]), gt(sessions.expiresAt, now), eq(agents.disabled, false), eq(businesses.disabled, false)))
    .all();
  return new Set(rows.map((row) => row.id));
}

/** Signs out: the session is gone, and so is everything that was opened with it. */
export function endSession(db: Database, events: DomainEvents, secret: string, token: string): void {
  const ended = db.delete(sessions).where(eq(sessions.tokenHash, keyedHash(secret, token))).returning({ agentId: sessions.agentId }).get();
  if (ended) events.sessionsEnded(ended.agentId);
}

export function deleteExpiredSessions(db: Database, now = Date.now()): void {
  db.delete(sessions).where(lt(sessions.expiresAt, now)).run();
}
