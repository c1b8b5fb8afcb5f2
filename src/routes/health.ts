import { Elysia } from "elysia";
import type { AppDeps } from "../app";
import { version } from "../version";

/** For monitors and load balancers: 200 while the database answers, 503 when it does not. */
export function healthRoutes({ sqlite }: AppDeps) {
  return new Elysia().get("/healthz", ({ set }) => {
    let database = false;
    try {
      database = sqlite.query("SELECT 1 AS ok").get() !== null;
    } catch {
      database = false;
    }
    if (!database) set.status = 503;
    return { status: database ? "ok" : "unavailable", version, database };
  });
}
