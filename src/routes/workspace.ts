// The agent's workspace: the conversation lists, one conversation, taking, transferring,
// blocking and closing. A change answers with the conversation's new state (views/workspace.ts
// conversationUpdate), or with a reload once it is closed: a closed conversation's page is
// another page (its own messages only, nothing live). A refusal answers with its reason alone,
// as plain text, which console.js shows beside what was clicked.
import { requestRating } from "../domain/ratings";
import { Elysia, t } from "elysia";
import type { AppDeps } from "../app";
import {
  type Conversation,
  blockAndClose,
  closeConversation,
  findConversationForAgent,
  inboxLists,
  newerConversation,
  summarize,
  takeConversation,
  transferConversation,
} from "../domain/conversations";
import { agentLoads } from "../domain/assignment";
import { listGroups } from "../domain/groups";
import { problemOf, RuleError, ValidationError } from "../domain/errors";
import { findVisitor, unblockVisitor } from "../domain/visitors";
import { visitorConversations, visitorProfile } from "../domain/visitor-profile";
import { type ThreadScope, threadAround, threadPage } from "../domain/messages";
import { messageInConversation } from "../domain/search";
import type { Hub } from "../realtime/hub";
import type { ConsoleContext } from "../views/console";
import type { TransferTargets } from "../views/conversation-header";
import { html } from "../views/html";
import { earlierControl, messageDomId, threadUpsert } from "../views/message";
import { conversationUpdate, workspacePage, type WorkspaceState } from "../views/workspace";
import { consoleContext } from "./console-context";
import { refusal } from "./responses";
import { chatPageUrl } from "./visitor-cookie";
import { mayBlockIps } from "../domain/permissions";

const conversationParams = t.Object({ id: t.Numeric({ minimum: 1 }) });

/** An open or waiting conversation's thread is the visitor's whole history; a closed one's page shows only its own. */
const threadScope = (conversation: Conversation): ThreadScope =>
  conversation.status === "closed" ? { conversationId: conversation.id } : { visitorId: conversation.visitorId };

export function workspaceRoutes(deps: AppDeps, hub: Hub) {
  const { db, config } = deps;
  const earlierUrl = (conversationId: number, hasEarlier: boolean, firstId: number | undefined) =>
    hasEarlier && firstId !== undefined ? `/console/conversations/${conversationId}/messages?before=${firstId}` : null;

  async function lists(ctx: ConsoleContext, request: Request): Promise<Omit<WorkspaceState, "open" | "socketUrl">> {
    // Read before the lists: a change after this is sent again when the page's socket listens.
    const listsVersion = await hub.listsVersion(ctx.agent.businessId);
    return {
      ...inboxLists(db, ctx.agent, (visitorId) => hub.visitors.isOnline(visitorId)),
      listsVersion,
      chatLink: chatPageUrl(config, request, ctx.business.widgetKey),
    };
  }

  function transferTargets(businessId: number): TransferTargets {
    return {
      colleagues: agentLoads(db, businessId, hub.agents.onlineIds()),
      groups: listGroups(db, businessId).map(({ id, name }) => ({ id, name })),
    };
  }

  /** The conversation's state after a change; a closed one's page reloads into its closed view. */
  function update(ctx: ConsoleContext, conversation: Conversation, set: { headers: Record<string, string | number> }) {
    if (conversation.status === "closed") {
      set.headers["hx-refresh"] = "true";
      return "";
    }
    return conversationUpdate(ctx, {
      summary: summarize(db, conversation.id),
      transferTargets: transferTargets(ctx.agent.businessId),
      newer: null,
      visitorConversations: visitorConversations(db, ctx.agent.businessId, conversation.visitorId),
    });
  }

  /** The change, or, when a rule or a check says no, its reason in the agent's words (nothing changed). */
  function changeOrRefuse<T>(ctx: ConsoleContext, change: () => T): T | Response {
    try {
      return change();
    } catch (error) {
      if (!(error instanceof RuleError || error instanceof ValidationError)) throw error;
      const problem = problemOf(error);
      return refusal(ctx.t(problem.key, problem.params), error instanceof RuleError ? 409 : 422);
    }
  }

  return new Elysia()
    .use(consoleContext(deps))
    .get("/console", async ({ ctx, request }) => workspacePage(ctx, { ...(await lists(ctx, request)), open: null, socketUrl: "/ws/agent" }))
    .get(
      "/console/conversations/:id",
      async ({ ctx, params, query, request }) => {
        const conversation = findConversationForAgent(db, ctx.agent.businessId, params.id);
        const closed = conversation.status === "closed";
        // Opened at a message (a search result): the thread around it, with that message marked.
        const found = query.at === undefined ? null : messageInConversation(db, conversation, query.at);
        const scope = threadScope(conversation);
        const history = found ? threadAround(db, scope, found.id) : { ...threadPage(db, scope), reachesLatest: true };
        return workspacePage(ctx, {
          ...(await lists(ctx, request)),
          // Nothing of a closed conversation goes on live, and a thread that stops short of its
          // newest messages must not resume from its end.
          socketUrl: history.reachesLatest && !closed ? `/ws/agent?conversation=${conversation.id}` : "/ws/agent",
          open: {
            summary: summarize(db, conversation.id),
            messages: history.messages,
            earlierUrl: earlierUrl(conversation.id, history.hasEarlier, history.messages[0]?.id),
            visitorOnline: hub.visitors.isOnline(conversation.visitorId),
            transferTargets: transferTargets(ctx.agent.businessId),
            visitor: findVisitor(db, ctx.agent.businessId, conversation.visitorId)!,
            visitorProfile: visitorProfile(db, ctx.agent.businessId, conversation.visitorId),
            newer: closed ? (newerConversation(db, conversation) ?? null) : null,
            found: found && { domId: messageDomId(found.clientId), latestUrl: history.reachesLatest ? null : `/console/conversations/${conversation.id}` },
          },
        });
      },
      { params: conversationParams, query: t.Object({ at: t.Optional(t.Numeric({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER })) }) },
    )
    .get(
      "/console/conversations/:id/messages",
      ({ ctx, params, query }) => {
        const conversation = findConversationForAgent(db, ctx.agent.businessId, params.id);
        const history = threadPage(db, threadScope(conversation), query.before);
        return html`${earlierControl(ctx.t, earlierUrl(conversation.id, history.hasEarlier, history.messages[0]?.id))}
${threadUpsert(ctx.t, history.messages, "agent")}`;
      },
      { params: conversationParams, query: t.Object({ before: t.Numeric({ minimum: 1 }) }) },
    )
    // Asked for by chat.js when the conversation changed under the page (taken, handed over, closed).
    .get(
      "/console/conversations/:id/actions",
      ({ ctx, params, set }) => update(ctx, findConversationForAgent(db, ctx.agent.businessId, params.id), set),
      { params: conversationParams },
    )
    .post(
      "/console/conversations/:id/take",
      ({ ctx, params, query, set }) =>
        changeOrRefuse(ctx, () => {
          const taken = takeConversation(db, hub, ctx.agent, params.id);
          // Taken from the waiting list: go straight to the conversation.
          if (query.open) set.headers["hx-redirect"] = `/console/conversations/${params.id}`;
          return update(ctx, taken, set);
        }),
      { params: conversationParams, query: t.Object({ open: t.Optional(t.Literal("1")) }) },
    )
    .post(
      "/console/conversations/:id/block",
      ({ ctx, params, body, set }) => {
        const conversation = findConversationForAgent(db, ctx.agent.businessId, params.id);
        const reason = body.reason ?? "";
        if (body.blockIp && !mayBlockIps(ctx.agent)) return refusal(ctx.t("blocked.ipManagersOnly"), 403);
        return changeOrRefuse(ctx, () => {
          blockAndClose(db, hub, ctx.agent, conversation.visitorId, reason, { ip: body.blockIp === "1" });
          return update(ctx, findConversationForAgent(db, ctx.agent.businessId, params.id), set);
        });
      },
      {
        params: conversationParams,
        body: t.Object({ reason: t.Optional(t.String({ maxLength: 2000 })), blockIp: t.Optional(t.Literal("1")) }),
      },
    )
    .post(
      "/console/conversations/:id/unblock",
      ({ ctx, params, set }) => {
        const conversation = findConversationForAgent(db, ctx.agent.businessId, params.id);
        unblockVisitor(db, ctx.agent, conversation.visitorId);
        return update(ctx, conversation, set);
      },
      { params: conversationParams },
    )
    .post(
      "/console/conversations/:id/transfer",
      ({ ctx, params, body, set }) =>
        changeOrRefuse(ctx, () => {
          // No colleague or group picked: the picker's radio buttons send nothing.
          if (!body.to) throw new ValidationError({ to: { key: "transfer.chooseSomeone" } });
          const [kind, id] = body.to.split(":");
          const to = kind === "group" ? { groupId: Number(id) } : { agentId: Number(id) };
          return update(ctx, transferConversation(db, hub, ctx.agent, params.id, { to, note: body.note ?? "" }, hub.agents.onlineIds()), set);
        }),
      {
        params: conversationParams,
        body: t.Object({ to: t.Optional(t.String({ pattern: "^(agent|group):[1-9][0-9]{0,15}$" })), note: t.Optional(t.String({ maxLength: 2000 })) }),
      },
    )
    .post(
      "/console/conversations/:id/close",
      ({ ctx, params, set }) => changeOrRefuse(ctx, () => update(ctx, closeConversation(db, hub, ctx.agent, params.id), set)),
      { params: conversationParams },
    )
    // Asks the visitor for a rating (once per conversation).
    .post(
      "/console/conversations/:id/rating-request",
      ({ ctx, params, set }) => changeOrRefuse(ctx, () => update(ctx, requestRating(db, hub, ctx.agent, params.id), set)),
      { params: conversationParams },
    );
}
