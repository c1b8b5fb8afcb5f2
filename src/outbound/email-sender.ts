// Sends one queued email through the shop's SMTP server, as its settings are at this moment.
import type { Database } from "../db/client";
import type { AttemptOutcome, Delivery } from "../domain/deliveries";
import { findEmailSettings } from "../domain/email-settings";
import { type Mail, mimeMessage } from "./mime-message";
import { SmtpError, sendMail } from "./smtp";

export function emailSender(db: Database) {
  return async (delivery: Delivery): Promise<AttemptOutcome> => {
    const settings = findEmailSettings(db, delivery.businessId);
    if (!settings) return { ok: false, code: null, response: "email is not set up" };
    const mail = JSON.parse(delivery.payload) as Mail;
    try {
      const reply = await sendMail(settings, {
        from: settings.fromAddress,
        to: mail.to,
        data: mimeMessage({ name: settings.fromName, address: settings.fromAddress }, mail),
      });
      return { ok: true, code: reply.code, response: reply.text };
    } catch (error) {
      return { ok: false, code: error instanceof SmtpError ? error.code : null, response: error instanceof Error ? error.message : String(error) };
    }
  };
}
