import { describe, expect, it } from "bun:test";
import { chatting, listeningApps } from "../support";

const start = listeningApps();

describe("today's report", () => {
  it("counts a chat that just happened, before any tally batch has run", async () => {
    const ctx = start();
    const { client, visitor, agent } = await chatting(ctx);
    const clientId = crypto.randomUUID();
    agent.send({ type: "send", clientId, body: "How can I help?" });
    await visitor.next((f) => f.includes(clientId));
    ctx.sqlite.run("UPDATE agents SET role = 'admin' WHERE id = (SELECT agent_id FROM conversations)");
    const today = new Date().toISOString().slice(0, 10);
    const text = await (await client.get(`/console/reports?from=${today}&to=${today}`)).text();
    const figure = (id: string) => new RegExp(`data-figure="${id}"[^>]*><dt>[^<]*</dt><dd>([^<]*)`).exec(text)?.[1];
    expect(figure("started")).toBe("1");
    expect(figure("answered")).toBe("1");
    expect(text).toContain("1 from visitors, 1 from agents");
    expect(ctx.sqlite.query("SELECT count(*) AS n FROM conversation_tallies").get()).toEqual({ n: 0 });
  });
});
