import { describe, expect, it } from "bun:test";
import { resolve } from "node:path";
import { parseCommandLine } from "../src/cli";
import { UsageError, wechatUrls } from "../src/config";

describe("the command line", () => {
  it("serves with the defaults when given nothing", () => {
    expect(parseCommandLine([], {})).toEqual({
      name: "serve",
      config: { port: 3000, host: "0.0.0.0", dataDir: resolve("./data"), publicUrl: null, logLevel: "info", trustProxy: false, wechat: wechatUrls, pushToPrivateAddresses: false, redisUrl: null },
    });
  });

  it("sends WeChat sign-in to one address for both of WeChat's hosts when told", () => {
    expect(parseCommandLine(["--wechat-url", "http://127.0.0.1:9999/"], {})).toMatchObject({
      config: { wechat: { openUrl: "http://127.0.0.1:9999", apiUrl: "http://127.0.0.1:9999" } },
    });
    expect(parseCommandLine([], { KEFU_WECHAT_URL: "https://wx.example.com" })).toMatchObject({ config: { wechat: { apiUrl: "https://wx.example.com" } } });
    expect(() => parseCommandLine(["--wechat-url", "ftp://x"], {})).toThrow(/--wechat-url must start with http/);
  });

  it("takes a redis:// or rediss:// URL for Redis, and refuses anything else without echoing it", () => {
    expect(parseCommandLine(["--redis-url", "redis://127.0.0.1:6379"], {})).toMatchObject({ config: { redisUrl: "redis://127.0.0.1:6379" } });
    expect(parseCommandLine([], { KEFU_REDIS_URL: "rediss://kefu:secret@cache.example.com:6380" })).toMatchObject({
      config: { redisUrl: "rediss://kefu:secret@cache.example.com:6380" },
    });
    for (const bad of ["http://127.0.0.1:6379", "127.0.0.1:6379", "redis//:secret@x"]) {
      expect(() => parseCommandLine(["--redis-url", bad], {})).toThrow(UsageError);
    }
    expect(() => parseCommandLine(["--redis-url", "http://:secret@x"], {})).not.toThrow(/secret/);
    expect(() => parseCommandLine(["--redis-url", "http://:secret@x"], {})).toThrow(/--redis-url must be a URL like redis:/);
  });

  it("reads the environment, and flags win over it", () => {
    const env = { PORT: "8080", KEFU_DATA_DIR: "/srv/kefu", KEFU_PUBLIC_URL: "https://chat.example.com/", KEFU_TRUST_PROXY: "true" };
    const command = parseCommandLine(["serve", "--port", "9090"], env);
    expect(command).toMatchObject({
      name: "serve",
      config: { port: 9090, dataDir: "/srv/kefu", publicUrl: "https://chat.example.com", trustProxy: true },
    });
  });

  it("explains a bad value or an unknown flag", () => {
    expect(() => parseCommandLine(["--port", "abc"], {})).toThrow(new UsageError('--port must be a port number from 0 to 65535, not "abc"'));
    expect(() => parseCommandLine(["--prot", "1"], {})).toThrow(/Unknown option '--prot'/);
    expect(() => parseCommandLine(["--log-level", "loud"], {})).toThrow(/--log-level must be one of/);
    expect(() => parseCommandLine(["--public-url", "chat.example.com"], {})).toThrow(/absolute URL/);
    expect(() => parseCommandLine([], { PORT: "70000" })).toThrow(/PORT must be a port number/);
    expect(() => parseCommandLine(["launch"], {})).toThrow(/unknown command "launch"/);
  });

  it("parses user add and insists on its required flags", () => {
    expect(parseCommandLine(["user", "add", "--email", "a@b.co", "--name", "A", "--role", "admin"], {})).toMatchObject({
      name: "user add",
      user: { email: "a@b.co", name: "A", role: "admin", password: undefined },
    });
    expect(() => parseCommandLine(["user", "add", "--email", "a@b.co"], {})).toThrow(/needs --name/);
    expect(() => parseCommandLine(["user", "remove"], {})).toThrow(/user add/);
  });

  it("parses user add --shop, and refuses a shop that is not an id", () => {
    expect(parseCommandLine(["user", "add", "--email", "a@b.co", "--name", "A", "--role", "agent", "--shop", "2"], {})).toMatchObject({ name: "user add", shopId: 2 });
    expect(parseCommandLine(["user", "add", "--email", "a@b.co", "--name", "A", "--role", "agent"], {})).not.toHaveProperty("shopId");
    expect(() => parseCommandLine(["user", "add", "--email", "a@b.co", "--name", "A", "--role", "agent", "--shop", "first"], {})).toThrow(/--shop needs a shop's id/);
    expect(() => parseCommandLine(["user", "add", "--email", "a@b.co", "--name", "A", "--role", "agent", "--shop", "0"], {})).toThrow(/--shop needs a shop's id/);
  });

  it("parses shop add and shop list, and insists on a shop's name and owner", () => {
    expect(parseCommandLine(["shop", "add", "--name", "二号店", "--owner-email", "b@c.co", "--owner-name", "B"], {})).toMatchObject({
      name: "shop add",
      shop: { name: "二号店", ownerEmail: "b@c.co", ownerName: "B" },
    });
    expect(parseCommandLine(["shop", "list", "--data-dir", "/srv/kefu"], {})).toMatchObject({ name: "shop list", config: { dataDir: "/srv/kefu" } });
    expect(() => parseCommandLine(["shop", "add", "--name", "N"], {})).toThrow(/shop add needs --owner-email/);
    expect(() => parseCommandLine(["shop", "add", "--owner-email", "b@c.co"], {})).toThrow(/shop add needs --name/);
    expect(() => parseCommandLine(["shop", "add", "--name", "N", "--owner-email", "b@c.co", "--role", "owner"], {})).toThrow(/Unknown option '--role'/);
    expect(() => parseCommandLine(["shop", "remove"], {})).toThrow(/"shop add" or "shop list"/);
  });

  it("parses platform-admin grant and revoke, each with an email", () => {
    expect(parseCommandLine(["platform-admin", "grant", "--email", "a@b.co"], {})).toMatchObject({ name: "platform-admin", grant: true, email: "a@b.co" });
    expect(parseCommandLine(["platform-admin", "revoke", "--email", "a@b.co"], {})).toMatchObject({ name: "platform-admin", grant: false });
    expect(() => parseCommandLine(["platform-admin", "grant"], {})).toThrow(/platform-admin grant needs --email/);
    expect(() => parseCommandLine(["platform-admin", "--email", "a@b.co"], {})).toThrow(/needs grant or revoke/);
  });

  it("needs exactly one file for a backup", () => {
    expect(parseCommandLine(["backup", "copy.db"], {})).toMatchObject({ name: "backup", file: "copy.db" });
    expect(() => parseCommandLine(["backup"], {})).toThrow(/backup needs one FILE/);
  });

  it("knows --help and --version", () => {
    expect(parseCommandLine(["--help"], {})).toEqual({ name: "help" });
    expect(parseCommandLine(["--version"], {})).toEqual({ name: "version" });
  });
});
