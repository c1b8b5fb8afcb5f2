// Which sites may embed a business's chat: the origins it lists, or any site when it lists none.
// Kefu's own pages always may: the demo shop, and the deployment page's previews of it.
import type { Business } from "../domain/businesses";

/**
 * `origin` is the request's Origin header: browsers send it with every cross-origin fetch, and
 * leave it out of a same-origin GET (Kefu's own demo page), which is ours anyway.
 */
export function mayEmbed(business: Pick<Business, "allowedOrigins">, origin: string | null, kefuOrigin: string): boolean {
  if (business.allowedOrigins.length === 0 || origin === null || origin === kefuOrigin) return true;
  return business.allowedOrigins.includes(origin);
}

/** The chat page's frame-ancestors: those origins and Kefu's own, or any web page. */
export function frameAncestors(business: Pick<Business, "allowedOrigins">): string {
  return business.allowedOrigins.length === 0 ? "*" : ["'self'", ...business.allowedOrigins].join(" ");
}
