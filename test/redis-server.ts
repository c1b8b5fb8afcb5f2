// A real Redis for tests: Debian's redis-server (installed by .ci/run), started on a free port in
// a temp dir without persistence, one per test file (or per run: preload.ts). A missing binary fails the test, never skips it.
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { freePort } from "./free-port";

const binary = "/usr/bin/redis-server";

/** Whether something answers PING with PONG on the port. */
async function answersPing(port: number): Promise<boolean> {
  const { promise, resolve } = Promise.withResolvers<boolean>();
  try {
    const socket = await Bun.connect({
      hostname: "127.0.0.1",
      port,
      socket: {
        data(socket, data) {
          resolve(data.toString().startsWith("+PONG"));
          socket.end();
        },
        close: () => resolve(false),
        error: () => resolve(false),
      },
    });
    socket.write("PING\r\n");
  } catch {
    return false;
  }
  return promise;
}

export interface RedisServer {
  url: string;
  port: number;
  /** Stops the server (kill -9 when asked, as a crash would). */
  stop(options?: { crash?: boolean }): Promise<void>;
  /** Starts it again on the same port, empty: what a restarted Redis without persistence is. */
  restart(): Promise<void>;
}

export async function startRedisServer(): Promise<RedisServer> {
  if (!existsSync(binary)) throw new Error(`${binary} is missing: apt-get install -y redis-server (README, "what the tests need")`);
  const dir = mkdtempSync(join(tmpdir(), "kefu-redis-"));
  const port = freePort();
  let process: Subprocess | null = null;
  const start = async () => {
    process = Bun.spawn([binary, "--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--save", "", "--appendonly", "no"], {
      stdout: "ignore",
      stderr: "inherit",
    });
    const deadline = Date.now() + 10_000;
    while (!(await answersPing(port))) {
      if (process.exitCode !== null) throw new Error(`redis-server exited with ${process.exitCode}`);
      if (Date.now() > deadline) throw new Error("redis-server did not answer PING within 10 s");
      await Bun.sleep(20);
    }
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async stop({ crash = false } = {}) {
      if (!process) return;
      process.kill(crash ? "SIGKILL" : "SIGTERM");
      await process.exited;
      process = null;
    },
    restart: start,
  };
}
