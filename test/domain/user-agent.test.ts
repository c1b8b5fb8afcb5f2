import { describe, expect, it } from "bun:test";
import { describeUserAgent } from "../../src/domain/user-agent";

// Real User-Agent strings, as browsers and apps send them.
const ua = {
  chromeWindows: "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
  edgeWindows:
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.2210.91",
  firefoxLinux: "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0",
  safariMac:
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15",
  operaMac:
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.0.0 Safari/537.36 OPR/105.0.0.0",
  chromeOs: "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
  safariIphone:
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1.2 Mobile/15E148 Safari/604.1",
  chromeIphone:
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/120.0.6099.119 Mobile/15E148 Safari/604.1",
  safariIpad:
    "Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1",
  chromeAndroid:
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.144 Mobile Safari/537.36",
  chromeAndroidTablet:
    "Mozilla/5.0 (Linux; Android 13; SM-X700) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.144 Safari/537.36",
  firefoxAndroidTablet: "Mozilla/5.0 (Android 14; Tablet; rv:121.0) Gecko/121.0 Firefox/121.0",
  samsung:
    "Mozilla/5.0 (Linux; Android 13; SAMSUNG SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/23.0 Chrome/115.0.0.0 Mobile Safari/537.36",
  wechatAndroid:
    "Mozilla/5.0 (Linux; Android 13; V2148A Build/TP1A.220624.014; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/116.0.0.0 Mobile Safari/537.36 XWEB/1160065 MMWEBSDK/20231202 MMWEBID/2247 MicroMessenger/8.0.47.2560(0x28002F30) WeChat/arm64 Weixin NetType/WIFI Language/zh_CN ABI/arm64",
  wechatIphone:
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.44(0x18002c2d) NetType/WIFI Language/zh_CN",
  wecomWindows:
    "Mozilla/5.0 (Windows NT 10.0; WOW64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/53.0.2785.116 Safari/537.36 QBCore/4.0.1326.400 QQBrowser/9.0.2524.400 Mozilla/5.0 (Windows NT 6.1; WOW64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/53.0.2875.116 Safari/537.36 NetType/WIFI MicroMessenger/7.0.20.1781(0x6700143B) WindowsWechat(0x6309092b) XWEB/9129 Flue wxwork/4.1.16 (MicroMessenger/6.2) WeChat/2.0.4",
  qqBrowserAndroid:
    "Mozilla/5.0 (Linux; U; Android 11; zh-cn; PDYM20 Build/RP1A.200720.011) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/109.0.5414.86 MQQBrowser/14.7 Mobile Safari/537.36 COVC/046805",
  qqBrowserWindows:
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/94.0.4606.71 Safari/537.36 Core/1.94.202.400 QQBrowser/11.9.5355.400",
  uc: "Mozilla/5.0 (Linux; U; Android 12; zh-CN; 22041211AC Build/SP1A.210812.016) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/100.0.4896.58 UCBrowser/15.5.2.1232 Mobile Safari/537.36",
  baidu:
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 SP-engine/2.91.0 main%2F1.0 baiduboxapp/13.32.0.10 (Baidu; P2 17.1) NABar/1.0",
  quark:
    "Mozilla/5.0 (Linux; U; Android 13; zh-CN; 2211133C Build/TKQ1.220905.001) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/100.0.4896.58 Quark/6.9.6.501 Mobile Safari/537.36",
  harmony:
    "Mozilla/5.0 (Linux; Android 12; HarmonyOS; ANA-AN00; HMSCore 6.13.0.302) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/99.0.4844.88 HuaweiBrowser/14.0.5.302 Mobile Safari/537.36",
  harmonyNext:
    "Mozilla/5.0 (Phone; OpenHarmony 4.1) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/114.0.0.0 Safari/537.36 ArkWeb/4.1.6.1 Mobile HuaweiBrowser/5.0.4.300",
  googlebot: "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
  baiduspider: "Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)",
  bytespider:
    "Mozilla/5.0 (Linux; Android 5.0) AppleWebKit/537.36 (KHTML, like Gecko) Mobile Safari/537.36 (compatible; Bytespider; spider-feedback@bytedance.com)",
  cubotPhone:
    "Mozilla/5.0 (Linux; Android 10; CUBOT X30 Build/QP1A.190711.020) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.144 Mobile Safari/537.36",
};

describe("describeUserAgent", () => {
  it("names desktop browsers with their major version and the system", () => {
    expect(describeUserAgent(ua.chromeWindows)).toEqual({ browser: "Chrome 120", os: "Windows", device: "desktop" });
    expect(describeUserAgent(ua.edgeWindows)).toEqual({ browser: "Edge 120", os: "Windows", device: "desktop" });
    expect(describeUserAgent(ua.firefoxLinux)).toEqual({ browser: "Firefox 121", os: "Linux", device: "desktop" });
    expect(describeUserAgent(ua.safariMac)).toEqual({ browser: "Safari 17", os: "macOS", device: "desktop" });
    expect(describeUserAgent(ua.operaMac)).toEqual({ browser: "Opera 105", os: "macOS", device: "desktop" });
    expect(describeUserAgent(ua.chromeOs)).toEqual({ browser: "Chrome 120", os: "ChromeOS", device: "desktop" });
  });

  it("tells phones from tablets on iOS, iPadOS and Android", () => {
    expect(describeUserAgent(ua.safariIphone)).toEqual({ browser: "Safari 17", os: "iOS 17", device: "mobile" });
    expect(describeUserAgent(ua.chromeIphone)).toEqual({ browser: "Chrome 120", os: "iOS 17", device: "mobile" });
    expect(describeUserAgent(ua.safariIpad)).toEqual({ browser: "Safari 16", os: "iPadOS 16", device: "tablet" });
    expect(describeUserAgent(ua.chromeAndroid)).toEqual({ browser: "Chrome 120", os: "Android 14", device: "mobile" });
    expect(describeUserAgent(ua.chromeAndroidTablet)).toEqual({ browser: "Chrome 120", os: "Android 13", device: "tablet" });
    expect(describeUserAgent(ua.firefoxAndroidTablet)).toEqual({ browser: "Firefox 121", os: "Android 14", device: "tablet" });
    expect(describeUserAgent(ua.samsung)).toEqual({ browser: "Samsung Internet 23", os: "Android 13", device: "mobile" });
  });

  it("recognises WeChat's in-app browser on Android and on iOS", () => {
    expect(describeUserAgent(ua.wechatAndroid)).toEqual({ browser: "WeChat 8", os: "Android 13", device: "mobile" });
    expect(describeUserAgent(ua.wechatIphone)).toEqual({ browser: "WeChat 8", os: "iOS 17", device: "mobile" });
    expect(describeUserAgent(ua.wecomWindows)).toEqual({ browser: "WeCom 4", os: "Windows", device: "desktop" });
  });

  it("recognises the Chinese browsers that wrap Chrome or Safari", () => {
    expect(describeUserAgent(ua.qqBrowserAndroid)).toEqual({ browser: "QQ Browser 14", os: "Android 11", device: "mobile" });
    expect(describeUserAgent(ua.qqBrowserWindows)).toEqual({ browser: "QQ Browser 11", os: "Windows", device: "desktop" });
    expect(describeUserAgent(ua.uc)).toEqual({ browser: "UC Browser 15", os: "Android 12", device: "mobile" });
    expect(describeUserAgent(ua.baidu)).toEqual({ browser: "Baidu 13", os: "iOS 17", device: "mobile" });
    expect(describeUserAgent(ua.quark)).toEqual({ browser: "Quark 6", os: "Android 13", device: "mobile" });
  });

  it("names HarmonyOS rather than the Android it claims to be", () => {
    expect(describeUserAgent(ua.harmony)).toEqual({ browser: "Huawei Browser 14", os: "HarmonyOS", device: "mobile" });
    expect(describeUserAgent(ua.harmonyNext)).toEqual({ browser: "Huawei Browser 5", os: "HarmonyOS", device: "mobile" });
  });

  it("marks crawlers as bots, by their own name", () => {
    expect(describeUserAgent(ua.googlebot)).toEqual({ browser: "Googlebot", os: "", device: "bot" });
    expect(describeUserAgent(ua.baiduspider)).toMatchObject({ browser: "Baiduspider", device: "bot" });
    expect(describeUserAgent(ua.bytespider)).toMatchObject({ browser: "Bytespider", device: "bot" });
  });

  it("does not take a phone whose model name ends in 'bot' for a crawler", () => {
    expect(describeUserAgent(ua.cubotPhone)).toEqual({ browser: "Chrome 120", os: "Android 10", device: "mobile" });
  });

  it("says nothing rather than guess when there is nothing to read", () => {
    expect(describeUserAgent(null)).toEqual({ browser: "", os: "", device: "unknown" });
    expect(describeUserAgent("")).toEqual({ browser: "", os: "", device: "unknown" });
    expect(describeUserAgent("curl/8.5.0")).toEqual({ browser: "", os: "", device: "unknown" });
  });
});
