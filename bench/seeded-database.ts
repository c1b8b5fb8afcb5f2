// What the database benches share: a fresh data dir in a temp dir (removed on exit) opened
// through the real migrations, and a random generator with a fixed seed, so every run builds
// the same database.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDataDir } from "../src/data-dir";

export function benchDataDir(name: string) {
  const dir = mkdtempSync(join(tmpdir(), `kefu-bench-${name}-`));
  process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
  const dataDir = join(dir, "data");
  return { dir, dataDir, opened: openDataDir(dataDir) };
}

export function seededRandom(seed = 42) {
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  return { random, pick };
}
