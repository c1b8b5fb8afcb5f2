import { describe, expect, it } from "bun:test";
import { auditLog, businesses } from "../../src/db/schema";
import { signedIn, testApp } from "../support";

type TestApp = ReturnType<typeof testApp>;
const stored = (ctx: TestApp) => ctx.db.select().from(businesses).get()!.callServers;

describe("Settings → Calls", () => {
  it("is empty at first: calls use the peers' own addresses, enough on a LAN", async () => {
    const ctx = testApp();
    const { client } = await signedIn(ctx, "owner");
    const page = await (await client.get("/console/settings")).text();
    expect(page).toContain('<section class="card settings-section" id="settings-calls"');
    expect(page).toContain('<textarea id="field-callServerUrls" name="callServerUrls"');
    expect(stored(ctx)).toEqual({ urls: [], username: "", credential: "" });
  });

  it("saves STUN and TURN URLs with TURN's username and credential, and audits the URLs but never the credential", async () => {
    const ctx = testApp();
    const { client } = await signedIn(ctx, "owner");
    const response = await client.post("/console/settings", {
      callServerUrls: "stun:stun.example.com:3478\r\nturn:turn.example.com:3478?transport=udp, turns:turn.example.com:5349",
      callServerUsername: " kefu ",
      callServerCredential: "s3cret-pass",
      callServerSecret: "",
    });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain("Saved: Calls.");
    expect(stored(ctx)).toEqual({
      urls: ["stun:stun.example.com:3478", "turn:turn.example.com:3478?transport=udp", "turns:turn.example.com:5349"],
      username: "kefu",
      credential: "s3cret-pass",
    });
    const audit = ctx.db.select().from(auditLog).all();
    expect(audit.map((row) => row.action)).toEqual(["business.call_servers_changed"]);
    expect(JSON.stringify(audit)).not.toContain("s3cret-pass");
  });

  it("refuses a URL that is not stun:, turn: or turns:, and a TURN server without credentials, changing nothing", async () => {
    const ctx = testApp();
    const { client } = await signedIn(ctx, "owner");
    const bad = await client.post("/console/settings", { callServerUrls: "stun:ok.example.com\nhttps://turn.example.com", callServerUsername: "", callServerCredential: "" });
    expect(bad.status).toBe(422);
    expect(await bad.text()).toContain("https://turn.example.com is not a stun:, turn: or turns: URL.");
    const bare = await client.post("/console/settings", { callServerUrls: "turn:turn.example.com:3478", callServerUsername: "kefu", callServerCredential: "" });
    expect(bare.status).toBe(422);
    expect(await bare.text()).toContain("A TURN server needs its username and credential, or its shared secret.");
    expect(stored(ctx)).toEqual({ urls: [], username: "", credential: "" });
  });

  it("keeps the TURN shared secret out of the audit and the page, keeps it when left empty, and forgets it with the last TURN URL", async () => {
    const ctx = testApp();
    const { client } = await signedIn(ctx, "owner");
    const turn = { callServerUrls: "turn:turn.example.com:3478", callServerUsername: "", callServerCredential: "" };
    const response = await client.post("/console/settings", { ...turn, callServerSecret: "coturn-secret" });
    expect(response.status).toBe(200);
    expect(stored(ctx).secret).toBe("coturn-secret");
    expect(JSON.stringify(ctx.db.select().from(auditLog).all())).not.toContain("coturn-secret");

    const page = await (await client.get("/console/settings")).text();
    expect(page).not.toContain("coturn-secret");
    expect(page).toContain('placeholder="Stored; leave empty to keep it (it goes when no TURN URL is left)"');
    // The form posted again as shown: nothing changes, and nothing is said to be saved.
    const again = await client.post("/console/settings", { ...turn, callServerSecret: "" });
    expect(await again.text()).not.toContain("Saved: Calls.");
    expect(stored(ctx).secret).toBe("coturn-secret");

    await client.post("/console/settings", { callServerUrls: "stun:stun.example.com", callServerUsername: "", callServerCredential: "", callServerSecret: "" });
    expect(stored(ctx)).toEqual({ urls: ["stun:stun.example.com"], username: "", credential: "" });
  });

  it("saves nothing when the empty Calls section is posted as the page shows it", async () => {
    const ctx = testApp();
    const { client } = await signedIn(ctx, "owner");
    const response = await client.post("/console/settings", { callServerUrls: "", callServerUsername: "", callServerCredential: "", callServerSecret: "" });
    expect(response.status).toBe(200);
    expect(await response.text()).not.toContain("Saved:");
    expect(ctx.db.select().from(auditLog).all()).toEqual([]);
  });
});
