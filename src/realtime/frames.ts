// What a page may send over its WebSocket. Every frame is checked against these schemas before
// anything else looks at it (invariant 6); anything else gets an error event and changes nothing.
// hx-ws:send adds a `headers` object to every form it sends, so `send` accepts one. An agent's
// socket may carry all of the agent's conversations, so its frames may name one; a visitor's never.
import { TypeCompiler } from "@sinclair/typebox/compiler";
import { t } from "elysia";
import { callLimits, limits, messageLimits } from "../domain/limits";

// Extra fields are refused, not ignored: a visitor's frame naming a conversation or a visitor is
// someone probing for a way into another thread.
const closed = { additionalProperties: false } as const;
const sendFields = {
  type: t.Literal("send"),
  clientId: t.String({ maxLength: 64 }),
  // The domain enforces the real limit with a clear message; this only bounds the work.
  body: t.String({ maxLength: messageLimits.bodyLength * 4 }),
  headers: t.Optional(t.Record(t.String({ maxLength: 100 }), t.String({ maxLength: 2000 }))),
};
const send = t.Object(sendFields, closed);
const resume = t.Object({ type: t.Literal("resume"), after: t.Integer({ minimum: 0 }) }, closed);
/**
 * `draft`: what the visitor has typed so far, for a shop with the typing preview on (the visitor
 * socket drops it otherwise, and agents' drafts are never forwarded). Twice the limit in UTF-16
 * units, so that any draft of at most `typingDraftLength` characters fits; the socket counts characters.
 */
const typingFields = { type: t.Literal("typing"), draft: t.Optional(t.String({ maxLength: limits.typingDraftLength * 2 })) };
const typing = t.Object(typingFields, closed);
const readFields = { type: t.Literal("read"), upTo: t.Integer({ minimum: 0 }) };
const read = t.Object(readFields, closed);
/** The visitor ends the chat (agents close conversations over HTTP). */
const end = t.Object({ type: t.Literal("end") }, closed);

/** "Talk to a person" under an automatic answer: the bot stops and the visitor is queued. */
const person = t.Object({ type: t.Literal("person") }, closed);

/** The visitor picked a question of the FAQ list: asked as their message, answered automatically. */
const faq = t.Object({ type: t.Literal("faq"), id: t.Integer({ minimum: 1 }), clientId: t.String({ maxLength: 64 }) }, closed);

/**
 * A call's signalling (realtime/calls.ts): the agent invites and offers, the visitor accepts or
 * refuses and answers, both trickle ICE candidates and may hang up. Each names the call by the id
 * the server gave it; SDP and candidates are bounded, and relayed as they are, never stored.
 */
const callId = { callId: t.String({ pattern: "^[A-Za-z0-9_-]{8,32}$" }) };
const callSignal = <T extends string>(type: T) => t.Object({ type: t.Literal(type), ...callId }, closed);
const sessionDescription = <T extends string>(type: T) => t.Object({ type: t.Literal(type), ...callId, sdp: t.String({ minLength: 1, maxLength: callLimits.sdpLength }) }, closed);
const iceCandidate = t.Object(
  {
    type: t.Literal("call-ice"),
    ...callId,
    candidate: t.Object(
      {
        candidate: t.String({ maxLength: callLimits.candidateLength }),
        sdpMid: t.Union([t.String({ maxLength: 32 }), t.Null()]),
        sdpMLineIndex: t.Union([t.Integer({ minimum: 0, maximum: 32 }), t.Null()]),
        usernameFragment: t.Optional(t.Union([t.String({ maxLength: 256 }), t.Null()])),
      },
      closed,
    ),
  },
  closed,
);
const callHangup = callSignal("call-hangup");

/** Which of the agent's conversations a frame is about; without it, the one the page has open. */
const conversation = { conversation: t.Optional(t.Integer({ minimum: 1 })) };
/**
 * The agent's socket follows every open conversation the agent has, now and as they are assigned
 * or leave them: their messages arrive on it, after `after` first (a reconnect's catch-up).
 */
const follow = t.Object({ type: t.Literal("follow"), after: t.Integer({ minimum: 0 }) }, closed);

/**
 * The console's lists show the shop's lists at `version` (0: not known, after a reconnect); when
 * they have changed since, the socket sends them again whole. After `resume`, which listens first.
 */
const lists = t.Object({ type: t.Literal("lists"), version: t.Integer({ minimum: 0 }) }, closed);

export const visitorFrame = t.Union([send, resume, typing, read, end, faq, callSignal("call-accept"), callSignal("call-refuse"), sessionDescription("call-answer"), iceCandidate, callHangup, person]);
export const agentFrame = t.Union([
  t.Object({ ...sendFields, ...conversation }, closed),
  resume,
  lists,
  follow,
  t.Object({ ...typingFields, ...conversation }, closed),
  t.Object({ ...readFields, ...conversation }, closed),
  end,
  t.Object({ type: t.Literal("call-invite"), media: t.UnionEnum(["voice", "video"]), ...conversation }, closed),
  sessionDescription("call-offer"),
  iceCandidate,
  callHangup,
]);
const checkVisitor = TypeCompiler.Compile(visitorFrame);
const checkAgent = TypeCompiler.Compile(agentFrame);

export type VisitorFrame = typeof visitorFrame.static;
export type AgentFrame = typeof agentFrame.static;
export type Frame = VisitorFrame | AgentFrame;

/** The frame (parsed JSON), or null when it is not one of a visitor's. */
export function parseVisitorFrame(data: unknown): VisitorFrame | null {
  return checkVisitor.Check(data) ? data : null;
}

/** The frame (parsed JSON), or null when it is not one of an agent's. */
export function parseAgentFrame(data: unknown): AgentFrame | null {
  return checkAgent.Check(data) ? data : null;
}
