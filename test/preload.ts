// Loaded before every unit test file (bunfig.toml): passwords hash in a millisecond here. The e2e
// tests drive the built binary, which hashes at the production cost.
import { afterAll } from "bun:test";
import { useCheapPasswordHashesForTests } from "../src/domain/passwords";
import { startRedisServer } from "./redis-server";

useCheapPasswordHashesForTests();

// KEFU_TEST_BROKER=redis: one redis-server for the whole run, stopped with it (support.ts testBroker).
if (process.env.KEFU_TEST_BROKER === "redis" && !process.env.KEFU_TEST_REDIS_URL) {
  const redis = await startRedisServer();
  process.env.KEFU_TEST_REDIS_URL = redis.url;
  afterAll(() => redis.stop());
}
