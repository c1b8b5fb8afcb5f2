import { statfsSync } from "node:fs";
import { Elysia } from "elysia";
import type { AppDeps } from "../app";
import { version } from "../version";

/** Below this much free space on the data dir's disk, any write may fail with "disk full". */
const minFreeBytes = 1024 * 1024;

/** Free bytes on the filesystem holding `path`, or 0 when it cannot be told. */
function freeBytes(path: string): number {
  try {
    const { bavail, bsize } = statfsSync(path);
    return Number(bavail) * Number(bsize);
  } catch {
    return 0;
  }
}

/**
 * For monitors and load balancers: 200 while the database answers and its disk has room to
 * write; 503 when it does not answer, or answers but cannot be written to (a full disk), which
 * used to be reported "ok" while every message failed.
 */
export function healthRoutes({ sqlite, uploadsDir }: AppDeps) {
  return new Elysia().get("/healthz", ({ set }) => {
    let database = false;
    try {
      database = sqlite.query("SELECT 1 AS ok").get() !== null;
    } catch {
      database = false;
    }
    const diskFreeBytes = freeBytes(uploadsDir);
    const writable = database && diskFreeBytes >= minFreeBytes;
    if (!writable) set.status = 503;
    return { status: writable ? "ok" : database ? "not writable" : "unavailable", version, database, writable, diskFreeBytes };
  });
}
