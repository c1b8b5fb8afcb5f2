// Voice and video calls (wolive's video apply/refuse): an agent offers one from a conversation,
// its visitor accepts or refuses. Sound and pictures go peer to peer (WebRTC); the server relays
// only the signalling (realtime/calls.ts) and keeps nothing of it: when a call ends, one line in
// the thread says how ("Video call, 3:12", "Missed voice call", "Call refused").
import { createHmac } from "node:crypto";
import { eq } from "drizzle-orm";
import type { Database } from "../db/client";
import { businesses } from "../db/schema";
import type { Translate } from "../i18n";
import { conversationOfBusiness } from "./conversations";
import { type FieldProblem, ValidationError } from "./errors";
import type { ConversationEvents } from "./events";
import { callLimits } from "./limits";
import { insertSystemMessage, type Message } from "./messages";

export type CallMedia = "voice" | "video";
/** How a call ended: talked (then hung up by either side), never answered, or refused. */
export type CallOutcome = "ended" | "missed" | "refused";

/** What the call's line in the thread carries. */
export interface CallRecord {
  media: CallMedia;
  outcome: CallOutcome;
  /** From acceptance to hang-up; 0 for a call never answered. */
  seconds: number;
}

/**
 * The shop's STUN and TURN servers as stored. TURN takes a fixed username and credential, or a
 * shared secret (coturn's use-auth-secret) from which each call gets credentials of its own.
 */
export interface CallServers {
  urls: string[];
  username: string;
  credential: string;
  secret?: string;
}

/** How long credentials made from the TURN secret stay good: longer than any call. */
const turnCredentialSeconds = 24 * 60 * 60;

/** What RTCPeerConnection takes as `iceServers`. */
export interface IceServer {
  urls: string[];
  username?: string;
  credential?: string;
}

const serverUrl = /^(stun|turns?):[^\s/?#]+(\?transport=(udp|tcp))?$/;

/**
 * The servers as the Settings page posts them: URLs one a line (or separated by commas), each
 * `stun:`, `turn:` or `turns:`; a TURN server needs the username and credential, which a STUN
 * one never uses. Empty is valid: on a LAN the peers' own addresses are enough.
 */
/**
 * The posted servers, checked. The TURN secret is never shown back: an empty one keeps `kept`
 * while a TURN URL remains, and goes with the last of them. Stored only when there is one, so
 * the form posted unchanged equals what is stored and saves nothing.
 */
export function checkCallServers(posted: { urls: string; username: string; credential: string; secret: string }, kept?: string): CallServers {
  const urls = posted.urls.split(/[\s,]+/).filter(Boolean);
  const username = posted.username.trim();
  const credential = posted.credential.trim();
  const hasTurn = urls.some((url) => url.startsWith("turn"));
  const secret = posted.secret.trim() || (hasTurn ? (kept ?? "") : "");
  const problems: Record<string, FieldProblem> = {};
  const bad = urls.find((url) => url.length > callLimits.serverUrlLength || !serverUrl.test(url));
  if (bad !== undefined) problems.callServerUrls = { key: "call.serverUrlInvalid", params: { url: bad.slice(0, 80) } };
  else if (urls.length > callLimits.servers) problems.callServerUrls = { key: "call.serversTooMany", params: { max: callLimits.servers } };
  else if (hasTurn && !secret && (!username || !credential)) problems.callServerUrls = { key: "call.turnNeedsCredentials" };
  if (username.length > callLimits.credentialLength) problems.callServerUsername = { key: "error.name.tooLong", params: { max: callLimits.credentialLength } };
  if (credential.length > callLimits.credentialLength) problems.callServerCredential = { key: "error.name.tooLong", params: { max: callLimits.credentialLength } };
  if (secret.length > callLimits.credentialLength) problems.callServerSecret = { key: "error.name.tooLong", params: { max: callLimits.credentialLength } };
  if (Object.keys(problems).length) throw new ValidationError(problems);
  return { urls: [...new Set(urls)], username, credential, ...(secret ? { secret } : {}) };
}

/**
 * The shop's servers as both peers' RTCPeerConnection takes them; none: host candidates only.
 * Both peers get the TURN credentials, the visitor too: with a secret they are this call's and
 * expire, so a visitor cannot keep the shop's relay for themselves.
 */
export function iceServersOf(db: Database, businessId: number): IceServer[] {
  const servers = db.select({ callServers: businesses.callServers }).from(businesses).where(eq(businesses.id, businessId)).get()?.callServers;
  if (!servers) return [];
  const stun = servers.urls.filter((url) => url.startsWith("stun:"));
  const turn = servers.urls.filter((url) => !url.startsWith("stun:"));
  return [...(stun.length ? [{ urls: stun }] : []), ...(turn.length ? [{ urls: turn, ...turnCredentials(servers) }] : [])];
}

/** coturn's REST credentials: the username is the expiry (Unix seconds), the credential its HMAC-SHA1 under the secret. */
function turnCredentials(servers: CallServers): { username: string; credential: string } {
  if (!servers.secret) return { username: servers.username, credential: servers.credential };
  const username = `${Math.floor(Date.now() / 1000) + turnCredentialSeconds}:kefu`;
  return { username, credential: createHmac("sha1", servers.secret).update(username).digest("base64") };
}

/**
 * The call's line in its conversation's thread, announced like any message; none when the
 * conversation is gone (its visitor was deleted during the call).
 */
export function recordCall(db: Database, events: ConversationEvents, businessId: number, conversationId: number, record: CallRecord): Message | null {
  const result = db.transaction((tx) => {
    const conversation = conversationOfBusiness(tx, businessId, conversationId);
    if (!conversation) return null;
    const message = insertSystemMessage(tx, conversation, "call", { ...record });
    return { message, conversation: { ...conversation, lastMessageId: message.id } };
  }, { behavior: "immediate" });
  if (!result) return null;
  events.messageCreated(result.message, result.conversation);
  return result.message;
}

/** "3:12", or "1:02:03" past an hour. */
export function callDuration(seconds: number): string {
  const whole = Math.max(0, Math.floor(seconds));
  const [hours, minutes, rest] = [Math.floor(whole / 3600), Math.floor((whole % 3600) / 60), whole % 60];
  const two = (n: number) => String(n).padStart(2, "0");
  return hours ? `${hours}:${two(minutes)}:${two(rest)}` : `${minutes}:${two(rest)}`;
}

/** The call's line, in the reader's language. */
export function callText(t: Translate, meta: Record<string, unknown> | null): string {
  const video = meta?.media === "video";
  if (meta?.outcome === "missed") return t(video ? "call.missedVideo" : "call.missedVoice");
  if (meta?.outcome === "refused") return t(video ? "call.refusedVideo" : "call.refusedVoice");
  return t(video ? "call.endedVideo" : "call.endedVoice", { duration: callDuration(Number(meta?.seconds ?? 0)) });
}
