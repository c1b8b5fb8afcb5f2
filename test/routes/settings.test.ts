import { describe, expect, it } from "bun:test";
import { auditLog, businesses, visitors } from "../../src/db/schema";
import { sendVisitorMessage } from "../../src/domain/messages";
import { listeningApps, openChat, signedIn, testApp, TestSocket, wsUrl } from "../support";

type TestApp = ReturnType<typeof testApp>;

/** The Settings form as a browser posts it with the stored values, and each switch ticked (hidden "off", then "on"). */
function settingsForm(changes: [string, string][] = []): FormData {
  const form = new FormData();
  const fields: [string, string][] = [
    ["name", "Kefu"],
    ["welcomeText", ""],
    ["ratingEnabled", "off"],
    ["ratingEnabled", "on"],
    ["typingPreview", "off"],
    ["idleCloseMinutes", "30"],
    ["reopenMinutes", "0"],
    ["routingMode", "auto"],
    ["capacity", "5"],
    ["holdMinutes", "5"],
    ["autoAwayMinutes", "0"],
    ["uploadMaxMb", "10"],
    ...["image", "audio", "pdf", "document", "archive", "text"].map((kind): [string, string] => ["uploadKinds", kind]),
  ];
  const changed = new Set(changes.map(([name]) => name));
  for (const [name, value] of [...fields.filter(([name]) => !changed.has(name)), ...changes]) form.append(name, value);
  return form;
}

const stored = (ctx: TestApp) => ctx.db.select().from(businesses).get()!;
const audited = (ctx: TestApp) => ctx.db.select().from(auditLog).all().map((row) => row.action);

describe("the Settings page", () => {
  it("is one form in sections, with the sections' navigation, the pages beside them, and one save button", async () => {
    const ctx = testApp();
    const { client } = await signedIn(ctx, "admin");
    const page = await (await client.get("/console/settings")).text();
    const form = page.slice(page.indexOf('<form method="post" action="/console/settings"'), page.indexOf("</form>", page.indexOf('action="/console/settings"')));
    for (const section of ["shop", "conversations", "routing", "files"]) {
      expect(page).toContain(`<li><a href="#settings-${section}">`);
      expect(form).toContain(`<section class="card settings-section" id="settings-${section}"`);
    }
    expect(page).toContain('<li><a href="/console/hours">Business hours</a></li>');
    expect(page).toContain('<li><a href="/console/blocked">Blocked visitors</a></li>');
    expect(form.match(/<button type="submit"/g)).toHaveLength(1);
    expect(form).toContain('<button type="submit">Save changes</button>');
    // A switch sends "off" first, so an unticked one still says off.
    expect(form).toContain('<input type="hidden" name="typingPreview" value="off"><input type="checkbox" role="switch" class="switch" id="field-typingPreview" name="typingPreview" value="on" ');
  });

  it("saves every setting of the form at once, audits each one that changed, and says which sections were saved", async () => {
    const ctx = testApp();
    const { client } = await signedIn(ctx, "owner");
    const response = await client.post(
      "/console/settings",
      settingsForm([
        ["name", "  Lotus Tea  "],
        ["routingMode", "claim"],
        ["capacity", "8"],
        ["typingPreview", "off"],
        ["typingPreview", "on"],
      ]),
    );
    expect(response.status).toBe(200);
    const page = await response.text();
    expect(page).toContain("Saved: Shop, Conversations, and Routing.");
    expect(page.match(/class="saved-mark"/g)).toHaveLength(4);
    expect(stored(ctx)).toMatchObject({ name: "Lotus Tea", routingMode: "claim", maxConcurrentChats: 8, typingPreview: true, ratingEnabled: true, holdMinutes: 5 });
    expect(audited(ctx)).toEqual(["business.renamed", "business.typing_preview_changed", "business.routing_mode_changed", "business.capacity_changed"]);
  });

  it("turns a switch off, and leaves every setting a post does not name as it is", async () => {
    const ctx = testApp();
    const { client } = await signedIn(ctx, "owner");
    expect((await client.post("/console/settings", settingsForm([["ratingEnabled", "off"]]))).status).toBe(200);
    expect(stored(ctx).ratingEnabled).toBe(false);
    expect((await client.post("/console/settings", { capacity: "3" })).status).toBe(200);
    expect(stored(ctx)).toMatchObject({ ratingEnabled: false, maxConcurrentChats: 3, name: "Kefu", uploadMaxBytes: 10 * 1024 * 1024 });
    expect(stored(ctx).uploadKinds).toHaveLength(6);
    expect(audited(ctx)).toEqual(["business.rating_changed", "business.capacity_changed"]);
  });

  it("checks every field, shows each problem beside its field and above the form, keeps what was typed, and changes nothing", async () => {
    const ctx = testApp();
    const { client } = await signedIn(ctx, "owner");
    const response = await client.post(
      "/console/settings",
      settingsForm([
        ["name", "Renamed"],
        ["capacity", "lots"],
        ["idleCloseMinutes", "1441"],
        ["uploadMaxMb", "99"],
        ["ratingEnabled", "off"],
      ]),
    );
    expect(response.status).toBe(422);
    const page = await response.text();
    expect(page).toContain("Nothing was saved. Fix the settings marked below:");
    expect(page).toContain('<li><a href="#field-capacity">Conversations per agent at once</a>: Enter a whole number from 1 to 100.</li>');
    expect(page).toContain('<li><a href="#field-idleCloseMinutes">Close quiet conversations after</a>: Enter a whole number of minutes from 0 to 1440.</li>');
    expect(page).toContain('<li><a href="#field-uploadRules">Largest file (MB)</a>: Enter a whole number of megabytes from 1 to 50.</li>');
    expect(page).toContain('<p class="field-error" id="field-capacity-error">Enter a whole number from 1 to 100.</p>');
    expect(page).toMatch(/id="field-capacity" name="capacity" inputmode="numeric" autocomplete="off" value="lots" aria-describedby="field-capacity-hint field-capacity-error" aria-invalid="true"/);
    expect(page).toContain('value="Renamed"');
    expect(page).toMatch(/id="field-ratingEnabled" name="ratingEnabled" value="on"\s+aria-describedby/);
    expect(page).toContain("Nothing was saved: fix the settings marked in red.");
    expect(stored(ctx)).toMatchObject({ name: "Kefu", maxConcurrentChats: 5, idleCloseMinutes: 30, ratingEnabled: true });
    expect(audited(ctx)).toEqual([]);
  });

  it("shows the stored value of every setting a refused post left out", async () => {
    const ctx = testApp();
    const { client } = await signedIn(ctx, "owner");
    const response = await client.post("/console/settings", { capacity: "lots" });
    expect(response.status).toBe(422);
    const page = await response.text();
    expect(page).toMatch(/id="field-ratingEnabled" name="ratingEnabled" value="on" checked/);
    expect(page).toMatch(/value="pdf" checked/);
    expect(page).toContain('value="lots"');
  });

  it("says so when a save changes nothing, and audits nothing", async () => {
    const ctx = testApp();
    const { client } = await signedIn(ctx, "owner");
    const response = await client.post("/console/settings", settingsForm());
    expect(response.status).toBe(200);
    expect(await response.text()).toContain("Nothing to save: no setting was changed.");
    expect(audited(ctx)).toEqual([]);
  });

  it("refuses a switch that is neither on nor off, and a kind of file it does not know", async () => {
    const ctx = testApp();
    const { client } = await signedIn(ctx, "owner");
    const response = await client.post("/console/settings", settingsForm([["typingPreview", "maybe"], ["uploadKinds", "exe"]]));
    expect(response.status).toBe(422);
    const page = await response.text();
    expect(page).toContain('<p class="field-error" id="field-typingPreview-error">Choose on or off.</p>');
    expect(page).toContain("Kinds of files accepted</a>:");
    expect(audited(ctx)).toEqual([]);
  });
});

describe("a routing change", () => {
  const start = listeningApps();

  it("gives what waits to an available agent as soon as routing goes back to automatic", async () => {
    const ctx = start();
    const { client: owner } = await signedIn(ctx, "owner");
    expect((await owner.post("/console/settings", { routingMode: "claim" })).status).toBe(200);
    const { agent, client } = await signedIn(ctx, "agent");
    // The agent's console is open, so they are available.
    const lobby = new TestSocket(wsUrl(ctx, "/ws/agent"), { cookie: client.cookie!, origin: ctx.base });
    await lobby.opened;
    lobby.send({ type: "resume", after: 0 });
    const { visitor } = await openChat(ctx);
    sendVisitorMessage(ctx.db, ctx.app.hub, visitor, { clientId: crypto.randomUUID(), body: "anyone there?" }, [agent.id]);
    const conversation = () => ctx.sqlite.query("SELECT status, agent_id AS agentId FROM conversations").get();
    expect(conversation()).toEqual({ status: "queued", agentId: null });

    expect((await owner.post("/console/settings", { routingMode: "auto" })).status).toBe(200);
    expect(conversation()).toEqual({ status: "open", agentId: agent.id });
    lobby.close();
  });
});
