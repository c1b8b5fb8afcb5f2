// The one way the app sends to topics. The default delivers through Bun's in-process pub/sub; a
// Redis/Valkey broker for several instances can replace it without changing any caller.
import type { Server } from "bun";

export interface Broker {
  publish(topic: string, data: string): void;
  /** Whether anyone listens on a topic, so a rendering nobody would receive can be skipped. */
  hasSubscribers(topic: string): boolean;
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
  };
}
