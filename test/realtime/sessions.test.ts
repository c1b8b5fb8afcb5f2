// An agent whose session ends (signed out, disabled, a new password, expired) stops hearing the
// shop's visitors at once: the hub closes the sockets opened with that session (4401).
import { describe, expect, it } from "bun:test";
import { Client, type ListeningApp, listeningApps, signedIn, TestSocket, wsUrl } from "../support";

const start = listeningApps();

async function consoleSocket(ctx: ListeningApp, cookie: string): Promise<TestSocket> {
  const socket = new TestSocket(wsUrl(ctx, "/ws/agent"), { cookie, origin: ctx.base });
  await socket.opened;
  socket.send({ type: "resume", after: 0 });
  // Handled before the session ends: what closes the socket then is the end itself, not a frame.
  await Bun.sleep(100);
  return socket;
}

describe("an agent's sockets when their session ends", () => {
  it("close with 4401 at once when the agent signs out, and only that browser's", async () => {
    const ctx = start();
    const { client, agent } = await signedIn(ctx, "agent");
    const socket = await consoleSocket(ctx, client.cookie!);
    const laptop = await signedIn(ctx, "agent", "other@example.com");
    const other = await consoleSocket(ctx, laptop.client.cookie!);
    expect((await client.post("/logout", {})).status).toBe(303);
    expect((await socket.closedWith(1000)).code).toBe(4401);
    await Bun.sleep(100);
    expect(other.closed).toBeNull();
    expect(ctx.sqlite.query("SELECT count(*) AS n FROM sessions WHERE agent_id = ?").get(agent.id)).toEqual({ n: 0 });
  });

  it("close with 4401 when an owner disables the agent or resets their password", async () => {
    const ctx = start();
    const owner = await signedIn(ctx, "owner");
    for (const action of ["disable", "password"]) {
      const { client, agent } = await signedIn(ctx, "agent", `${action}@example.com`);
      const socket = await consoleSocket(ctx, client.cookie!);
      expect((await owner.client.post(`/console/team/${agent.id}/${action}`, {})).status).toBe(200);
      expect((await socket.closedWith(1000)).code).toBe(4401);
    }
  });

  it("close on the agent's other browsers when they choose a new password, and stay open on this one", async () => {
    const ctx = start();
    const here = await signedIn(ctx, "agent", "ann@example.com");
    const elsewhere = new Client(ctx.app);
    expect((await elsewhere.post("/login", { email: "ann@example.com", password: "correct horse" })).status).toBe(303);
    const mine = await consoleSocket(ctx, here.client.cookie!);
    const theirs = await consoleSocket(ctx, elsewhere.cookie!);
    const changed = await here.client.post("/console/profile/password", { current: "correct horse", password: "a brand new password" });
    expect(changed.status).toBe(200);
    expect((await theirs.closedWith(1000)).code).toBe(4401);
    await Bun.sleep(100);
    expect(mine.closed).toBeNull();
  });

  it("close when the session expired, at the next housekeeping", async () => {
    const ctx = start();
    const { client, agent } = await signedIn(ctx, "agent");
    const socket = await consoleSocket(ctx, client.cookie!);
    ctx.sqlite.run("UPDATE sessions SET expires_at = 1 WHERE agent_id = ?", [agent.id]);
    ctx.app.hub.sessionsChanged();
    expect((await socket.closedWith(1000)).code).toBe(4401);
  });
});
