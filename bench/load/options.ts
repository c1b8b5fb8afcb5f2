// The command line of bench/chat-load.ts (its header lists every option).
import { targetNames, type TargetName } from "./targets";

export interface Options {
  targets: TargetName[];
  visitors: number;
  active: number;
  rate: number;
  duration: number;
  agents: number;
  perAgent: number | null;
  workers: number;
  concurrency: number;
  settle: number;
  drain: number;
  bodyBytes: number;
  consoleLists: boolean;
  fromSource: boolean;
  cpuProf: boolean;
  restartBeforeConnect: boolean;
  quietWait: number;
  idleTimeout: number;
  repeat: number;
  ladder: boolean;
  ladderRates: number[];
  stepSeconds: number;
  ladderLimitMs: number;
  kill9: number;
  /** Kefu processes on one data dir sharing Redis; the clients spread over them. */
  processes: number;
  redisUrl: string | null;
  json: string | null;
  keep: boolean;
  maxSeconds: number;
}

export function parseOptions(argv: string[]): Options {
  const get = (name: string): string | undefined => {
    const at = argv.indexOf(`--${name}`);
    return at >= 0 ? argv[at + 1] : undefined;
  };
  const num = (name: string, fallback: number, min = 0): number => {
    const raw = get(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < min) throw new Error(`--${name} must be a number >= ${min}, not "${raw}"`);
    return value;
  };
  const kill9 = Math.floor(num("kill9", 0, 0));
  const target = get("target") ?? (kill9 ? "kefu" : "kefu,sqlite,bare");
  const targets = (target === "all" ? "kefu,sqlite,bare" : target).split(",") as TargetName[];
  for (const name of targets) if (!targetNames.includes(name)) throw new Error(`--target takes ${targetNames.join(", ")} or all, comma-separated; not "${name}"`);
  const options: Options = {
    targets,
    visitors: Math.floor(num("visitors", 10_000, 1)),
    active: Math.floor(num("active", 1000, 1)),
    rate: num("rate", 1000, 2),
    duration: num("duration", 60, 2),
    agents: Math.floor(num("agents", 100, 1)),
    perAgent: get("per-agent") === undefined ? null : Math.floor(num("per-agent", 10, 1)),
    workers: Math.floor(num("workers", 1, 1)),
    concurrency: Math.floor(num("concurrency", 200, 1)),
    settle: num("settle", 5, 0),
    drain: num("drain", 10, 1),
    bodyBytes: Math.floor(num("body-bytes", 0, 0)),
    consoleLists: argv.includes("--console-lists"),
    fromSource: argv.includes("--from-source"),
    cpuProf: argv.includes("--cpu-prof"),
    restartBeforeConnect: argv.includes("--restart-before-connect"),
    quietWait: num("quiet-wait", 180, 0),
    idleTimeout: Math.floor(num("idle-timeout", 30, 1)),
    repeat: Math.floor(num("repeat", 1, 1)),
    ladder: argv.includes("--ladder"),
    ladderRates: (get("ladder-rates") ?? "1000,2000,4000,6000,8000,10000,12000,14000,16000,20000").split(",").map(Number),
    stepSeconds: num("step-seconds", 12, 2),
    ladderLimitMs: num("ladder-limit-ms", 100, 1),
    kill9,
    processes: Math.floor(num("processes", 1, 1)),
    redisUrl: get("redis-url") ?? null,
    json: get("json") ?? null,
    keep: argv.includes("--keep"),
    maxSeconds: num("max-seconds", argv.includes("--ladder") ? 3 * 3600 : 3600, 10),
  };
  if (!options.ladder && options.active > options.visitors) throw new Error("--active cannot exceed --visitors");
  if (options.ladderRates.some((r) => !Number.isFinite(r) || r < 2)) throw new Error("--ladder-rates takes rates >= 2, comma-separated");
  if (options.cpuProf && !options.fromSource) throw new Error("--cpu-prof needs --from-source (the compiled binary takes no runtime flags)");
  if (options.kill9 && (options.ladder || options.repeat > 1)) throw new Error("--kill9 runs on its own, without --ladder or --repeat");
  // The relays keep conversations in memory only: after a restart they would be new ones.
  if (options.kill9 && targets.some((t) => t !== "kefu")) throw new Error("--kill9 is for Kefu (--target kefu)");
  if (options.processes > 1 && targets.some((t) => t !== "kefu")) throw new Error("--processes is for Kefu (--target kefu)");
  if (options.processes > 1 && (options.kill9 || options.restartBeforeConnect || options.cpuProf)) {
    throw new Error("--processes runs without --kill9, --restart-before-connect and --cpu-prof");
  }
  return options;
}
