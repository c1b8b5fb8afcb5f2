// The Redis broker against a real redis-server: two brokers stand for two processes, each
// relaying to the sockets of its own Bun server.
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import type { Server } from "bun";
import { silentLog } from "../../src/log";
import type { Broker } from "../../src/realtime/broker";
import { type Cluster, sharedRedis } from "../../src/realtime/cluster";
import { redisBroker } from "../../src/realtime/redis-broker";
import type { RedisLink } from "../../src/realtime/redis-link";
import { type RedisServer, startRedisServer } from "../redis-server";

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(() => redis.stop());

/** One "process": a Bun server whose sockets subscribe to what the test asks, and its broker. */
interface Process {
  broker: Broker;
  cluster: Cluster & { link: RedisLink };
  /** Opens a socket listening on the topics; resolves once the broker has subscribed them. */
  socket(...topics: string[]): Promise<{ received: string[]; close(): void; unsubscribe(topic: string): void; next(count?: number): Promise<string[]> }>;
  stop(): void;
}

const running: Process[] = [];
afterEach(() => {
  for (const process of running.splice(0)) process.stop();
});

function startProcess(): Process {
  type Data = { id: string; topics: string[] };
  const opened = new Map<string, (ws: Bun.ServerWebSocket<Data>) => void>();
  let broker: Broker | null = null;
  const server: Server<Data> = Bun.serve<Data>({
    hostname: "127.0.0.1",
    port: 0,
    fetch(request, server) {
      const query = new URL(request.url).searchParams;
      return server.upgrade(request, { data: { id: query.get("id")!, topics: query.getAll("topic") } }) ? undefined : new Response("no", { status: 400 });
    },
    websocket: {
      open(ws) {
        for (const topic of ws.data.topics) broker!.subscribe(ws, topic);
        opened.get(ws.data.id)?.(ws);
      },
      message() {},
    },
  });
  const cluster = sharedRedis(redis.url, "kefu:", silentLog) as Cluster & { link: RedisLink };
  const started = redisBroker(cluster, () => server as Server<unknown>);
  broker = started;
  let sockets = 0;
  return {
    broker: started,
    cluster,
    async socket(...topics) {
      const id = String(++sockets);
      const serverSide = new Promise<Bun.ServerWebSocket<Data>>((resolve) => opened.set(id, resolve));
      const query = new URLSearchParams([["id", id], ...topics.map((topic) => ["topic", topic])]);
      const ws = new WebSocket(`ws://127.0.0.1:${server.port}/?${query}`);
      const received: string[] = [];
      const waiting: Array<() => void> = [];
      ws.onmessage = (event) => {
        received.push(String(event.data));
        for (const wake of waiting.splice(0)) wake();
      };
      const socketOnServer = await serverSide;
      await cluster.link.ready();
      return {
        received,
        close: () => ws.close(),
        unsubscribe: (topic) => started.unsubscribe(socketOnServer, topic),
        async next(count = 1) {
          const deadline = Date.now() + 3000;
          while (received.length < count) {
            if (Date.now() > deadline) throw new Error(`got ${received.length} of ${count} frames: ${JSON.stringify(received)}`);
            await new Promise<void>((resolve) => {
              waiting.push(resolve);
              setTimeout(resolve, 50);
            });
          }
          return received.splice(0, count);
        },
      };
    },
    stop() {
      started.close();
      cluster.close();
      server.stop(true);
    },
  };
}

function started(): Process {
  const process = startProcess();
  running.push(process);
  return process;
}

/** Gives frames that should NOT come the time to arrive anyway. */
const settle = () => Bun.sleep(150);

describe("redisBroker", () => {
  test("a socket hears what its own process publishes, once", async () => {
    const a = started();
    const socket = await a.socket("t1");
    a.broker.publish("t1", "hello");
    expect(await socket.next()).toEqual(["hello"]);
    await settle();
    expect(socket.received).toEqual([]);
  });

  test("a socket on one process hears what another publishes, once, in order", async () => {
    const a = started();
    const b = started();
    const onA = await a.socket("t1");
    const otherTopic = await a.socket("t2");
    for (let i = 0; i < 200; i++) b.broker.publish("t1", `m${i}`);
    b.broker.publish("t2", "other");
    expect(await onA.next(200)).toEqual(Array.from({ length: 200 }, (_, i) => `m${i}`));
    expect(await otherTopic.next()).toEqual(["other"]);
    await settle();
    expect(onA.received).toEqual([]);
  });

  test("sockets on both processes hear a topic both publish to", async () => {
    const a = started();
    const b = started();
    const onA = await a.socket("shared");
    const onB = await b.socket("shared");
    a.broker.publish("shared", "from a");
    b.broker.publish("shared", "from b");
    expect((await onA.next(2)).sort()).toEqual(["from a", "from b"]);
    expect((await onB.next(2)).sort()).toEqual(["from a", "from b"]);
  });

  test("an unsubscribed socket hears no more, and the process lets the channel go when its last socket leaves", async () => {
    const a = started();
    const b = started();
    const first = await a.socket("t1");
    const second = await a.socket("t1");
    first.unsubscribe("t1");
    b.broker.publish("t1", "still for the second");
    expect(await second.next()).toEqual(["still for the second"]);
    second.unsubscribe("t1");
    await a.cluster.link.ready();
    expect(await numsub("t1")).toBe(0);
    b.broker.publish("t1", "nobody");
    await settle();
    expect(first.received).toEqual([]);
    expect(second.received).toEqual([]);
  });

  test("a channel whose sockets all closed is let go by the sweep", async () => {
    const a = started();
    const socket = await a.socket("gone");
    expect(await numsub("gone")).toBe(1);
    socket.close();
    const deadline = Date.now() + 8000;
    while ((await numsub("gone")) !== 0) {
      if (Date.now() > deadline) throw new Error("the channel was never let go");
      await Bun.sleep(100);
    }
  }, 10_000);

  test("after Redis restarts, the brokers reconnect and subscribe again; local sockets are served meanwhile", async () => {
    const a = started();
    const b = started();
    const onA = await a.socket("t1");
    await redis.stop({ crash: true });
    a.broker.publish("t1", "while redis is down");
    expect(await onA.next()).toEqual(["while redis is down"]);
    await redis.restart();
    const deadline = Date.now() + 8000;
    while ((await numsub("t1")) !== 1) {
      if (Date.now() > deadline) throw new Error("the broker did not subscribe again");
      await Bun.sleep(100);
    }
    b.broker.publish("t1", "after the restart");
    expect(await onA.next()).toEqual(["after the restart"]);
    await settle();
    expect(onA.received).toEqual([]);
  }, 15_000);
});

describe("sharedRedis", () => {
  test("what one process tells, the others hear and it does not", async () => {
    const a = started();
    const b = started();
    const heardByA: unknown[] = [];
    const heardByB: unknown[] = [];
    await a.cluster.hear("forget", (message) => heardByA.push(message));
    await b.cluster.hear("forget", (message) => heardByB.push(message));
    a.cluster.tell("forget", { businessId: 7 });
    const deadline = Date.now() + 3000;
    while (heardByB.length === 0 && Date.now() < deadline) await Bun.sleep(20);
    await settle();
    expect(heardByB).toEqual([{ businessId: 7 }]);
    expect(heardByA).toEqual([]);
  });
});

/** How many connections subscribe to a topic's channel, asked of Redis itself. */
async function numsub(topic: string): Promise<number> {
  const client = new Bun.RedisClient(redis.url);
  try {
    const [, count] = (await client.send("PUBSUB", ["NUMSUB", `kefu:topic:${topic}`])) as [string, number];
    return count;
  } finally {
    client.close();
  }
}
