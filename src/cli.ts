// Turns the command line into one Command, or a UsageError that says what is wrong.
import { type ParseArgsOptionsConfig, parseArgs } from "node:util";
import { type Config, type ConfigFlags, resolveConfig, UsageError } from "./config";

export type Command =
  | { name: "help" }
  | { name: "version" }
  | { name: "serve"; config: Config }
  | { name: "migrate"; config: Config }
  | { name: "backup"; config: Config; file: string }
  | { name: "user add"; config: Config; user: { email: string; name: string; role: string; password?: string }; shopId?: number }
  | { name: "shop add"; config: Config; shop: { name: string; ownerEmail: string; ownerName?: string } }
  | { name: "shop list"; config: Config }
  | { name: "platform-admin"; config: Config; grant: boolean; email: string };

export const usage = `Kefu: self-hosted live-chat customer service

Usage:
  kefu [serve] [options]       start the server (the default)
  kefu migrate [options]       apply database migrations and exit
  kefu user add --email E --name N --role owner|admin|agent [--password P] [--shop ID] [options]
                               add a team member to shop ID (default: the first shop); without
                               --password one is generated, printed once, and must be changed
                               at first sign-in
  kefu shop add --name N --owner-email E [--owner-name M] [options]
                               add a shop (its own widget key and settings) and its owner;
                               prints the shop's id and the owner's temporary password, shown
                               once and to be changed at first sign-in
  kefu shop list [options]     list the shops: id, name, widget key, enabled or disabled
  kefu platform-admin grant|revoke --email E [options]
                               give or take the platform-admin role: the Platform page, which
                               lists every shop's usage, disables shops and sets their limits
  kefu backup FILE [options]   write a consistent copy of the database to FILE (safe while running)
  kefu --help | --version

Options (each also read from the environment variable shown):
  --port N           PORT              port to listen on (default 3000)
  --host H           HOST              address to bind (default 0.0.0.0)
  --data-dir DIR     KEFU_DATA_DIR     where kefu.db, uploads/ and the server secret live (default ./data)
  --public-url URL   KEFU_PUBLIC_URL   the address people use, e.g. https://chat.example.com
  --log-level L      KEFU_LOG_LEVEL    debug, info, warn or error (default info)
  --trust-proxy      KEFU_TRUST_PROXY  behind nginx: read the client IP from X-Forwarded-For
  --wechat-url URL   KEFU_WECHAT_URL   where WeChat sign-in goes instead of open/api.weixin.qq.com (tests, proxies)
  --push-private     KEFU_PUSH_PRIVATE push notifications may go to private addresses (tests)
  --redis-url URL    KEFU_REDIS_URL    Valkey/Redis (redis:// or rediss://) that several processes share for realtime
`;

const configOptions = {
  port: { type: "string" },
  host: { type: "string" },
  "data-dir": { type: "string" },
  "public-url": { type: "string" },
  "log-level": { type: "string" },
  "trust-proxy": { type: "boolean" },
  "wechat-url": { type: "string" },
  "push-private": { type: "boolean" },
  "redis-url": { type: "string" },
} as const;

const userOptions = {
  email: { type: "string" },
  name: { type: "string" },
  role: { type: "string" },
  password: { type: "string" },
  shop: { type: "string" },
} as const;

const shopOptions = {
  name: { type: "string" },
  "owner-email": { type: "string" },
  "owner-name": { type: "string" },
} as const;

export function parseCommandLine(argv: string[], env: Record<string, string | undefined>): Command {
  if (argv.length === 0) return { name: "serve", config: resolveConfig({}, env) };
  const first = argv[0]!;
  if (first === "--help" || first === "-h" || first === "help") return { name: "help" };
  if (first === "--version" || first === "-v") return { name: "version" };

  const [command, rest] = first.startsWith("-") ? ["serve", argv] : [first, argv.slice(1)];
  switch (command) {
    case "serve":
    case "migrate": {
      const { values } = parse(rest, configOptions, 0);
      return { name: command, config: resolveConfig(values as ConfigFlags, env) };
    }
    case "backup": {
      const { values, positionals } = parse(rest, configOptions, 1);
      if (positionals.length !== 1) throw new UsageError("backup needs one FILE to write, e.g. kefu backup kefu-backup.db");
      return { name: "backup", config: resolveConfig(values as ConfigFlags, env), file: positionals[0]! };
    }
    case "user": {
      if (rest[0] !== "add") throw new UsageError(`unknown command "user ${rest[0] ?? ""}"; did you mean "user add"?`);
      const { values } = parse(rest.slice(1), { ...configOptions, ...userOptions }, 0);
      for (const required of ["email", "name", "role"] as const) {
        if (values[required] === undefined) throw new UsageError(`user add needs --${required}`);
      }
      return {
        name: "user add",
        config: resolveConfig(values as ConfigFlags, env),
        user: {
          email: values.email as string,
          name: values.name as string,
          role: values.role as string,
          password: values.password as string | undefined,
        },
        ...(values.shop !== undefined && { shopId: shopId(values.shop as string) }),
      };
    }
    case "shop": {
      if (rest[0] === "list") {
        const { values } = parse(rest.slice(1), configOptions, 0);
        return { name: "shop list", config: resolveConfig(values as ConfigFlags, env) };
      }
      if (rest[0] !== "add") throw new UsageError(`unknown command "shop ${rest[0] ?? ""}"; did you mean "shop add" or "shop list"?`);
      const { values } = parse(rest.slice(1), { ...configOptions, ...shopOptions }, 0);
      for (const required of ["name", "owner-email"] as const) {
        if (values[required] === undefined) throw new UsageError(`shop add needs --${required}`);
      }
      return {
        name: "shop add",
        config: resolveConfig(values as ConfigFlags, env),
        shop: {
          name: values.name as string,
          ownerEmail: values["owner-email"] as string,
          ...(values["owner-name"] !== undefined && { ownerName: values["owner-name"] as string }),
        },
      };
    }
    case "platform-admin": {
      const verb = rest[0];
      if (verb !== "grant" && verb !== "revoke") throw new UsageError(`platform-admin needs grant or revoke, e.g. kefu platform-admin grant --email E`);
      const { values } = parse(rest.slice(1), { ...configOptions, email: { type: "string" } }, 0);
      if (values.email === undefined) throw new UsageError(`platform-admin ${verb} needs --email`);
      return { name: "platform-admin", config: resolveConfig(values as ConfigFlags, env), grant: verb === "grant", email: values.email as string };
    }
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

function shopId(text: string): number {
  if (!/^[1-9][0-9]{0,15}$/.test(text)) throw new UsageError(`--shop needs a shop's id (a number; "kefu shop list" shows them), not "${text}"`);
  return Number(text);
}

function parse(args: string[], options: ParseArgsOptionsConfig, positionals: number) {
  try {
    const result = parseArgs({ args, options, strict: true, allowPositionals: positionals > 0 });
    return result as { values: Record<string, string | boolean | undefined>; positionals: string[] };
  } catch (error) {
    // node:util's messages already name the flag ("Unknown option '--prot'").
    throw new UsageError((error as Error).message.split("\n")[0]!);
  }
}
