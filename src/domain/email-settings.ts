// The shop's SMTP server (Settings → Email, owners and admins). The password is kept for sending
// and never shown back; saving with the field left empty keeps the one stored.
import { eq } from "drizzle-orm";
import type { Database, Queryable } from "../db/client";
import { emailSettings } from "../db/schema";
import type { Actor } from "./agents";
import { recordAudit } from "./audit";
import { enqueueDeliveries } from "./deliveries";
import { type FieldProblem, ValidationError } from "./errors";
import { checkEmail, normalizeEmail, problems } from "./fields";
import { noOtherProcesses, type OtherProcesses } from "./other-processes";
import { isMailAddress, type Mail } from "../outbound/mime-message";

export type EmailSettings = typeof emailSettings.$inferSelect;
export const securities = ["none", "starttls", "tls"] as const;

export interface EmailSettingsInput {
  host: string;
  port: string;
  security: string;
  username: string;
  /** Empty keeps the stored password. */
  password: string;
  fromName: string;
  fromAddress: string;
  transcripts: boolean;
}

export function findEmailSettings(db: Queryable, businessId: number): EmailSettings | undefined {
  return db.select().from(emailSettings).where(eq(emailSettings.businessId, businessId)).get();
}

/**
 * The businesses that mail transcripts when a conversation closes: read once at start, kept up to
 * date by the settings page, here and (told) in the other processes serving the data dir.
 */
export class TranscriptShops {
  private readonly ids = new Set<number>();

  constructor(
    private readonly db: Queryable,
    private readonly others: OtherProcesses = noOtherProcesses,
  ) {
    this.readAll();
    others.hear(
      (businessId) => this.set(businessId, findEmailSettings(db, businessId)?.transcripts === true),
      () => this.readAll(),
    );
  }

  has(businessId: number): boolean {
    return this.ids.has(businessId);
  }

  saved(settings: Pick<EmailSettings, "businessId" | "transcripts">): void {
    this.set(settings.businessId, settings.transcripts);
    this.others.changed(settings.businessId);
  }

  private set(businessId: number, on: boolean): void {
    if (on) this.ids.add(businessId);
    else this.ids.delete(businessId);
  }

  private readAll(): void {
    this.ids.clear();
    for (const row of this.db.select({ id: emailSettings.businessId }).from(emailSettings).where(eq(emailSettings.transcripts, true)).all()) this.ids.add(row.id);
  }
}

const hostPattern = /^[A-Za-z0-9.-]{1,253}$|^\[[0-9A-Fa-f:.]+\]$/;
const lineText = (value: string, max: number): FieldProblem | null => (/[\r\n]/.test(value) || value.length > max ? { key: "email.invalidText", params: { max } } : null);

export function saveEmailSettings(db: Database, actor: Pick<Actor, "id" | "businessId">, input: EmailSettingsInput): EmailSettings {
  const host = input.host.trim();
  const port = Number(input.port.trim() || "x");
  const fromAddress = normalizeEmail(input.fromAddress);
  const found = problems({
    host: hostPattern.test(host) ? null : { key: "email.hostInvalid" },
    port: Number.isInteger(port) && port >= 1 && port <= 65535 ? null : { key: "email.portInvalid" },
    security: (securities as readonly string[]).includes(input.security) ? null : { key: "email.securityInvalid" },
    username: lineText(input.username, 254),
    password: lineText(input.password, 1000),
    fromName: lineText(input.fromName, 80),
    fromAddress: checkEmail(fromAddress) ?? (isMailAddress(fromAddress) ? null : { key: "error.email.invalid" }),
  });
  if (found) throw new ValidationError(found);
  return db.transaction((tx) => {
    const stored = findEmailSettings(tx, actor.businessId);
    const values = {
      host,
      port,
      security: input.security as EmailSettings["security"],
      username: input.username.trim(),
      password: input.password || stored?.password || "",
      fromName: input.fromName.trim(),
      fromAddress,
      transcripts: input.transcripts,
    };
    const saved = tx
      .insert(emailSettings)
      .values({ businessId: actor.businessId, ...values })
      .onConflictDoUpdate({ target: emailSettings.businessId, set: values })
      .returning()
      .get();
    recordAudit(tx, actor, "email.settings", host, { port, security: values.security, fromAddress, transcripts: values.transcripts });
    return saved;
  }, { behavior: "immediate" });
}

/** Queues one email for the runner; `event` names what it is in the console's log. */
export function queueEmail(db: Queryable, businessId: number, event: string, mail: Mail): void {
  enqueueDeliveries(db, [{ businessId, channel: "email", event, recipient: mail.to, payload: JSON.stringify(mail) }]);
}
