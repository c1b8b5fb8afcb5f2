// Drizzle builds a query and SQLite prepares it on every call unless it is prepared once; on
// the path every chat message takes, that was about half the server's time (bench/send-path.ts).
// Hot statements are prepared once per database and kept here. Pass the database itself, not a
// transaction: bun:sqlite runs both on one connection, so a statement prepared on the database
// still takes part in a transaction that is open on it.
import type { Queryable } from "./client";

const statementsByDatabase = new WeakMap<Queryable, Map<string, unknown>>();

export function prepared<T>(db: Queryable, name: string, prepare: (db: Queryable) => T): T {
  let statements = statementsByDatabase.get(db);
  if (!statements) {
    statements = new Map();
    statementsByDatabase.set(db, statements);
  }
  let statement = statements.get(name) as T | undefined;
  if (statement === undefined) {
    statement = prepare(db);
    statements.set(name, statement);
  }
  return statement;
}
