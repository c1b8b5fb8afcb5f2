// /api/v1/agents: the shop's team, with whether each can answer now.
import { Elysia, t } from "elysia";
import type { AppDeps } from "../../app";
import { listAgents } from "../../domain/agents";
import type { RateLimit } from "../../domain/rate-limiter";
import type { Hub } from "../../realtime/hub";
import { apiCaller } from "./caller";
import { agentJson, agentSchema } from "./shapes";

export function agentRoutes(deps: AppDeps, hub: Hub, requests: RateLimit) {
  return new Elysia().use(apiCaller(deps, requests)).get(
    "/agents",
    ({ agent }) => {
      const online = new Set(hub.agents.onlineIds());
      return { agents: listAgents(deps.db, agent.businessId).map((member) => agentJson(member, online.has(member.id))) };
    },
    {
      response: t.Object({ agents: t.Array(agentSchema) }),
      detail: {
        tags: ["Agents"],
        operationId: "listAgents" },
    },
  );
}
