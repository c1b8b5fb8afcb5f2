// What the API's route tests share: an app with an agent holding a token, a call as a script
// makes it (a bearer token, no Origin, no cookie), and a second shop on the same server.
import { expect } from "bun:test";
import { businesses } from "../../../src/db/schema";
import { addAgent } from "../../../src/domain/agents";
import { type ApiTokenGrant, createApiToken } from "../../../src/domain/api-tokens";
import { sendVisitorMessage } from "../../../src/domain/messages";
import { randomToken } from "../../../src/domain/tokens";
import { createAnonymousVisitor } from "../../../src/domain/visitors";
import { addMember, origin, testApp } from "../../support";

export const secret = "0".repeat(64);
const visit = { ip: null, userAgent: null, page: null };
export const clientId = () => crypto.randomUUID();

export type Ctx = ReturnType<typeof testApp>;
export type ApiInit = RequestInit & { json?: unknown; token?: string };

/** A visitor's first message opens a conversation, assigned to `agentId` when given. */
export function openConversation(ctx: Ctx, agentId: number | null, businessId = ctx.business.id, body = "Hello?") {
  const { visitor, token } = createAnonymousVisitor(ctx.db, secret, businessId, visit);
  const sent = sendVisitorMessage(ctx.db, ctx.app.hub, visitor, { clientId: clientId(), body }, agentId === null ? [] : [agentId]);
  return { ...sent, visitor, visitorToken: token };
}

/** Calls /api/v1 with `token` (default: the agent's), as a script does. */
export function apiCaller(ctx: Ctx, token: string) {
  return (path: string, init: ApiInit = {}) => {
    const headers = new Headers(init.headers);
    if (!headers.has("authorization")) headers.set("authorization", `Bearer ${init.token ?? token}`);
    let body = init.body;
    if (init.json !== undefined) {
      headers.set("content-type", "application/json");
      body = JSON.stringify(init.json);
    }
    // No Origin, no Sec-Fetch-Site, no cookie: a script, not a browser.
    return ctx.app.handle(new Request(`${origin}/api/v1${path}`, { ...init, headers, body }));
  };
}

export async function setup(ctx: Ctx = testApp(), role: "agent" | "admin" | "owner" = "agent", grant: ApiTokenGrant = {}) {
  const agent = await addMember(ctx, role, `${role}@example.com`);
  const { token } = createApiToken(ctx.db, secret, agent.id, "tests", grant);
  const api = apiCaller(ctx, token);
  const send = (conversationId: number, json: unknown) => api(`/conversations/${conversationId}/messages`, { method: "POST", json });
  return { ...ctx, agent, token, api, send };
}

/** A second shop on the same server, with an owner who has a token of their own. */
export async function otherShop(ctx: Ctx) {
  const business = ctx.db.insert(businesses).values({ name: "Other shop", widgetKey: randomToken(12), identitySecret: randomToken(32) }).returning().get();
  const { agent } = await addAgent(ctx.db, { businessId: business.id, email: "other@example.com", name: "Other", role: "owner", password: "correct horse" });
  const { token } = createApiToken(ctx.db, secret, agent.id, "other");
  return { business, agent, token };
}

export async function errorOf(response: Response): Promise<string> {
  expect(response.headers.get("content-type")).toContain("application/json");
  const body = (await response.json()) as { error: string };
  expect(typeof body.error).toBe("string");
  return body.error;
}
