// What an agent needs to know of a visitor's browser: its name, the system and the kind of device.
// A deliberately small parser: User-Agent strings lie and change, so this names the browsers our
// visitors use (Chinese in-app browsers included) and says nothing rather than guess wrong.

export type DeviceKind = "desktop" | "mobile" | "tablet" | "bot" | "unknown";

export interface UserAgentSummary {
  /** "Chrome 120", "WeChat 8"; "" when not recognised. */
  browser: string;
  /** "Windows", "Android 14", "iOS 17"; "" when not recognised. */
  os: string;
  device: DeviceKind;
}

// A token followed by "/" ends in "/" so that "CUBOT X30" (a phone) is not a bot; Googlebot,
// Baiduspider, Bytespider and "Sogou web spider" all are.
const bot = /([\w-]*(?:bot|crawler|spider))(?:[/;)+,]|\.html|$)/i;

// Most specific first: in-app and Chinese browsers wrap Chrome or Safari and keep their tokens.
const browsers: [name: string, pattern: RegExp][] = [
  ["WeCom", /wxwork\/(\d+)/i],
  ["WeChat", /MicroMessenger\/(\d+)/i],
  ["QQ", /\sQQ\/(\d+)/],
  ["QQ Browser", /M?QQBrowser\/(\d+)/i],
  ["UC Browser", /(?:UCBrowser|UCWEB)\/?(\d+)/i],
  ["Baidu", /(?:baiduboxapp|BIDUBrowser|baidubrowser)\/(\d+)/i],
  ["Quark", /Quark\/(\d+)/i],
  ["Huawei Browser", /HuaweiBrowser\/(\d+)/],
  ["Samsung Internet", /SamsungBrowser\/(\d+)/],
  ["Edge", /(?:Edg|EdgA|EdgiOS|Edge)\/(\d+)/],
  ["Opera", /(?:OPR|OPiOS|OPT)\/(\d+)/],
  ["Opera", /Opera[/ ](?:.*Version\/)?(\d+)/],
  ["Firefox", /(?:Firefox|FxiOS)\/(\d+)/],
  ["Chrome", /(?:Chrome|CriOS)\/(\d+)/],
  ["Safari", /Version\/(\d+)[\d.]* (?:Mobile\/\w+ )?Safari\//],
];

const windowsVersions: Record<string, string> = { "6.3": "Windows 8.1", "6.2": "Windows 8", "6.1": "Windows 7" };

function browserOf(ua: string): string {
  for (const [name, pattern] of browsers) {
    const version = ua.match(pattern)?.[1];
    if (version) return `${name} ${Number(version)}`;
  }
  // Apple's own web views (and Safari on very old systems) carry no Version/ token.
  if (/AppleWebKit/.test(ua) && /iPhone|iPad|iPod|Macintosh/.test(ua)) return "Safari";
  return "";
}

function osOf(ua: string): string {
  if (/HarmonyOS|OpenHarmony/.test(ua)) return "HarmonyOS";
  if (/CrOS/.test(ua)) return "ChromeOS";
  const windows = ua.match(/Windows NT (\d+\.\d+)/)?.[1];
  // Windows 11 still says "NT 10.0", so 10 and 11 are one "Windows".
  if (windows) return windowsVersions[windows] ?? "Windows";
  if (/Windows/.test(ua)) return "Windows";
  const apple = ua.match(/(iPad|iPhone|iPod)(?:.*? OS (\d+))?/);
  if (apple) {
    const name = apple[1] === "iPad" ? "iPadOS" : "iOS";
    return apple[2] ? `${name} ${Number(apple[2])}` : name;
  }
  if (/Macintosh|Mac OS X/.test(ua)) return "macOS";
  const android = ua.match(/Android[ /]?(\d+)?/);
  if (android) return android[1] ? `Android ${Number(android[1])}` : "Android";
  if (/Linux|X11/.test(ua)) return "Linux";
  return "";
}

function deviceOf(ua: string): DeviceKind {
  if (/iPad|Tablet/i.test(ua)) return "tablet";
  if (/Mobile|iPhone|iPod|\(Phone;|Windows Phone/.test(ua)) return "mobile";
  // Android tablets are the Android browsers that leave "Mobile" out.
  if (/Android/.test(ua)) return "tablet";
  if (/Windows|Macintosh|X11|CrOS|Linux/.test(ua)) return "desktop";
  return "unknown";
}

export function describeUserAgent(ua: string | null): UserAgentSummary {
  if (!ua?.trim()) return { browser: "", os: "", device: "unknown" };
  const crawler = ua.match(bot)?.[1];
  if (crawler) return { browser: crawler, os: osOf(ua), device: "bot" };
  return { browser: browserOf(ua), os: osOf(ua), device: deviceOf(ua) };
}

/** WeChat's in-app browser (a chat reached from an official account or a shared link). */
export function isWeChat(ua: string | null): boolean {
  return /MicroMessenger/i.test(ua ?? "");
}
