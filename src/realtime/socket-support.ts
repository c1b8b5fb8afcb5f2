// What both WebSocket routes share: close codes and the guard around frame handling.
import { RuleError, ValidationError } from "../domain/errors";
import type { Translate } from "../i18n";
import type { AppDeps } from "../app";
import type { ClientEvent } from "./hub";

/** Close codes outside hx-ws's reconnect list, so a refused page does not retry forever. */
export const socketCloseCodes = {
  unauthorized: 4401,
  notFound: 4404,
} as const;

/**
 * Runs a frame handler. A rule the frame breaks becomes an error event for that page; anything
 * unexpected is logged and reported without details (errors thrown in ws handlers would
 * otherwise vanish).
 */
export function guarded(
  deps: Pick<AppDeps, "log">,
  reply: (event: ClientEvent) => void,
  t: Translate,
  handle: () => void,
  clientId?: string,
): void {
  try {
    handle();
  } catch (error) {
    if (error instanceof RuleError) return reply({ type: "error", clientId, message: t(error.problem.key, error.problem.params) });
    if (error instanceof ValidationError) {
      const problem = Object.values(error.fields)[0]!;
      return reply({ type: "error", clientId, message: t(problem.key, problem.params) });
    }
    deps.log.error("socket frame failed", { error });
    reply({ type: "error", clientId, message: t("error.internal") });
  }
}
