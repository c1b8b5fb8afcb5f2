// One typed config object from flags and environment variables; flags win. Every value is
// checked here, so a bad one stops the program before it opens anything.
import { resolve } from "node:path";

export const logLevels = ["debug", "info", "warn", "error"] as const;
export type LogLevel = (typeof logLevels)[number];

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  /** The address people use to reach Kefu, e.g. https://chat.example.com; shown in links. */
  publicUrl: string | null;
  logLevel: LogLevel;
  /** Behind a reverse proxy: take the client IP from X-Forwarded-For. */
  trustProxy: boolean;
  /** Where WeChat's sign-in page and its API answer: WeChat itself, or a stand-in for tests. */
  wechat: WeChatUrls;
  /** Push notifications may go to push services on private addresses: for tests with a local fake one. */
  pushToPrivateAddresses: boolean;
  /** Valkey/Redis that several processes share for realtime; null: one process, all in memory. */
  redisUrl: string | null;
}

export interface WeChatUrls {
  /** The page that asks the WeChat user to agree (/connect/oauth2/authorize). */
  openUrl: string;
  /** The API that exchanges the code and reads the user's profile (/sns/...). */
  apiUrl: string;
}

export const wechatUrls: WeChatUrls = { openUrl: "https://open.weixin.qq.com", apiUrl: "https://api.weixin.qq.com" };

export class UsageError extends Error {}

export interface ConfigFlags {
  port?: string;
  host?: string;
  "data-dir"?: string;
  "public-url"?: string;
  "log-level"?: string;
  "trust-proxy"?: boolean;
  "wechat-url"?: string;
  "push-private"?: boolean;
  "redis-url"?: string;
}

type Env = Record<string, string | undefined>;

export function resolveConfig(flags: ConfigFlags, env: Env): Config {
  return {
    port: parsePort(flags.port ?? env.PORT ?? "3000", flags.port !== undefined ? "--port" : "PORT"),
    host: flags.host ?? env.HOST ?? "0.0.0.0",
    dataDir: resolve(flags["data-dir"] ?? env.KEFU_DATA_DIR ?? "./data"),
    publicUrl: parsePublicUrl(flags["public-url"] ?? env.KEFU_PUBLIC_URL),
    logLevel: parseLogLevel(flags["log-level"] ?? env.KEFU_LOG_LEVEL ?? "info"),
    trustProxy: flags["trust-proxy"] ?? parseBoolean(env.KEFU_TRUST_PROXY, "KEFU_TRUST_PROXY"),
    wechat: parseWeChatUrl(flags["wechat-url"] ?? env.KEFU_WECHAT_URL),
    pushToPrivateAddresses: flags["push-private"] ?? parseBoolean(env.KEFU_PUSH_PRIVATE, "KEFU_PUSH_PRIVATE"),
    redisUrl: parseRedisUrl(flags["redis-url"] ?? env.KEFU_REDIS_URL),
  };
}

function parsePort(value: string, source: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) {
    throw new UsageError(`${source} must be a port number from 0 to 65535, not "${value}"`);
  }
  return port;
}

function parsePublicUrl(value: string | undefined): string | null {
  if (value === undefined || value === "") return null;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`--public-url must be an absolute URL like https://chat.example.com, not "${value}"`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new UsageError(`--public-url must start with http:// or https://, not "${value}"`);
  }
  return url.origin + url.pathname.replace(/\/+$/, "");
}

/** One address for both of WeChat's hosts: a fake OAuth server in tests, or a proxy. */
function parseWeChatUrl(value: string | undefined): WeChatUrls {
  if (value === undefined || value === "") return wechatUrls;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`--wechat-url must be an absolute URL like http://127.0.0.1:8080, not "${value}"`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new UsageError(`--wechat-url must start with http:// or https://, not "${value}"`);
  }
  const base = url.origin + url.pathname.replace(/\/+$/, "");
  return { openUrl: base, apiUrl: base };
}

/** Kept as given (it may carry a password, so it is never echoed back). */
function parseRedisUrl(value: string | undefined): string | null {
  if (value === undefined || value === "") return null;
  if (!URL.canParse(value) || !["redis:", "rediss:"].includes(new URL(value).protocol)) {
    throw new UsageError("--redis-url must be a URL like redis://127.0.0.1:6379 or rediss://user:password@host:6380");
  }
  return value;
}

function parseLogLevel(value: string): LogLevel {
  if (!(logLevels as readonly string[]).includes(value)) {
    throw new UsageError(`--log-level must be one of ${logLevels.join(", ")}, not "${value}"`);
  }
  return value as LogLevel;
}

function parseBoolean(value: string | undefined, name: string): boolean {
  if (value === undefined || value === "" || value === "0" || value === "false") return false;
  if (value === "1" || value === "true") return true;
  throw new UsageError(`${name} must be true or false, not "${value}"`);
}
