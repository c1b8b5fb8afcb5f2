// Where what the domain announces meets the sockets: each announcement goes to the fan-outs that
// render and publish it (threads, lists, the visitor's header) and keeps the agents' following
// sockets subscribed; presence lives here too, since who is online changes what they show.
import type { Database } from "../db/client";
import { drainQueue, requeueFromAbsentAgents } from "../domain/assignment";
import { setAwayAfterAbsence } from "../domain/agents";
import { groupIdsOfAgent } from "../domain/groups";
import { visitorsOnIp } from "../domain/blocked-ips";
import { type Conversation, currentConversation, openConversationsOf } from "../domain/conversations";
import type { DomainEvents } from "../domain/events";
import type { OfflineMessage } from "../domain/offline-messages";
import { type Message, threadsAfter } from "../domain/messages";
import type { Visitor } from "../domain/visitors";
import { type Locale, translator } from "../i18n";
import { threadUpsert } from "../views/message";
import { type AgentSocketHandle, AgentSockets } from "./agent-sockets";
import { Calls } from "./calls";
import type { Broker } from "./broker";
import type { Cluster } from "./cluster";
import { ClusterEffects } from "./cluster-effects";
import { ListFanout } from "./list-fanout";
import { localListsVersions, sharedListsVersions } from "./lists-versions";
import { localPresences, type Presence, type PresenceOptions, type Presences } from "./presence";
import { redisPresences } from "./redis-presence";
import { type ClientEvent, Publisher } from "./publisher";
import { ThreadFanout } from "./thread-fanout";
import { agentWaitingAudiences, topics } from "./topics";
import { allSubscribed, replayOnceSubscribed, socketCloseCodes } from "./socket-support";
import { VisitorHeaderFanout } from "./visitor-header-fanout";
import { VisitorSockets } from "./visitor-sockets";

export class Hub implements DomainEvents {
  /** Who else hears every announcement, after the sockets (webhooks, email): see listen(). */
  private readonly listeners: Partial<DomainEvents>[] = [];
  /** Who is online, in this process alone or in every process sharing Redis. */
  readonly presence: Presences;
  readonly agents: Presence;
  readonly visitors: Presence;
  /** Every open socket of both audiences, so a stopping server can close them all. */
  readonly sockets = new Set<{ close(code?: number, reason?: string): void }>();
  /** Each open agent socket, by agent: closed when its session ends, subscribed to what it follows. */
  readonly agentSockets: AgentSockets;
  /** Each open visitor socket, by visitor: closed when the visitor is deleted. */
  readonly visitorSockets = new VisitorSockets();
  /** Voice and video calls ringing or going on, and the relay of their signalling. */
  readonly calls: Calls;
  private readonly publisher: Publisher;
  private readonly threads: ThreadFanout;
  private readonly lists: ListFanout;
  private readonly headers: VisitorHeaderFanout;
  /** The other processes, told the local effects of what happens here (null when alone: no cost). */
  private readonly elsewhere: ClusterEffects | null;

  constructor(
    private readonly db: Database,
    readonly broker: Broker,
    /** The other processes serving this data dir, if any (cluster.ts). */
    readonly cluster: Cluster,
    presenceOptions: PresenceOptions,
    callRingMs?: number,
  ) {
    const listeners = {
      agents: { online: (id: number) => this.headers.agentStatusChanged(id), offline: (id: number) => this.headers.agentStatusChanged(id) },
      visitors: { online: (id: number) => this.visitorPresenceChanged(id, true), offline: (id: number) => this.visitorPresenceChanged(id, false) },
    };
    this.presence = cluster.link ? redisPresences({ ...cluster, link: cluster.link }, listeners, presenceOptions) : localPresences(listeners, presenceOptions);
    this.agents = this.presence.agents;
    this.visitors = this.presence.visitors;
    this.agentSockets = new AgentSockets(db);
    this.publisher = new Publisher(broker);
    this.calls = new Calls(db, this, this.publisher, cluster, callRingMs);
    this.threads = new ThreadFanout(this.publisher);
    this.lists = new ListFanout(db, this.publisher, this.visitors, cluster.link ? sharedListsVersions({ ...cluster, link: cluster.link }) : localListsVersions());
    this.headers = new VisitorHeaderFanout(db, this.publisher, this.agents);
    const here = { db, agentSockets: this.agentSockets, visitorSockets: this.visitorSockets, lists: this.lists, sockets: this.sockets };
    this.elsewhere = cluster.link ? new ClusterEffects({ ...cluster, link: cluster.link }, here) : null;
  }

  /**
   * Adds a listener told every announcement after the sockets were. It runs on the send path, so
   * it must return at once: no await, and no database write for events nobody subscribed to.
   */
  listen(listener: Partial<DomainEvents>): void {
    this.listeners.push(listener);
  }

  private tell<K extends keyof DomainEvents>(name: K, ...args: Parameters<DomainEvents[K]>): void {
    for (const listener of this.listeners) (listener[name] as ((...values: Parameters<DomainEvents[K]>) => void) | undefined)?.(...args);
  }

  messageCreated(message: Message, conversation: Conversation): void {
    // Before anything of it is published: the agent's following sockets get its first message too.
    this.agentSockets.follow(conversation, message.id);
    this.elsewhere?.messageCreated(message.id, conversation);
    this.threads.messageCreated(message, conversation);
    this.lists.messageCreated(message, conversation);
    this.tell("messageCreated", message, conversation);
  }

  conversationChanged(conversation: Conversation, previous: Conversation | null): void {
    const unfollowed = previous?.agentId && (previous.agentId !== conversation.agentId || conversation.status !== "open");
    if (unfollowed) this.agentSockets.unfollow(previous.agentId!, conversation.visitorId);
    this.agentSockets.follow(conversation, conversation.lastMessageId ?? 0);
    this.elsewhere?.conversationChanged(conversation, previous, Boolean(unfollowed));
    this.lists.conversationChanged(conversation, previous);
    this.threads.conversationChanged(conversation, previous);
    this.headers.conversationChanged(conversation, previous);
    // Before the drain below, which may announce other conversations: listeners hear this one first.
    this.tell("conversationChanged", conversation, previous);
    // A closed conversation frees a slot: the head of the queue may have an agent now.
    if (conversation.status === "closed" && previous?.status === "open") this.drainQueue(conversation.businessId);
  }

  messagesRead(visitorId: number, reader: "visitor" | "agent", upToId: number): void {
    this.threads.messagesRead(visitorId, reader, upToId);
    if (reader === "agent") {
      const line = this.lists.readByAgent(visitorId);
      if (line) this.elsewhere?.lineChanged(line.conversation);
    }
    this.tell("messagesRead", visitorId, reader, upToId);
  }

  /** How many times the shop's conversation lists have changed (lists-versions.ts). */
  listsVersion(businessId: number): number | Promise<number> {
    return this.lists.versions.current(businessId);
  }

  /** Assigns waiting conversations to agents who can take them now. */
  drainQueue(businessId: number): void {
    drainQueue(this.db, this, businessId, this.agents.onlineIds());
  }

  /**
   * Agents gone longer than their shop's auto-away time become "away"; conversations of agents
   * gone longer than its hold time go back to the queue and are routed again. An agent not seen
   * since the server started counts as gone since then. With Redis, a console on any process counts.
   */
  async sweepAbsentAgents(now = Date.now()): Promise<void> {
    const absentSince = await this.presence.agentAbsences();
    setAwayAfterAbsence(this.db, this, absentSince, now);
    const requeued = requeueFromAbsentAgents(this.db, this, absentSince, now);
    for (const businessId of new Set(requeued.map((c) => c.businessId))) this.drainQueue(businessId);
  }

  /** The waiting-list topics an agent listens to: the pools they serve, as they are now. */
  waitingTopics(agent: { id: number; businessId: number }, locale: Locale): string[] {
    return agentWaitingAudiences(agent.id, groupIdsOfAgent(this.db, agent.id)).map((audience) => topics.waiting(agent.businessId, audience, locale));
  }

  /** Back to automatic, more room, new members, an agent back online: what waits may be assigned now. */
  routingChanged(businessId: number): void {
    this.drainQueue(businessId);
    this.tell("routingChanged", businessId);
  }

  /** The blocked visitor's open pages reload, into "chat is not available". */
  visitorBlocked(visitorId: number): void {
    this.threads.reloadVisitorPages(visitorId);
    this.tell("visitorBlocked", visitorId);
  }

  /**
   * The visitor is gone (their conversations were announced closed before this): agents' pages on
   * their thread reload into "not found", and the visitor's own pages close, reloading as a new visitor.
   */
  visitorDeleted(visitorId: number): void {
    this.calls.visitorGone(visitorId);
    this.publisher.send((locale) => topics.agentThread(visitorId, locale), () => ({ type: "reload" }));
    this.visitorSockets.close(visitorId, socketCloseCodes.gone, "visitor deleted");
    this.elsewhere?.visitorDeleted(visitorId);
  }

  /** An address was blocked: every online visitor of the business who last came from it reloads too. */
  ipBlocked(businessId: number, ip: string): void {
    for (const visitorId of visitorsOnIp(this.db, businessId, ip, this.visitors.onlineIds())) this.threads.reloadVisitorPages(visitorId);
    this.tell("ipBlocked", businessId, ip);
  }

  /** The visitor's open pages reload, from the leave-a-message form into the conversation. */
  offlineMessageAnswered(visitorId: number, answered: Parameters<DomainEvents["offlineMessageAnswered"]>[1]): void {
    this.threads.reloadVisitorPages(visitorId);
    this.tell("offlineMessageAnswered", visitorId, answered);
  }

  /**
   * Which waiting lists a console follows was decided when it connected: after a group change the
   * consoles concerned reload, to show and follow the lists they serve now. `agentIds` null: all
   * of the business's.
   */
  groupsChanged(businessId: number, agentIds: readonly number[] | null): void {
    const reload = (): ClientEvent => ({ type: "reload" });
    if (agentIds === null) this.publisher.send((locale) => topics.businessAgents(businessId, locale), reload);
    else for (const agentId of agentIds) this.publisher.send((locale) => topics.agent(agentId, locale), reload);
    this.tell("groupsChanged", businessId, agentIds);
  }

  offlineMessageLeft(entry: OfflineMessage): void {
    this.tell("offlineMessageLeft", entry);
  }

  inboxChanged(businessId: number): void {
    this.lists.inboxChanged(businessId);
    this.tell("inboxChanged", businessId);
  }

  /** Agents on the visitor's thread see their panel follow; a new name shows on their line in the lists too. */
  visitorChanged(visitor: Visitor, { renamed }: { renamed: boolean }): void {
    this.threads.visitorChanged(visitor);
    if (renamed) {
      const line = this.lists.visitorChanged(visitor.id, { reread: true });
      if (line) this.elsewhere?.lineChanged(line.conversation);
    }
    this.tell("visitorChanged", visitor, { renamed });
  }

  typing(visitorId: number, from: "visitor" | "agent", draft?: string): void {
    this.threads.typing(visitorId, from, draft);
  }

  /** Visitors talking to the agent see the availability they chose in their header. */
  availabilityChanged(agentId: number): void {
    this.headers.agentStatusChanged(agentId);
    this.tell("availabilityChanged", agentId);
  }

  /** Every socket of the shop closes: the agents' as their sessions ended, the visitors' with "chat unavailable". */
  shopDisabled(businessId: number): void {
    this.sessionsChanged();
    this.visitorSockets.closeShop(businessId, socketCloseCodes.blocked, "chat unavailable");
    this.elsewhere?.shopDisabled(businessId);
  }

  private visitorPresenceChanged(visitorId: number, online: boolean): void {
    this.lists.visitorChanged(visitorId, { reread: false });
    this.threads.visitorPresenceChanged(visitorId, online, currentConversation(this.db, visitorId)?.lastMessageId ?? 0);
  }

  /**
   * The socket follows every open conversation its agent has: subscribed to each one's thread
   * now (and to those assigned later, see AgentSockets.follow), then sent what it missed since
   * `after` (invariant 3).
   */
  followConversations(socket: AgentSocketHandle, after: number): void {
    const open = openConversationsOf(this.db, socket.agentId);
    socket.followed ??= new Set();
    const subscribed = open.filter((c) => !socket.followed!.has(c.visitorId)).map((c) => this.agentSockets.followThread(socket, c.visitorId));
    replayOnceSubscribed(allSubscribed(subscribed), socket, () => {
      const missed = threadsAfter(this.db, open.map((c) => c.id), after);
      if (missed.tooMany) socket.send(JSON.stringify({ type: "reload" } satisfies ClientEvent));
      else if (missed.messages.length) socket.send(String(threadUpsert(translator(socket.locale), missed.messages, "agent")));
    });
  }

  /** The agent's sockets opened with a session that ended close at once. */
  sessionsEnded(agentId: number): void {
    this.sessionsChanged(agentId);
    this.elsewhere?.sessionsEnded(agentId);
    this.tell("sessionsEnded", agentId);
  }

  /**
   * Sessions may have ended (sign-out, a disabled agent, a new password, expiry): the sockets
   * opened with one that is no longer live close at once. `agentId` narrows the check.
   */
  sessionsChanged(agentId?: number): void {
    this.agentSockets.closeEndedSessions(this.db, agentId);
  }

  stop(): void {
    this.calls.stop();
    this.presence.stop();
    this.broker.close();
    this.cluster.close();
  }
}
