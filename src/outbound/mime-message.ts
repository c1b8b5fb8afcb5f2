// One email as the SMTP server receives it: UTF-8 plain text and HTML alternatives, each base64.
// Header injection: names and subjects are encoded words (RFC 2047) made from text with its line
// breaks removed, and addresses were checked to have none, so nothing typed can add a header.
import { randomToken } from "../domain/tokens";

export interface Mail {
  to: string;
  subject: string;
  text: string;
  html: string;
}

const oneLine = (text: string) => text.replace(/[\r\n\t]+/g, " ").trim();

function encodedWord(text: string): string {
  const line = oneLine(text);
  return /^[\x20-\x7e]*$/.test(line) && !line.includes("=?") ? line : `=?UTF-8?B?${Buffer.from(line).toString("base64")}?=`;
}

function base64Lines(text: string): string {
  return (Buffer.from(text).toString("base64").match(/.{1,76}/g) ?? [""]).join("\r\n");
}

export function mimeMessage(from: { name: string; address: string }, mail: Mail, now = new Date()): string {
  const boundary = `kefu-${randomToken(12)}`;
  const domain = from.address.split("@")[1] ?? "kefu";
  const headers = [
    `From: ${from.name ? `"${encodedWord(from.name).replace(/"/g, "'")}" ` : ""}<${from.address}>`,
    `To: <${mail.to}>`,
    `Subject: ${encodedWord(mail.subject)}`,
    `Date: ${now.toUTCString().replace("GMT", "+0000")}`,
    `Message-ID: <${randomToken(16)}@${domain}>`,
    "MIME-Version: 1.0",
    "Auto-Submitted: auto-generated",
    `Content-Type: multipart/alternative; boundary="${boundary}"`,
  ];
  const part = (type: string, body: string) =>
    [`--${boundary}`, `Content-Type: ${type}; charset=utf-8`, "Content-Transfer-Encoding: base64", "", base64Lines(body)].join("\r\n");
  return [...headers, "", part("text/plain", mail.text), part("text/html", mail.html), `--${boundary}--`, ""].join("\r\n");
}

/** An address an envelope may carry: no spaces, brackets or line breaks. */
export function isMailAddress(address: string): boolean {
  return /^[^\s<>@]+@[^\s<>@]+\.[^\s<>@]+$/.test(address) && address.length <= 254;
}
