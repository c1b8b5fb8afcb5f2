// /api/v1/conversations: the shop's conversations and their messages, and what an agent does with
// them. Every rule (who may close, transfer, assign, reopen) is the domain's, as in the console.
import { Elysia, t } from "elysia";
import type { AppDeps } from "../../app";
import {
  assignConversationTo,
  closeConversation,
  type Conversation,
  type ConversationFilter,
  conversationPage,
  findConversationForAgent,
  reopenConversation,
  transferConversation,
} from "../../domain/conversations";
import { ValidationError } from "../../domain/errors";
import { limits, messageLimits } from "../../domain/limits";
import { conversationMessagesAfter, sendAgentMessage, threadPage } from "../../domain/messages";
import type { RateLimit } from "../../domain/rate-limiter";
import type { Hub } from "../../realtime/hub";
import { apiCaller } from "./caller";
import { apiLimits, conversationJson, conversationSchema, id, idParams, messageJson, messageSchema, pageOf, pageSize, time } from "./shapes";

const params = idParams("the conversation id");
const tags = ["Conversations"];

// Elysia fills an absent query enum with a default (its first value when none is given): say which.
const statusFilter = (byDefault: "open" | "all") =>
  t.Optional(t.UnionEnum(["open", "queued", "closed", "all"], { default: byDefault, description: "which conversations", error: "status must be open, queued, closed or all" }));

/** The list's filters, shared with a visitor's conversations (api/visitors.ts). */
export const conversationListQuery = {
  agentId: t.Optional(id("agentId", "only the conversations this agent has (or had, when closed)")),
  groupId: t.Optional(id("groupId", "only those of this group")),
  openedSince: t.Optional(time("openedSince", "opened at or after this time")),
  openedUntil: t.Optional(time("openedUntil", "opened before this time")),
  before: t.Optional(id("before", "the `next` of the previous page: conversations with a smaller id")),
  limit: t.Optional(pageSize(apiLimits.conversationsPage.max, apiLimits.conversationsPage.default)),
};

/** One page of the list's answer for its query (`status=all`: any status); `visitorId` narrows it to one visitor's. */
export function conversationList(
  deps: AppDeps,
  businessId: number,
  { before, limit, status, ...filter }: Omit<ConversationFilter, "status"> & { status?: Conversation["status"] | "all"; before?: number; limit?: number },
) {
  const narrowed = { ...filter, status: status === "all" ? undefined : status };
  const page = conversationPage(deps.db, businessId, narrowed, before, limit ?? apiLimits.conversationsPage.default);
  return { conversations: page.conversations.map(conversationJson), next: page.next };
}

export const visitorConversationsQuery = t.Object({ status: statusFilter("all"), ...conversationListQuery });

export function conversationRoutes(deps: AppDeps, hub: Hub, requests: RateLimit) {
  const { db } = deps;
  return new Elysia()
    .use(apiCaller(deps, requests))
    .get(
      "/conversations",
      ({ agent, query }) => conversationList(deps, agent.businessId, query),
      {
        query: t.Object({ status: statusFilter("open"), ...conversationListQuery, visitorId: t.Optional(id("visitorId", "only this visitor's")) }),
        response: pageOf("conversations", conversationSchema),
        detail: {
          tags,
          operationId: "listConversations" },
      },
    )
    .get("/conversations/:id", ({ agent, params }) => conversationJson(findConversationForAgent(db, agent.businessId, params.id)), {
      params,
      response: conversationSchema,
      detail: { tags, operationId: "readConversation" },
    })
    .post(
      "/conversations/:id/assign",
      ({ agent, params, body }) => conversationJson(assignConversationTo(db, hub, agent, params.id, body.agentId, hub.agents.onlineIds())),
      {
        params,
        body: t.Object({ agentId: id("agentId", "who gets it: the token's own agent, or (owners and admins) anyone online") }),
        response: conversationSchema,
        detail: {
          tags,
          operationId: "assignConversation" },
      },
    )
    .post(
      "/conversations/:id/transfer",
      ({ agent, params, body }) => {
        const to = body.agentId !== undefined ? { agentId: body.agentId } : body.groupId !== undefined ? { groupId: body.groupId } : null;
        if (!to || (body.agentId !== undefined && body.groupId !== undefined)) throw new ValidationError({ agentId: { key: "transfer.chooseSomeone" } });
        return conversationJson(transferConversation(db, hub, agent, params.id, { to, note: body.note ?? "" }, hub.agents.onlineIds()));
      },
      {
        params,
        body: t.Object({
          agentId: t.Optional(id("agentId", "to this agent")),
          groupId: t.Optional(id("groupId", "or to this group")),
          note: t.Optional(t.String({ maxLength: limits.transferNoteLength * 4, description: `for the receiver, at most ${limits.transferNoteLength} characters` })),
        }),
        response: conversationSchema,
        detail: {
          tags,
          operationId: "transferConversation" },
      },
    )
    .post("/conversations/:id/close", ({ agent, params }) => conversationJson(closeConversation(db, hub, agent, params.id)), {
      params,
      response: conversationSchema,
      detail: { tags, operationId: "closeConversation" },
    })
    .post("/conversations/:id/reopen", ({ agent, params }) => conversationJson(reopenConversation(db, hub, agent, params.id)), {
      params,
      response: conversationSchema,
      detail: {
        tags,
        operationId: "reopenConversation" },
    })
    .get(
      "/conversations/:id/messages",
      ({ agent, params, query }) => {
        const conversation = findConversationForAgent(db, agent.businessId, params.id);
        const limit = query.limit ?? apiLimits.messagesPage.default;
        if (query.before !== undefined) {
          if (query.after !== undefined) throw new ValidationError({ before: { key: "api.afterOrBefore" } });
          // Backwards: the page just before `before`, still oldest first; next is the next `before`.
          const page = threadPage(db, { conversationId: conversation.id }, query.before, limit);
          return { messages: page.messages.map(messageJson), next: page.hasEarlier ? page.messages[0]!.id : null };
        }
        const rows = conversationMessagesAfter(db, conversation.id, query.after ?? 0, limit + 1);
        const page = rows.slice(0, limit);
        return { messages: page.map(messageJson), next: rows.length > limit ? page[page.length - 1]!.id : null };
      },
      {
        params,
        query: t.Object({
          after: t.Optional(t.Integer({ minimum: 0, description: "messages with a greater id (default 0)", error: "after must be a whole number of at least 0" })),
          before: t.Optional(id("before", "messages with a smaller id: reads backwards")),
          limit: t.Optional(pageSize(apiLimits.messagesPage.max, apiLimits.messagesPage.default)),
        }),
        response: pageOf("messages", messageSchema),
        detail: {
          tags,
          operationId: "listMessages" },
      },
    )
    .post(
      "/conversations/:id/messages",
      ({ agent, params, body, status }) => {
        // Persisted before this returns, and published to the visitor through the hub (invariant 1).
        const sent = sendAgentMessage(db, hub, agent, params.id, { body: body.body, clientId: body.clientId });
        // A clientId seen before returns the stored message, never a second one (invariant 2).
        return status(sent.created ? 201 : 200, messageJson(sent.message));
      },
      {
        params,
        body: t.Object({
          // Generous bounds: the real limits (message length in characters, the clientId pattern)
          // are checked by the domain, which answers 422 with the rule that was broken.
          body: t.String({
            maxLength: messageLimits.bodyLength * 2,
            description: `1 to ${messageLimits.bodyLength} characters`,
            examples: ["Your parcel left today."],
            error: `body must be text of at most ${messageLimits.bodyLength} characters`,
          }),
          clientId: t.String({
            maxLength: 200,
            description: "8 to 64 of A-Z a-z 0-9 - _, made up per message: a retry with the same one is answered with the stored message",
            examples: ["3b0c6f1e-8f43-4c1b-9d2a-0b5f1c2d3e4f"],
            error: "clientId must be a string of 8 to 64 letters, digits, - or _",
          }),
        }),
        response: { 200: messageSchema, 201: messageSchema },
        detail: {
          tags,
          operationId: "sendMessage" },
      },
    );
}
