// How long something has lasted, "4 min" or "1 h 20 min": a visitor on the site, a conversation
// waiting. In the workspace console.js keeps it counting, with the words the page carries.
import type { Translate } from "../i18n";
import { html, type SafeHtml } from "./html";

export function elapsed(t: Translate, since: number, now: number = Date.now()): string {
  const minutes = Math.floor(Math.max(0, now - since) / 60_000);
  if (minutes < 1) return t("elapsed.underMinute");
  if (minutes < 60) return t("elapsed.minutes", { n: minutes });
  return t("elapsed.hours", { h: Math.floor(minutes / 60), m: minutes % 60 });
}

/** The duration as a <time> console.js recounts (data-local: not a clock time for chat.js to rewrite). */
export function elapsedTime(t: Translate, since: number, now: number = Date.now()): SafeHtml {
  return html`<time class="elapsed" datetime="${new Date(since).toISOString()}" data-local data-elapsed>${elapsed(t, since, now)}</time>`;
}

/** The words console.js counts with, once per page. */
export function elapsedTexts(t: Translate): SafeHtml {
  return html`<template id="elapsed-texts" data-under-minute="${t("elapsed.underMinute")}" data-minutes="${t("elapsed.minutes", { n: "{n}" })}" data-hours="${t("elapsed.hours", { h: "{h}", m: "{m}" })}"></template>`;
}
