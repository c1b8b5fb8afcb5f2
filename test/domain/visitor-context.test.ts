import { describe, expect, it } from "bun:test";
import { eq } from "drizzle-orm";
import { visitors } from "../../src/db/schema";
import { ignoreEvents } from "../../src/domain/events";
import { limits } from "../../src/domain/limits";
import { updateVisitorContext } from "../../src/domain/visitor-context";
import { createAnonymousVisitor } from "../../src/domain/visitors";
import { testApp } from "../support";

const shopPage = { url: "https://shop.example.com/teapots", title: "Teapots", referrer: "https://search.example.com/?q=teapot", language: "zh-CN", timezone: "Asia/Shanghai" };

function setup() {
  const ctx = testApp();
  const visitor = createAnonymousVisitor(ctx.db, "0".repeat(64), ctx.business.id, { ip: null, userAgent: null, page: null }).visitor;
  const context = () =>
    ctx.db
      .select({
        currentPage: visitors.currentPage,
        pageTitle: visitors.pageTitle,
        referrer: visitors.referrer,
        language: visitors.language,
        timezone: visitors.timezone,
      })
      .from(visitors)
      .where(eq(visitors.id, visitor.id))
      .get();
  return { ...ctx, visitor, context };
}

describe("updating what the widget reports of the visitor", () => {
  it("stores the page, its title, the referrer, the language and the time zone", () => {
    const ctx = setup();
    const updated = updateVisitorContext(ctx.db, ignoreEvents, ctx.visitor, shopPage);
    expect(updated).toMatchObject({ currentPage: shopPage.url, pageTitle: "Teapots", referrer: shopPage.referrer, language: "zh-CN", timezone: "Asia/Shanghai" });
    expect(ctx.context()).toEqual({ currentPage: shopPage.url, pageTitle: "Teapots", referrer: shopPage.referrer, language: "zh-CN", timezone: "Asia/Shanghai" });
  });

  it("keeps only http and https addresses, leaving the last good ones in place", () => {
    const ctx = setup();
    updateVisitorContext(ctx.db, ignoreEvents, ctx.visitor, shopPage);
    for (const url of ["javascript:alert(1)", "data:text/html,<b>hi</b>", "file:///etc/passwd", "ftp://shop.example.com/", "/teapots", "not a url", `https://shop.example.com/${"a".repeat(limits.urlLength)}`]) {
      updateVisitorContext(ctx.db, ignoreEvents, ctx.visitor, { url, title: "Injected", referrer: url });
    }
    expect(ctx.context()).toMatchObject({ currentPage: shopPage.url, pageTitle: "Teapots", referrer: shopPage.referrer });
    updateVisitorContext(ctx.db, ignoreEvents, ctx.visitor, { url: "http://shop.example.com/cups", referrer: "http://blog.example.com/" });
    expect(ctx.context()).toMatchObject({ currentPage: "http://shop.example.com/cups", referrer: "http://blog.example.com/" });
  });

  it("stores an address in its normal form", () => {
    const ctx = setup();
    updateVisitorContext(ctx.db, ignoreEvents, ctx.visitor, { url: "HTTPS://Shop.Example.com/tea pots" });
    expect(ctx.context()!.currentPage).toBe("https://shop.example.com/tea%20pots");
  });

  it("clips a long title, counting characters, and clears it for a page without one", () => {
    const ctx = setup();
    updateVisitorContext(ctx.db, ignoreEvents, ctx.visitor, { url: shopPage.url, title: `  ${"茶".repeat(limits.pageTitleLength + 50)}  ` });
    expect(ctx.context()!.pageTitle).toBe("茶".repeat(limits.pageTitleLength));
    updateVisitorContext(ctx.db, ignoreEvents, ctx.visitor, { url: "https://shop.example.com/cups", title: "   " });
    expect(ctx.context()).toMatchObject({ currentPage: "https://shop.example.com/cups", pageTitle: null });
  });

  it("ignores a title reported without a page", () => {
    const ctx = setup();
    updateVisitorContext(ctx.db, ignoreEvents, ctx.visitor, shopPage);
    updateVisitorContext(ctx.db, ignoreEvents, ctx.visitor, { title: "Another page" });
    expect(ctx.context()!.pageTitle).toBe("Teapots");
  });

  it("keeps only language tags and time zone names that look valid", () => {
    const ctx = setup();
    for (const [language, timezone] of [
      ["en", "UTC"],
      ["zh-Hans-CN", "America/Argentina/Buenos_Aires"],
      ["yue", "Etc/GMT+8"],
    ] as const) {
      updateVisitorContext(ctx.db, ignoreEvents, ctx.visitor, { language, timezone });
      expect(ctx.context()).toMatchObject({ language, timezone });
    }
    for (const [language, timezone] of [
      ["<script>", "<b>Asia</b>"],
      ["e", "Asia/Shang hai"],
      ["english", "x".repeat(65)],
      ["zh-CN; drop table", "Asia/Shanghai\n"],
    ]) {
      updateVisitorContext(ctx.db, ignoreEvents, ctx.visitor, { language, timezone });
    }
    expect(ctx.context()).toMatchObject({ language: "yue", timezone: "Etc/GMT+8" });
  });

  it("notes that the visitor was just seen, even when nothing reported is kept", () => {
    const ctx = setup();
    ctx.db.update(visitors).set({ lastSeenAt: 1000 }).where(eq(visitors.id, ctx.visitor.id)).run();
    const updated = updateVisitorContext(ctx.db, ignoreEvents, ctx.visitor, { url: "javascript:alert(1)" });
    expect(updated.lastSeenAt).toBeGreaterThan(Date.now() - 60_000);
  });
});
