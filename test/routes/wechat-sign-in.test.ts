import { afterEach, describe, expect, it } from "bun:test";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eq } from "drizzle-orm";
import { visitors, wechatAccounts } from "../../src/db/schema";
import { deleteCustomer } from "../../src/domain/customer-deletion";
import { ignoreEvents } from "../../src/domain/events";
import { findVisitorByToken } from "../../src/domain/visitors";
import { signInState } from "../../src/domain/wechat-state";
import { createLog } from "../../src/log";
import { addMember, Client, signedIn, testApp } from "../support";
import { avatarPng, type FakeWeChat, startFakeWeChat } from "../wechat-server";

const appId = "wx0123456789abcdef";
const appSecret = "0123456789abcdef0123456789abcdef";
const wechatBrowser = {
  "user-agent":
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.44(0x18002c2d) NetType/WIFI Language/zh_CN",
};
const testSecret = "0".repeat(64);

let fake: FakeWeChat;
afterEach(() => fake?.stop());

/** A shop with its official account set up, its WeChat pointing at the fake, and its log kept. */
async function shopWithWeChat(options: { account?: boolean } = {}) {
  fake = startFakeWeChat({ appId, appSecret, user: { openid: "oABC-openid-1", nickname: "小明 <b>" } });
  const logged: string[] = [];
  const uploadsDir = mkdtempSync(join(tmpdir(), "kefu-uploads-"));
  const ctx = testApp({ uploadsDir, config: { publicUrl: null, trustProxy: false, wechat: { openUrl: fake.url, apiUrl: fake.url } }, log: createLog("info", (line) => logged.push(line)) });
  if (options.account !== false) ctx.db.insert(wechatAccounts).values({ businessId: ctx.business.id, appId, appSecret }).run();
  const chat = `/chat/${ctx.business.widgetKey}`;
  return { ...ctx, logged, chat, uploadsDir };
}

type Shop = Awaited<ReturnType<typeof shopWithWeChat>>;

const tokenOf = (browser: Client) => decodeURIComponent(browser.cookie!.split("=")[1]!);

/** Opens the WeChat link in WeChat's browser; returns where it was sent. */
async function openWeChatLink(shop: Shop, browser: Client) {
  const response = await browser.get(`${shop.chat}?via=wechat`, wechatBrowser);
  return { response, location: response.headers.get("location") };
}

async function callback(shop: Shop, browser: Client, query: Record<string, string>) {
  const response = await browser.get(`${shop.chat}/wechat?${new URLSearchParams({ via: "wechat", ...query })}`, wechatBrowser);
  return { status: response.status, location: response.headers.get("location") };
}

const stored = (shop: Shop, browser: Client) => findVisitorByToken(shop.db, testSecret, shop.business.id, tokenOf(browser));
const exchanges = () => fake.requests.filter((url) => url.pathname === "/sns/oauth2/access_token").length;

describe("WeChat sign-in on the official account's menu link", () => {
  it("sends a visitor in WeChat's browser through WeChat's authorize page, back to our own callback", async () => {
    const shop = await shopWithWeChat();
    const browser = new Client(shop.app);
    const { response, location } = await openWeChatLink(shop, browser);
    expect(response.status).toBe(302);
    expect(browser.cookie).toStartWith("kefu_visitor=");
    const url = new URL(location!);
    expect(`${url.origin}${url.pathname}`).toBe(`${fake.url}/connect/oauth2/authorize`);
    expect(url.hash).toBe("#wechat_redirect");
    expect(url.searchParams.get("appid")).toBe(appId);
    expect(url.searchParams.get("response_type")).toBe("code");
    expect(url.searchParams.get("scope")).toBe("snsapi_userinfo");
    expect(url.searchParams.get("redirect_uri")).toBe(`http://kefu.test${shop.chat}/wechat?via=wechat`);
    expect(location).toContain(`redirect_uri=${encodeURIComponent(`http://kefu.test${shop.chat}/wechat?via=wechat`)}`);
    expect(url.searchParams.get("state")).toMatch(/^[0-9a-f\d]{74}$/);
    expect(location).not.toContain(appSecret);
  });

  it("signs the visitor in: WeChat id, nickname as their name, and the picture kept on our disk", async () => {
    const shop = await shopWithWeChat();
    const browser = new Client(shop.app);
    const state = new URL((await openWeChatLink(shop, browser)).location!).searchParams.get("state")!;
    const back = await callback(shop, browser, { code: fake.issueCode(), state });
    expect(back).toEqual({ status: 303, location: `${shop.chat}?via=wechat` });
    const visitor = stored(shop, browser)!;
    expect(visitor.wechatId).toBe("oABC-openid-1");
    expect(visitor.name).toBe("小明 <b>");
    expect(visitor.avatar).toMatch(/^\/uploads\/avatars\/[\w-]{22}\.png$/);
    const kept = readFileSync(join(shop.uploadsDir, "avatars", visitor.avatar!.split("/").pop()!));
    expect(new Uint8Array(kept)).toEqual(avatarPng());
    // The picture is served by Kefu itself.
    expect((await browser.get(visitor.avatar!)).headers.get("content-type")).toStartWith("image/png");
    // A returning visitor is not sent through WeChat again.
    const again = await openWeChatLink(shop, browser);
    expect(again.response.status).toBe(200);
    expect(fake.requests.filter((url) => url.pathname === "/connect/oauth2/authorize")).toHaveLength(0);
  });

  it("makes a WeChat user the shop knows, back in a browser without its cookie, that customer again", async () => {
    const shop = await shopWithWeChat();
    const first = new Client(shop.app);
    const firstState = new URL((await openWeChatLink(shop, first)).location!).searchParams.get("state")!;
    await callback(shop, first, { code: fake.issueCode(), state: firstState });
    const customer = stored(shop, first)!;
    const firstPicture = join(shop.uploadsDir, "avatars", customer.avatar!.split("/").pop()!);

    const cleared = new Client(shop.app);
    const state = new URL((await openWeChatLink(shop, cleared)).location!).searchParams.get("state")!;
    expect(await callback(shop, cleared, { code: fake.issueCode(), state })).toEqual({ status: 303, location: `${shop.chat}?via=wechat` });
    expect(stored(shop, cleared)).toMatchObject({ id: customer.id, wechatId: "oABC-openid-1", name: "小明 <b>" });
    expect(shop.db.select().from(visitors).all()).toHaveLength(1);
    // The old cookie stands for nobody now; the picture was kept once.
    expect(stored(shop, first)).toBeUndefined();
    expect(existsSync(firstPicture)).toBe(false);
    expect(existsSync(join(shop.uploadsDir, "avatars", stored(shop, cleared)!.avatar!.split("/").pop()!))).toBe(true);
  });

  it("deletes the kept picture with the customer", async () => {
    const shop = await shopWithWeChat();
    const owner = await addMember(shop, "owner", "owner@example.com");
    const browser = new Client(shop.app);
    const state = new URL((await openWeChatLink(shop, browser)).location!).searchParams.get("state")!;
    await callback(shop, browser, { code: fake.issueCode(), state });
    const visitor = stored(shop, browser)!;
    const file = join(shop.uploadsDir, "avatars", visitor.avatar!.split("/").pop()!);
    expect(existsSync(file)).toBe(true);
    deleteCustomer(shop.db, ignoreEvents, shop.uploadsDir, owner, visitor.id);
    expect(existsSync(file)).toBe(false);
  });

  it("takes the unionid as the WeChat id when WeChat gives one, and keeps a name the visitor already has", async () => {
    const shop = await shopWithWeChat();
    fake.user = { ...fake.user, unionid: "o6_union-1" };
    const browser = new Client(shop.app);
    const state = new URL((await openWeChatLink(shop, browser)).location!).searchParams.get("state")!;
    await browser.get(shop.chat, wechatBrowser);
    await browser.request(`${shop.chat}/context`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    shop.db.update(visitors).set({ name: "Wang Fang" }).where(eq(visitors.id, stored(shop, browser)!.id)).run();
    await callback(shop, browser, { code: fake.issueCode(), state });
    expect(stored(shop, browser)).toMatchObject({ wechatId: "o6_union-1", name: "Wang Fang" });
  });

  it("refuses a forged state, an expired one and another visitor's, without asking WeChat", async () => {
    const shop = await shopWithWeChat();
    const browser = new Client(shop.app);
    await openWeChatLink(shop, browser);
    const other = new Client(shop.app);
    await openWeChatLink(shop, other);
    const token = tokenOf(browser);
    const refused = [
      `${"9".repeat(10)}${"ab".repeat(32)}`,
      signInState(testSecret, shop.business.id, token, Date.now() - 11 * 60_000),
      signInState(testSecret, shop.business.id, tokenOf(other)),
      signInState("1".repeat(64), shop.business.id, token),
      signInState(testSecret, shop.business.id + 1, token),
      "",
    ];
    for (const state of refused) {
      expect(await callback(shop, browser, { code: fake.issueCode(), ...(state ? { state } : {}) })).toEqual({ status: 303, location: `${shop.chat}?via=wechat&anonymous=1` });
    }
    expect(exchanges()).toBe(0);
    expect(stored(shop, browser)).toBeUndefined();
    expect(shop.logged.filter((line) => line.includes("wechat sign-in refused"))).toHaveLength(refused.length);
    // The chat page after it works as today, and does not send them to WeChat again.
    const page = await browser.get(`${shop.chat}?via=wechat&anonymous=1`, wechatBrowser);
    expect(page.status).toBe(200);
  });

  it("lets a visitor who refuses, or whom WeChat refuses or cannot answer, chat anonymous, and logs why", async () => {
    const shop = await shopWithWeChat();
    const browser = new Client(shop.app);
    const state = new URL((await openWeChatLink(shop, browser)).location!).searchParams.get("state")!;
    const anonymous = { status: 303, location: `${shop.chat}?via=wechat&anonymous=1` };

    expect(await callback(shop, browser, { state })).toEqual(anonymous);
    expect(shop.logged.at(-1)).toContain("wechat sign-in declined by the visitor");

    fake.failNext = { path: "/sns/oauth2/access_token", errcode: 40029, errmsg: "invalid code" };
    expect(await callback(shop, browser, { code: fake.issueCode(), state })).toEqual(anonymous);
    expect(shop.logged.at(-1)).toContain("errcode 40029 invalid code");

    fake.failNext = { path: "/sns/userinfo", errcode: 40001, errmsg: "invalid credential" };
    expect(await callback(shop, browser, { code: fake.issueCode(), state })).toEqual(anonymous);
    expect(shop.logged.at(-1)).toContain("errcode 40001 invalid credential");

    // A code WeChat never issued.
    expect(await callback(shop, browser, { code: "made-up", state })).toEqual(anonymous);
    expect(shop.logged.at(-1)).toContain("errcode 40029");

    const code = fake.issueCode();
    fake.stop();
    expect(await callback(shop, browser, { code, state })).toEqual(anonymous);
    expect(shop.logged.at(-1)).toContain("could not be reached");
    expect(shop.logged.join("\n")).not.toContain("    at ");
    expect(shop.logged.join("\n")).not.toContain(appSecret);
    expect(stored(shop, browser)).toBeUndefined();
  });

  it("signs the visitor in without a picture that is not an image or is too large", async () => {
    const shop = await shopWithWeChat();
    for (const avatar of [{ body: "<svg onload=alert(1)>", type: "image/svg+xml" }, { body: new Uint8Array(600 * 1024).fill(0x89), type: "image/png" }]) {
      fake.avatar = avatar;
      const browser = new Client(shop.app);
      const state = new URL((await openWeChatLink(shop, browser)).location!).searchParams.get("state")!;
      expect((await callback(shop, browser, { code: fake.issueCode(), state })).location).toBe(`${shop.chat}?via=wechat`);
      expect(stored(shop, browser)).toMatchObject({ wechatId: "oABC-openid-1", avatar: null });
    }
    expect(shop.logged.filter((line) => line.includes("wechat avatar not kept"))).toHaveLength(2);
  });

  it("leaves the link as it was without an account, switched off, outside WeChat, or inside the widget", async () => {
    const without = await shopWithWeChat({ account: false });
    expect((await openWeChatLink(without, new Client(without.app))).response.status).toBe(200);
    fake.stop();

    const shop = await shopWithWeChat();
    expect((await new Client(shop.app).get(`${shop.chat}?via=wechat`)).status).toBe(200);
    expect((await new Client(shop.app).get(shop.chat, wechatBrowser)).status).toBe(200);
    expect((await new Client(shop.app).get(`${shop.chat}?via=wechat&embed=1`, wechatBrowser)).status).toBe(200);
    shop.db.update(wechatAccounts).set({ enabled: false }).run();
    expect((await openWeChatLink(shop, new Client(shop.app))).response.status).toBe(200);
    expect(fake.requests).toHaveLength(0);
  });

  it("only ever sends the visitor back to the shop's own chat page", async () => {
    const shop = await shopWithWeChat();
    const browser = new Client(shop.app);
    const state = new URL((await openWeChatLink(shop, browser)).location!).searchParams.get("state")!;
    const response = await browser.get(`${shop.chat}/wechat?via=wechat&locale=zh-CN&group=3&redirect=https://evil.example&state=${state}`, wechatBrowser);
    expect(response.headers.get("location")).toStartWith(`${shop.chat}?`);
  });
});

describe("the official account's settings on the Deploy page", () => {
  it("lets an owner set the AppID and AppSecret, never showing the secret again", async () => {
    const shop = await shopWithWeChat({ account: false });
    const { client } = await signedIn(shop, "owner");
    const before = await (await client.get("/console/deploy")).text();
    expect(before).toContain('id="wechat-sign-in"');
    const saved = await client.post("/console/deploy/wechat", { appId, appSecret, enabled: "on" });
    expect(saved.status).toBe(200);
    const page = await saved.text();
    expect(page).toContain("Saved");
    expect(page).not.toContain(appSecret);
    expect(page).toContain(`value="${appId}"`);
    expect(page).toContain("Set; leave empty to keep it");
    expect(await (await client.get("/console/deploy")).text()).not.toContain(appSecret);
    // Saving again with the secret left empty keeps it.
    await client.post("/console/deploy/wechat", { appId, appSecret: "", enabled: "on" });
    expect(shop.db.select().from(wechatAccounts).get()).toMatchObject({ appId, appSecret, enabled: true });
    await client.post("/console/deploy/wechat", { appId, appSecret: "" });
    expect(shop.db.select().from(wechatAccounts).get()).toMatchObject({ appSecret, enabled: false });
  });

  it("refuses an AppID or AppSecret of the wrong shape, and a first save without a secret, changing nothing", async () => {
    const shop = await shopWithWeChat({ account: false });
    const { client } = await signedIn(shop, "owner");
    const cases: [Record<string, string>, string][] = [
      [{ appId: "wx0123", appSecret }, 'An AppID is "wx" followed by 16 letters a-f or digits.'],
      [{ appId: "gh_0123456789abcdef", appSecret }, "An AppID is"],
      [{ appId, appSecret: "not-a-secret" }, "An AppSecret is 32 letters a-f or digits."],
      [{ appId, appSecret: "" }, "Enter the AppSecret."],
    ];
    for (const [form, message] of cases) {
      const response = await client.post("/console/deploy/wechat", { ...form, enabled: "on" });
      expect(response.status).toBe(422);
      const page = await response.text();
      expect(page).toContain(message.replaceAll('"', "&quot;"));
      expect(page).not.toContain(appSecret);
    }
    expect(shop.db.select().from(wechatAccounts).all()).toHaveLength(0);
  });

  it("shows admins whether it is on but lets only owners change it", async () => {
    const shop = await shopWithWeChat();
    const { client } = await signedIn(shop, "admin");
    const page = await (await client.get("/console/deploy")).text();
    expect(page).toContain("Only the shop&#39;s owners can change");
    expect(page).not.toContain('name="appSecret"');
    expect(page).not.toContain(appSecret);
    const response = await client.post("/console/deploy/wechat", { appId: "wxffffffffffffffff", appSecret: "f".repeat(32) });
    expect(response.status).toBe(409);
    expect(shop.db.select().from(wechatAccounts).get()).toMatchObject({ appId, appSecret });
  });
});
