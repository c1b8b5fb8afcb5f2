// The agent's workspace: the conversation lists, one conversation, taking and closing.
import { requestRating } from "../domain/ratings";
import { Elysia, t } from "elysia";
import type { AppDeps } from "../app";
import {
  type Conversation,
  closeConversation,
  findConversationForAgent,
  listAgentConversations,
  listWaiting,
  summarize,
  takeConversation,
  transferConversation,
} from "../domain/conversations";
import { type Agent, listAgents } from "../domain/agents";
import { listGroups } from "../domain/groups";
import { problemOf, RuleError, ValidationError } from "../domain/errors";
import { type BlockedIp, blockVisitorAndIp } from "../domain/blocked-ips";
import { blockVisitor, findVisitor, unblockVisitor } from "../domain/visitors";
import { visitorProfile } from "../domain/visitor-profile";
import type { Translate } from "../i18n";
import { threadAround, threadPage } from "../domain/messages";
import { messageInConversation } from "../domain/search";
import type { Hub } from "../realtime/hub";
import { html } from "../views/html";
import { earlierControl, messageDomId, threadUpsert } from "../views/message";
import { conversationActions, type TransferTargets, workspacePage, type WorkspaceState } from "../views/workspace";
import { consoleContext } from "./console-context";
import { chatPageUrl } from "./visitor-cookie";

const conversationParams = t.Object({ id: t.Numeric({ minimum: 1 }) });

export function workspaceRoutes(deps: AppDeps, hub: Hub) {
  const { db, config } = deps;
  const earlierUrl = (conversationId: number, hasEarlier: boolean, firstId: number | undefined) =>
    hasEarlier && firstId !== undefined ? `/console/conversations/${conversationId}/messages?before=${firstId}` : null;

  function state(ctx: { agent: { id: number; businessId: number }; business: { widgetKey: string } }, request: Request): Omit<WorkspaceState, "open" | "socketUrl"> {
    const mine = listAgentConversations(db, ctx.agent);
    const waiting = listWaiting(db, ctx.agent);
    return {
      mine,
      waiting,
      onlineVisitorIds: new Set([...mine, ...waiting].map((s) => s.conversation.visitorId).filter((id) => hub.visitors.isOnline(id))),
      chatLink: chatPageUrl(config, request, ctx.business.widgetKey),
    };
  }

  return new Elysia()
    .use(consoleContext(deps))
    .get("/console", ({ ctx, request }) => workspacePage(ctx, { ...state(ctx, request), open: null, socketUrl: "/ws/agent" }))
    .get(
      "/console/conversations/:id",
      ({ ctx, params, query, request }) => {
        const conversation = findConversationForAgent(db, ctx.agent.businessId, params.id);
        // Opened at a message (a search result): the thread around it, with that message marked.
        const found = query.at === undefined ? null : messageInConversation(db, conversation, query.at);
        const history = found ? threadAround(db, conversation.visitorId, found.id) : { ...threadPage(db, conversation.visitorId), reachesLatest: true };
        return workspacePage(ctx, {
          ...state(ctx, request),
          // A thread that stops short of its newest messages must not resume live from its end.
          socketUrl: history.reachesLatest ? `/ws/agent?conversation=${conversation.id}` : "/ws/agent",
          open: {
            summary: summarize(db, conversation.id),
            messages: history.messages,
            earlierUrl: earlierUrl(conversation.id, history.hasEarlier, history.messages[0]?.id),
            visitorOnline: hub.visitors.isOnline(conversation.visitorId),
            transferTargets: transferTargets(ctx.agent.businessId),
            visitor: findVisitor(db, ctx.agent.businessId, conversation.visitorId)!,
            visitorProfile: visitorProfile(db, ctx.agent.businessId, conversation.visitorId),
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
        const history = threadPage(db, conversation.visitorId, query.before);
        return html`${earlierControl(ctx.t, earlierUrl(conversation.id, history.hasEarlier, history.messages[0]?.id))}
${threadUpsert(ctx.t, history.messages, "agent")}`;
      },
      { params: conversationParams, query: t.Object({ before: t.Numeric({ minimum: 1 }) }) },
    )
    .get(
      "/console/conversations/:id/actions",
      ({ ctx, params }) => actions(ctx, findConversationForAgent(db, ctx.agent.businessId, params.id)),
      { params: conversationParams },
    )
    .post(
      "/console/conversations/:id/take",
      ({ ctx, params, query, set }) => {
        const bar = changeOrExplain(ctx, params.id, set, () => takeConversation(db, hub, ctx.agent, params.id));
        // Taken from the waiting list: go straight to the conversation.
        if (query.open && set.status !== 409) set.headers["hx-redirect"] = `/console/conversations/${params.id}`;
        return bar;
      },
      { params: conversationParams, query: t.Object({ open: t.Optional(t.Literal("1")) }) },
    )
    .post(
      "/console/conversations/:id/block",
      ({ ctx, params, body, set }) => {
        const conversation = findConversationForAgent(db, ctx.agent.businessId, params.id);
        const reason = body.reason ?? "";
        let blockedIp: BlockedIp | null = null;
        if (body.blockIp && ctx.agent.role === "agent") {
          set.status = 403;
          return actions(ctx, conversation, ctx.t("blocked.ipManagersOnly"));
        }
        try {
          if (body.blockIp) blockedIp = blockVisitorAndIp(db, ctx.agent, conversation.visitorId, reason).blockedIp;
          else blockVisitor(db, ctx.agent, conversation.visitorId, reason);
        } catch (error) {
          if (!(error instanceof ValidationError)) throw error;
          set.status = 422;
          const problem = problemOf(error);
          return actions(ctx, conversation, ctx.t(problem.key, problem.params));
        }
        hub.reloadVisitorPages(conversation.visitorId);
        if (blockedIp) hub.ipBlocked(ctx.agent.businessId, blockedIp.ip);
        return actions(ctx, conversation);
      },
      {
        params: conversationParams,
        body: t.Object({ reason: t.Optional(t.String({ maxLength: 2000 })), blockIp: t.Optional(t.Literal("1")) }),
      },
    )
    .post(
      "/console/conversations/:id/unblock",
      ({ ctx, params }) => {
        const conversation = findConversationForAgent(db, ctx.agent.businessId, params.id);
        unblockVisitor(db, ctx.agent, conversation.visitorId);
        return actions(ctx, conversation);
      },
      { params: conversationParams },
    )
    .post(
      "/console/conversations/:id/transfer",
      ({ ctx, params, body, set }) => {
        try {
          const [kind, id] = body.to.split(":");
          const to = kind === "group" ? { groupId: Number(id) } : { agentId: Number(id) };
          const moved = transferConversation(db, hub, ctx.agent, params.id, { to, note: body.note ?? "" }, hub.agents.onlineIds());
          return actions(ctx, moved);
        } catch (error) {
          if (!(error instanceof RuleError || error instanceof ValidationError)) throw error;
          set.status = error instanceof RuleError ? 409 : 422;
          const problem = problemOf(error);
          return actions(ctx, findConversationForAgent(db, ctx.agent.businessId, params.id), ctx.t(problem.key, problem.params));
        }
      },
      {
        params: conversationParams,
        body: t.Object({ to: t.String({ pattern: "^(agent|group):[1-9][0-9]{0,15}$" }), note: t.Optional(t.String({ maxLength: 2000 })) }),
      },
    )
    .post(
      "/console/conversations/:id/close",
      ({ ctx, params, set }) => changeOrExplain(ctx, params.id, set, () => closeConversation(db, hub, ctx.agent, params.id)),
      { params: conversationParams },
    )
    // Asks the visitor for a rating (once per conversation).
    .post(
      "/console/conversations/:id/rating-request",
      ({ ctx, params, set }) => changeOrExplain(ctx, params.id, set, () => requestRating(db, hub, ctx.agent, params.id)),
      { params: conversationParams },
    );

  function transferTargets(businessId: number): TransferTargets {
    return {
      colleagues: listAgents(db, businessId).filter((agent) => !agent.disabled),
      groups: listGroups(db, businessId).map(({ id, name }) => ({ id, name })),
    };
  }

  type Viewer = { t: Translate; agent: Pick<Agent, "id" | "businessId" | "role"> };

  function actions(ctx: Viewer, conversation: Conversation, error?: string) {
    return conversationActions(ctx.t, conversation, ctx.agent, summarize(db, conversation.id), transferTargets(ctx.agent.businessId), error);
  }

  /** The conversation's action bar after a change; when a rule refuses it, the bar says why. */
  function changeOrExplain(
    ctx: Viewer,
    conversationId: number,
    set: { status?: number | string },
    change: () => Parameters<typeof conversationActions>[1],
  ) {
    try {
      return actions(ctx, change());
    } catch (error) {
      if (!(error instanceof RuleError)) throw error;
      set.status = 409;
      const conversation = findConversationForAgent(db, ctx.agent.businessId, conversationId);
      return actions(ctx, conversation, ctx.t(error.problem.key));
    }
  }
}
