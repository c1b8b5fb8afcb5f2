// Cold start: from spawning the compiled binary in an empty folder (fresh data dir, so it also
// creates the database, runs migrations and writes the secret) to the first 200 on /healthz.
// Run: npm run build && npx bun bench/cold-start.ts [runs]
import { copyFileSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const binary = resolve(import.meta.dir, "../dist/kefu");
const runs = Number(process.argv[2] ?? 15);

async function once(port: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), "kefu-cold-"));
  copyFileSync(binary, join(dir, "kefu"));
  const started = performance.now();
  const child = Bun.spawn([join(dir, "kefu"), "--port", String(port), "--host", "127.0.0.1"], { cwd: dir, stdout: "ignore", stderr: "ignore" });
  try {
    for (;;) {
      try {
        const response = await fetch(`http://127.0.0.1:${port}/healthz`);
        if (response.status === 200) return performance.now() - started;
      } catch {
        // not listening yet
      }
      if (performance.now() - started > 10_000) throw new Error("no answer within 10 s");
      await Bun.sleep(2);
    }
  } finally {
    child.kill();
    await child.exited;
    rmSync(dir, { recursive: true, force: true });
  }
}

const times: number[] = [];
for (let i = 0; i < runs; i++) times.push(await once(39_000 + i));
times.sort((a, b) => a - b);
const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]!.toFixed(1);
console.log(`binary: ${(statSync(binary).size / 1024 / 1024).toFixed(1)} MiB`);
console.log(`cold start to 200 on /healthz over ${runs} runs: median ${at(0.5)} ms, p90 ${at(0.9)} ms, min ${times[0]!.toFixed(1)} ms`);
