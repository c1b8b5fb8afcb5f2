// The words of the call window (assets/call.js builds it), in the reader's language: the agent's
// come with the call buttons, the visitor's with the invitation, so the chat page carries none.
import type { MessageKey, Translate } from "../i18n";

const shared = [
  "call.voice",
  "call.video",
  "call.connecting",
  "call.mute",
  "call.unmute",
  "call.cameraOff",
  "call.cameraOn",
  "call.hangUp",
  "call.close",
  "call.you",
  "call.hungUp",
  "call.deviceDenied",
  "call.noDevice",
  "call.unsupported",
  "call.gone",
] as const satisfies readonly MessageKey[];

const byAudience = {
  agent: ["call.ringing", "call.refusedByVisitor", "call.missed", "call.failedAgent"],
  visitor: ["call.invitedVoice", "call.invitedVideo", "call.accept", "call.refuse", "call.failedVisitor", "call.answeredElsewhere"],
} as const satisfies Record<string, readonly MessageKey[]>;

/** Each text by its key without "call." ("hangUp"); `{name}` and such are left for call.js to fill. */
export function callTexts(t: Translate, audience: keyof typeof byAudience): Record<string, string> {
  const keep = (key: string) => `{${key}}`;
  const params = { name: keep("name"), duration: keep("duration") };
  return Object.fromEntries([...shared, ...byAudience[audience]].map((key) => [key.slice("call.".length), t(key, params)]));
}
