#!/usr/bin/env bun
// The `kefu` command. Exit codes: 0 done, 1 the command failed, 2 the command line is wrong, 3
// another Kefu serves the data dir, 4 the data dir's database is refused (data-dir.ts).
import { existsSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { addAgent } from "./domain/agents";
import { ensureDefaultBusiness, findBusiness } from "./domain/businesses";
import { RuleError, ValidationError } from "./domain/errors";
import { addShop, listShops, setPlatformAdmin } from "./domain/shops";
import { type Command, parseCommandLine, usage } from "./cli";
import { UsageError } from "./config";
import { DataDirError, databaseFile, isServed, lockDataDir, openCheckedDatabase, openDataDir } from "./data-dir";
import { appliedMigrationCount, type Database, openDatabase } from "./db/client";
import { translator } from "./i18n";
import { createLog } from "./log";
import { startServer } from "./server";
import { version } from "./version";

async function run(command: Command): Promise<number> {
  switch (command.name) {
    case "help":
      console.log(usage);
      return 0;
    case "version":
      console.log(`kefu ${version}`);
      return 0;
    case "migrate": {
      // Not under a running server: it would meet a schema changing beneath it.
      const lock = lockDataDir(command.config.dataDir);
      try {
        const { opened, applied } = openCheckedDatabase(command.config.dataDir);
        console.log(applied ? `Applied ${applied} migration(s).` : `The database is up to date (${appliedMigrationCount(opened.sqlite)} migrations).`);
        opened.close();
        return 0;
      } finally {
        lock.close();
      }
    }
    case "backup": {
      const source = join(command.config.dataDir, databaseFile);
      const target = resolve(command.file);
      if (!existsSync(source)) return fail(`no database at ${source}; pass --data-dir`);
      if (existsSync(target)) return fail(`${target} already exists; choose a new file name`);
      const opened = openDatabase(source);
      // VACUUM INTO reads one consistent snapshot, so it is safe while Kefu is serving.
      opened.sqlite.run("VACUUM INTO ?", [target]);
      opened.close();
      console.log(`Backed up ${source} to ${target} (${statSync(target).size} bytes).`);
      return 0;
    }
    case "user add":
      return onDataDir(command.config.dataDir, async (db) => {
        const business = command.shopId === undefined ? ensureDefaultBusiness(db) : findBusiness(db, command.shopId);
        if (!business) return fail(`--shop: no shop has the id ${command.shopId}; "kefu shop list" shows them`);
        const { agent, temporaryPassword } = await addAgent(db, { businessId: business.id, ...command.user });
        console.log(`Added ${agent.role} ${agent.displayName} <${agent.email}> to ${business.name} (shop ${business.id}).`);
        if (temporaryPassword) printTemporaryPassword(temporaryPassword);
        return 0;
      });
    case "shop add":
      return onDataDir(command.config.dataDir, async (db) => {
        const { shop, owner, temporaryPassword } = await addShop(db, command.shop);
        console.log(`Added shop ${shop.name} (id ${shop.id}, widget key ${shop.widgetKey}) with its owner ${owner.displayName} <${owner.email}>.`);
        printTemporaryPassword(temporaryPassword);
        return 0;
      });
    case "shop list":
      return onDataDir(command.config.dataDir, (db) => {
        for (const shop of listShops(db)) console.log(`${shop.id}\t${shop.name}\t${shop.widgetKey}\t${shop.disabled ? "disabled" : "enabled"}`);
        return 0;
      });
    case "platform-admin":
      return onDataDir(command.config.dataDir, (db) => {
        const agent = setPlatformAdmin(db, command.email, command.grant);
        if (!agent) return fail(`--email: no team member signs in as ${command.email}`);
        console.log(`${agent.displayName} <${agent.email}> ${command.grant ? "is now a platform admin" : "is no longer a platform admin"}.`);
        return 0;
      });
    case "serve": {
      const startedAt = performance.now();
      const log = createLog(command.config.logLevel);
      const server = startServer(command.config, log);
      // Before saying where it listens: whoever reads that may stop it at once, and the stop must be clean.
      const shutdown = async () => {
        log.info("shutting down");
        await server.stop();
        process.exit(0);
      };
      process.on("SIGINT", shutdown);
      process.on("SIGTERM", shutdown);
      log.info(`Kefu ${version} is listening on ${server.url}`, { ms: Math.round(performance.now() - startedAt) });
      console.log(server.needsSetup ? `Open ${server.url}/setup to create the owner account.` : `Open ${server.url} to sign in.`);
      return await new Promise<number>(() => {});
    }
  }
}

/**
 * Runs a command on the data dir's database (its first shop made if new, so that it stays the
 * default of "user add"), closed after; the domain's refusals become messages. Beside a running
 * Kefu it does not migrate: that is for a start with every process stopped.
 */
async function onDataDir(dataDir: string, work: (db: Database) => number | Promise<number>): Promise<number> {
  const opened = openDataDir(dataDir, !isServed(dataDir));
  try {
    return await work(opened.db);
  } catch (error) {
    return refused(error);
  } finally {
    opened.close();
  }
}

function printTemporaryPassword(password: string): void {
  console.log(`Temporary password (shown once; it must be changed at first sign-in): ${password}`);
}

/** A refusal from the domain as the flags it concerns ("--email: ..."), or the rule broken. */
function refused(error: unknown): number {
  const t = translator("en");
  if (error instanceof ValidationError) {
    return fail(Object.entries(error.fields).map(([name, problem]) => `--${name}: ${t(problem.key, problem.params)}`).join("\n"));
  }
  if (error instanceof RuleError) return fail(t(error.problem.key, error.problem.params));
  throw error;
}

function fail(message: string): number {
  console.error(`kefu: ${message}`);
  return 1;
}

// Everything Kefu writes (database, WAL, secret, uploads, backups) is for its own user only.
process.umask(0o077);

try {
  process.exitCode = await run(parseCommandLine(process.argv.slice(2), process.env));
} catch (error) {
  if (error instanceof UsageError) {
    console.error(`kefu: ${error.message}\nRun "kefu --help" for usage.`);
    process.exitCode = 2;
  } else if (error instanceof DataDirError) {
    console.error(`kefu: ${error.message}`);
    process.exitCode = error.exitCode;
  } else {
    console.error(`kefu: ${(error as Error).message}`);
    process.exitCode = 1;
  }
}
