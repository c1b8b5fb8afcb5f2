import { describe, expect, it } from "bun:test";
import { and, eq } from "drizzle-orm";
import { conversations, messages, visitors } from "../../src/db/schema";
import { ValidationError } from "../../src/domain/errors";
import { type DomainEvents, ignoreEvents } from "../../src/domain/events";
import { limits } from "../../src/domain/limits";
import { type Message, sendVisitorMessage } from "../../src/domain/messages";
import { postProductCard, showProduct, usableProduct } from "../../src/domain/products";
import { createAnonymousVisitor, type Visitor } from "../../src/domain/visitors";
import { testApp } from "../support";

const visit = { ip: null, userAgent: null, page: null };
const teapot = { title: "Jade teapot", url: "https://shop.example.com/teapot", price: "¥128", image: "https://shop.example.com/teapot.jpg" };
const cups = { title: "Tea cups", url: "https://shop.example.com/cups" };

function setup() {
  const ctx = testApp();
  const announced: Message[] = [];
  const panels: (string | undefined)[] = [];
  const events: DomainEvents = {
    ...ignoreEvents,
    messageCreated: (message) => announced.push(message),
    visitorChanged: (visitor) => panels.push(visitor.product?.title),
  };
  const newVisitor = () => createAnonymousVisitor(ctx.db, "0".repeat(64), ctx.business.id, visit).visitor;
  let sent = 0;
  /** The visitor writes, which opens a conversation if they have none. */
  const chat = (visitor: Visitor) =>
    sendVisitorMessage(ctx.db, ignoreEvents, visitor, { clientId: `message-${++sent}-${crypto.randomUUID()}`, body: "hello" }, []).conversation;
  const cards = (visitorId: number) =>
    ctx.db
      .select({ id: messages.id, conversationId: messages.conversationId, sender: messages.sender, body: messages.body, meta: messages.meta })
      .from(messages)
      .innerJoin(conversations, eq(conversations.id, messages.conversationId))
      .where(and(eq(conversations.visitorId, visitorId), eq(messages.kind, "product")))
      .all();
  const close = (conversationId: number) =>
    ctx.db.update(conversations).set({ status: "closed", closedAt: Date.now() }).where(eq(conversations.id, conversationId)).run();
  return { ...ctx, events, announced, panels, newVisitor, chat, cards, close };
}

describe("checking a product", () => {
  const fieldsOf = (input: Parameters<typeof usableProduct>[0]) => Object.keys(usableProduct(input).dropped);

  it("keeps the card's fields trimmed and leaves out empty ones", () => {
    expect(usableProduct({ title: " Jade teapot ", price: " ¥128 ", url: " https://shop.example.com/teapot ", image: "", description: "  " })).toEqual({
      product: { title: "Jade teapot", price: "¥128", url: "https://shop.example.com/teapot" },
      dropped: {},
    });
  });

  it("needs a title: without one there is no card", () => {
    expect(usableProduct({})).toEqual({ product: null, dropped: { title: { key: "product.title" } } });
    expect(usableProduct({ title: "   ", url: "https://shop.example.com/teapot" }).product).toBeNull();
    expect(fieldsOf({ title: "   ", url: "https://shop.example.com/teapot" })).toEqual(["title"]);
  });

  it("drops what is wrong and keeps the rest of the card", () => {
    expect(usableProduct({ title: "Teapot", price: "¥128", image: "http://shop.example.com/teapot.jpg" })).toEqual({
      product: { title: "Teapot", price: "¥128" },
      dropped: { image: { key: "product.image" } },
    });
    expect(usableProduct({ title: "Teapot", url: "javascript:alert(1)" })).toEqual({ product: { title: "Teapot" }, dropped: { url: { key: "product.url" } } });
  });

  it("links to http or https pages only", () => {
    expect(fieldsOf({ title: "Teapot", url: "http://shop.example.com/teapot" })).toEqual([]);
    expect(fieldsOf({ title: "Teapot", url: "javascript:alert(1)" })).toEqual(["url"]);
    expect(fieldsOf({ title: "Teapot", url: "ftp://shop.example.com/teapot" })).toEqual(["url"]);
    expect(fieldsOf({ title: "Teapot", url: "/teapot" })).toEqual(["url"]);
    expect(fieldsOf({ title: "Teapot", url: `https://shop.example.com/${"a".repeat(limits.urlLength)}` })).toEqual(["url"]);
  });

  it("shows images from https only", () => {
    expect(fieldsOf({ title: "Teapot", image: "https://shop.example.com/teapot.jpg" })).toEqual([]);
    expect(fieldsOf({ title: "Teapot", image: "http://shop.example.com/teapot.jpg" })).toEqual(["image"]);
    expect(fieldsOf({ title: "Teapot", image: "data:image/png;base64,AAAA" })).toEqual(["image"]);
    expect(fieldsOf({ title: "Teapot", image: `https://shop.example.com/${"a".repeat(limits.urlLength)}` })).toEqual(["image"]);
  });

  it("bounds the title, price and description, counting characters as people do", () => {
    expect(fieldsOf({ title: "茶".repeat(limits.productTitleLength) })).toEqual([]);
    expect(fieldsOf({ title: "茶".repeat(limits.productTitleLength + 1) })).toEqual(["title"]);
    expect(fieldsOf({ title: "Teapot", price: "9".repeat(limits.productPriceLength + 1) })).toEqual(["price"]);
    expect(fieldsOf({ title: "Teapot", description: "d".repeat(limits.productDescriptionLength) })).toEqual([]);
    expect(fieldsOf({ title: "Teapot", description: "d".repeat(limits.productDescriptionLength + 1) })).toEqual(["description"]);
  });
});

describe("showing a product", () => {
  it("remembers the product on a visitor who is not chatting, and posts no card", () => {
    const ctx = setup();
    const visitor = ctx.newVisitor();
    expect(showProduct(ctx.db, ctx.events, visitor.id, teapot)).toBeNull();
    expect(ctx.db.select({ product: visitors.product }).from(visitors).where(eq(visitors.id, visitor.id)).get()).toEqual({ product: teapot });
    expect(ctx.db.select().from(messages).where(eq(messages.kind, "product")).all()).toEqual([]);
    expect(ctx.announced).toEqual([]);
  });

  it("posts the product as a card from the visitor into their conversation, and announces it", () => {
    const ctx = setup();
    const visitor = ctx.newVisitor();
    const conversation = ctx.chat(visitor);
    const card = showProduct(ctx.db, ctx.events, visitor.id, teapot);
    expect(card).toMatchObject({ conversationId: conversation.id, sender: "visitor", kind: "product", body: teapot.title, meta: teapot });
    expect(ctx.announced.map((message) => message.id)).toEqual([card!.id]);
    expect(ctx.db.select({ lastMessageId: conversations.lastMessageId }).from(conversations).get()).toEqual({ lastMessageId: card!.id });
  });

  it("posts one card for the same product shown twice, and another for a different product", () => {
    const ctx = setup();
    const visitor = ctx.newVisitor();
    ctx.chat(visitor);
    expect(showProduct(ctx.db, ctx.events, visitor.id, teapot)).not.toBeNull();
    expect(showProduct(ctx.db, ctx.events, visitor.id, teapot)).toBeNull();
    // The same page under a new title (a sale) is the same product.
    expect(showProduct(ctx.db, ctx.events, visitor.id, { ...teapot, title: "Jade teapot, 20% off" })).toBeNull();
    expect(showProduct(ctx.db, ctx.events, visitor.id, cups)).not.toBeNull();
    expect(ctx.cards(visitor.id).map((card) => card.body)).toEqual(["Jade teapot", "Tea cups"]);
    expect(ctx.announced).toHaveLength(2);
    expect(ctx.db.select({ product: visitors.product }).from(visitors).where(eq(visitors.id, visitor.id)).get()).toEqual({ product: cups });
    // Agents' panels follow each other product, never the same one reported again.
    expect(ctx.panels).toEqual(["Jade teapot", "Jade teapot, 20% off", "Tea cups"]);
  });

  it("tells products without a link apart by their title", () => {
    const ctx = setup();
    const visitor = ctx.newVisitor();
    ctx.chat(visitor);
    expect(showProduct(ctx.db, ctx.events, visitor.id, { title: "Green tea" })).not.toBeNull();
    expect(showProduct(ctx.db, ctx.events, visitor.id, { title: "Green tea", price: "¥30" })).toBeNull();
    expect(showProduct(ctx.db, ctx.events, visitor.id, { title: "Black tea" })).not.toBeNull();
    expect(ctx.cards(visitor.id)).toHaveLength(2);
  });

  it("does not repeat a card from the visitor's earlier conversation within the repeat window, but does after it", () => {
    const ctx = setup();
    const visitor = ctx.newVisitor();
    const first = ctx.chat(visitor);
    const card = showProduct(ctx.db, ctx.events, visitor.id, teapot)!;
    ctx.close(first.id);
    const second = ctx.chat(visitor);
    expect(second.id).not.toBe(first.id);
    expect(showProduct(ctx.db, ctx.events, visitor.id, teapot)).toBeNull();
    const longAgo = Date.now() - (limits.productRepeatHours * 60 + 1) * 60_000;
    ctx.db.update(messages).set({ createdAt: longAgo }).where(eq(messages.id, card.id)).run();
    expect(showProduct(ctx.db, ctx.events, visitor.id, teapot)).toMatchObject({ conversationId: second.id });
    expect(ctx.cards(visitor.id).map((row) => row.conversationId)).toEqual([first.id, second.id]);
  });

  it("posts a card for a product another visitor was already shown", () => {
    const ctx = setup();
    const [li, han] = [ctx.newVisitor(), ctx.newVisitor()];
    ctx.chat(li);
    ctx.chat(han);
    expect(showProduct(ctx.db, ctx.events, li.id, teapot)).not.toBeNull();
    expect(showProduct(ctx.db, ctx.events, han.id, teapot)).not.toBeNull();
    expect(ctx.cards(han.id)).toHaveLength(1);
  });
});

describe("posting the product card when a conversation starts", () => {
  it("posts the product the visitor picked before they wrote, once", () => {
    const ctx = setup();
    const visitor = ctx.newVisitor();
    showProduct(ctx.db, ctx.events, visitor.id, teapot);
    // The first message that opens the conversation posts the card (sendVisitorMessage does it).
    const conversation = ctx.chat(visitor);
    expect(ctx.cards(visitor.id)).toEqual([expect.objectContaining({ conversationId: conversation.id, body: teapot.title })]);
    expect(postProductCard(ctx.db, ctx.events, visitor.id)).toBeNull();
    expect(ctx.cards(visitor.id)).toHaveLength(1);
  });

  it("posts nothing for a visitor who picked no product", () => {
    const ctx = setup();
    const visitor = ctx.newVisitor();
    ctx.chat(visitor);
    expect(postProductCard(ctx.db, ctx.events, visitor.id)).toBeNull();
    expect(ctx.cards(visitor.id)).toEqual([]);
  });
});
