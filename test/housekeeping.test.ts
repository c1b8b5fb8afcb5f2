// Alone (no Redis), the process keeps house from its first moment, as it always did.
import { expect, it } from "bun:test";
import { startHousekeeping } from "../src/housekeeping";
import { silentLog } from "../src/log";
import { testApp } from "./support";

it("keeps house from the start when it is the only process", async () => {
  const ctx = testApp({ config: { publicUrl: null, trustProxy: false, redisUrl: null } });
  const housekeeping = startHousekeeping(ctx.db, ctx.app, null, silentLog);
  expect(housekeeping.leading()).toBe(true);
  await housekeeping.stop();
  await ctx.app.stop(true);
});
