import { describe, expect, it } from "bun:test";
import type { Visitor } from "../../src/domain/visitors";
import { translator } from "../../src/i18n";
import { visitorPanel, visitorPanelPartial } from "../../src/views/visitor-panel";

const en = translator("en");
const zh = translator("zh-CN");

function visitor(overrides: Partial<Visitor> = {}): Visitor {
  return {
    id: 42,
    businessId: 1,
    externalId: "v-42",
    name: null,
    avatar: null,
    wechatId: null,
    email: null,
    phone: null,
    attributes: {},
    firstSeenAt: Date.UTC(2026, 0, 5, 8, 30),
    lastSeenAt: Date.UTC(2026, 1, 14, 9, 45),
    visitCount: 3,
    conversationCount: 0,
    lastIp: "203.0.113.7",
    userAgent:
      "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.44(0x18002c2d) NetType/WIFI Language/zh_CN",
    currentPage: "https://shop.example/products/tea?ref=chat",
    pageTitle: "Oolong tea",
    referrer: "https://www.baidu.com/s?wd=tea",
    language: "zh-CN",
    timezone: "Asia/Shanghai",
    verified: false,
    product: null,
    blocked: false,
    blockedReason: null,
    blockedBy: null,
    ...overrides,
  };
}

const render = (v: Visitor, t = en) => visitorPanel(t, v).value;

describe("the visitor panel", () => {
  it("is one aside with a fixed id, so a pushed panel replaces the open one", () => {
    const panel = render(visitor());
    expect(panel).toStartWith('<aside id="visitor-panel" class="visitor-panel"');
    const pushed = visitorPanelPartial(en, visitor()).value;
    expect(pushed).toStartWith('<hx-partial hx-target="#visitor-panel" hx-swap="outerHTML"><aside id="visitor-panel"');
  });

  it("names an anonymous visitor by number and shows what their browser told us", () => {
    const panel = render(visitor());
    expect(panel).toContain("Visitor #42");
    expect(panel).toContain(
      '<a href="https://shop.example/products/tea?ref=chat" target="_blank" rel="noopener noreferrer">Oolong tea</a>',
    );
    expect(panel).toContain('<a href="https://www.baidu.com/s?wd=tea" target="_blank" rel="noopener noreferrer">');
    expect(panel).toContain("WeChat 8 · iOS 17 · Phone");
    expect(panel).toContain("Asia/Shanghai");
    expect(panel).toContain("203.0.113.7");
    expect(panel).toContain('<time datetime="2026-01-05T08:30:00.000Z">');
    expect(panel).toContain("<dt>Visits</dt><dd>3</dd>");
    expect(panel).not.toContain("Verified");
  });

  it("badges a visitor the website vouched for, in the agent's language", () => {
    const v = visitor({ name: "王小明", verified: true, email: "ming@example.com", phone: "+86 138 0000 0000" });
    expect(render(v)).toContain('<span class="badge verified"');
    expect(render(v)).toContain(">Verified</span>");
    const chinese = render(v, zh);
    expect(chinese).toContain("王小明");
    expect(chinese).toContain(">已验证</span>");
    expect(chinese).toContain("<dt>邮箱</dt><dd>ming@example.com</dd>");
    expect(chinese).toContain("WeChat 8 · iOS 17 · 手机");
  });

  it("lists the website's custom attributes as escaped terms and details", () => {
    const panel = render(visitor({ attributes: { plan: "Gold", "<b>key</b>": "<script>alert(1)</script>" } }));
    expect(panel).toContain("<dt>plan</dt><dd>Gold</dd>");
    expect(panel).toContain("<dt>&lt;b&gt;key&lt;/b&gt;</dt><dd>&lt;script&gt;alert(1)&lt;/script&gt;</dd>");
    expect(panel).not.toContain("<script>");
  });

  it("shows the product card with its https image, price and a link to it", () => {
    const panel = render(
      visitor({
        product: {
          title: "Oolong tea, 250 g",
          image: "https://cdn.shop.example/tea.jpg",
          price: "¥88.00",
          url: "https://shop.example/products/tea",
          description: "Roasted, from Anxi.",
        },
      }),
    );
    expect(panel).toContain(
      '<img src="https://cdn.shop.example/tea.jpg" alt="" width="64" height="64" referrerpolicy="no-referrer" loading="lazy">',
    );
    expect(panel).toContain(
      '<a href="https://shop.example/products/tea" target="_blank" rel="noopener noreferrer">Oolong tea, 250 g</a>',
    );
    expect(panel).toContain('<span class="price">¥88.00</span>');
    expect(panel).toContain("<p>Roasted, from Anxi.</p>");
  });

  it("leaves out a product image that is not https and a product link that is not http(s)", () => {
    for (const image of ["http://cdn.shop.example/tea.jpg", "data:image/svg+xml,<svg onload=alert(1)>", "javascript:alert(1)"]) {
      const panel = render(visitor({ product: { title: "Tea", image, url: "javascript:alert(1)" } }));
      expect(panel).not.toContain("<img");
      expect(panel).not.toContain("<a href=\"javascript");
      expect(panel).toContain('<strong class="product-title">Tea</strong>');
    }
  });

  it("never links a javascript: page or referrer, and escapes what it shows instead", () => {
    const panel = render(
      visitor({
        currentPage: " javascript:alert(document.cookie)",
        pageTitle: '"><script>alert(1)</script>',
        referrer: "JaVaScRiPt:alert(2)",
        name: "<img src=x onerror=alert(3)>",
        userAgent: '<script>alert(4)</script>"',
      }),
    );
    expect(panel).not.toMatch(/href="\s*javascript/i);
    expect(panel).not.toContain("<script>");
    expect(panel).not.toContain("<img src=x");
    expect(panel).toContain("&lt;img src=x onerror=alert(3)&gt;");
    expect(panel).toContain("&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(panel).toContain("JaVaScRiPt:alert(2)");
    expect(panel).toContain('title="&lt;script&gt;alert(4)&lt;/script&gt;&quot;"');
  });

  it("omits what it does not know rather than show empty rows", () => {
    const panel = render(
      visitor({ currentPage: null, pageTitle: null, referrer: null, userAgent: null, language: null, timezone: null, lastIp: null }),
    );
    for (const term of ["Current page", "Came from", "Browser", "Language", "Time zone", "IP address", "Email", "Phone"]) {
      expect(panel).not.toContain(`<dt>${term}</dt>`);
    }
    expect(panel).toContain("<dt>First seen</dt>");
  });
});
