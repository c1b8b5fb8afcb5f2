// Loaded before every unit test file (bunfig.toml): passwords hash in a millisecond here. The e2e
// tests drive the built binary, which hashes at the production cost.
import { useCheapPasswordHashesForTests } from "../src/domain/passwords";

useCheapPasswordHashesForTests();
