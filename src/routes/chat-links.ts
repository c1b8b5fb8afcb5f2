// The chat page's links to itself: a group to chat with, "chat with anyone", earlier messages, the
// leave-a-message form, its socket. Each keeps how the page was opened: inside the widget's frame
// (embed=1: only then may another site frame it, so a link without it shows the browser's error
// page in the widget), in the language the widget chose, and the way the visitor came in.
import { isLocale } from "../i18n";
import { type linkQuery, visitorCookiePath } from "./visitor-cookie";

export type ChatLink = typeof linkQuery.static;

export interface ChatLinkTarget {
  /** Below the chat page: "/ws", "/messages", "/leave-message". */
  path?: string;
  /** The pool the link asks for; none keeps no group or agent. */
  group?: number | null;
  agent?: number | null;
  /** Earlier messages: the page before this message id. */
  before?: number;
  /** Another language than the one the page was opened with (the socket takes the page's own). */
  locale?: string;
}

export function chatLink(widgetKey: string, opened: ChatLink, target: ChatLinkTarget = {}): string {
  const query = new URLSearchParams();
  if (target.agent != null) query.set("agent", String(target.agent));
  else if (target.group != null) query.set("group", String(target.group));
  if (target.before !== undefined) query.set("before", String(target.before));
  const locale = target.locale ?? opened.locale;
  if (isLocale(locale)) query.set("locale", locale);
  if (opened.embed === "1") query.set("embed", "1");
  if (opened.via === "wechat") query.set("via", "wechat");
  const search = query.toString();
  return `${visitorCookiePath(widgetKey)}${target.path ?? ""}${search ? `?${search}` : ""}`;
}
