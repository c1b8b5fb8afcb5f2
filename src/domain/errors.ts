import type { MessageKey } from "../i18n";

export interface FieldProblem {
  key: MessageKey;
  params?: Record<string, string | number>;
}

/** Input that breaks a rule; names each bad field so a form can say what to fix. */
export class ValidationError extends Error {
  constructor(readonly fields: Record<string, FieldProblem>) {
    super(`invalid: ${Object.keys(fields).join(", ")}`);
  }
}

/** A row outside the caller's scope, or one that does not exist: the caller cannot tell which. */
export class NotFoundError extends Error {
  constructor(readonly what: string) {
    super(`${what} not found`);
  }
}

/** A request that is well-formed but that a business rule refuses (e.g. demoting the last owner). */
export class RuleError extends Error {
  constructor(readonly problem: FieldProblem) {
    super(problem.key);
  }
}

/**
 * The disk (or the database's room on it) is full: SQLite's SQLITE_FULL, or a file write's ENOSPC
 * or EDQUOT. Nothing of the attempted change was kept; answered 507, never as an internal error.
 */
export function isStorageFull(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return code === "SQLITE_FULL" || code === "ENOSPC" || code === "EDQUOT" || /database or disk is full|no space left on device/i.test(String(message));
}

/** What to tell the person about a refusal: the rule broken, or the first bad field. */
export function problemOf(error: RuleError | ValidationError): FieldProblem {
  return error instanceof RuleError ? error.problem : Object.values(error.fields)[0]!;
}
