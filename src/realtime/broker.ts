// The one way the app sends to topics and subscribes sockets to them. The default delivers
// through Bun's in-process pub/sub; with --redis-url, redis-broker.ts replaces it for several
// processes without changing any caller: it relays its channels to the local sockets subscribed here.
import type { Server } from "bun";

/** A socket that can listen on topics (Bun's ServerWebSocket). */
export interface Subscriber {
  subscribe(topic: string): void;
  unsubscribe(topic: string): void;
}

export interface Broker {
  publish(topic: string, data: string): void;
  /** Whether anyone listens on a topic, so a rendering nobody would receive can be skipped. */
  hasSubscribers(topic: string): boolean;
  /**
   * Subscribes at once locally; resolves once frames published by any process reach the socket
   * (with Redis, after SUBSCRIBE is answered). Replay what the socket must not miss after that.
   */
  subscribe(socket: Subscriber, topic: string): Promise<void>;
  unsubscribe(socket: Subscriber, topic: string): void;
  /** Stops its timers; the app is stopping (the cluster closes the connections). */
  close(): void;
}

/** Bun's server.publish; before the server listens (or in tests without one) it sends nothing. */
export function bunBroker(server: () => Server<unknown> | null | undefined): Broker {
  return {
    publish(topic, data) {
      server()?.publish(topic, data);
    },
    hasSubscribers(topic) {
      return (server()?.subscriberCount(topic) ?? 0) > 0;
    },
    subscribe(socket, topic) {
      socket.subscribe(topic);
      return Promise.resolve();
    },
    unsubscribe(socket, topic) {
      socket.unsubscribe(topic);
    },
    close() {},
  };
}
