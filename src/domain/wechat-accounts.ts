// The shop's WeChat official account (Deployment → WeChat sign-in, owners only): its AppID and
// AppSecret, with which visitors arriving by its menu link sign in. The secret is kept for the
// code exchange and never shown back; saving with the field left empty keeps the one stored.
import { eq } from "drizzle-orm";
import type { Database, Queryable } from "../db/client";
import { wechatAccounts } from "../db/schema";
import type { Actor } from "./agents";
import { recordAudit } from "./audit";
import { RuleError, ValidationError } from "./errors";
import { problems } from "./fields";
import { mayConfigureWeChat } from "./permissions";

export type WeChatAccount = typeof wechatAccounts.$inferSelect;

export interface WeChatAccountInput {
  appId: string;
  /** Empty keeps the stored secret. */
  appSecret: string;
  enabled: boolean;
}

// The shapes WeChat issues: "wx" and 16 hex digits, and a 32-hex-digit secret.
const appIdPattern = /^wx[0-9a-f]{16}$/;
const appSecretPattern = /^[0-9a-f]{32}$/;

export function findWeChatAccount(db: Queryable, businessId: number): WeChatAccount | undefined {
  return db.select().from(wechatAccounts).where(eq(wechatAccounts.businessId, businessId)).get();
}

/** The account visitors sign in through, when the shop set one up and left it on. */
export function signInAccount(db: Queryable, businessId: number): WeChatAccount | undefined {
  const account = findWeChatAccount(db, businessId);
  return account?.enabled ? account : undefined;
}

export function saveWeChatAccount(db: Database, actor: Actor, input: WeChatAccountInput): WeChatAccount {
  if (!mayConfigureWeChat(actor)) throw new RuleError({ key: "wechat.ownersOnly" });
  const appId = input.appId.trim();
  const appSecret = input.appSecret.trim();
  return db.transaction((tx) => {
    const stored = findWeChatAccount(tx, actor.businessId);
    const found = problems({
      appId: appIdPattern.test(appId) ? null : { key: "wechat.appIdInvalid" },
      appSecret: appSecret ? (appSecretPattern.test(appSecret) ? null : { key: "wechat.appSecretInvalid" }) : stored ? null : { key: "wechat.appSecretMissing" },
    });
    if (found) throw new ValidationError(found);
    const values = { appId, appSecret: appSecret || stored!.appSecret, enabled: input.enabled };
    const saved = tx
      .insert(wechatAccounts)
      .values({ businessId: actor.businessId, ...values })
      .onConflictDoUpdate({ target: wechatAccounts.businessId, set: values })
      .returning()
      .get();
    recordAudit(tx, actor, "wechat.account", appId, { enabled: input.enabled, secretChanged: appSecret !== "" });
    return saved;
  }, { behavior: "immediate" });
}
