// The headers every response carries. Only the visitor chat page in the widget's iframe may be
// framed, and only by the sites the business allows (frame-ancestors, see embedding.ts).

/**
 * Alpine evaluates its attribute expressions with `new Function`, hence 'unsafe-eval'; no inline
 * <script> is ever allowed, so injected markup still cannot run code. Images may come from https
 * sites: a host shop's product pictures and its customers' avatars.
 */
export function contentSecurityPolicy(frameAncestors = "'none'"): string {
  return (
    "default-src 'self'; script-src 'self' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob: https:; " +
    `connect-src 'self'; frame-ancestors ${frameAncestors}; base-uri 'none'; form-action 'self'; object-src 'none'`
  );
}

export const securityHeaders: Record<string, string> = {
  "content-security-policy": contentSecurityPolicy(),
  "x-content-type-options": "nosniff",
  "referrer-policy": "same-origin",
  "x-frame-options": "DENY",
};

/** Lets the page be framed by these ancestors (CSP source list), in place of the default "never". */
export function allowFraming(headers: Record<string, string | number | undefined>, ancestors: string): void {
  headers["content-security-policy"] = contentSecurityPolicy(ancestors);
  delete headers["x-frame-options"];
}
