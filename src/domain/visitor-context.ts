// Where the visitor is and what they browse with, as their widget reports it: the host page
// (updated as they move around the shop), the referrer, the browser's language and time zone.
// Only http(s) page addresses are kept; everything is bounded.
import { eq } from "drizzle-orm";
import type { Database } from "../db/client";
import { visitors } from "../db/schema";
import type { DomainEvents } from "./events";
import { webUrl } from "./fields";
import { limits } from "./limits";
import { findVisitor, type Visitor } from "./visitors";

export interface ReportedContext {
  url?: string;
  title?: string;
  referrer?: string;
  language?: string;
  timezone?: string;
}

/** One address in one form (lower-case host, default port dropped), as the panel links it. */
const normalized = (url: string | null) => (url ? new URL(url).href : undefined);

/** Stores what is well-formed and ignores the rest: a report is a hint, never an error. */
export function updateVisitorContext(db: Database, events: DomainEvents, visitor: Pick<Visitor, "id" | "businessId">, reported: ReportedContext): Visitor {
  const url = normalized(webUrl(reported.url));
  const referrer = normalized(webUrl(reported.referrer));
  const language = reported.language && /^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8}){0,3}$/.test(reported.language) ? reported.language : undefined;
  const timezone = reported.timezone && /^[A-Za-z0-9_+\-/]{1,64}$/.test(reported.timezone) ? reported.timezone : undefined;
  const change = {
    lastSeenAt: Date.now(),
    ...(url && { currentPage: url, pageTitle: Array.from(reported.title?.trim() ?? "").slice(0, limits.pageTitleLength).join("") || null }),
    ...(referrer && { referrer }),
    ...(language && { language }),
    ...(timezone && { timezone }),
  };
  db.update(visitors).set(change).where(eq(visitors.id, visitor.id)).run();
  const updated = findVisitor(db, visitor.businessId, visitor.id)!;
  events.visitorChanged(updated, { renamed: false });
  return updated;
}
