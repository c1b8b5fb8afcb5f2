// Info tabs: a few titled panels of plain text beside the visitor's chat (shipping, returns,
// opening hours, contact), as wolive's visitor window has. Scoped by the actor's business like
// every settings change; the visitor page reads them by the business it serves.
import { and, asc, eq } from "drizzle-orm";
import type { Database, Queryable } from "../db/client";
import { visitorTabs } from "../db/schema";
import { recordAudit } from "./audit";
import { NotFoundError, ValidationError } from "./errors";
import { checkRequiredText, problems } from "./fields";
import { limits } from "./limits";

export type InfoTab = typeof visitorTabs.$inferSelect;
type InfoTabActor = { id: number; businessId: number };

export interface InfoTabInput {
  title: string;
  body: string;
}

/** The business's tabs in the order the visitor window shows them. */
export function listInfoTabs(db: Queryable, businessId: number): InfoTab[] {
  return db.select().from(visitorTabs).where(eq(visitorTabs.businessId, businessId)).orderBy(asc(visitorTabs.position), asc(visitorTabs.id)).all();
}

export function findInfoTab(db: Queryable, businessId: number, tabId: number): InfoTab {
  const tab = db.select().from(visitorTabs).where(and(eq(visitorTabs.businessId, businessId), eq(visitorTabs.id, tabId))).get();
  if (!tab) throw new NotFoundError("info tab");
  return tab;
}

function checkInfoTab(input: InfoTabInput): InfoTabInput {
  const title = checkRequiredText(input.title, limits.infoTabTitleLength, "infoTabs.titleRequired", "infoTabs.titleTooLong");
  const body = checkRequiredText(input.body, limits.infoTabBodyLength, "infoTabs.bodyRequired", "infoTabs.bodyTooLong");
  const found = problems({ title: title.problem, body: body.problem });
  if (found) throw new ValidationError(found);
  return { title: title.trimmed, body: body.trimmed };
}

export function addInfoTab(db: Database, actor: InfoTabActor, input: InfoTabInput): InfoTab {
  const checked = checkInfoTab(input);
  return db.transaction((tx) => {
    const existing = listInfoTabs(tx, actor.businessId);
    if (existing.length >= limits.infoTabsPerBusiness) {
      throw new ValidationError({ title: { key: "infoTabs.tooMany", params: { max: limits.infoTabsPerBusiness } } });
    }
    const position = (existing.at(-1)?.position ?? -1) + 1;
    const tab = tx.insert(visitorTabs).values({ businessId: actor.businessId, ...checked, position }).returning().get();
    recordAudit(tx, actor, "info_tab.created", `info_tab:${tab.id}`, { title: tab.title });
    return tab;
  }, { behavior: "immediate" });
}

export function updateInfoTab(db: Database, actor: InfoTabActor, tabId: number, input: InfoTabInput): InfoTab {
  const checked = checkInfoTab(input);
  return db.transaction((tx) => {
    const tab = findInfoTab(tx, actor.businessId, tabId);
    const updated = tx
      .update(visitorTabs)
      .set(checked)
      .where(and(eq(visitorTabs.businessId, actor.businessId), eq(visitorTabs.id, tab.id)))
      .returning()
      .get()!;
    recordAudit(tx, actor, "info_tab.updated", `info_tab:${tab.id}`, { from: tab.title, to: updated.title });
    return updated;
  }, { behavior: "immediate" });
}

export function deleteInfoTab(db: Database, actor: InfoTabActor, tabId: number): void {
  db.transaction((tx) => {
    const tab = findInfoTab(tx, actor.businessId, tabId);
    tx.delete(visitorTabs).where(and(eq(visitorTabs.businessId, actor.businessId), eq(visitorTabs.id, tab.id))).run();
    recordAudit(tx, actor, "info_tab.deleted", `info_tab:${tab.id}`, { title: tab.title });
  }, { behavior: "immediate" });
}

/** Swaps the tab with its neighbour; at either end it stays where it is. */
export function moveInfoTab(db: Database, actor: InfoTabActor, tabId: number, direction: "up" | "down"): void {
  db.transaction((tx) => {
    const tab = findInfoTab(tx, actor.businessId, tabId);
    const order = listInfoTabs(tx, actor.businessId).map((row) => row.id);
    const from = order.indexOf(tab.id);
    const to = direction === "up" ? from - 1 : from + 1;
    if (to < 0 || to >= order.length) return;
    [order[from], order[to]] = [order[to]!, order[from]!];
    order.forEach((id, position) => tx.update(visitorTabs).set({ position }).where(eq(visitorTabs.id, id)).run());
    recordAudit(tx, actor, "info_tab.moved", `info_tab:${tab.id}`, { direction });
  }, { behavior: "immediate" });
}
