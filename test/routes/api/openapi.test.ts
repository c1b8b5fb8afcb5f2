import { describe, expect, it } from "bun:test";
import { origin, signedIn, testApp } from "../../support";

type Document = {
  openapi: string;
  paths: Record<string, Record<string, { summary: string; security: Record<string, string[]>[]; parameters: { name: string; in: string; schema: Record<string, unknown> }[]; requestBody?: unknown; responses: Record<string, unknown> }>>;
};

const get = (ctx: ReturnType<typeof testApp>, path: string, headers: Record<string, string> = {}) =>
  ctx.app.handle(new Request(`${origin}${path}`, { headers }));

describe("the OpenAPI document", () => {
  it("describes every route of the API, with its scope, and is served without a token", async () => {
    const ctx = testApp();
    const response = await get(ctx, "/api/v1/openapi.json");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("application/json");
    const document = (await response.json()) as Document;
    expect(document.openapi).toBe("3.1.0");
    const routes = ctx.app.routes.filter((route) => route.path.startsWith("/api/v1/") && !["/api/v1/openapi.json", "/api/v1/docs"].includes(route.path));
    expect(routes.length).toBeGreaterThanOrEqual(15);
    for (const route of routes) {
      const operation = document.paths[route.path.replace(/:(\w+)/g, "{$1}")]?.[route.method.toLowerCase()];
      expect(operation, `${route.method} ${route.path}`).toBeDefined();
      expect(operation!.security).toEqual([{ token: [route.method === "GET" ? "read" : "write"] }]);
      // Each has its words in the dictionaries (apiDocs.op.<operationId>), not its key.
      expect(operation!.summary).not.toStartWith("apiDocs.");
    }
    const documented = Object.values(document.paths).reduce((n, methods) => n + Object.keys(methods).length, 0);
    expect(documented).toBe(routes.length);
  });

  it("shows parameters and bodies as the routes validate them, numbers as numbers", async () => {
    const ctx = testApp();
    const document = (await (await get(ctx, "/api/v1/openapi.json")).json()) as Document;
    const list = document.paths["/api/v1/conversations"]!.get!;
    const limit = list.parameters.find((parameter) => parameter.name === "limit")!;
    expect(limit).toMatchObject({ in: "query", schema: { type: "integer", minimum: 1, maximum: 100 } });
    expect(list.parameters.find((parameter) => parameter.name === "status")!.schema).toMatchObject({ enum: ["open", "queued", "closed", "all"], default: "open" });
    const read = document.paths["/api/v1/conversations/{id}"]!.get!;
    expect(read.parameters).toEqual([expect.objectContaining({ name: "id", in: "path", schema: expect.objectContaining({ type: "integer", minimum: 1 }) })]);
    const send = document.paths["/api/v1/conversations/{id}/messages"]!.post!;
    expect(JSON.stringify(send.requestBody)).toContain('"clientId"');
    expect(Object.keys(send.responses)).toEqual(expect.arrayContaining(["200", "201", "403", "409", "422", "429"]));
    expect(JSON.stringify(document)).not.toContain('"error":"');
  });
});

describe("the API reference page", () => {
  it("renders every endpoint with an example, and the sections on auth, scopes, paging, limits and errors", async () => {
    const ctx = testApp();
    const response = await get(ctx, "/api/v1/docs");
    expect(response.status).toBe(200);
    const page = await response.text();
    const document = (await (await get(ctx, "/api/v1/openapi.json")).json()) as Document;
    for (const [path, methods] of Object.entries(document.paths)) {
      for (const method of Object.keys(methods)) expect(page).toContain(`${method.toUpperCase()}</span> <code>${path}</code>`);
    }
    for (const heading of ["Authentication", "Scopes", "Paging", "Rate limits", "Errors"]) expect(page).toContain(`>${heading}</h2>`);
    expect(page).toContain("curl -X POST -H &quot;Authorization: Bearer $KEFU_TOKEN&quot;");
    expect(page).toContain("RateLimit-Remaining");
  });

  it("shows a list of choices as one list, not the last choice as a list", async () => {
    const page = await (await get(testApp(), "/api/v1/docs")).text();
    expect(page).toContain("<code>(conversation.started | conversation.assigned | conversation.transferred | conversation.closed | message.created | rating.given | offline_message.created)[]</code>");
  });

  it("speaks Chinese when asked, by the console's link or the browser", async () => {
    const ctx = testApp();
    const linked = await (await get(ctx, "/api/v1/docs?locale=zh-CN")).text();
    expect(linked).toContain("Kefu API 文档");
    expect(linked).toContain(">权限范围</h2>");
    expect(linked).toContain("<strong>重新打开已结束的会话</strong>");
    const browser = await (await get(ctx, "/api/v1/docs", { "accept-language": "zh-CN,zh;q=0.9" })).text();
    expect(browser).toContain('<html lang="zh-CN">');
  });

  it("is linked from Settings → Integrations at its webhooks, in the owner's language", async () => {
    const ctx = testApp();
    const { client } = await signedIn(ctx, "owner");
    expect(await (await client.get("/console/integrations")).text()).toContain('href="/api/v1/docs?locale=en#webhooks"');
    expect(await (await get(ctx, "/api/v1/docs")).text()).toContain('<h2 id="webhooks">Webhooks</h2>');
  });

  it("is linked from the API tokens section of the profile page", async () => {
    const ctx = testApp();
    const { client } = await signedIn(ctx, "agent");
    const page = await (await client.get("/console/profile")).text();
    expect(page).toContain('href="/api/v1/docs?locale=');
  });
});
