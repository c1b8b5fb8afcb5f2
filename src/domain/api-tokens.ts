// API tokens: an agent's keys to the JSON API. Like session cookies, a token is shown once and
// only its keyed hash is stored, so a copy of the database cannot be used to call the API.
// Every read and write starts from the agent who owns the token (invariant 4).
import { and, asc, count, eq, getTableColumns } from "drizzle-orm";
import type { Database } from "../db/client";
import { agents, apiTokens, businesses } from "../db/schema";
import { type Agent, toAgent } from "./agents";
import { type FieldProblem, NotFoundError, RuleError, ValidationError } from "./errors";
import { checkName, problems } from "./fields";
import { keyedHash, randomToken } from "./tokens";

export type ApiToken = Omit<typeof apiTokens.$inferSelect, "tokenHash">;

export const apiTokenLimits = {
  // Names share the 80-character limit of every other name (limits.nameLength, via checkName).
  perAgent: 20,
  // Writing last_used_at on every call would turn each read into a write; once a minute is enough.
  touchEveryMs: 60_000,
  // Requests per minute, per token, chosen when it is made: enough for a bulk import by default,
  // never so much that one script could keep the server from its chats.
  requestsPerMinute: { default: 1200, min: 10, max: 6000 },
} as const;

/** read: only GET; write: everything read allows and every change (write implies read). */
export const apiScopes = ["read", "write"] as const;
export type ApiScope = (typeof apiScopes)[number];

/** What a new token may do; without a choice, what every token could do before scopes (write, the default limit). */
export interface ApiTokenGrant {
  scope?: string;
  requestsPerMinute?: number;
}

/** Whether a token of `held` scope may call an endpoint that needs `needed`. */
export function scopeAllows(held: ApiScope, needed: ApiScope): boolean {
  return held === "write" || needed === "read";
}

/** Tokens start with this, so a leaked one is easy to recognise in a log or a secret scanner. */
export const apiTokenPrefix = "kefu_";

const { tokenHash: _hash, ...publicColumns } = getTableColumns(apiTokens);

export function listApiTokens(db: Database, agentId: number): ApiToken[] {
  return db.select(publicColumns).from(apiTokens).where(eq(apiTokens.agentId, agentId)).orderBy(asc(apiTokens.id)).all();
}

function checkNewToken(name: string, scope: string, requestsPerMinute: number): Record<string, FieldProblem> | null {
  const { min, max } = apiTokenLimits.requestsPerMinute;
  return problems({
    name: checkName(name),
    scope: (apiScopes as readonly string[]).includes(scope) ? null : { key: "apiTokens.scopeInvalid" },
    requestsPerMinute:
      Number.isInteger(requestsPerMinute) && requestsPerMinute >= min && requestsPerMinute <= max ? null : { key: "apiTokens.limitRange", params: { min, max } },
  });
}

/** Makes a named token for the agent; the returned `token` is the only copy of the secret. */
export function createApiToken(
  db: Database,
  secret: string,
  agentId: number,
  name: string,
  grant: ApiTokenGrant = {},
): { apiToken: ApiToken; token: string } {
  const { scope = "write", requestsPerMinute = apiTokenLimits.requestsPerMinute.default } = grant;
  const found = checkNewToken(name, scope, requestsPerMinute);
  if (found) throw new ValidationError(found);
  const token = apiTokenPrefix + randomToken();
  // IMMEDIATE: two creates at once cannot both see 19 tokens and both insert.
  const row = db.transaction((tx) => {
    const held = tx.select({ n: count() }).from(apiTokens).where(eq(apiTokens.agentId, agentId)).get()?.n ?? 0;
    if (held >= apiTokenLimits.perAgent) throw new RuleError({ key: "apiTokens.tooMany", params: { max: apiTokenLimits.perAgent } });
    return tx
      .insert(apiTokens)
      .values({
        agentId,
        name: name.trim(),
        scope: scope as ApiScope,
        requestsPerMinute,
        tokenHash: keyedHash(secret, token),
      })
      .returning(publicColumns)
      .get();
  }, { behavior: "immediate" });
  return { apiToken: row, token };
}

/** Deletes one of the agent's own tokens; another agent's token id is simply not found. */
export function revokeApiToken(db: Database, agentId: number, tokenId: number): void {
  const deleted = db
    .delete(apiTokens)
    .where(and(eq(apiTokens.agentId, agentId), eq(apiTokens.id, tokenId)))
    .returning({ id: apiTokens.id })
    .get();
  if (!deleted) throw new NotFoundError("api token");
}

/**
 * The enabled agent a token belongs to, or null (unknown, revoked, its agent or their shop disabled).
 * Checked on every request, so revoking a token or disabling its agent takes effect at once.
 */
export interface ApiCaller {
  agent: Agent;
  tokenId: number;
  scope: ApiScope;
  requestsPerMinute: number;
}

export function findApiTokenAgent(db: Database, secret: string, token: string, now = Date.now()): ApiCaller | null {
  if (!token.startsWith(apiTokenPrefix)) return null;
  const row = db
    .select({
      tokenId: apiTokens.id,
      scope: apiTokens.scope,
      requestsPerMinute: apiTokens.requestsPerMinute,
      lastUsedAt: apiTokens.lastUsedAt,
      agent: agents,
    })
    .from(apiTokens)
    .innerJoin(agents, eq(agents.id, apiTokens.agentId))
    .innerJoin(businesses, eq(businesses.id, agents.businessId))
    .where(and(eq(apiTokens.tokenHash, keyedHash(secret, token)), eq(agents.disabled, false), eq(businesses.disabled, false)))
    .get();
  if (!row) return null;
  if (row.lastUsedAt === null || now - row.lastUsedAt >= apiTokenLimits.touchEveryMs) {
    db.update(apiTokens).set({ lastUsedAt: now }).where(eq(apiTokens.id, row.tokenId)).run();
  }
  return { agent: toAgent(row.agent), tokenId: row.tokenId, scope: row.scope, requestsPerMinute: row.requestsPerMinute };
}
