// Two shops on one install (DESIGN invariant 4): for every route, socket and frame that takes an
// id, shop bravo's people get "not found" for shop alpha's ids, and no list, search or count of
// bravo's shows anything of alpha's. The routes and frames are read from the app itself, so a new
// one without a case here fails the first test until someone says how bravo tries alpha's ids.
import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { agentFrame, visitorFrame } from "../src/realtime/frames";
import { socketCloseCodes } from "../src/realtime/socket-support";
import { type FurnishedShop, twoShops } from "./fixtures/two-shops";
import { Client, type ListeningApp, listeningApp, TestSocket, visitChat, wsUrl } from "./support";

type Who = "owner" | "agent" | "visitor" | "api";

interface Attempt {
  /** Who of shop bravo tries: its owner (the default, who may do the most), agent, visitor or API token. */
  as?: Who;
  path: string;
  form?: Record<string, string> | FormData;
}

function upload(name: string): FormData {
  const form = new FormData();
  form.set("file", new File([new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])], name, { type: "image/png" }));
  form.set("clientId", crypto.randomUUID());
  return form;
}

/** How bravo's people try each route that takes an id, with alpha's ids (a = alpha, b = bravo). */
const cases: Record<string, (a: FurnishedShop, b: FurnishedShop) => Attempt | Attempt[]> = {
  "GET /console/attachments/:id": (a) => [{ path: `/console/attachments/${a.attachmentId}` }, { as: "agent", path: `/console/attachments/${a.attachmentId}` }],
  "GET /chat/:widgetKey/attachments/:id": (a, b) => ({ as: "visitor", path: `/chat/${b.business.widgetKey}/attachments/${a.attachmentId}` }),
  "POST /console/blocked/:visitorId/unblock": (a) => ({ path: `/console/blocked/${a.blockedVisitorId}/unblock`, form: {} }),
  "POST /console/blocked/ips/:id/unblock": (a) => ({ path: `/console/blocked/ips/${a.blockedIpId}/unblock`, form: {} }),
  "POST /console/canned-replies/:id": (a) => [
    { path: `/console/canned-replies/${a.sharedReplyId}`, form: { shortcut: "x", body: "x" } },
    { as: "agent", path: `/console/canned-replies/${a.personalReplyId}`, form: { shortcut: "x", body: "x" } },
  ],
  "POST /console/canned-replies/:id/delete": (a) => [
    { path: `/console/canned-replies/${a.sharedReplyId}/delete`, form: {} },
    { as: "agent", path: `/console/canned-replies/${a.personalReplyId}/delete`, form: {} },
  ],
  "GET /console/conversations/:id": (a) => [{ path: `/console/conversations/${a.conversationId}` }, { as: "agent", path: `/console/conversations/${a.conversationId}` }],
  "GET /console/conversations/:id/actions": (a) => ({ path: `/console/conversations/${a.conversationId}/actions` }),
  "POST /console/conversations/:id/attachments": (a) => ({ as: "agent", path: `/console/conversations/${a.conversationId}/attachments`, form: upload("x.png") }),
  "POST /console/conversations/:id/block": (a) => ({ path: `/console/conversations/${a.conversationId}/block`, form: { reason: "x" } }),
  "GET /console/conversations/:id/canned-replies": (a) => ({ as: "agent", path: `/console/conversations/${a.conversationId}/canned-replies` }),
  "POST /console/conversations/:id/close": (a) => ({ path: `/console/conversations/${a.conversationId}/close`, form: {} }),
  "GET /console/conversations/:id/messages": (a) => ({ path: `/console/conversations/${a.conversationId}/messages?before=999999` }),
  "POST /console/conversations/:id/rating-request": (a) => ({ path: `/console/conversations/${a.conversationId}/rating-request`, form: {} }),
  "POST /console/conversations/:id/take": (a) => ({ as: "agent", path: `/console/conversations/${a.conversationId}/take`, form: {} }),
  "POST /console/conversations/:id/transfer": (a, b) => ({ path: `/console/conversations/${a.conversationId}/transfer`, form: { to: `agent:${b.agent.id}` } }),
  "POST /console/conversations/:id/unblock": (a) => ({ path: `/console/conversations/${a.conversationId}/unblock`, form: {} }),
  "POST /console/groups/:id/delete": (a) => ({ path: `/console/groups/${a.groupId}/delete`, form: {} }),
  "POST /console/groups/:id/members": (a, b) => ({ path: `/console/groups/${a.groupId}/members`, form: { agentIds: String(b.agent.id) } }),
  "POST /console/groups/:id/name": (a) => ({ path: `/console/groups/${a.groupId}/name`, form: { name: "taken over" } }),
  "POST /console/triggers/:id": (a) => ({
    path: `/console/triggers/${a.triggerId}`,
    form: { name: "taken over", pagePattern: "*", delaySeconds: "0", message: "taken over", agentId: "", enabled: "on" },
  }),
  "POST /console/triggers/:id/delete": (a) => ({ path: `/console/triggers/${a.triggerId}/delete`, form: {} }),
  "POST /console/inbox/:id/handled": (a) => ({ path: `/console/inbox/${a.offlineMessageId}/handled`, form: {} }),
  "POST /console/inbox/:id/reply": (a) => ({ path: `/console/inbox/${a.offlineMessageId}/reply`, form: {} }),
  "POST /console/profile/api-tokens/:id/revoke": (a) => ({ path: `/console/profile/api-tokens/${a.apiTokenId}/revoke`, form: {} }),
  "POST /console/team/:id/capacity": (a) => ({ path: `/console/team/${a.agent.id}/capacity`, form: { capacity: "3" } }),
  "POST /console/team/:id/disable": (a) => ({ path: `/console/team/${a.agent.id}/disable`, form: {} }),
  "POST /console/team/:id/enable": (a) => ({ path: `/console/team/${a.agent.id}/enable`, form: {} }),
  "POST /console/team/:id/password": (a) => ({ path: `/console/team/${a.agent.id}/password`, form: {} }),
  "POST /console/team/:id/role": (a) => ({ path: `/console/team/${a.owner.id}/role`, form: { role: "agent" } }),
  "POST /console/visitor-window/faqs/:id": (a) => ({ path: `/console/visitor-window/faqs/${a.faqId}`, form: { question: "q?", answer: "a" } }),
  "POST /console/visitor-window/faqs/:id/delete": (a) => ({ path: `/console/visitor-window/faqs/${a.faqId}/delete`, form: {} }),
  "POST /console/automatic-answers/rules/:id": (a) => ({ path: `/console/automatic-answers/rules/${a.answerRuleId}`, form: { keywords: "taken", answer: "taken", enabled: "on" } }),
  "POST /console/automatic-answers/rules/:id/delete": (a) => ({ path: `/console/automatic-answers/rules/${a.answerRuleId}/delete`, form: {} }),
  "POST /console/visitor-window/faqs/:id/move": (a) => ({ path: `/console/visitor-window/faqs/${a.faqId}/move`, form: { direction: "down" } }),
  "POST /console/visitor-window/tabs/:id": (a) => ({ path: `/console/visitor-window/tabs/${a.tabId}`, form: { title: "t", body: "b" } }),
  "POST /console/visitor-window/tabs/:id/delete": (a) => ({ path: `/console/visitor-window/tabs/${a.tabId}/delete`, form: {} }),
  "POST /console/visitor-window/tabs/:id/move": (a) => ({ path: `/console/visitor-window/tabs/${a.tabId}/move`, form: { direction: "down" } }),
  "POST /console/visitors/:id/contact": (a) => ({ path: `/console/visitors/${a.visitor.id}/contact`, form: { name: "x", email: "", phone: "" } }),
  "GET /console/visitors/:id/message": (a) => ({ as: "agent", path: `/console/visitors/${a.visitor.id}/message` }),
  "POST /console/visitors/:id/message": (a) => ({ as: "agent", path: `/console/visitors/${a.visitor.id}/message`, form: { body: "hello" } }),
  "POST /console/visitors/:id/notes": (a) => ({ path: `/console/visitors/${a.visitor.id}/notes`, form: { body: "x" } }),
  "POST /console/visitors/:id/tags": (a) => ({ path: `/console/visitors/${a.visitor.id}/tags`, form: { tag: "x" } }),
  "POST /console/visitors/:id/tags/remove": (a) => ({ path: `/console/visitors/${a.visitor.id}/tags/remove`, form: { tag: "alphatag" } }),
  "GET /console/customers/:id": (a) => [{ path: `/console/customers/${a.visitor.id}` }, { as: "agent", path: `/console/customers/${a.visitor.id}` }],
  "POST /console/customers/:id/export": (a) => ({ path: `/console/customers/${a.visitor.id}/export`, form: {} }),
  "GET /console/customers/:id/delete": (a) => ({ path: `/console/customers/${a.visitor.id}/delete` }),
  "POST /console/customers/:id/delete": (a) => ({ path: `/console/customers/${a.visitor.id}/delete`, form: { understood: "yes" } }),
  "POST /console/integrations/:id": (a) => ({ path: `/console/integrations/${a.webhookEndpointId}`, form: { url: "https://taken.example.com/", events: "message.created", enabled: "on" } }),
  "POST /console/integrations/:id/delete": (a) => ({ path: `/console/integrations/${a.webhookEndpointId}/delete`, form: {} }),
  "POST /console/integrations/:id/test": (a) => ({ path: `/console/integrations/${a.webhookEndpointId}/test`, form: {} }),
  "GET /console/integrations/:id/deliveries": (a) => ({ path: `/console/integrations/${a.webhookEndpointId}/deliveries` }),
  // Another shop is none of a shop owner's business: the platform page is not even there for them.
  "POST /console/platform/shops/:shopId/disable": (a) => ({ path: `/console/platform/shops/${a.business.id}/disable`, form: {} }),
  "POST /console/platform/shops/:shopId/enable": (a) => ({ path: `/console/platform/shops/${a.business.id}/enable`, form: {} }),
  "POST /console/platform/shops/:shopId/limits": (a) => ({ path: `/console/platform/shops/${a.business.id}/limits`, form: { maxAgents: "1", maxStorageMegabytes: "1" } }),
  "GET /api/v1/conversations/:id/messages": (a) => ({ as: "api", path: `/api/v1/conversations/${a.conversationId}/messages` }),
  "POST /api/v1/conversations/:id/messages": (a) => ({ as: "api", path: `/api/v1/conversations/${a.conversationId}/messages`, form: { body: "x", clientId: crypto.randomUUID() } }),
  "POST /api/v1/conversations/:id/close": (a) => ({ as: "api", path: `/api/v1/conversations/${a.conversationId}/close`, form: {} }),
  "GET /api/v1/conversations/:id": (a) => ({ as: "api", path: `/api/v1/conversations/${a.conversationId}` }),
  "POST /api/v1/conversations/:id/assign": (a, b) => ({ as: "api", path: `/api/v1/conversations/${a.conversationId}/assign`, form: { agentId: String(b.owner.id) } }),
  "POST /api/v1/conversations/:id/transfer": (a, b) => ({ as: "api", path: `/api/v1/conversations/${a.conversationId}/transfer`, form: { agentId: String(b.agent.id) } }),
  "POST /api/v1/conversations/:id/reopen": (a) => ({ as: "api", path: `/api/v1/conversations/${a.conversationId}/reopen`, form: {} }),
  "GET /api/v1/visitors/:id": (a) => ({ as: "api", path: `/api/v1/visitors/${a.visitor.id}` }),
  "PATCH /api/v1/visitors/:id": (a) => ({ as: "api", path: `/api/v1/visitors/${a.visitor.id}`, form: { name: "taken over" } }),
  "GET /api/v1/visitors/:id/conversations": (a) => ({ as: "api", path: `/api/v1/visitors/${a.visitor.id}/conversations` }),
  "POST /api/v1/offline-messages/:id/handled": (a) => ({ as: "api", path: `/api/v1/offline-messages/${a.offlineMessageId}/handled`, form: {} }),
  "GET /api/v1/webhooks/:id": (a) => ({ as: "api", path: `/api/v1/webhooks/${a.webhookEndpointId}` }),
  "PATCH /api/v1/webhooks/:id": (a) => ({ as: "api", path: `/api/v1/webhooks/${a.webhookEndpointId}`, form: { url: "https://taken.example.com/" } }),
  "DELETE /api/v1/webhooks/:id": (a) => ({ as: "api", path: `/api/v1/webhooks/${a.webhookEndpointId}` }),
  "POST /api/v1/webhooks/:id/test": (a) => ({ as: "api", path: `/api/v1/webhooks/${a.webhookEndpointId}/test`, form: {} }),
  "GET /api/v1/webhooks/:id/deliveries": (a) => ({ as: "api", path: `/api/v1/webhooks/${a.webhookEndpointId}/deliveries` }),
};

/** Routes with a parameter that is not a shop's row id, and why they need no case. */
const notRowIds: Record<string, string> = {
  "GET /assets/:name": "the app's own files, the same for every shop",
  "GET /uploads/avatars/:file": "avatars are public images named by their content's hash",
  "GET /widget/:widgetKey/config": "the widget key is public: it is in every page of the shop's site",
  "GET /chat/:widgetKey": "a visitor is one per shop: the cookie's token is signed for one shop (see the visitor test below)",
  "POST /chat/:widgetKey/attachments": "as GET /chat/:widgetKey",
  "POST /chat/:widgetKey/context": "as GET /chat/:widgetKey",
  "POST /chat/:widgetKey/identify": "as GET /chat/:widgetKey",
  "POST /chat/:widgetKey/leave-message": "as GET /chat/:widgetKey",
  "POST /chat/:widgetKey/pre-chat": "as GET /chat/:widgetKey",
  "GET /chat/:widgetKey/wechat": "as GET /chat/:widgetKey; its state is signed for one shop and one visitor's token (wechat-sign-in test)",
  "GET /chat/:widgetKey/messages": "as GET /chat/:widgetKey",
  "POST /chat/:widgetKey/rating": "as GET /chat/:widgetKey",
  // The trigger's id is in the body: another shop's is not shown (test/routes/triggers.test.ts).
  "POST /chat/:widgetKey/trigger": "as GET /chat/:widgetKey",
  "POST /chat/:widgetKey/trigger/dismiss": "as GET /chat/:widgetKey",
  "GET /chat/:widgetKey/ws": "as GET /chat/:widgetKey; its frames are checked below",
};

/** Console pages that need a query to show anything. */
const pageQueries: Record<string, string> = {
  "/console/search": "?q=visitor",
  "/console/conversations": "?q=visitor",
  "/console/reports/export": "?table=agents",
};

/** Frames that name a row of the shop, by audience and type, and how bravo's people try alpha's. */
const frameCases: Record<string, (a: FurnishedShop) => Record<string, unknown>> = {
  "agent send": (a) => ({ type: "send", conversation: a.conversationId, clientId: crypto.randomUUID(), body: "taken over" }),
  "agent typing": (a) => ({ type: "typing", conversation: a.conversationId }),
  "agent read": (a) => ({ type: "read", conversation: a.conversationId, upTo: 999_999 }),
  "visitor faq": (a) => ({ type: "faq", id: a.faqId, clientId: crypto.randomUUID() }),
  "agent call-invite": (a) => ({ type: "call-invite", media: "video", conversation: a.conversationId }),
};

const idFields = ["id", "conversation"];

function framesWithIds(audience: string, union: { anyOf: { properties: Record<string, { const?: string }> }[] }): string[] {
  return union.anyOf
    .filter((variant) => idFields.some((field) => field in variant.properties))
    .map((variant) => `${audience} ${variant.properties.type!.const}`);
}

/** Every row of the shop, in every table that names a shop, and its conversations' messages. */
function shopRows(ctx: ListeningApp, businessId: number): string {
  const tables = (ctx.sqlite.query("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[])
    .map(({ name }) => name)
    .filter((name) => (ctx.sqlite.query(`PRAGMA table_info(${name})`).all() as { name: string }[]).some((column) => column.name === "business_id"));
  const rows = tables.map((table) => [table, ctx.sqlite.query(`SELECT * FROM ${table} WHERE business_id = ? ORDER BY rowid`).all(businessId)]);
  const messages = ctx.sqlite
    .query("SELECT m.* FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE c.business_id = ? ORDER BY m.id")
    .all(businessId);
  const agents = ctx.sqlite.query("SELECT id, role, disabled, max_concurrent_chats, password_hash, must_change_password FROM agents WHERE business_id = ?").all(businessId);
  const memberships = ctx.sqlite.query("SELECT ag.* FROM agent_groups ag JOIN groups g ON g.id = ag.group_id WHERE g.business_id = ?").all(businessId);
  const business = ctx.sqlite.query("SELECT * FROM businesses WHERE id = ?").get(businessId);
  return JSON.stringify({ rows, messages, agents, memberships, business });
}

describe("two shops on one install", () => {
  let ctx: ListeningApp;
  let alpha: FurnishedShop;
  let bravo: FurnishedShop;
  let bravoVisitor: Client;

  beforeAll(async () => {
    const uploadsDir = mkdtempSync(join(tmpdir(), "kefu-two-shops-"));
    ctx = listeningApp({ uploadsDir });
    ({ alpha, bravo } = await twoShops(ctx, uploadsDir));
    bravoVisitor = bravo.visitorBrowser;
  });
  afterAll(() => ctx.stop());

  function clientOf(who: Who): Client {
    if (who === "owner") return bravo.ownerClient;
    if (who === "agent") return bravo.agentClient;
    if (who === "visitor") return bravoVisitor;
    return new Client(ctx.app, { authorization: `Bearer ${bravo.apiToken}` });
  }

  /** `method` is the route's: the API takes JSON with POST and PATCH alike, and DELETE takes none. */
  async function attempt({ as = "owner", path, form }: Attempt, method: string): Promise<Response> {
    const client = clientOf(as);
    if (as === "api") {
      return form ? client.request(path, { method, headers: { "content-type": "application/json" }, body: JSON.stringify(form) }) : client.request(path, { method });
    }
    return form ? client.post(path, form) : client.get(path);
  }

  it("has a case for every route and frame that takes an id", () => {
    const routes = [...new Set((ctx.app.routes as { method: string; path: string }[]).map((route) => `${route.method} ${route.path}`))];
    const withParams = routes.filter((route) => route.includes(":"));
    const uncovered = withParams.filter((route) => !(route in cases) && !(route in notRowIds));
    expect(uncovered).toEqual([]);
    // A case for a route that went away is stale: it proves nothing.
    expect(Object.keys(cases).filter((route) => !routes.includes(route))).toEqual([]);
    const frames = [...framesWithIds("agent", agentFrame as never), ...framesWithIds("visitor", visitorFrame as never)];
    expect(frames.filter((frame) => !(frame in frameCases))).toEqual([]);
  });

  it("answers not found to shop bravo's people for each of shop alpha's ids, and changes nothing of alpha's", async () => {
    const before = shopRows(ctx, alpha.business.id);
    const answers: string[] = [];
    for (const [route, build] of Object.entries(cases)) {
      for (const tried of [build(alpha, bravo)].flat()) {
        const response = await attempt(tried, route.split(" ")[0]!);
        answers.push(`${route} as ${tried.as ?? "owner"}: ${response.status}`);
      }
    }
    expect(answers.filter((answer) => !answer.endsWith(": 404"))).toEqual([]);
    expect(shopRows(ctx, alpha.business.id)).toBe(before);
  });

  it("shows shop bravo's people nothing of shop alpha in any page, list, search or count", async () => {
    const routes = [...new Set((ctx.app.routes as { method: string; path: string }[]).map((route) => `${route.method} ${route.path}`))];
    // Every page and list without an id, read by bravo's owner and agent, with words both shops'
    // messages hold as the query where there is one.
    const pages = routes
      .filter((route) => route.startsWith("GET /console") && !route.includes(":"))
      .map((route) => route.slice(4))
      .map((path) => path + (pageQueries[path] ?? ""));
    const leaks: string[] = [];
    for (const who of ["owner", "agent"] as const) {
      for (const path of pages) {
        const response = await clientOf(who).get(path);
        const body = await response.text();
        // Agents are refused the managers' pages (Settings sends them to their Preferences).
        const expected = path === "/console/platform" ? 404 : who === "agent" && [303, 403].includes(response.status) ? response.status : 200;
        if (response.status !== expected) leaks.push(`${path} as ${who}: ${response.status}`);
        if (/alpha|203\.0\.113\.1\b/i.test(body)) leaks.push(`${path} as ${who} shows ${/.{0,40}alpha.{0,40}/i.exec(body)?.[0]}`);
      }
    }
    expect(leaks).toEqual([]);
    // The search found bravo's own message: it looked, and alpha's was not among what it found.
    expect(await (await bravo.ownerClient.get("/console/search?q=visitor")).text()).toContain("bravo <mark>visitor</mark> message");
    // The inbox badge counts bravo's one offline message, not the install's two.
    const consolePage = await (await bravo.ownerClient.get("/console")).text();
    expect(consolePage).toMatch(/id="inbox-count"[^>]*>1</);
    // The API lists only bravo's conversations.
    for (const status of ["open", "queued", "closed"]) {
      const listed = (await (await clientOf("api").get(`/api/v1/conversations?status=${status}`)).json()) as { conversations: { id: number }[] };
      expect(listed.conversations.map((c) => c.id)).not.toContain(alpha.conversationId);
    }
    const hooks = (await (await clientOf("api").get("/api/v1/webhooks")).json()) as { webhooks: { id: number }[] };
    expect(hooks.webhooks.map((endpoint) => endpoint.id)).not.toContain(alpha.webhookEndpointId);
  });

  it("keeps a visitor of one shop a stranger to the other: the cookie's token is signed for one shop", async () => {
    const bravoToken = bravoVisitor.cookie!;
    const page = await (await ctx.app.handle(new Request(`${ctx.base}/chat/${alpha.business.widgetKey}`, { headers: { cookie: bravoToken } }))).text();
    expect(page).not.toContain("alpha visitor message");
    expect(page).not.toContain("alpha agent answer");
  });

  it("refuses shop alpha's conversation to shop bravo's agent socket, and every frame naming it", async () => {
    const viewing = new TestSocket(wsUrl(ctx, `/ws/agent?conversation=${alpha.conversationId}`), { cookie: bravo.agentClient.cookie!, origin: ctx.base });
    expect((await viewing.closedWith()).code).toBe(socketCloseCodes.notFound);

    const alphaVisitorCookie = await visitChat(ctx.base, alpha.business.widgetKey, alpha.visitorBrowser.cookie!);
    const alphaVisitor = new TestSocket(wsUrl(ctx, `/chat/${alpha.business.widgetKey}/ws`), { cookie: alphaVisitorCookie, origin: ctx.base });
    await alphaVisitor.opened;
    alphaVisitor.send({ type: "resume", after: 0 });
    const lobby = new TestSocket(wsUrl(ctx, "/ws/agent"), { cookie: bravo.agentClient.cookie!, origin: ctx.base });
    await lobby.opened;
    lobby.send({ type: "resume", after: 0 });
    const bravoVisitorSocket = new TestSocket(wsUrl(ctx, `/chat/${bravo.business.widgetKey}/ws`), { cookie: bravoVisitor.cookie!, origin: ctx.base });
    await bravoVisitorSocket.opened;
    bravoVisitorSocket.send({ type: "resume", after: 0 });
    await alphaVisitor.next((frame) => frame.includes("alpha agent answer"));
    const before = shopRows(ctx, alpha.business.id);

    const heardBefore = alphaVisitor.frames.length;
    for (const [name, build] of Object.entries(frameCases)) {
      const socket = name.startsWith("agent") ? lobby : bravoVisitorSocket;
      const from = socket.frames.length;
      socket.send(build(alpha));
      if (name === "agent send" || name === "visitor faq" || name === "agent call-invite") await socket.next((frame) => frame.includes('"error"'), 2000, from);
    }
    await Bun.sleep(300);
    // Alpha's visitor heard nothing (no typing, no message, no "seen", no call), and alpha's rows are as they were.
    expect(alphaVisitor.frames.slice(heardBefore).filter((frame) => /typing|taken over|seen|"call"/i.test(frame))).toEqual([]);
    expect(shopRows(ctx, alpha.business.id)).toBe(before);
    for (const socket of [alphaVisitor, lobby, bravoVisitorSocket]) socket.close();
  });
});
