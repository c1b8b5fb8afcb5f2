// Lucide icons, embedded at build time and inlined into the page (no extra requests).
import appWindow from "lucide-static/icons/app-window.svg" with { type: "text" };
import arrowLeft from "lucide-static/icons/arrow-left.svg" with { type: "text" };
import arrowRightLeft from "lucide-static/icons/arrow-right-left.svg" with { type: "text" };
import ban from "lucide-static/icons/ban.svg" with { type: "text" };
import bot from "lucide-static/icons/bot.svg" with { type: "text" };
import bookUser from "lucide-static/icons/book-user.svg" with { type: "text" };
import calendarClock from "lucide-static/icons/calendar-clock.svg" with { type: "text" };
import chartColumn from "lucide-static/icons/chart-column.svg" with { type: "text" };
import check from "lucide-static/icons/check.svg" with { type: "text" };
import circleAlert from "lucide-static/icons/circle-alert.svg" with { type: "text" };
import circleCheck from "lucide-static/icons/circle-check.svg" with { type: "text" };
import circleDashed from "lucide-static/icons/circle-dashed.svg" with { type: "text" };
import circleHelp from "lucide-static/icons/circle-help.svg" with { type: "text" };
import clock from "lucide-static/icons/clock.svg" with { type: "text" };
import code from "lucide-static/icons/code.svg" with { type: "text" };
import copy from "lucide-static/icons/copy.svg" with { type: "text" };
import download from "lucide-static/icons/download.svg" with { type: "text" };
import ellipsis from "lucide-static/icons/ellipsis.svg" with { type: "text" };
import eye from "lucide-static/icons/eye.svg" with { type: "text" };
import fileText from "lucide-static/icons/file-text.svg" with { type: "text" };
import history from "lucide-static/icons/history.svg" with { type: "text" };
import inbox from "lucide-static/icons/inbox.svg" with { type: "text" };
import languages from "lucide-static/icons/languages.svg" with { type: "text" };
import link from "lucide-static/icons/link.svg" with { type: "text" };
import logOut from "lucide-static/icons/log-out.svg" with { type: "text" };
import messageCirclePlus from "lucide-static/icons/message-circle-plus.svg" with { type: "text" };
import messageSquare from "lucide-static/icons/message-square.svg" with { type: "text" };
import messageSquareText from "lucide-static/icons/message-square-text.svg" with { type: "text" };
import mic from "lucide-static/icons/mic.svg" with { type: "text" };
import network from "lucide-static/icons/network.svg" with { type: "text" };
import panelRight from "lucide-static/icons/panel-right.svg" with { type: "text" };
import paperclip from "lucide-static/icons/paperclip.svg" with { type: "text" };
import phone from "lucide-static/icons/phone.svg" with { type: "text" };
import pencil from "lucide-static/icons/pencil.svg" with { type: "text" };
import qrCode from "lucide-static/icons/qr-code.svg" with { type: "text" };
import search from "lucide-static/icons/search.svg" with { type: "text" };
import send from "lucide-static/icons/send.svg" with { type: "text" };
import settings from "lucide-static/icons/settings.svg" with { type: "text" };
import store from "lucide-static/icons/store.svg" with { type: "text" };
import smile from "lucide-static/icons/smile.svg" with { type: "text" };
import star from "lucide-static/icons/star.svg" with { type: "text" };
import user from "lucide-static/icons/user.svg" with { type: "text" };
import users from "lucide-static/icons/users.svg" with { type: "text" };
import video from "lucide-static/icons/video.svg" with { type: "text" };
import x from "lucide-static/icons/x.svg" with { type: "text" };
import { type SafeHtml, trustedHtml } from "./html";

const sources = {
  "app-window": appWindow,
  "arrow-left": arrowLeft,
  "arrow-right-left": arrowRightLeft,
  ban,
  "book-user": bookUser,
  bot,
  "calendar-clock": calendarClock,
  "chart-column": chartColumn,
  check,
  "circle-alert": circleAlert,
  "circle-check": circleCheck,
  "circle-dashed": circleDashed,
  "circle-help": circleHelp,
  clock,
  code,
  copy,
  download,
  ellipsis,
  eye,
  "file-text": fileText,
  history,
  inbox,
  languages,
  link,
  "log-out": logOut,
  "message-circle-plus": messageCirclePlus,
  "message-square": messageSquare,
  "message-square-text": messageSquareText,
  mic,
  network,
  "panel-right": panelRight,
  paperclip,
  pencil,
  phone,
  "qr-code": qrCode,
  search,
  send,
  settings,
  smile,
  star,
  store,
  user,
  users,
  video,
  x,
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
