import { describe, expect, it } from "bun:test";
import { Client, signedIn, testApp } from "../support";

describe("the console as an installable app", () => {
  it("links its manifest, in the agent's language, from console pages only, never from the visitor's chat page", async () => {
    const ctx = testApp();
    const { client } = await signedIn(ctx, "agent");
    await client.post("/console/locale", { locale: "zh-CN" });
    const page = await (await client.get("/console")).text();
    expect(page).toContain('<link rel="manifest" href="/console.webmanifest?locale=zh-CN">');
    expect(page).toMatch(/<script src="\/assets\/console\.js\?v=[^"]+" data-worker="\/console-worker\.js\?v=[^"]+" data-worker-scope="\/console">/);
    const chat = await (await new Client(ctx.app).get(`/chat/${ctx.business.widgetKey}`)).text();
    expect(chat).not.toContain("manifest");
    expect(chat).not.toContain("console-worker");
  });

  it("names the app in the language asked for, starting at the console, standalone, with any and maskable icons that are served", async () => {
    const ctx = testApp();
    const response = await ctx.app.handle(new Request("http://kefu.test/console.webmanifest?locale=zh-CN"));
    expect(response.headers.get("content-type")).toStartWith("application/manifest+json");
    const manifest = await response.json();
    expect(manifest).toMatchObject({ name: "客服", start_url: "/console", scope: "/console", display: "standalone", lang: "zh-CN" });
    expect(manifest.icons.map((icon: { sizes: string; purpose: string }) => `${icon.sizes} ${icon.purpose}`)).toEqual(["192x192 any", "512x512 any", "512x512 maskable"]);
    for (const icon of manifest.icons) {
      const image = await ctx.app.handle(new Request(`http://kefu.test${icon.src}`));
      expect(image.status).toBe(200);
      expect(image.headers.get("content-type")).toBe("image/png");
    }
    const english = await (await ctx.app.handle(new Request("http://kefu.test/console.webmanifest", { headers: { "accept-language": "en-US" } }))).json();
    expect(english.name).toBe("Kefu");
  });

  it("serves the worker from the root, always asked again, under the same security headers, and the offline page to anyone", async () => {
    const ctx = testApp();
    const worker = await ctx.app.handle(new Request("http://kefu.test/console-worker.js?v=1"));
    expect(worker.status).toBe(200);
    expect(worker.headers.get("content-type")).toStartWith("text/javascript");
    expect(worker.headers.get("cache-control")).toBe("no-cache");
    // Workers are scripts: the page's CSP lets them load from our own origin, and no further.
    expect(worker.headers.get("content-security-policy")).toContain("script-src 'self'");
    expect(await worker.text()).toContain('addEventListener("push"');
    const offline = await ctx.app.handle(new Request("http://kefu.test/console-offline", { headers: { "accept-language": "zh-CN" } }));
    expect(offline.status).toBe(200);
    expect(await offline.text()).toContain("您已离线");
  });
});
