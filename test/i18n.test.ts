import { describe, expect, it } from "bun:test";
import { localeFromAcceptLanguage, translator } from "../src/i18n";
import { en } from "../src/i18n/en";
import { zhCN } from "../src/i18n/zh-CN";

describe("translations", () => {
  it("has a Chinese text for every English one, with the same placeholders", () => {
    expect(Object.keys(zhCN).sort()).toEqual(Object.keys(en).sort());
    for (const key of Object.keys(en) as (keyof typeof en)[]) {
      const placeholders = (text: string) => (text.match(/\{\w+\}/g) ?? []).sort();
      expect(placeholders(zhCN[key])).toEqual(placeholders(en[key]));
    }
  });

  it("picks the language the browser prefers among the ones Kefu speaks", () => {
    expect(localeFromAcceptLanguage("zh-CN,zh;q=0.9,en;q=0.8")).toBe("zh-CN");
    expect(localeFromAcceptLanguage("zh-TW")).toBe("zh-CN");
    expect(localeFromAcceptLanguage("fr-FR,en;q=0.5,zh;q=0.4")).toBe("en");
    expect(localeFromAcceptLanguage("en;q=0.2,zh;q=0.9")).toBe("zh-CN");
    expect(localeFromAcceptLanguage("de")).toBe("en");
    expect(localeFromAcceptLanguage(null)).toBe("en");
  });

  it("fills placeholders", () => {
    expect(translator("zh-CN")("login.throttled", { minutes: 3 })).toBe("登录失败次数过多，请 3 分钟后再试。");
  });
});
