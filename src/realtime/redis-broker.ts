// The broker for several processes on one Valkey/Redis: every event is published once to a Redis
// channel, and each process relays the channels its own sockets listen on to them through Bun's
// server.publish. Without --redis-url the app uses bunBroker instead (broker.ts).
import { RedisClient, type Server } from "bun";
import type { Log } from "../log";
import type { Broker, Subscriber } from "./broker";

/** How often channels whose local sockets all closed (Bun unsubscribes those itself) are let go. */
const sweepMs = 5_000;
/** While Redis is down past the client's own retries, how often to try again. */
const reconnectMs = 1_000;

export interface RedisBroker extends Broker {
  /** Resolves once both connections are up and every channel listened to is subscribed. */
  ready(): Promise<void>;
}

/** `channelPrefix` names Kefu's channels apart from anything else a shared Redis carries. */
export function redisBroker(url: string, server: () => Server<unknown> | null | undefined, log: Log, channelPrefix = "kefu:"): RedisBroker {
  // Frames from this process reach its own sockets at once (and while Redis is down); what comes
  // back from Redis carrying this process's mark is then dropped, not delivered twice.
  const origin = `${crypto.randomUUID().slice(0, 8)} `;
  // Two connections: a subscribed one may run no other command. Built directly rather than with
  // duplicate(), which is async, so the app is built synchronously as without Redis.
  const publisher = new RedisClient(url);
  const subscriber = new RedisClient(url);
  /** Channels this process listens on: those with at least one local socket, or lately so. */
  const listening = new Set<string>();
  let closed = false;

  const relay = (message: string, channel: string) => {
    if (message.startsWith(origin)) return;
    server()?.publish(channel.slice(channelPrefix.length), message.slice(origin.length));
  };
  /** Settles once every SUBSCRIBE sent so far has been answered. */
  let subscribed: Promise<void> = Promise.resolve();
  const awaitSubscribe = (answer: Promise<unknown>) => {
    const answered = answer.catch((error) => log.warn("redis subscribe failed", { error: String(error) }));
    subscribed = Promise.all([subscribed, answered]).then(() => {});
  };
  const listen = (topic: string) => awaitSubscribe(subscriber.subscribe(channelPrefix + topic, relay));
  const localCount = (topic: string) => server()?.subscriberCount(topic) ?? 0;
  const stopListening = (topic: string) => {
    listening.delete(topic);
    subscriber.unsubscribe(channelPrefix + topic).catch((error) => log.warn("redis unsubscribe failed", { topic, error: String(error) }));
  };

  // A reconnected connection starts with no subscriptions, and Bun does not restore them; its
  // listeners remain, so a bare SUBSCRIBE of every channel (subscribe() would add a second one).
  let connectedBefore = false;
  subscriber.onconnect = () => {
    if (connectedBefore && listening.size > 0) {
      log.info("redis is back: subscribing again", { channels: listening.size });
      const channels = [...listening].map((topic) => channelPrefix + topic);
      awaitSubscribe(subscriber.send("SUBSCRIBE", channels));
    }
    connectedBefore = true;
  };
  const retry = (client: RedisClient, name: string) => (error: Error) => {
    if (closed) return;
    log.warn("redis connection lost; local sockets still served", { connection: name, error: String(error) });
    // Bun retries on its own a few times, then gives up: keep trying as long as we run.
    const again = setTimeout(() => {
      if (!closed && !client.connected) client.connect().catch(retry(client, name));
    }, reconnectMs);
    again.unref();
  };
  subscriber.onclose = retry(subscriber, "subscriber");
  publisher.onclose = retry(publisher, "publisher");

  const sweep = setInterval(() => {
    for (const topic of listening) if (localCount(topic) === 0) stopListening(topic);
  }, sweepMs);
  sweep.unref();

  return {
    publish(topic, data) {
      server()?.publish(topic, data);
      // One connection keeps the order of what this process publishes on every channel.
      publisher.publish(channelPrefix + topic, origin + data).catch((error) => log.warn("redis publish failed", { topic, error: String(error) }));
    },
    // Another process's sockets may listen on any topic, and asking Redis (PUBSUB NUMSUB) takes a
    // round trip the synchronous caller cannot wait for; a cached "nobody" would lose the frames
    // of a socket that just subscribed elsewhere. So always render: skipping is only a saving.
    hasSubscribers() {
      return true;
    },
    subscribe(socket: Subscriber, topic) {
      socket.subscribe(topic);
      if (listening.has(topic)) return;
      listening.add(topic);
      listen(topic);
    },
    unsubscribe(socket: Subscriber, topic) {
      socket.unsubscribe(topic);
      if (listening.has(topic) && localCount(topic) === 0) stopListening(topic);
    },
    async ready() {
      await Promise.all([publisher.connect(), subscriber.connect()]);
      await subscribed;
    },
    close() {
      closed = true;
      clearInterval(sweep);
      publisher.close();
      subscriber.close();
    },
  };
}
