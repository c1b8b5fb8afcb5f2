import { describe, expect, it } from "bun:test";
import { errorOf, openConversation, setup } from "./support";

type Document = { paths: Record<string, Record<string, { requestBody?: unknown }>> };

describe("every endpoint's input", () => {
  it("answers 400 with a JSON error for an id that is not a whole number of at least 1, on every endpoint with one", async () => {
    // An owner's token: an agent's is refused the owners' and admins' endpoints before their input is read.
    const ctx = await setup(undefined, "owner");
    const document = (await (await ctx.api("/openapi.json")).json()) as Document;
    const withId = Object.entries(document.paths).filter(([path]) => path.includes("{id}"));
    expect(withId.length).toBeGreaterThanOrEqual(9);
    for (const [path, methods] of withId) {
      for (const [method, operation] of Object.entries(methods)) {
        for (const bad of ["abc", "0", "1.5"]) {
          const url = path.replace("/api/v1", "").replace("{id}", bad);
          const response = await ctx.api(url, { method: method.toUpperCase(), json: operation.requestBody ? {} : undefined });
          expect(response.status, `${method} ${url}`).toBe(400);
          expect(await errorOf(response)).toContain("must be a whole number of at least 1");
        }
      }
    }
  });

  it("answers 400 for bodies of the wrong shape, changing nothing", async () => {
    const ctx = await setup();
    const { conversation, visitor } = openConversation(ctx, null);
    const cases: [string, string, unknown][] = [
      ["POST", `/conversations/${conversation.id}/assign`, {}],
      ["POST", `/conversations/${conversation.id}/assign`, { agentId: "me" }],
      ["POST", `/conversations/${conversation.id}/transfer`, { groupId: -1 }],
      ["POST", `/conversations/${conversation.id}/transfer`, { agentId: 1, note: 5 }],
      ["PATCH", `/visitors/${visitor.id}`, { name: 7 }],
    ];
    for (const [method, path, json] of cases) {
      const response = await ctx.api(path, { method, json });
      expect(response.status, `${method} ${path} ${JSON.stringify(json)}`).toBe(400);
      await errorOf(response);
    }
    expect((await (await ctx.api(`/conversations/${conversation.id}`)).json()).status).toBe("queued");
  });

  it("answers 422 for attributes that are not an object, which Elysia would otherwise take apart", async () => {
    const ctx = await setup();
    const { visitor } = openConversation(ctx, ctx.agent.id);
    for (const attributes of ["plan=pro", ["pro"], null, 5]) {
      const response = await ctx.api(`/visitors/${visitor.id}`, { method: "PATCH", json: { attributes } });
      expect(response.status, JSON.stringify(attributes)).toBe(422);
      expect(await response.json()).toEqual({ error: 'attributes must be an object of names and values, such as {"plan": "pro"}.', field: "attributes" });
    }
    expect((await (await ctx.api(`/visitors/${visitor.id}`)).json()).attributes).toEqual({});
  });

  it("answers 422 for a transfer note that is too long, naming the field", async () => {
    const ctx = await setup();
    const { conversation } = openConversation(ctx, ctx.agent.id);
    const response = await ctx.api(`/conversations/${conversation.id}/transfer`, { method: "POST", json: { groupId: 1, note: "x".repeat(501) } });
    expect(response.status).toBe(422);
    expect(((await response.json()) as { field: string }).field).toBe("note");
  });
});
