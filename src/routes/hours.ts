// Business hours and the leave-a-message form's settings (owners and admins).
import { Elysia, t } from "elysia";
import type { AppDeps } from "../app";
import { findBusiness } from "../domain/businesses";
import { ValidationError } from "../domain/errors";
import { type HoursInput, isWithinHours, readHours, saveHours, weekdays } from "../domain/hours";
import { offlineFields } from "../domain/offline-messages";
import type { ConsoleContext } from "../views/console";
import { type HoursForm, hoursForm, hoursPage, type HoursPageState } from "../views/hours";
import { consoleContext, managersOnly } from "./console-context";

const optionalText = (maxLength: number) => t.Optional(t.String({ maxLength }));

// Checkboxes are sent only when ticked, so every per-day and per-field box is optional.
const hoursBody = t.Object({
  timezone: t.String({ maxLength: 100 }),
  closedDates: t.String({ maxLength: 5000 }),
  offlineText: t.String({ maxLength: 10_000 }),
  noAgentText: t.String({ maxLength: 10_000 }),
  offlineWhenNoAgent: optionalText(10),
  ...Object.fromEntries(offlineFields.map((name) => [`required-${name}`, optionalText(10)])),
  preChatForm: optionalText(10),
  ...Object.fromEntries(offlineFields.map((name) => [`preChatRequired-${name}`, optionalText(10)])),
  ...Object.fromEntries(
    weekdays.flatMap((day) => [
      [`open-${day}`, optionalText(10)],
      [`opensAt-${day}`, optionalText(20)],
      [`closesAt-${day}`, optionalText(20)],
    ]),
  ),
});

type HoursBody = { timezone: string; closedDates: string; offlineText: string; noAgentText: string } & Record<string, string | undefined>;

function formFromBody(body: HoursBody): HoursForm {
  return {
    timezone: body.timezone,
    days: weekdays.map((weekday) => ({
      weekday,
      open: body[`open-${weekday}`] !== undefined,
      opensAt: body[`opensAt-${weekday}`] ?? "",
      closesAt: body[`closesAt-${weekday}`] ?? "",
    })),
    closedDates: body.closedDates,
    offlineText: body.offlineText,
    noAgentText: body.noAgentText,
    offlineWhenNoAgent: body.offlineWhenNoAgent !== undefined,
    offlineRequired: offlineFields.filter((name) => body[`required-${name}`] !== undefined),
    preChatForm: body.preChatForm !== undefined,
    preChatRequired: offlineFields.filter((name) => body[`preChatRequired-${name}`] !== undefined),
  };
}

function inputFromForm(form: HoursForm): HoursInput {
  return {
    ...form,
    days: form.days.filter((day) => day.open).map(({ weekday, opensAt, closesAt }) => ({ weekday, opensAt, closesAt })),
    closedDates: form.closedDates.split(/[\s,]+/),
  };
}

export function hoursRoutes(deps: AppDeps) {
  const { db } = deps;
  const page = (ctx: ConsoleContext, state: Partial<HoursPageState> = {}) =>
    hoursPage(ctx, { form: hoursForm(readHours(db, ctx.business)), openNow: isWithinHours(db, ctx.business), ...state });

  return new Elysia()
    .use(consoleContext(deps))
    .onBeforeHandle(managersOnly)
    .get("/console/hours", ({ ctx }) => page(ctx))
    .post(
      "/console/hours",
      ({ ctx, body, set }) => {
        const form = formFromBody(body);
        try {
          saveHours(db, ctx.agent, inputFromForm(form));
        } catch (error) {
          if (!(error instanceof ValidationError)) throw error;
          set.status = 422;
          return page(ctx, { form, errors: error.fields });
        }
        return page({ ...ctx, business: findBusiness(db, ctx.agent.businessId)! }, { saved: true });
      },
      { body: hoursBody },
    );
}
