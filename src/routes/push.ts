// The signed-in agent's devices for push notifications: the browser's subscription (the
// PushSubscription's JSON) is kept for whoever is signed in, and forgotten when they turn it off.
import { Elysia, t } from "elysia";
import type { AppDeps } from "../app";
import { ValidationError } from "../domain/errors";
import { type PushDevices, pushEndpointLength, subscribeDevice, unsubscribeDevice } from "../domain/push-subscriptions";
import { consoleContext } from "./console-context";

const endpoint = t.String({ minLength: 1, maxLength: pushEndpointLength });

export function pushRoutes(deps: AppDeps, devices: PushDevices) {
  const { db } = deps;
  const allowPrivate = deps.config.pushToPrivateAddresses ?? false;
  return new Elysia()
    .use(consoleContext(deps))
    .post(
      "/console/push/devices",
      ({ ctx, sessionId, body, status }) => {
        try {
          subscribeDevice(db, ctx.agent, sessionId, { endpoint: body.endpoint, ...body.keys }, allowPrivate);
        } catch (error) {
          if (!(error instanceof ValidationError)) throw error;
          const [problem] = Object.values(error.fields);
          return status(422, ctx.t(problem!.key));
        }
        devices.reload(ctx.agent.id);
        return status(201, "");
      },
      {
        body: t.Object({
          endpoint,
          expirationTime: t.Optional(t.Nullable(t.Number())),
          keys: t.Object({ p256dh: t.String({ maxLength: 200 }), auth: t.String({ maxLength: 100 }) }),
        }),
      },
    )
    .delete(
      "/console/push/devices",
      ({ ctx, body, status }) => {
        if (!unsubscribeDevice(db, ctx.agent.id, body.endpoint)) return status(404, ctx.t("push.unknownDevice"));
        devices.reload(ctx.agent.id);
        return status(204, "");
      },
      { body: t.Object({ endpoint }) },
    );
}
