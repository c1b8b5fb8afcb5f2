import { describe, expect, it } from "bun:test";
import { eq } from "drizzle-orm";
import { agents } from "../../src/db/schema";
import { ignoreEvents } from "../../src/domain/events";
import { sendVisitorMessage } from "../../src/domain/messages";
import { Client, openChat, signedIn, testApp } from "../support";

type Ctx = ReturnType<typeof testApp>;

const valid = { sound: "bell", soundVolume: "35", desktopNotifications: "1", sendKey: "ctrl-enter" };

function preferencesOf(ctx: Ctx, agentId: number) {
  return ctx.db
    .select({ sound: agents.sound, soundVolume: agents.soundVolume, desktopNotifications: agents.desktopNotifications, sendKey: agents.sendKey })
    .from(agents)
    .where(eq(agents.id, agentId))
    .get()!;
}

describe("an agent's preferences", () => {
  it("shows the form with the current choices and a test-sound button", async () => {
    const ctx = testApp();
    const { client } = await signedIn(ctx, "agent");
    const page = await (await client.get("/console/preferences")).text();
    expect(page).toContain('action="/console/preferences"');
    expect(page).toContain('name="sound" value="chime" checked');
    expect(page).toContain('name="soundVolume" min="0" max="100" step="5" value="60"');
    expect(page).toContain('id="test-sound"');
    expect(page).toContain('name="desktopNotifications" value="1" id="field-desktopNotifications" checked');
    expect(page).toContain('name="sendKey" value="enter" checked');
  });

  it("saves them and hands them to the console script on every console page", async () => {
    const ctx = testApp();
    const { agent, client } = await signedIn(ctx, "agent");
    const saved = await client.post("/console/preferences", valid);
    expect(saved.status).toBe(200);
    expect(await saved.text()).toContain("Preferences saved.");
    expect(preferencesOf(ctx, agent.id)).toEqual({ sound: "bell", soundVolume: 35, desktopNotifications: true, sendKey: "ctrl-enter" });
    const console = await (await client.get("/console")).text();
    expect(console).toContain('data-sound="bell" data-sound-volume="35" data-desktop-notifications="on" data-send-key="ctrl-enter"');
    // The old per-browser checkboxes are gone; the sidebar links here instead.
    expect(console).not.toContain("kefu.sound");
    expect(console).toContain('href="/console/preferences"');
  });

  it("turns desktop notifications off when the box is left unchecked", async () => {
    const ctx = testApp();
    const { agent, client } = await signedIn(ctx, "agent");
    const { desktopNotifications: _on, ...unchecked } = valid;
    expect((await client.post("/console/preferences", unchecked)).status).toBe(200);
    expect(preferencesOf(ctx, agent.id).desktopNotifications).toBe(false);
    const page = await (await client.get("/console")).text();
    expect(page).toContain('data-desktop-notifications="off"');
  });

  it("tells the agent which send key the composer uses", async () => {
    const ctx = testApp();
    const { client } = await signedIn(ctx, "agent");
    await client.post("/console/preferences", valid);
    const page = await (await client.get("/console/preferences")).text();
    expect(page).toContain('name="sendKey" value="ctrl-enter" checked');
  });

  it("refuses unknown sounds, volumes outside 0 to 100 and unknown send keys with 422, changing nothing", async () => {
    const ctx = testApp();
    const { agent, client } = await signedIn(ctx, "agent");
    const before = preferencesOf(ctx, agent.id);
    const cases: [Record<string, string>, string][] = [
      [{ sound: "siren" }, "Choose one of the sounds."],
      [{ soundVolume: "101" }, "The volume is a whole number from 0 to 100."],
      [{ soundVolume: "-5" }, "The volume is a whole number from 0 to 100."],
      [{ soundVolume: "50.5" }, "The volume is a whole number from 0 to 100."],
      [{ soundVolume: "" }, "The volume is a whole number from 0 to 100."],
      [{ sendKey: "alt-enter" }, "Choose Enter or Ctrl+Enter."],
    ];
    for (const [change, message] of cases) {
      const response = await client.post("/console/preferences", { ...valid, ...change });
      expect(response.status).toBe(422);
      const page = await response.text();
      expect(page).toContain(message);
      expect(page).toContain("Some choices need fixing");
    }
    expect(preferencesOf(ctx, agent.id)).toEqual(before);
  });

  it("changes only the signed-in agent's own preferences", async () => {
    const ctx = testApp();
    const { agent, client } = await signedIn(ctx, "agent");
    const { agent: colleague } = await signedIn(ctx, "admin", "admin@example.com");
    const colleagueBefore = preferencesOf(ctx, colleague.id);
    // An id in the form names nobody: there is no way to aim at someone else.
    await client.post("/console/preferences", { ...valid, agentId: String(colleague.id), id: String(colleague.id) });
    expect(preferencesOf(ctx, colleague.id)).toEqual(colleagueBefore);
    expect(preferencesOf(ctx, agent.id).sound).toBe("bell");
  });

  it("needs a signed-in agent", async () => {
    const ctx = testApp();
    const response = await new Client(ctx.app).post("/console/preferences", valid);
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe("/login");
  });

  it("shows the Ctrl+Enter hint in the composer placeholder of an agent who chose it", async () => {
    const ctx = testApp();
    const { agent, client } = await signedIn(ctx, "agent");
    const { visitor } = await openChat(ctx);
    const { conversation } = sendVisitorMessage(ctx.db, ignoreEvents, visitor, { clientId: `client-${crypto.randomUUID()}`, body: "hi" }, [agent.id]);
    const composer = async () => {
      const page = await (await client.get(`/console/conversations/${conversation.id}`)).text();
      return page.slice(page.indexOf('id="composer"'));
    };
    expect(await composer()).toContain('placeholder="Write a message…"');
    await client.post("/console/preferences", valid);
    expect(await composer()).toContain("(Ctrl+Enter to send, Enter for a new line)");
  });
});
