// The agent console's behaviour beyond htmx. Alerts, as each agent chose them on the preferences
// page: a sound (made here with WebAudio: no audio files) at their volume, and desktop
// notifications, when a visitor writes or a new visitor waits while the tab is hidden; the
// unread count in the tab title. The preferences arrive as data attributes on the .console root
// (src/views/console.ts). And the workspace: refusals said where the agent clicked, the lists'
// tabs and counts, waiting times, the phone's screens, the composer's focus. And the installed
// app: the service worker (assets/console-worker.js) and this device's push notifications.
(() => {
  "use strict";

  // Read while this script runs: currentScript is null in any later callback.
  const worker = document.currentScript?.dataset ?? {};

  const byId = (id) => document.getElementById(id);
  const root = () => document.querySelector(".console");
  const baseTitle = document.title;

  function preferences() {
    const data = root()?.dataset ?? {};
    const volume = Number(data.soundVolume);
    return {
      sound: data.sound || "chime",
      volume: Number.isFinite(volume) ? Math.min(100, Math.max(0, volume)) : 60,
      desktop: data.desktopNotifications !== "off",
    };
  }

  // ---- sounds ----

  // Browsers start audio only after the person has used the page once; the context is made (or
  // resumed) on the first click or key, so a later alert in a hidden tab can still play.
  let audio = null;
  function audioContext() {
    if (!audio && window.AudioContext) audio = new AudioContext();
    if (audio?.state === "suspended") audio.resume().catch(() => {});
    return audio;
  }
  for (const type of ["pointerdown", "keydown"]) {
    document.addEventListener(type, () => audioContext(), { once: true, capture: true });
  }

  /** One decaying tone: `type` wave at `frequency` Hz (optionally gliding to `to`), from `start` s for `length` s. */
  function tone(context, output, { frequency, to, type = "sine", start = 0, length = 0.3, level = 1 }) {
    const oscillator = context.createOscillator();
    const envelope = context.createGain();
    const at = context.currentTime + start;
    oscillator.type = type;
    oscillator.frequency.setValueAtTime(frequency, at);
    if (to) oscillator.frequency.exponentialRampToValueAtTime(to, at + length);
    envelope.gain.setValueAtTime(0.0001, at);
    envelope.gain.exponentialRampToValueAtTime(level, at + 0.01);
    envelope.gain.exponentialRampToValueAtTime(0.0001, at + length);
    oscillator.connect(envelope).connect(output);
    oscillator.start(at);
    oscillator.stop(at + length + 0.05);
  }

  const sounds = {
    // Two bright notes, rising: a doorbell's "ding-dong" turned friendly.
    chime: (context, output) => {
      tone(context, output, { frequency: 880, length: 0.35 });
      tone(context, output, { frequency: 1318.5, start: 0.16, length: 0.5 });
    },
    // A struck bell: a fundamental with inharmonic partials, ringing out slowly.
    bell: (context, output) => {
      tone(context, output, { frequency: 660, length: 1.4 });
      tone(context, output, { frequency: 660 * 2.76, length: 0.9, level: 0.35 });
      tone(context, output, { frequency: 660 * 5.4, length: 0.5, level: 0.15 });
    },
    // A short drop in pitch, like a bubble.
    pop: (context, output) => {
      tone(context, output, { frequency: 900, to: 180, type: "triangle", length: 0.09 });
    },
    none: () => {},
  };

  function playSound(name, volume) {
    const play = sounds[name];
    if (!play || name === "none" || volume <= 0) return;
    try {
      const context = audioContext();
      if (!context) return;
      const output = context.createGain();
      // Perceived loudness grows roughly with the square of the gain.
      output.gain.value = 0.4 * (volume / 100) ** 2;
      output.connect(context.destination);
      play(context, output);
    } catch {
      // No audio output: the notification and the title still tell.
    }
  }

  // ---- alerts ----

  function alertAgent(title, body) {
    if (!document.hidden) return;
    const chosen = preferences();
    playSound(chosen.sound, chosen.volume);
    if (chosen.desktop && window.Notification?.permission === "granted") {
      const notification = new Notification(title, { body, tag: "kefu" });
      notification.onclick = () => {
        window.focus();
        notification.close();
      };
    }
  }

  // A visitor wrote in one of my conversations, or one was handed to me: the server's alert comes
  // in the same frame as the list's change, as a new #agent-alert carrying its title and body.
  let lastAlert = byId("agent-alert");
  document.addEventListener("htmx:ws:after:message:incoming", () => {
    const alert = byId("agent-alert");
    if (!alert || alert === lastAlert) return;
    lastAlert = alert;
    alertAgent(alert.dataset.title ?? "", alert.dataset.body ?? "");
  });

  // A new visitor waits: an item appears in the waiting list that was not there before. (Items
  // are replaced in place when they change, so only a new id counts.)
  let waitingIds = null;
  function watchWaiting() {
    const list = byId("waiting-conversations");
    if (!list) return;
    const ids = () => new Set([...list.children].map((item) => item.id));
    waitingIds = ids();
    new MutationObserver(() => {
      const now = ids();
      for (const id of now) {
        if (waitingIds.has(id)) continue;
        const item = byId(id);
        const name = item?.querySelector("strong")?.textContent ?? "";
        const template = byId("alert-preferences")?.dataset.waitingAlert ?? "{name}";
        alertAgent(template.replace("{name}", name), item?.querySelector(".preview")?.textContent ?? "");
      }
      waitingIds = now;
    }).observe(list, { childList: true });
  }

  // ---- the lists, whole again when they may have missed a change ----

  // Between the page's rendering and its socket listening, or while the socket was away, a
  // conversation may have come or gone: the server sends the lists again when the shop's changed
  // since the version they show (after a reconnect, "0": not known). After chat.js's resume,
  // which listens first: its listener was added before this one.
  let listsVersion = document.querySelector("[data-lists-version]")?.dataset.listsVersion;
  document.addEventListener("htmx:ws:after:connection", (event) => {
    if (listsVersion === undefined) return;
    event.detail.connection.socket.send(JSON.stringify({ type: "lists", version: Number(listsVersion) }));
    listsVersion = "0";
  });

  // ---- the unread count in the tab title: "(3) Conversations · Kefu" ----

  function updateTitle() {
    const badge = byId("unread-total");
    const count = badge && !badge.hidden ? Number(badge.textContent) || 0 : 0;
    document.title = count ? `(${count}) ${baseTitle}` : baseTitle;
  }
  document.addEventListener("htmx:ws:after:message:incoming", updateTitle);
  document.addEventListener("htmx:after:swap", updateTitle);

  // ---- refusals: the reason beside what was clicked ----

  // A refused action answers 4xx with its reason as plain text (or, from older routes, a page or
  // a fragment with a role=alert). Unless the answer re-renders what it targets (a form with its
  // errors), nothing would show it: it is said here, next to the element that asked, for every
  // hx-* request of the console.
  const problems = new WeakMap();

  function reasonOf(ctx) {
    const text = ctx.text ?? "";
    if (!/html/.test(ctx.response.headers.get("content-type") ?? "")) return text.trim();
    const doc = new DOMParser().parseFromString(text, "text/html");
    const said = doc.querySelector("[role=alert]") ?? doc.querySelector("main p, p") ?? doc.body;
    return (said?.textContent ?? "").replace(/\s+/g, " ").trim();
  }

  function showProblem(source, reason) {
    problems.get(source)?.remove();
    const note = document.createElement(source.tagName === "FORM" ? "p" : "span");
    note.className = "request-problem";
    note.setAttribute("role", "alert");
    note.textContent = reason; // never parsed as HTML
    if (source.tagName === "FORM") source.append(note);
    else source.after(note);
    problems.set(source, note);
  }

  document.addEventListener("htmx:before:request", (event) => {
    const source = event.detail.ctx?.sourceElement;
    if (source) problems.get(source)?.remove();
  });

  document.addEventListener("htmx:before:swap", (event) => {
    const { ctx, tasks } = event.detail;
    const source = ctx.sourceElement;
    if (!ctx.response || ctx.response.status < 400 || !source?.isConnected) return;
    const fragment = /html/.test(ctx.response.headers.get("content-type") ?? "") && !/^\s*<(!doctype|html)/i.test(ctx.text ?? "");
    // A fragment that re-renders its target (say a form with its errors) shows the reason itself.
    if (fragment && tasks.some((task) => task.swapSpec?.style !== "none")) return;
    if (!fragment) event.preventDefault();
    const reason = reasonOf(ctx);
    // A whole page's text is no reason: its first few lines say enough.
    if (reason) showProblem(source, reason.slice(0, 300));
  });

  // ---- the workspace's lists: tabs with their counts ----

  const currentConversation = () => document.querySelector(".conversation[data-conversation]")?.dataset.conversation;

  function inboxTabs() {
    const tablist = document.querySelector(".inbox-tabs");
    if (!tablist) return;
    const tabs = [...tablist.querySelectorAll("[role=tab]")];
    const list = (tab) => byId(tab.getAttribute("aria-controls"))?.querySelector(".conversation-list");
    let chosen = false;

    function select(tab) {
      for (const other of tabs) {
        const on = other === tab;
        other.setAttribute("aria-selected", String(on));
        other.tabIndex = on ? 0 : -1;
        byId(other.getAttribute("aria-controls")).hidden = !on;
      }
    }

    // Until the agent picks a tab: the open conversation's list, else Mine when it has
    // anything, else Waiting when it has (views/workspace.ts renders the same first).
    function automatic() {
      const [mine, waiting, all] = ["mine", "waiting", "all"].map((name) => tabs.find((tab) => tab.dataset.list === name));
      const current = currentConversation();
      const holds = (tab) => tab && current && list(tab)?.querySelector(`[data-conversation="${current}"]`);
      if (holds(waiting) && !holds(mine)) return waiting;
      if (holds(mine)) return mine;
      if (holds(all)) return all;
      return list(mine)?.children.length === 0 && list(waiting)?.children.length ? waiting : mine;
    }

    function follow() {
      for (const tab of tabs) {
        const count = tab.querySelector(".count");
        const items = list(tab)?.children.length ?? 0;
        if (count && count.dataset.count !== String(items)) {
          count.textContent = String(items);
          count.dataset.count = String(items);
        }
      }
      const current = currentConversation();
      if (current) for (const item of document.querySelectorAll(`.conversation-list > [data-conversation="${current}"]`)) item.setAttribute("aria-current", "true");
      if (!chosen) select(automatic());
    }

    tablist.addEventListener("click", (event) => {
      const tab = event.target.closest("[role=tab]");
      if (!tab) return;
      chosen = true;
      select(tab);
    });
    tablist.addEventListener("keydown", (event) => {
      const at = tabs.indexOf(document.activeElement);
      const to = { ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: tabs.length - 1 }[event.key];
      if (at < 0 || to === undefined) return;
      event.preventDefault();
      const tab = tabs[(to + tabs.length) % tabs.length];
      chosen = true;
      select(tab);
      tab.focus();
    });
    const observer = new MutationObserver(follow);
    for (const tab of tabs) {
      const items = list(tab);
      if (items) observer.observe(items, { childList: true });
    }
    follow();
  }

  // ---- how long visitors have waited, counting on ----

  function countElapsed() {
    const words = byId("elapsed-texts")?.dataset;
    if (!words) return;
    for (const time of document.querySelectorAll("time[data-elapsed]")) {
      const minutes = Math.floor(Math.max(0, Date.now() - Date.parse(time.dateTime)) / 60000);
      time.textContent =
        minutes < 1
          ? words.underMinute
          : minutes < 60
            ? words.minutes.replace("{n}", minutes)
            : words.hours.replace("{h}", Math.floor(minutes / 60)).replace("{m}", minutes % 60);
    }
  }

  // ---- the workspace's screens: list, thread and visitor panel, one at a time on a phone ----

  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-show-screen]");
    const workspace = document.querySelector(".workspace");
    if (!button || !workspace) return;
    // The panel's button also closes it again (a drawer between 900 and 1200 px).
    const screen = button.dataset.showScreen === "panel" && workspace.dataset.screen === "panel" ? "thread" : button.dataset.showScreen;
    workspace.dataset.screen = screen;
    for (const toggle of document.querySelectorAll(".panel-toggle")) toggle.setAttribute("aria-expanded", String(screen === "panel"));
    if (screen === "panel") byId("visitor-panel")?.querySelector("[data-show-screen]")?.focus();
    else document.querySelector(".panel-toggle")?.focus();
  });

  // Esc closes the visitor panel where it covers the thread.
  document.addEventListener("keydown", (event) => {
    const workspace = document.querySelector(".workspace[data-screen=panel]");
    if (event.key === "Escape" && workspace && !event.defaultPrevented) workspace.querySelector("#visitor-panel [data-show-screen=thread]")?.click();
  });

  // ---- the composer has the keyboard when a conversation opens or becomes the agent's ----

  function focusComposer() {
    // On a touch screen focus would open the keyboard over the thread the agent came to read;
    // and focus the agent has put elsewhere (a note, a search) stays there.
    if (window.matchMedia("(pointer: coarse)").matches) return;
    const elsewhere = document.activeElement && document.activeElement !== document.body;
    const input = document.querySelector("#conversation-footer[data-state=composer] textarea[name=body]:not([data-focused])");
    if (!input || elsewhere) return;
    input.dataset.focused = "";
    input.focus();
  }
  document.addEventListener("htmx:after:swap", () => {
    describeSendKey();
    focusComposer();
  });

  // ---- the preferences page ----

  function preferencesForm() {
    const form = byId("preferences-form");
    if (!form) return;
    const volume = form.elements.soundVolume;
    const shown = byId("volume-shown");
    volume?.addEventListener("input", () => {
      if (shown) shown.textContent = `${volume.value}%`;
    });
    byId("test-sound")?.addEventListener("click", () => {
      playSound(form.elements.sound.value || "none", Number(volume?.value ?? 60));
    });
    const desktop = form.elements.desktopNotifications;
    const denied = byId("notification-permission");
    const showPermission = () => {
      if (denied) denied.hidden = !(desktop?.checked && window.Notification?.permission === "denied");
    };
    desktop?.addEventListener("change", () => {
      // Asked when turned on, from the click itself: browsers ignore requests made later.
      if (desktop.checked && window.Notification?.permission === "default") Notification.requestPermission().then(showPermission);
      showPermission();
    });
    showPermission();
  }

  // ---- the installed app ----

  function registerWorker() {
    if (!worker.worker || !("serviceWorker" in navigator)) return null;
    return navigator.serviceWorker.register(worker.worker, { scope: worker.workerScope }).catch(() => null);
  }

  function pushKey(text) {
    const base64 = text.replace(/-/g, "+").replace(/_/g, "/");
    return Uint8Array.from(atob(base64 + "=".repeat((4 - (base64.length % 4)) % 4)), (c) => c.charCodeAt(0));
  }

  function sendDevice(method, body) {
    return fetch("/console/push/devices", { method, headers: { "content-type": "application/json" }, body: JSON.stringify(body) }).then(async (response) => {
      if (!response.ok && response.status !== 404) throw new Error(await response.text());
    });
  }

  // The server keeps a device for the session it was turned on in (signing out forgets it): the
  // subscription this browser still holds is sent once in each tab's sign-in, on any console page.
  const sentKey = "kefu-push-device";
  document.addEventListener("submit", (event) => {
    if (event.target.matches?.("form[action='/logout']")) sessionStorage.removeItem(sentKey);
  });

  async function resendDevice(registration) {
    const held = await registration.pushManager.getSubscription();
    if (!held || Notification.permission !== "granted") return null;
    const sent = `${root()?.dataset.agent}:${held.endpoint}`;
    if (sessionStorage.getItem(sentKey) !== sent) {
      await sendDevice("POST", held);
      sessionStorage.setItem(sentKey, sent);
    }
    return held;
  }

  // "Notify me on this device": the browser subscribes with the server's key and the server keeps
  // the subscription for whoever is signed in.
  async function pushDevice(registering) {
    const registration = registering && "PushManager" in window ? await registering : null;
    const held = registration ? resendDevice(registration) : Promise.resolve(null);
    const section = byId("push-device");
    const box = byId("field-pushDevice");
    if (!section || !box) {
      // Sent again on its own; a failure is said on the Preferences page, where it can be mended.
      held.catch(() => {});
      return;
    }
    if (!registration) {
      byId("push-unsupported").hidden = false;
      return;
    }
    const problem = byId("push-problem");
    const say = (text) => {
      problem.textContent = text;
      problem.hidden = !text;
    };
    box.checked = Boolean(await held.catch((error) => say(section.dataset.failed.replace("{reason}", error.message))));
    box.disabled = false;
    box.addEventListener("change", async () => {
      box.disabled = true;
      say("");
      try {
        if (box.checked) {
          // Asked from the click itself: browsers ignore a request made later.
          if ((await Notification.requestPermission()) !== "granted") throw new Error(section.dataset.denied);
          const ready = await navigator.serviceWorker.ready;
          const subscription = await ready.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: pushKey(section.dataset.pushKey) });
          await sendDevice("POST", subscription).catch(async (error) => {
            await subscription.unsubscribe();
            throw error;
          });
          sessionStorage.setItem(sentKey, `${root()?.dataset.agent}:${subscription.endpoint}`);
        } else {
          const subscription = await registration.pushManager.getSubscription();
          if (subscription) {
            await sendDevice("DELETE", { endpoint: subscription.endpoint });
            await subscription.unsubscribe();
            sessionStorage.removeItem(sentKey);
          }
        }
      } catch (error) {
        box.checked = !box.checked;
        say(section.dataset.failed.replace("{reason}", error.message));
      } finally {
        box.disabled = false;
      }
    });
  }

  // The console's send key, said on the composer for screen readers.
  function describeSendKey() {
    const input = document.querySelector("#composer textarea[name=body]");
    if (input) input.setAttribute("aria-keyshortcuts", root()?.dataset.sendKey === "ctrl-enter" ? "Control+Enter Meta+Enter" : "Enter");
  }

  document.addEventListener("DOMContentLoaded", () => {
    updateTitle();
    watchWaiting();
    preferencesForm();
    describeSendKey();
    pushDevice(registerWorker());
    inboxTabs();
    focusComposer();
    setInterval(countElapsed, 20000);
  });
})();
