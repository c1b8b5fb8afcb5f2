// Which sites may embed a business's chat: the origins it lists, or any site when it lists none.
// Kefu's own pages always may: the demo shop, and the deployment page's previews of it.
import type { Business } from "../domain/businesses";

export function mayEmbed(business: Pick<Business, "allowedOrigins">, origin: string | null, kefuOrigin: string): boolean {
  if (business.allowedOrigins.length === 0 || origin === kefuOrigin) return true;
  return origin !== null && business.allowedOrigins.includes(origin);
}

/** The chat page's frame-ancestors: those origins and Kefu's own, or any web page. */
export function frameAncestors(business: Pick<Business, "allowedOrigins">): string {
  return business.allowedOrigins.length === 0 ? "*" : ["'self'", ...business.allowedOrigins].join(" ");
}
