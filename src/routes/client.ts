// Facts about the client of a request that more than one route needs.
import type { Server } from "bun";

/** The client's IP. Behind a trusted proxy, the last X-Forwarded-For hop (the one nginx added). */
export function clientIp(request: Request, server: Server<unknown> | null, trustProxy: boolean): string | null {
  if (trustProxy) {
    const forwarded = request.headers.get("x-forwarded-for");
    const last = forwarded?.split(",").pop()?.trim();
    if (last) return last;
  }
  return server?.requestIP(request)?.address ?? null;
}

/** Whether the browser reached us over HTTPS (directly, or through a trusted proxy). */
export function isHttps(request: Request, publicUrl: string | null, trustProxy: boolean): boolean {
  if (publicUrl?.startsWith("https:")) return true;
  if (trustProxy && request.headers.get("x-forwarded-proto") === "https") return true;
  return new URL(request.url).protocol === "https:";
}

export function isHtmx(request: Request): boolean {
  return request.headers.get("hx-request") === "true";
}

export function acceptsGzip(request: Request): boolean {
  return /\bgzip\b/.test(request.headers.get("accept-encoding") ?? "");
}
