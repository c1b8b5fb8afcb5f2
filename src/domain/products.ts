// The product a visitor is looking at on the host site (wolive's product card): kept on the
// visitor for the agent's panel, and posted into the thread as a card while they chat, at most
// once per product in productRepeatHours.
import { and, eq, gt } from "drizzle-orm";
import type { Database } from "../db/client";
import { conversations, messages, type Product, visitors } from "../db/schema";
import { currentConversation } from "./conversations";
import type { FieldProblem } from "./errors";
import { optionalText, webUrl } from "./fields";
import type { ConversationEvents, DomainEvents } from "./events";
import { limits } from "./limits";
import { type Message, touchConversation } from "./messages";
import { randomToken } from "./tokens";
import { findVisitor } from "./visitors";

export type { Product };

/**
 * The card as stored: text trimmed and bounded, the link http(s), the image https only. What is
 * wrong is left out and named in `dropped` (a shop's http:// image costs the card its picture,
 * not the card); without a usable title there is no card at all.
 */
export function usableProduct(input: { title?: string; image?: string; price?: string; url?: string; description?: string }): {
  product: Product | null;
  dropped: Record<string, FieldProblem>;
} {
  const dropped: Record<string, FieldProblem> = {};
  const text = (field: "title" | "price" | "description", max: number) => {
    const checked = optionalText(input[field], max);
    if (checked.problem) dropped[field] = checked.problem;
    return checked.problem ? undefined : checked.text;
  };
  const title = text("title", limits.productTitleLength);
  if (!title && !dropped.title) dropped.title = { key: "product.title" };
  const price = text("price", limits.productPriceLength);
  const description = text("description", limits.productDescriptionLength);
  let url = input.url?.trim() || undefined;
  if (url && !webUrl(url)) {
    dropped.url = { key: "product.url" };
    url = undefined;
  }
  let image = input.image?.trim() || undefined;
  if (image && !webUrl(image, ["https:"])) {
    dropped.image = { key: "product.image" };
    image = undefined;
  }
  if (!title) return { product: null, dropped };
  return { product: { title, ...(image && { image }), ...(price && { price }), ...(url && { url }), ...(description && { description }) }, dropped };
}

const productKey = (product: Product) => product.url ?? product.title;

/**
 * Remembers the product on the visitor; into their current conversation's thread if new there.
 * Agents' panels follow only another product: the widget reports it on every page load.
 */
export function showProduct(db: Database, events: DomainEvents, visitorId: number, product: Product): Message | null {
  const before = db.select({ businessId: visitors.businessId, product: visitors.product }).from(visitors).where(eq(visitors.id, visitorId)).get();
  if (!before) return null;
  db.update(visitors).set({ product }).where(eq(visitors.id, visitorId)).run();
  const card = postProductCard(db, events, visitorId);
  if (JSON.stringify(before.product) !== JSON.stringify(product)) events.visitorChanged(findVisitor(db, before.businessId, visitorId)!, { renamed: false });
  return card;
}

/**
 * The visitor's product as a card in their current conversation, unless the same product was
 * shown in one of their conversations within productRepeatHours. Called when they pick a product
 * and when a conversation starts.
 */
export function postProductCard(db: Database, events: ConversationEvents, visitorId: number): Message | null {
  const visitor = db.select({ product: visitors.product }).from(visitors).where(eq(visitors.id, visitorId)).get();
  const product = visitor?.product;
  if (!product) return null;
  const posted = db.transaction((tx) => {
    const conversation = currentConversation(tx, visitorId);
    if (!conversation) return null;
    const since = Date.now() - limits.productRepeatHours * 60 * 60_000;
    const recent = tx
      .select({ meta: messages.meta })
      .from(messages)
      .innerJoin(conversations, eq(conversations.id, messages.conversationId))
      .where(and(eq(conversations.visitorId, visitorId), eq(messages.kind, "product"), gt(messages.createdAt, since)))
      .all();
    if (recent.some((row) => row.meta && productKey(row.meta as unknown as Product) === productKey(product))) return null;
    const message = tx
      .insert(messages)
      .values({ conversationId: conversation.id, sender: "visitor", kind: "product", body: product.title, meta: { ...product }, clientId: `product-${randomToken(12)}` })
      .returning()
      .get();
    return { message, conversation: touchConversation(tx, conversation, message) };
  }, { behavior: "immediate" });
  if (!posted) return null;
  events.messageCreated(posted.message, posted.conversation);
  return posted.message;
}
