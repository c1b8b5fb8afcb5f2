// A process's two connections to the shared Valkey/Redis: one for commands and publishing (one
// connection keeps the order of everything this process publishes), one subscribed (a subscribed
// connection may run no other command). Both reconnect for as long as the process runs, and the
// channels listened to are subscribed again, which Bun's client does not do by itself.
import { RedisClient } from "bun";
import type { Log } from "../log";

/** While Redis is down past the client's own retries, how often to try again. */
const reconnectMs = 1_000;

export type ChannelListener = (message: string, channel: string) => void;

export class RedisLink {
  /** For commands (GET, HINCRBY, EVAL...) and PUBLISH; never for SUBSCRIBE. */
  readonly commands: RedisClient;
  private readonly subscriber: RedisClient;
  private readonly listening = new Set<string>();
  /** Settles once every SUBSCRIBE sent so far has been answered. */
  private subscribed: Promise<void> = Promise.resolve();
  private readonly reconnected: Array<() => void> = [];
  private closed = false;

  constructor(
    url: string,
    readonly log: Log,
  ) {
    // Built directly rather than with duplicate(), which is async, so the app is built
    // synchronously as without Redis.
    this.commands = new RedisClient(url);
    this.subscriber = new RedisClient(url);
    // A reconnected connection starts with no subscriptions; its listeners remain, so a bare
    // SUBSCRIBE of every channel (subscribe() would add a second listener).
    let connectedBefore = false;
    this.subscriber.onconnect = () => {
      if (connectedBefore && this.listening.size > 0) {
        log.info("redis is back: subscribing again", { channels: this.listening.size });
        this.awaitSubscribe(this.subscriber.send("SUBSCRIBE", [...this.listening]));
        // Pub/sub is at most once: whatever was published while away is lost to this process.
        void this.subscribed.then(() => {
          for (const resync of this.reconnected) resync();
        });
      }
      connectedBefore = true;
    };
    this.subscriber.onclose = this.retry(this.subscriber, "subscriber");
    this.commands.onclose = this.retry(this.commands, "commands");
  }

  /** Listens on a channel; resolves once Redis confirmed it, so nothing published after that is missed. */
  listen(channel: string, listener: ChannelListener): Promise<void> {
    this.listening.add(channel);
    return this.awaitSubscribe(this.subscriber.subscribe(channel, listener));
  }

  isListening(channel: string): boolean {
    return this.listening.has(channel);
  }

  stopListening(channel: string): void {
    this.listening.delete(channel);
    this.subscriber.unsubscribe(channel).catch((error) => this.log.warn("redis unsubscribe failed", { channel, error: String(error) }));
  }

  publish(channel: string, message: string): void {
    this.commands.publish(channel, message).catch((error) => this.log.warn("redis publish failed", { channel, error: String(error) }));
  }

  /** Runs after the subscriber connection came back and subscribed again: what was published meanwhile never arrived. */
  onReconnect(resync: () => void): void {
    this.reconnected.push(resync);
  }

  /** Resolves once both connections are up and every channel listened to is subscribed. */
  async ready(): Promise<void> {
    await Promise.all([this.commands.connect(), this.subscriber.connect()]);
    await this.subscribed;
  }

  close(): void {
    this.closed = true;
    this.commands.close();
    this.subscriber.close();
  }

  private awaitSubscribe(answer: Promise<unknown>): Promise<void> {
    const answered = answer.then(
      () => {},
      (error) => this.log.warn("redis subscribe failed", { error: String(error) }),
    );
    this.subscribed = Promise.all([this.subscribed, answered]).then(() => {});
    return answered;
  }

  private retry(client: RedisClient, name: string) {
    return (error: Error) => {
      if (this.closed) return;
      this.log.warn("redis connection lost; local sockets still served", { connection: name, error: String(error) });
      // Bun retries on its own a few times, then gives up: keep trying as long as we run.
      const again = setTimeout(() => {
        if (!this.closed && !client.connected) client.connect().catch(this.retry(client, name));
      }, reconnectMs);
      again.unref();
    };
  }
}
