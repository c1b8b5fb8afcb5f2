// The yardstick for bench/chat-load.ts: the relay of bench/load/relay.ts publishing each message
// straight back, with no database (see that file for the protocol it speaks).
//
//   npx bun bench/bare-relay.ts [--port 0] [--host 127.0.0.1] [--idle-timeout 30] [--log-pongs]
//
// It prints "listening on http://HOST:PORT" on stdout once it accepts connections.
import { relayFlags, serveRelay } from "./load/relay";

const server = serveRelay(relayFlags(process.argv.slice(2)), null);
const stop = () => {
  server.stop(true);
  process.exit(0);
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
