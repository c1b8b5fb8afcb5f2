// What a page may send over its WebSocket. Every frame is checked against these schemas before
// anything else looks at it (invariant 6); anything else gets an error event and changes nothing.
// hx-ws:send adds a `headers` object to every form it sends, so `send` accepts one.
import { TypeCompiler } from "@sinclair/typebox/compiler";
import { t } from "elysia";
import { limits, messageLimits } from "../domain/limits";

// Extra fields are refused, not ignored: a frame naming a conversation or a visitor is someone
// probing for a way into another thread.
const closed = { additionalProperties: false } as const;
const send = t.Object(
  {
    type: t.Literal("send"),
    clientId: t.String({ maxLength: 64 }),
    // The domain enforces the real limit with a clear message; this only bounds the work.
    body: t.String({ maxLength: messageLimits.bodyLength * 4 }),
    headers: t.Optional(t.Record(t.String({ maxLength: 100 }), t.String({ maxLength: 2000 }))),
  },
  closed,
);
const resume = t.Object({ type: t.Literal("resume"), after: t.Integer({ minimum: 0 }) }, closed);
/**
 * `draft`: what the visitor has typed so far, for a shop with the typing preview on (the visitor
 * socket drops it otherwise, and agents' drafts are never forwarded). Twice the limit in UTF-16
 * units, so that any draft of at most `typingDraftLength` characters fits; the socket counts characters.
 */
const typing = t.Object({ type: t.Literal("typing"), draft: t.Optional(t.String({ maxLength: limits.typingDraftLength * 2 })) }, closed);
const read = t.Object({ type: t.Literal("read"), upTo: t.Integer({ minimum: 0 }) }, closed);
/** The visitor ends the chat (agents close conversations over HTTP). */
const end = t.Object({ type: t.Literal("end") }, closed);

/** The visitor picked a question of the FAQ list: asked as their message, answered automatically. */
const faq = t.Object({ type: t.Literal("faq"), id: t.Integer({ minimum: 1 }), clientId: t.String({ maxLength: 64 }) }, closed);

const frame = t.Union([send, resume, typing, read, end, faq]);
const check = TypeCompiler.Compile(frame);

export type Frame = typeof frame.static;

/** The frame, or null when it is not one of ours. */
export function parseFrame(data: unknown): Frame | null {
  // Elysia has already parsed JSON text; a frame that is not JSON arrives as a string.
  return check.Check(data) ? data : null;
}
