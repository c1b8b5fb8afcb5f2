// The platform page: only platform admins have it; to everyone else it does not exist (404).
import { Elysia, t } from "elysia";
import type { AppDeps } from "../app";
import { NotFoundError, ValidationError } from "../domain/errors";
import { setShopDisabled, setShopLimits, shopUsage } from "../domain/shops";
import type { Hub } from "../realtime/hub";
import type { ConsoleContext } from "../views/console";
import { platformPage, type ShopRowState, shopRow } from "../views/platform";
import { consoleContext } from "./console-context";

const shopParams = t.Object({ shopId: t.Numeric({ minimum: 1 }) });

/** "" is no limit; what is not a number is NaN, which the domain refuses with the limit's range. */
function limitValue(text: string, scale = 1): number | null {
  const trimmed = text.trim();
  if (!trimmed) return null;
  return /^\d+(\.\d+)?$/.test(trimmed) ? Math.round(Number(trimmed) * scale) : Number.NaN;
}

export function platformRoutes(deps: AppDeps, hub: Hub) {
  const { db } = deps;
  const row = (ctx: ConsoleContext, shopId: number, state?: ShopRowState) => {
    const usage = shopUsage(db, ctx.agent).find((usage) => usage.shop.id === shopId);
    if (!usage) throw new NotFoundError("shop");
    return shopRow(ctx, usage, state);
  };
  return new Elysia()
    .use(consoleContext(deps))
    .onBeforeHandle(({ ctx }) => {
      if (!ctx.agent.platformAdmin) throw new NotFoundError("platform");
    })
    .get("/console/platform", ({ ctx }) => platformPage(ctx, shopUsage(db, ctx.agent)))
    .post("/console/platform/shops/:shopId/disable", ({ ctx, params }) => {
      setShopDisabled(db, hub, ctx.agent, params.shopId, true);
      return row(ctx, params.shopId);
    }, { params: shopParams })
    .post("/console/platform/shops/:shopId/enable", ({ ctx, params }) => {
      setShopDisabled(db, hub, ctx.agent, params.shopId, false);
      return row(ctx, params.shopId);
    }, { params: shopParams })
    .post(
      "/console/platform/shops/:shopId/limits",
      ({ ctx, params, body, set }) => {
        const maxAgents = limitValue(body.maxAgents);
        const maxStorageBytes = limitValue(body.maxStorageMegabytes, 1024 * 1024);
        try {
          setShopLimits(db, ctx.agent, params.shopId, { maxAgents, maxStorageBytes });
          return row(ctx, params.shopId);
        } catch (error) {
          if (!(error instanceof ValidationError)) throw error;
          set.status = 422;
          const { maxStorageBytes: storageProblem, ...others } = error.fields;
          const errors = { ...others, ...(storageProblem && { maxStorageMegabytes: storageProblem }) };
          return row(ctx, params.shopId, { errors, values: body });
        }
      },
      { params: shopParams, body: t.Object({ maxAgents: t.String({ maxLength: 30 }), maxStorageMegabytes: t.String({ maxLength: 30 }) }) },
    );
}
