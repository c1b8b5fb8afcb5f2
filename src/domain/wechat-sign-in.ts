// What a visitor's WeChat sign-in leaves on them: their WeChat id (so they are not sent through
// sign-in again), their nickname when they gave no other name, and their picture kept on our disk.
import { eq } from "drizzle-orm";
import type { Database } from "../db/client";
import { visitors } from "../db/schema";
import type { Log } from "../log";
import { storeRemoteAvatar } from "./avatars";
import type { Visitor } from "./visitors";
import type { WeChatUser } from "./wechat-oauth";

export async function keepWeChatUser(db: Database, uploadsDir: string, log: Log, visitor: Visitor, user: WeChatUser): Promise<Visitor> {
  let avatar: string | null = null;
  if (user.avatarUrl) {
    try {
      avatar = await storeRemoteAvatar(uploadsDir, user.avatarUrl);
    } catch (error) {
      // The sign-in still counts without the picture.
      log.warn("wechat avatar not kept", { visitorId: visitor.id, error: (error as Error).message });
    }
  }
  const changes = { wechatId: user.id, ...(visitor.name || !user.nickname ? {} : { name: user.nickname }), ...(avatar ? { avatar } : {}) };
  const { tokenHash: _hash, ...kept } = db.update(visitors).set(changes).where(eq(visitors.id, visitor.id)).returning().get()!;
  return kept;
}
