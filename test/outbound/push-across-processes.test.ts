// Push coalescing across processes: a visitor's messages of one minute may be written by two
// processes (a reload lands on the other), and the agent's phone must still buzz once.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { deliveries, visitors } from "../../src/db/schema";
import { sendVisitorMessage } from "../../src/domain/messages";
import { vapidKeyPair } from "../../src/domain/push-subscriptions";
import { findVisitor } from "../../src/domain/visitors";
import { kefuProcess, sharedDatabaseFile } from "../kefu-process";
import { browserKeys, startPushService } from "../push-service";
import { type RedisServer, startRedisServer } from "../redis-server";
import { signedIn, visitChat } from "../support";

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(() => redis.stop());

test("a visitor's messages written by two processes within a minute push the agent once", async () => {
  const file = sharedDatabaseFile();
  // The test's push service listens on this machine.
  const a = kefuProcess(file, redis.url, { config: { pushToPrivateAddresses: true } });
  let b: ReturnType<typeof kefuProcess> | null = null;
  const browser = browserKeys();
  const service = startPushService(browser, () => vapidKeyPair(a.db).publicKey);
  try {
    const { client } = await signedIn(a, "agent");
    const subscribed = await client.request("/console/push/devices", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ endpoint: service.endpoint(), keys: browser.json }),
    });
    expect(subscribed.status).toBeLessThan(300);
    // Started once the device is kept, so that it knows of it (telling the other processes of a new device is not this test's matter).
    b = kefuProcess(file, redis.url, { config: { pushToPrivateAddresses: true } });
    const cookie = await visitChat(a.base, a.business.widgetKey);
    // The page's first report stores the visitor.
    await fetch(`${a.base}/chat/${a.business.widgetKey}/context`, {
      method: "POST",
      headers: { cookie, origin: a.base, "content-type": "application/json" },
      body: JSON.stringify({ language: "en", timezone: "UTC" }),
    });
    const { id } = a.db.select({ id: visitors.id }).from(visitors).get()!;
    const visitor = findVisitor(a.db, a.business.id, id)!;
    await Promise.all([a.app.hub.cluster.link!.ready(), b.app.hub.cluster.link!.ready()]);

    sendVisitorMessage(a.db, a.app.hub, visitor, { clientId: crypto.randomUUID(), body: "hello" }, []);
    await Bun.sleep(100);
    sendVisitorMessage(b.db, b.app.hub, visitor, { clientId: crypto.randomUUID(), body: "anyone there?" }, []);
    await Bun.sleep(100);
    expect(a.db.select().from(deliveries).where(eq(deliveries.channel, "push")).all()).toHaveLength(1);
  } finally {
    service.stop();
    await a.stop();
    await b?.stop();
  }
});
