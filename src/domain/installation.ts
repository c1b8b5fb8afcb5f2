// Whether the chat has been put on a site other than Kefu's own, told from what Kefu already
// records: a visitor's page is the host page their widget reported (or the page that linked to the
// chat), so a recent visitor on a page outside Kefu means the snippet is there. No table of its own.
import { and, desc, inArray, isNotNull, like, or, sql } from "drizzle-orm";
import type { Queryable } from "../db/client";
import { visitors } from "../db/schema";
import { webUrl } from "./fields";

export interface Installation {
  /** The site, as an origin: https://shop.example.com */
  site: string;
  /** The page the visitor was last on there. */
  page: string;
  /** When that visitor was last seen. */
  seenAt: number;
}

// Only the newest visitors are looked at: enough to see a site in use, and a bounded read however
// many visitors a shop has gathered.
const newestVisitors = 1000;

/** The most recently seen visitor on a page outside `ownOrigins` (Kefu's own pages, like /demo). */
export function findInstallation(db: Queryable, businessId: number, ownOrigins: readonly string[]): Installation | null {
  // "+business_id": walk the table newest first and stop after enough, rather than sort every
  // visitor of the shop that the business index would hand over.
  const newest = db.select({ id: visitors.id }).from(visitors).where(sql`+${visitors.businessId} = ${businessId}`).orderBy(desc(visitors.id)).limit(newestVisitors);
  const row = db
    .select({ page: visitors.currentPage, seenAt: visitors.lastSeenAt })
    .from(visitors)
    .where(
      and(
        inArray(visitors.id, newest),
        isNotNull(visitors.currentPage),
        or(like(visitors.currentPage, "https://%"), like(visitors.currentPage, "http://%")),
        ...ownOrigins.map((origin) => sql`substr(${visitors.currentPage}, 1, ${origin.length + 1}) <> ${`${origin}/`}`),
      ),
    )
    .orderBy(desc(visitors.lastSeenAt))
    .limit(1)
    .get();
  const page = webUrl(row?.page);
  return row && page ? { site: new URL(page).origin, page, seenAt: row.seenAt } : null;
}
