import { describe, expect, it } from "bun:test";
import { apiTokens } from "../../src/db/schema";
import { setAgentDisabled } from "../../src/domain/agents";
import { apiTokenLimits, createApiToken, findApiTokenAgent, listApiTokens, revokeApiToken } from "../../src/domain/api-tokens";
import { NotFoundError, RuleError, ValidationError } from "../../src/domain/errors";
import { ignoreEvents } from "../../src/domain/events";
import { keyedHash } from "../../src/domain/tokens";
import { addMember, testApp } from "../support";

const secret = "0".repeat(64);

async function setup() {
  const ctx = testApp();
  const owner = await addMember(ctx, "owner", "owner@example.com");
  const agent = await addMember(ctx, "agent", "agent@example.com");
  return { ...ctx, owner, agent };
}

describe("API tokens", () => {
  it("stores only the keyed hash of a new token, which starts with kefu_", async () => {
    const ctx = await setup();
    const { apiToken, token } = createApiToken(ctx.db, secret, ctx.agent.id, "  Zapier  ");
    expect(token).toMatch(/^kefu_[A-Za-z0-9_-]{43}$/);
    expect(apiToken).toMatchObject({ agentId: ctx.agent.id, name: "Zapier", lastUsedAt: null });
    expect(apiToken).not.toHaveProperty("tokenHash");
    const row = ctx.db.select().from(apiTokens).get()!;
    expect(row.tokenHash).toBe(keyedHash(secret, token));
    expect(JSON.stringify(ctx.sqlite.query("SELECT * FROM api_tokens").all())).not.toContain(token);
  });

  it("makes write tokens at the default limit unless told, and a read token with its own limit", async () => {
    const ctx = await setup();
    const { apiToken: old, token } = createApiToken(ctx.db, secret, ctx.agent.id, "as before");
    expect(old).toMatchObject({ scope: "write", requestsPerMinute: apiTokenLimits.requestsPerMinute.default });
    expect(findApiTokenAgent(ctx.db, secret, token)).toMatchObject({ scope: "write", requestsPerMinute: 1200 });
    const { apiToken: reader } = createApiToken(ctx.db, secret, ctx.agent.id, "dashboard", { scope: "read", requestsPerMinute: 60 });
    expect(reader).toMatchObject({ scope: "read", requestsPerMinute: 60 });
  });

  it("refuses an unknown scope and a limit out of bounds, making nothing", async () => {
    const ctx = await setup();
    const { min, max } = apiTokenLimits.requestsPerMinute;
    for (const grant of [{ scope: "admin" }, { requestsPerMinute: min - 1 }, { requestsPerMinute: max + 1 }, { requestsPerMinute: 10.5 }, { requestsPerMinute: Number.NaN }]) {
      expect(() => createApiToken(ctx.db, secret, ctx.agent.id, "script", grant)).toThrow(ValidationError);
    }
    expect(createApiToken(ctx.db, secret, ctx.agent.id, "edge", { requestsPerMinute: max }).apiToken.requestsPerMinute).toBe(max);
    expect(ctx.db.select().from(apiTokens).all()).toHaveLength(1);
  });

  it("finds the agent a token belongs to, and nobody for an unknown or mangled token", async () => {
    const ctx = await setup();
    const { token } = createApiToken(ctx.db, secret, ctx.agent.id, "script");
    expect(findApiTokenAgent(ctx.db, secret, token)?.agent.id).toBe(ctx.agent.id);
    expect(findApiTokenAgent(ctx.db, secret, `${token}x`)).toBeNull();
    expect(findApiTokenAgent(ctx.db, secret, token.slice("kefu_".length))).toBeNull();
    expect(findApiTokenAgent(ctx.db, "1".repeat(64), token)).toBeNull();
  });

  it("stops a token working once it is revoked", async () => {
    const ctx = await setup();
    const { apiToken, token } = createApiToken(ctx.db, secret, ctx.agent.id, "script");
    revokeApiToken(ctx.db, ctx.agent.id, apiToken.id);
    expect(findApiTokenAgent(ctx.db, secret, token)).toBeNull();
    expect(listApiTokens(ctx.db, ctx.agent.id)).toEqual([]);
  });

  it("treats another agent's token as not found when revoking, and leaves it working", async () => {
    const ctx = await setup();
    const { apiToken, token } = createApiToken(ctx.db, secret, ctx.agent.id, "script");
    expect(() => revokeApiToken(ctx.db, ctx.owner.id, apiToken.id)).toThrow(NotFoundError);
    expect(findApiTokenAgent(ctx.db, secret, token)?.agent.id).toBe(ctx.agent.id);
  });

  it("stops the tokens of a disabled agent, and lets them work again once re-enabled", async () => {
    const ctx = await setup();
    const { token } = createApiToken(ctx.db, secret, ctx.agent.id, "script");
    setAgentDisabled(ctx.db, ignoreEvents, ctx.owner, ctx.agent.id, true);
    expect(findApiTokenAgent(ctx.db, secret, token)).toBeNull();
    setAgentDisabled(ctx.db, ignoreEvents, ctx.owner, ctx.agent.id, false);
    expect(findApiTokenAgent(ctx.db, secret, token)?.agent.id).toBe(ctx.agent.id);
  });

  it("refuses a blank name and a name over 80 characters", async () => {
    const ctx = await setup();
    expect(() => createApiToken(ctx.db, secret, ctx.agent.id, "   ")).toThrow(ValidationError);
    expect(() => createApiToken(ctx.db, secret, ctx.agent.id, "x".repeat(81))).toThrow(ValidationError);
    expect(createApiToken(ctx.db, secret, ctx.agent.id, "x".repeat(80)).apiToken.name).toHaveLength(80);
    expect(listApiTokens(ctx.db, ctx.agent.id)).toHaveLength(1);
  });

  it("refuses a token past the per-agent limit, counting each agent separately", async () => {
    const ctx = await setup();
    for (let i = 1; i <= apiTokenLimits.perAgent; i++) createApiToken(ctx.db, secret, ctx.agent.id, `token ${i}`);
    expect(() => createApiToken(ctx.db, secret, ctx.agent.id, "one too many")).toThrow(RuleError);
    expect(listApiTokens(ctx.db, ctx.agent.id)).toHaveLength(apiTokenLimits.perAgent);
    expect(() => createApiToken(ctx.db, secret, ctx.owner.id, "the owner's first")).not.toThrow();
  });

  it("notes when a token was last used, at most once a minute", async () => {
    const ctx = await setup();
    const { apiToken, token } = createApiToken(ctx.db, secret, ctx.agent.id, "script");
    const lastUsed = () => listApiTokens(ctx.db, ctx.agent.id).find((row) => row.id === apiToken.id)!.lastUsedAt;
    const start = 1_800_000_000_000;
    findApiTokenAgent(ctx.db, secret, token, start);
    expect(lastUsed()).toBe(start);
    findApiTokenAgent(ctx.db, secret, token, start + 59_000);
    expect(lastUsed()).toBe(start);
    findApiTokenAgent(ctx.db, secret, token, start + 60_000);
    expect(lastUsed()).toBe(start + 60_000);
  });
});
