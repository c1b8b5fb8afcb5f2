// The agent console's alerts, as each agent chose them on the preferences page: a sound (made
// here with WebAudio: no audio files) at their volume, and desktop notifications, when a visitor
// writes or a new visitor waits while the tab is hidden; and the unread count in the tab title.
// The preferences arrive as data attributes on the .console root (src/views/console.ts).
(() => {
  "use strict";

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

  // A visitor wrote in one of my conversations, or one was handed to me (the server's "notify").
  document.addEventListener("kefu:notify", (event) => alertAgent(event.detail.title, event.detail.body));

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

  // ---- the unread count in the tab title: "(3) Conversations · Kefu" ----

  function updateTitle() {
    const badge = byId("unread-total");
    const count = badge && !badge.hidden ? Number(badge.textContent) || 0 : 0;
    document.title = count ? `(${count}) ${baseTitle}` : baseTitle;
  }
  document.addEventListener("htmx:ws:after:message:incoming", updateTitle);
  document.addEventListener("htmx:after:swap", updateTitle);

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
  });
})();
