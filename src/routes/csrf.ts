// Threat: a page on another site makes a signed-in agent's browser send a state-changing request
// to Kefu, riding on the session cookie. SameSite=Lax stops most of these, but not requests from
// a sibling subdomain or older browsers, so every unsafe request must also prove it came from our
// own pages: browsers attach Sec-Fetch-Site (and Origin) to every fetch and form POST, and a
// page cannot forge either. htmx uses fetch, so it sends them with no extra work.

const safeMethods = new Set(["GET", "HEAD", "OPTIONS"]);

export function needsCsrfCheck(request: Request): boolean {
  if (safeMethods.has(request.method)) return false;
  // The JSON API authenticates with bearer tokens, which a foreign page cannot attach.
  return !new URL(request.url).pathname.startsWith("/api/");
}

export function isSameOrigin(request: Request, publicUrl: string | null): boolean {
  const site = request.headers.get("sec-fetch-site");
  if (site !== null) return site === "same-origin";
  return originMatches(request, publicUrl);
}

/** Whether the request's Origin header names this server (its public URL, or the host asked for). */
export function originMatches(request: Request, publicUrl: string | null): boolean {
  const origin = request.headers.get("origin");
  if (!origin || origin === "null") return false;
  try {
    const from = new URL(origin);
    if (publicUrl && from.origin === new URL(publicUrl).origin) return true;
    // Bun builds request.url from the Host header, so this is "the host the browser asked for".
    return from.host === new URL(request.url).host;
  } catch {
    return false;
  }
}
