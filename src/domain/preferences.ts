// An agent's own preferences: how new messages sound, whether the desktop shows them, and
// which key sends. Each agent changes only their own row (the actor is the subject).
import { and, eq } from "drizzle-orm";
import type { Database } from "../db/client";
import { agents } from "../db/schema";
import type { Agent } from "./agents";
import { NotFoundError, ValidationError } from "./errors";
import { problems } from "./fields";

export const sounds = ["chime", "bell", "pop", "none"] as const;
export const sendKeys = ["enter", "ctrl-enter"] as const;
export type Sound = (typeof sounds)[number];
export type SendKey = (typeof sendKeys)[number];

export type Preferences = Pick<Agent, "sound" | "soundVolume" | "desktopNotifications" | "sendKey">;

/** The form as typed: every value a string, the checkbox absent when off. */
export interface TypedPreferences {
  sound: string;
  soundVolume: string;
  desktopNotifications: boolean;
  sendKey: string;
}

export function checkPreferences(typed: TypedPreferences): Preferences {
  const volume = /^\d{1,3}$/.test(typed.soundVolume.trim()) ? Number(typed.soundVolume.trim()) : Number.NaN;
  const found = problems({
    sound: (sounds as readonly string[]).includes(typed.sound) ? null : { key: "prefs.invalidSound" },
    soundVolume: volume >= 0 && volume <= 100 ? null : { key: "prefs.invalidVolume" },
    sendKey: (sendKeys as readonly string[]).includes(typed.sendKey) ? null : { key: "prefs.invalidSendKey" },
  });
  if (found) throw new ValidationError(found);
  return { sound: typed.sound as Sound, soundVolume: volume, desktopNotifications: typed.desktopNotifications, sendKey: typed.sendKey as SendKey };
}

/** Saves the signed-in agent's preferences; returns the agent as they are now. */
export function updatePreferences(db: Database, actor: Pick<Agent, "id" | "businessId">, typed: TypedPreferences): Preferences {
  const preferences = checkPreferences(typed);
  const saved = db
    .update(agents)
    .set(preferences)
    .where(and(eq(agents.id, actor.id), eq(agents.businessId, actor.businessId)))
    .returning({ sound: agents.sound, soundVolume: agents.soundVolume, desktopNotifications: agents.desktopNotifications, sendKey: agents.sendKey })
    .get();
  if (!saved) throw new NotFoundError("agent");
  return saved;
}
