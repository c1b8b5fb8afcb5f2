// Opening everything a running Kefu needs, in one place shared by `kefu serve` and the tests.
import { join } from "node:path";
import { createApp } from "./app";
import type { Config } from "./config";
import { databaseFile, lockDataDir, openDataDir, shareDataDir } from "./data-dir";
import { checkpointEveryMs, type OpenedDatabase } from "./db/client";
import { ownerExists } from "./domain/agents";
import { deleteExpiredSessions } from "./domain/sessions";
import { startHousekeeping } from "./housekeeping";
import type { Log } from "./log";
import { limits } from "./domain/limits";
import { socketCloseCodes } from "./realtime/socket-support";
import { loadOrCreateServerSecret } from "./server-secret";

export interface RunningServer {
  url: string;
  port: number;
  /** No owner yet: the first visit must go to /setup. */
  needsSetup: boolean;
  stop(): Promise<void>;
}

/** Starts checkpointing the database from a worker thread (see checkpointEveryMs); stop() before closing it. */
function checkpointInWorker({ sqlite }: OpenedDatabase, path: string, onError: (error: string) => void): { stop(): void } {
  sqlite.exec("PRAGMA wal_autocheckpoint = 0");
  // Beside this file both from source and in the binary, where it is a second entry point
  // (package.json "build"). A small heap; and it must not keep the process alive by itself.
  const worker = new Worker(new URL("./checkpoint-worker.ts", import.meta.url).href, { smol: true, ref: false });
  worker.onmessage = (event: MessageEvent<{ error: string }>) => onError(event.data.error);
  worker.onerror = (event) => onError(event.message);
  worker.postMessage({ path, everyMs: checkpointEveryMs });
  return { stop: () => worker.terminate() };
}

/**
 * Serves the data dir, which it holds until stopped: alone, or with --redis-url shared with the other
 * processes (data-dir.ts); throws DataDirError when it cannot.
 */
export function startServer(config: Config, log: Log): RunningServer {
  const hold = config.redisUrl ? shareDataDir(config.dataDir) : lockDataDir(config.dataDir);
  let opened: ReturnType<typeof openDataDir>;
  let secret: string;
  try {
    opened = openDataDir(config.dataDir, hold.alone);
    secret = loadOrCreateServerSecret(config.dataDir);
  } catch (error) {
    hold.close();
    throw error;
  }
  hold.started();
  deleteExpiredSessions(opened.db);
  const app = createApp({
    db: opened.db,
    sqlite: opened.sqlite,
    secret,
    config,
    uploadsDir: join(config.dataDir, "uploads"),
    log,
  }).listen({ port: config.port, hostname: config.host });
  const port = app.server!.port!;
  const checkpointer = checkpointInWorker(opened, join(config.dataDir, databaseFile), (error) => log.error("checkpoint failed", { error }));
  // Webhooks and emails: sent off every request, retried with backoff (outbound/delivery-runner.ts).
  app.outbound.runner.start();
  const housekeeping = startHousekeeping(opened.db, app, config.publicUrl, log);
  const host = config.host === "0.0.0.0" || config.host === "::" ? "localhost" : config.host;
  return {
    url: config.publicUrl ?? `http://${host.includes(":") ? `[${host}]` : host}:${port}`,
    port,
    needsSetup: !ownerExists(opened.db),
    async stop() {
      await housekeeping.stop();
      await app.outbound.runner.stop();
      checkpointer.stop();
      // New connections are refused from here on, while the requests in flight finish (each
      // answer the truth: a send answered 201 is stored). Sockets close now, with a code pages
      // reconnect on: waiting for an agent's all-day socket would never end.
      const drained = app.server!.stop(false);
      for (const socket of app.hub.sockets) socket.close(socketCloseCodes.goingAway, "server restarting");
      const finished = await Promise.race([drained.then(() => true), Bun.sleep(limits.shutdownDrainMs).then(() => false)]);
      if (!finished) log.warn("stopping with requests still in flight", { waitedMs: limits.shutdownDrainMs });
      await app.stop(true);
      hold.stop(opened);
    },
  };
}
