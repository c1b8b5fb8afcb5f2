import { join } from "node:path";
import { Elysia } from "elysia";
import { avatarFileName } from "../domain/avatars";

const types: Record<string, string> = { png: "image/png", jpg: "image/jpeg", gif: "image/gif", webp: "image/webp" };

/** Serves stored avatars. Names are checked against the exact stored form: no path tricks. */
export function uploadRoutes(uploadsDir: string) {
  return new Elysia().get("/uploads/avatars/:file", async ({ params, status }) => {
    if (!avatarFileName.test(params.file)) return status(404, "Not found");
    const file = Bun.file(join(uploadsDir, "avatars", params.file));
    if (!(await file.exists())) return status(404, "Not found");
    const ext = params.file.split(".").pop()!;
    return new Response(file, {
      headers: {
        "content-type": types[ext]!,
        "cache-control": "public, max-age=31536000, immutable",
        "content-security-policy": "default-src 'none'; sandbox",
      },
    });
  });
}
