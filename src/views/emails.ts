// The emails Kefu sends, each as plain text and simple HTML in one language. Every value goes
// through the escaping template; subjects are single lines (mime-message.ts encodes them).
import type { Digest } from "../domain/email-digests";
import type { Message } from "../domain/messages";
import type { Translate } from "../i18n";
import type { Mail } from "../outbound/mime-message";
import { html, type SafeHtml } from "./html";
import { systemText } from "./message";
import { visitorName } from "./visitor-name";

const styles = "font-family:system-ui,-apple-system,'Segoe UI',sans-serif;font-size:15px;line-height:1.5;color:#1f2937;max-width:560px";

function page(title: string, body: SafeHtml, footer: string): string {
  return String(html`<!doctype html><html><body style="margin:0;padding:24px;background:#f3f4f6">
<div style="${styles};margin:0 auto;background:#fff;border-radius:8px;padding:24px">
<h1 style="font-size:18px;margin:0 0 16px">${title}</h1>
${body}
<p style="color:#6b7280;font-size:13px;margin-top:24px">${footer}</p>
</div></body></html>`);
}

const time = (at: number) => new Date(at).toISOString().slice(0, 16).replace("T", " ") + " UTC";
const quote = (text: string) => text.split("\n").map((line) => `> ${line}`).join("\n");

export function testMail(t: Translate, to: string, shopName: string): Mail {
  const text = t("email.testBody", { shop: shopName });
  return { to, subject: t("email.testSubject", { shop: shopName }), text, html: page(t("email.testSubject", { shop: shopName }), html`<p>${text}</p>`, t("email.footer")) };
}

export function digestMail(t: Translate, digest: Digest, shopName: string, consoleUrl: string | null): Mail {
  const { agent, missed, offlineMessages } = digest;
  const subject = t("email.digestSubject", { shop: shopName, count: missed.length + offlineMessages.length });
  const intro = t("email.digestIntro", { name: agent.displayName });
  const missedLines = missed.map(({ conversation, visitor }) => `- ${visitorName(t, visitor)} (${time(conversation.openedAt)})`);
  const leftLines = offlineMessages.map((entry) => `- ${entry.name ?? t("inbox.noName")}${entry.email ? ` <${entry.email}>` : ""} (${time(entry.createdAt)})\n${quote(entry.body)}`);
  const text = [
    intro,
    ...(missed.length ? ["", t("email.digestMissed", { count: missed.length }), ...missedLines] : []),
    ...(offlineMessages.length ? ["", t("email.digestLeft", { count: offlineMessages.length }), ...leftLines] : []),
    ...(consoleUrl ? ["", `${t("email.openConsole")}: ${consoleUrl}`] : []),
    "",
    t("email.digestFooter"),
  ].join("\n");
  const body = html`<p>${intro}</p>
${missed.length ? html`<h2 style="font-size:15px">${t("email.digestMissed", { count: missed.length })}</h2>
<ul>${missed.map(({ conversation, visitor }) => html`<li>${visitorName(t, visitor)} <span style="color:#6b7280">${time(conversation.openedAt)}</span></li>`)}</ul>` : ""}
${offlineMessages.length ? html`<h2 style="font-size:15px">${t("email.digestLeft", { count: offlineMessages.length })}</h2>
${offlineMessages.map(
  (entry) => html`<div style="border-left:3px solid #d1d5db;padding-left:12px;margin:12px 0">
  <strong>${entry.name ?? t("inbox.noName")}</strong> ${entry.email ? html`&lt;${entry.email}&gt;` : ""} <span style="color:#6b7280">${time(entry.createdAt)}</span>
  <div style="white-space:pre-wrap">${entry.body}</div>
</div>`,
)}` : ""}
${consoleUrl ? html`<p><a href="${consoleUrl}" style="color:#2563eb">${t("email.openConsole")}</a></p>` : ""}`;
  return { to: agent.email, subject, text, html: page(subject, body, t("email.digestFooter")) };
}

/** An agent's answer to an offline message, for the visitor who left their email. */
export function replyMail(t: Translate, to: string, shopName: string, agentName: string, reply: string, left: string): Mail {
  const subject = t("email.replySubject", { shop: shopName });
  const text = [t("email.replyIntro", { name: agentName, shop: shopName }), "", reply, "", t("email.replyYouWrote"), quote(left), "", t("email.replyFooter")].join("\n");
  const body = html`<p>${t("email.replyIntro", { name: agentName, shop: shopName })}</p>
<div style="white-space:pre-wrap;margin:16px 0">${reply}</div>
<p style="color:#6b7280">${t("email.replyYouWrote")}</p>
<blockquote style="border-left:3px solid #d1d5db;margin:0;padding-left:12px;color:#4b5563;white-space:pre-wrap">${left}</blockquote>`;
  return { to, subject, text, html: page(subject, body, t("email.replyFooter")) };
}

/** The conversation as the visitor saw it, when it closed. */
export function transcriptMail(t: Translate, to: string, shopName: string, messages: (Message & { agentName: string | null })[]): Mail {
  const subject = t("email.transcriptSubject", { shop: shopName });
  const author = (message: Message & { agentName: string | null }) =>
    message.sender === "visitor" ? t("email.you") : message.sender === "agent" ? (message.agentName ?? shopName) : shopName;
  const line = (message: Message & { agentName: string | null }) => (message.sender === "system" ? systemText(t, message, "visitor") : message.body);
  const text = [t("email.transcriptIntro", { shop: shopName }), "", ...messages.map((m) => `[${time(m.createdAt)}] ${author(m)}: ${line(m)}`)].join("\n");
  const body = html`<p>${t("email.transcriptIntro", { shop: shopName })}</p>
${messages.map(
  (m) => html`<p style="margin:8px 0"><strong>${author(m)}</strong> <span style="color:#6b7280;font-size:13px">${time(m.createdAt)}</span><br><span style="white-space:pre-wrap">${line(m)}</span></p>`,
)}`;
  return { to, subject, text, html: page(subject, body, t("email.footer")) };
}
