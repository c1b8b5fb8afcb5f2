// What a visitor's WeChat sign-in leaves on them: their WeChat id (so they are not sent through
// sign-in again), their nickname when they gave no other name, and their picture kept on our disk.
// A WeChat user the shop already knows, back in a browser that lost its cookie, is that customer
// again rather than a second one: WeChat vouches that it is them.
import { and, eq, isNotNull } from "drizzle-orm";
import type { Database } from "../db/client";
import { visitors } from "../db/schema";
import type { Log } from "../log";
import { removeKeptAvatar, storeRemoteAvatar } from "./avatars";
import { keyedHash } from "./tokens";
import { publicColumns, type Visitor } from "./visitors";
import type { WeChatUser } from "./wechat-oauth";

export function findWeChatVisitor(db: Database, businessId: number, wechatId: string): Visitor | undefined {
  return db
    .select(publicColumns)
    .from(visitors)
    .where(and(eq(visitors.businessId, businessId), isNotNull(visitors.wechatId), eq(visitors.wechatId, wechatId)))
    .get();
}

/** This browser's token now stands for the known customer; a browser that still holds the old one is a stranger. */
export function takeOverVisitor(db: Database, secret: string, visitor: Visitor, token: string): Visitor {
  return db.update(visitors).set({ tokenHash: keyedHash(secret, token) }).where(eq(visitors.id, visitor.id)).returning(publicColumns).get()!;
}

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
  // A picture kept from an earlier sign-in is replaced, not left behind on the disk.
  if (avatar) removeKeptAvatar(uploadsDir, visitor.avatar);
  const changes = { wechatId: user.id, ...(visitor.name || !user.nickname ? {} : { name: user.nickname }), ...(avatar ? { avatar } : {}) };
  return db.update(visitors).set(changes).where(eq(visitors.id, visitor.id)).returning(publicColumns).get()!;
}
