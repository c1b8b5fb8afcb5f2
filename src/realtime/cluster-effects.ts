// What an event written by one process changes in the others. Frames reach every process through
// the broker, but the hub's local side effects do not: an agent's sockets following a thread
// newly theirs (or no longer: a privacy leak), sockets closed when a session ends, a visitor is
// deleted or a shop disabled, the conversation lines kept in memory. The writing process applies
// them as it always did and tells the others the effects; a hearer applies only the local part,
// never renders, publishes or tells again. Alone (no Redis) none of this is built.
import { TypeCompiler } from "@sinclair/typebox/compiler";
import { t } from "elysia";
import type { Database } from "../db/client";
import type { Conversation } from "../domain/conversations";
import { noOtherProcesses, type OtherProcesses } from "../domain/other-processes";
import type { AgentSockets } from "./agent-sockets";
import type { Cluster } from "./cluster";
import type { ListFanout } from "./list-fanout";
import type { RedisLink } from "./redis-link";
import { socketCloseCodes } from "./socket-support";
import type { VisitorSockets } from "./visitor-sockets";

const id = t.Integer({ minimum: 1 });
const closed = { additionalProperties: false } as const;
const effect = t.Union([
  /** The agent's following sockets subscribe to the thread, and get what they missed after `after`. */
  t.Object({ type: t.Literal("follow"), agentId: id, visitorId: id, after: t.Integer({ minimum: 0 }) }, closed),
  /** The conversation left the agent: their sockets stop getting its thread. */
  t.Object({ type: t.Literal("unfollow"), agentId: id, visitorId: id }, closed),
  /** The conversation's line changed (a message, an assignment, a read, a new name) for these agents. */
  t.Object({ type: t.Literal("line"), conversationId: id, agentIds: t.Array(id, { maxItems: 2 }) }, closed),
  /** Sessions ended (of one agent, or of anyone: a shop was disabled): their sockets close. */
  t.Object({ type: t.Literal("sessionsEnded"), agentId: t.Union([id, t.Null()]) }, closed),
  t.Object({ type: t.Literal("visitorDeleted"), visitorId: id }, closed),
  t.Object({ type: t.Literal("shopDisabled"), businessId: id }, closed),
]);
const told = TypeCompiler.Compile(t.Array(effect, { minItems: 1, maxItems: 4 }));
type Effect = (typeof effect)["static"];

/** The parts of this process that hearers change: its sockets and its lines. */
export interface LocalParts {
  db: Database;
  agentSockets: AgentSockets;
  visitorSockets: VisitorSockets;
  lists: ListFanout;
  /** Every open socket of this process. */
  sockets: Iterable<{ close(code: number, reason: string): void }>;
}

export class ClusterEffects {
  constructor(
    private readonly cluster: Cluster & { link: RedisLink },
    private readonly here: LocalParts,
  ) {
    void cluster.hear("effects", (message) => {
      // Told by another process of this installation; still input: checked like a frame.
      if (told.Check(message)) for (const effect of message) this.apply(effect);
    });
    // Pub/sub is at most once: while Redis was away this process missed frames and effects. Its
    // pages come back and resume by id (as after a restart); its lines are read again.
    cluster.link.onReconnect(() => {
      here.lists.forgetLines();
      for (const socket of [...here.sockets]) socket.close(socketCloseCodes.goingAway, "catching up");
    });
  }

  messageCreated(messageId: number, conversation: Conversation): void {
    const { agentId } = conversation;
    const effects: Effect[] = [{ type: "line", conversationId: conversation.id, agentIds: agentId === null ? [] : [agentId] }];
    // Told before the message's frames are published (same connection, in order): a hearer already
    // listening on the thread gets them; one not yet listening replays from the message itself.
    if (agentId !== null && conversation.status === "open") effects.push({ type: "follow", agentId, visitorId: conversation.visitorId, after: messageId - 1 });
    this.tell(effects);
  }

  conversationChanged(conversation: Conversation, previous: Conversation | null, unfollowed: boolean): void {
    const { agentId, visitorId } = conversation;
    const agentIds = [...new Set([previous?.agentId, agentId])].filter((agent): agent is number => typeof agent === "number");
    const effects: Effect[] = [{ type: "line", conversationId: conversation.id, agentIds }];
    if (unfollowed && previous?.agentId) effects.push({ type: "unfollow", agentId: previous.agentId, visitorId });
    if (agentId !== null && conversation.status === "open") effects.push({ type: "follow", agentId, visitorId, after: conversation.lastMessageId ?? 0 });
    this.tell(effects);
  }

  lineChanged(conversation: Conversation): void {
    this.tell([{ type: "line", conversationId: conversation.id, agentIds: conversation.agentId === null ? [] : [conversation.agentId] }]);
  }

  sessionsEnded(agentId: number | null): void {
    this.tell([{ type: "sessionsEnded", agentId }]);
  }

  visitorDeleted(visitorId: number): void {
    this.tell([{ type: "visitorDeleted", visitorId }]);
  }

  shopDisabled(businessId: number): void {
    this.tell([
      { type: "sessionsEnded", agentId: null },
      { type: "shopDisabled", businessId },
    ]);
  }

  private tell(effects: Effect[]): void {
    this.cluster.tell("effects", effects);
  }

  private apply(effect: Effect): void {
    const { db, agentSockets, visitorSockets, lists } = this.here;
    switch (effect.type) {
      case "follow":
        return agentSockets.follow({ agentId: effect.agentId, visitorId: effect.visitorId, status: "open" }, effect.after);
      case "unfollow":
        return agentSockets.unfollow(effect.agentId, effect.visitorId);
      case "line":
        return lists.lineChangedElsewhere(effect.conversationId, effect.agentIds);
      case "sessionsEnded":
        return agentSockets.closeEndedSessions(db, effect.agentId ?? undefined);
      case "visitorDeleted":
        return visitorSockets.close(effect.visitorId, socketCloseCodes.gone, "visitor deleted");
      case "shopDisabled":
        return visitorSockets.closeShop(effect.businessId, socketCloseCodes.blocked, "chat unavailable");
    }
  }
}

/**
 * The other processes keeping the cache `kind` (domain/other-processes.ts): a key changed here is
 * told to them, a key told by one of them is read again here, and everything after Redis was away.
 */
export function otherProcesses(cluster: Cluster, kind: string): OtherProcesses {
  if (!cluster.link) return noOtherProcesses;
  const { link } = cluster;
  return {
    changed: (key) => cluster.tell(kind, { key }),
    hear(refresh, refreshAll) {
      void cluster.hear(kind, (message) => {
        const key = (message as { key?: unknown } | null)?.key;
        if (Number.isSafeInteger(key) && (key as number) > 0) refresh(key as number);
      });
      link.onReconnect(refreshAll);
    },
  };
}
