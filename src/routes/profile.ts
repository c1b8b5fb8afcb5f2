// An agent's own profile: name, avatar and password.
import { Elysia, t } from "elysia";
import type { AppDeps } from "../app";
import { changePassword, updateProfile } from "../domain/agents";
import { storeAvatar } from "../domain/avatars";
import { ValidationError } from "../domain/errors";
import { profilePage } from "../views/profile";
import { consoleContext } from "./console-context";

export function profileRoutes(deps: AppDeps) {
  const { db, uploadsDir } = deps;
  return new Elysia()
    .use(consoleContext(deps))
    .get("/console/profile", ({ ctx }) => profilePage(ctx))
    .post(
      "/console/profile",
      async ({ ctx, body, set }) => {
        try {
          // An empty file input arrives as an empty file: keep the current avatar then.
          const upload: unknown = body.avatar;
          const avatar = upload instanceof Blob && upload.size > 0 ? await storeAvatar(uploadsDir, upload) : undefined;
          const agent = updateProfile(db, ctx.agent, { name: body.name, avatar });
          return profilePage({ ...ctx, agent }, { saved: "profile" });
        } catch (error) {
          if (!(error instanceof ValidationError)) throw error;
          set.status = 422;
          return profilePage(ctx, { profileErrors: error.fields });
        }
      },
      { body: t.Object({ name: t.String({ maxLength: 1000 }), avatar: t.Optional(t.Unknown()) }) },
    )
    .post(
      "/console/profile/password",
      async ({ ctx, sessionId, body, set }) => {
        try {
          await changePassword(db, ctx.agent.id, body.current, body.password, sessionId);
          return profilePage(ctx, { saved: "password" });
        } catch (error) {
          if (!(error instanceof ValidationError)) throw error;
          set.status = 422;
          return profilePage(ctx, { passwordErrors: error.fields });
        }
      },
      { body: t.Object({ current: t.String({ maxLength: 1000 }), password: t.String({ maxLength: 1000 }) }) },
    );
}
