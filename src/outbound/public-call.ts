// One POST from our server to an address someone else gave us (a webhook's, a push service's): the
// host checked again at this moment and the call pinned to the address checked (public-address.ts),
// no redirects followed (one could lead to a private address), and a time limit. An outcome,
// never a throw: the delivery row records it.
import type { AttemptOutcome } from "../domain/deliveries";
import { responseExcerptLength } from "../domain/deliveries";
import { pinnedTo, resolveForCall } from "./public-address";

export interface PublicCall {
  headers: Record<string, string>;
  body: string | Uint8Array<ArrayBuffer>;
  timeoutMs: number;
}

/** The answer's status (null when nothing answered) and the start of its body, or why there was none. */
export async function postToPublicAddress(url: URL, allowPrivate: boolean, call: PublicCall): Promise<AttemptOutcome> {
  const resolved = await resolveForCall(url, allowPrivate);
  if ("refused" in resolved) return { ok: false, code: null, response: `refused: ${url.hostname} is at ${resolved.refused}, a private address` };
  const pinned = resolved.pinned ? pinnedTo(url, resolved.pinned) : null;
  try {
    const response = await fetch(pinned?.url ?? url, {
      method: "POST",
      redirect: "manual",
      signal: AbortSignal.timeout(call.timeoutMs),
      ...(pinned?.serverName ? { tls: { serverName: pinned.serverName } } : {}),
      headers: { ...(pinned ? { host: pinned.host } : {}), ...call.headers },
      body: call.body,
    });
    const text = (await response.text()).slice(0, responseExcerptLength);
    return { ok: response.status >= 200 && response.status < 300, code: response.status, response: text };
  } catch (error) {
    const timedOut = error instanceof Error && error.name === "TimeoutError";
    return { ok: false, code: null, response: timedOut ? `no answer within ${call.timeoutMs / 1000} s` : String((error as Error)?.message ?? error) };
  }
}
