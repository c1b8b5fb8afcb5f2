// Settings → Email (owners and admins): the SMTP server, a test email, and the recent emails.
import { Elysia, t } from "elysia";
import type { AppDeps } from "../app";
import { recentDeliveries } from "../domain/deliveries";
import { type EmailSettingsInput, findEmailSettings, queueEmail, saveEmailSettings } from "../domain/email-settings";
import { ValidationError } from "../domain/errors";
import type { Outbound } from "../outbound/outbound";
import type { ConsoleContext } from "../views/console";
import { testMail } from "../views/emails";
import { emailLog, emailPath, emailSettingsPage } from "../views/email-settings";
import { consoleContext, managersOnly } from "./console-context";

const text = (maxLength: number) => t.String({ maxLength });
const emailBody = t.Object({
  host: text(1000),
  port: text(20),
  security: text(20),
  username: t.Optional(text(1000)),
  password: t.Optional(text(2000)),
  fromName: t.Optional(text(1000)),
  fromAddress: text(1000),
  transcripts: t.Optional(text(5)),
});

export function emailSettingsRoutes(deps: AppDeps, outbound: Outbound) {
  const { db } = deps;
  const emails = (ctx: ConsoleContext) => recentDeliveries(db, ctx.agent.businessId, { channel: "email" });

  return new Elysia()
    .use(consoleContext(deps))
    .onBeforeHandle(managersOnly)
    .get(emailPath, ({ ctx }) => emailSettingsPage(ctx, findEmailSettings(db, ctx.agent.businessId), emails(ctx)))
    .post(
      emailPath,
      ({ ctx, body, set }) => {
        const input: EmailSettingsInput = {
          host: body.host,
          port: body.port,
          security: body.security,
          username: body.username ?? "",
          password: body.password ?? "",
          fromName: body.fromName ?? "",
          fromAddress: body.fromAddress,
          transcripts: body.transcripts === "on",
        };
        try {
          const saved = saveEmailSettings(db, ctx.agent, input);
          outbound.transcripts.saved(saved);
          return emailSettingsPage(ctx, saved, emails(ctx), { saved: true });
        } catch (error) {
          if (!(error instanceof ValidationError)) throw error;
          set.status = 422;
          const { password: _, ...values } = input;
          return emailSettingsPage(ctx, findEmailSettings(db, ctx.agent.businessId), emails(ctx), { typed: { values, errors: error.fields } });
        }
      },
      { body: emailBody },
    )
    .post(`${emailPath}/test`, ({ ctx, set }) => {
      if (!findEmailSettings(db, ctx.agent.businessId)) {
        set.status = 409;
        return emailLog(ctx.t, emails(ctx), ctx.t("email.notSetUp"));
      }
      queueEmail(db, ctx.agent.businessId, "email.test", testMail(ctx.t, ctx.agent.email, ctx.business.name));
      outbound.runner.wake();
      return emailLog(ctx.t, emails(ctx));
    })
    .get(`${emailPath}/deliveries`, ({ ctx }) => emailLog(ctx.t, emails(ctx)));
}
