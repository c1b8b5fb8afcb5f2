// The broker for several processes on one Valkey/Redis: every event is published once to a Redis
// channel, and each process relays the channels its own sockets listen on to them through Bun's
// server.publish. Without --redis-url the app uses bunBroker instead (broker.ts).
import type { Server } from "bun";
import type { Broker, Subscriber } from "./broker";
import type { Cluster } from "./cluster";
import type { RedisLink } from "./redis-link";

/** How often channels whose local sockets all closed (Bun unsubscribes those itself) are let go. */
const sweepMs = 5_000;

export function redisBroker(cluster: Cluster & { link: RedisLink }, server: () => Server<unknown> | null | undefined): Broker {
  const { link } = cluster;
  // Frames from this process reach its own sockets at once (and while Redis is down); what comes
  // back from Redis carrying this process's mark is then dropped, not delivered twice.
  const origin = `${cluster.processId.slice(0, 8)} `;
  const channel = (topic: string) => cluster.key(`topic:${topic}`);
  const topicOf = (name: string) => name.slice(channel("").length);
  const relay = (message: string, name: string) => {
    if (message.startsWith(origin)) return;
    server()?.publish(topicOf(name), message.slice(origin.length));
  };
  const localCount = (topic: string) => server()?.subscriberCount(topic) ?? 0;
  /** Topics this process listens on: those with at least one local socket, or lately so. */
  const listening = new Set<string>();
  const stopListening = (topic: string) => {
    listening.delete(topic);
    link.stopListening(channel(topic));
  };
  const sweep = setInterval(() => {
    for (const topic of listening) if (localCount(topic) === 0) stopListening(topic);
  }, sweepMs);
  sweep.unref();
  /** The SUBSCRIBE answers still awaited, by topic: a second socket waits for the same one. */
  const pending = new Map<string, Promise<void>>();

  return {
    publish(topic, data) {
      server()?.publish(topic, data);
      link.publish(channel(topic), origin + data);
    },
    // Another process's sockets may listen on any topic, and asking Redis (PUBSUB NUMSUB) takes a
    // round trip the synchronous caller cannot wait for; a cached "nobody" would lose the frames
    // of a socket that just subscribed elsewhere. So always render: skipping is only a saving.
    hasSubscribers() {
      return true;
    },
    subscribe(socket: Subscriber, topic) {
      socket.subscribe(topic);
      if (listening.has(topic)) return pending.get(topic) ?? Promise.resolve();
      listening.add(topic);
      const answered = link.listen(channel(topic), relay).finally(() => pending.delete(topic));
      pending.set(topic, answered);
      return answered;
    },
    unsubscribe(socket: Subscriber, topic) {
      socket.unsubscribe(topic);
      if (listening.has(topic) && localCount(topic) === 0) stopListening(topic);
    },
    close() {
      clearInterval(sweep);
    },
  };
}
