// Lucide icons, embedded at build time and inlined into the page (no extra requests).
import check from "lucide-static/icons/check.svg" with { type: "text" };
import circleAlert from "lucide-static/icons/circle-alert.svg" with { type: "text" };
import copy from "lucide-static/icons/copy.svg" with { type: "text" };
import inbox from "lucide-static/icons/inbox.svg" with { type: "text" };
import languages from "lucide-static/icons/languages.svg" with { type: "text" };
import link from "lucide-static/icons/link.svg" with { type: "text" };
import logOut from "lucide-static/icons/log-out.svg" with { type: "text" };
import messageSquare from "lucide-static/icons/message-square.svg" with { type: "text" };
import network from "lucide-static/icons/network.svg" with { type: "text" };
import settings from "lucide-static/icons/settings.svg" with { type: "text" };
import user from "lucide-static/icons/user.svg" with { type: "text" };
import users from "lucide-static/icons/users.svg" with { type: "text" };
import { type SafeHtml, trustedHtml } from "./html";

const sources = {
  check,
  "circle-alert": circleAlert,
  copy,
  inbox,
  languages,
  link,
  "log-out": logOut,
  "message-square": messageSquare,
  network,
  settings,
  user,
  users,
};

export type IconName = keyof typeof sources;

// Drop the licence comment and fixed size; CSS sizes icons by their `icon` class.
const icons = Object.fromEntries(
  Object.entries(sources).map(([name, svg]) => [
    name,
    trustedHtml(
      svg
        .replace(/<!--[\s\S]*?-->\s*/, "")
        .replace(/\s*width="24"\s*height="24"/, "")
        .replace('class="lucide', 'aria-hidden="true" class="icon lucide')
        .replace(/\s+/g, " ")
        .trim(),
    ),
  ]),
) as Record<IconName, SafeHtml>;

export function icon(name: IconName): SafeHtml {
  return icons[name];
}
