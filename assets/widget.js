// Kefu's loader, pasted on a shop's site as
//   <script async src="https://kefu.example/widget.js" data-key="WIDGET_KEY"></script>
// It must never harm the host page: no dependencies, no globals but `Kefu`, every entry point
// wrapped so nothing throws into the page, nothing drawn until the shop's config has arrived, and
// its own elements in a shadow root so the host's CSS and ours never meet. It talks to the chat
// page in its iframe only by postMessage, checking the origin both ways.
(() => {
  "use strict";

  const script = document.currentScript;
  const handlers = {};
  let ui = null;
  let frame = null;
  let ready = false;
  let isOpen = false;
  let unread = 0;
  let origin = "";
  let settings = {};
  let config = null;

  const safe = (fn) =>
    function () {
      try {
        return fn.apply(this, arguments);
      } catch (error) {
        try {
          console.warn("kefu:", error);
        } catch {}
      }
    };

  function emit(name, detail) {
    for (const fn of handlers[name] || []) safe(fn)(detail);
  }

  function post(message) {
    // Before "ready" there is nothing to tell: init carries the visitor, the page and open/closed.
    if (!frame || !ready) return;
    frame.contentWindow.postMessage({ kefu: 1, ...message }, origin);
  }

  // A phone, even on a host page without a viewport meta tag (its layout viewport is then ~980px wide).
  const mobile = () => Math.min(innerWidth, screen.width) <= 640;

  // ---- drawing ----

  const ICON_CHAT =
    '<svg viewBox="0 0 24 24" width="28" height="28" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true"><path d="M21 15a2 2 0 0 1-2 2H7l-4 4V5a2 2 0 0 1 2-2h14a2 2 0 0 1 2 2z"/></svg>';
  const ICON_CLOSE =
    '<svg viewBox="0 0 24 24" width="24" height="24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" aria-hidden="true"><path d="M18 6 6 18M6 6l12 12"/></svg>';

  function css(side, colour, text) {
    return `:host{all:initial}
*{box-sizing:border-box;font:14px/1.4 system-ui,-apple-system,"PingFang SC","Microsoft YaHei",sans-serif}
.launcher{position:fixed;${side}:20px;bottom:20px;width:56px;height:56px;border:0;border-radius:50%;background:${colour};color:${text};cursor:pointer;box-shadow:0 4px 14px rgba(0,0,0,.25);display:flex;align-items:center;justify-content:center;z-index:2147483000}
.badge{position:absolute;top:-4px;right:-4px;min-width:20px;height:20px;padding:0 6px;border-radius:10px;background:#dc2626;color:#fff;font-size:12px;font-weight:700;line-height:20px;text-align:center}
.bubble{position:fixed;${side}:20px;bottom:88px;max-width:260px;padding:10px 40px 10px 14px;border-radius:12px;background:#fff;color:#111;box-shadow:0 4px 14px rgba(0,0,0,.18);cursor:pointer;z-index:2147483000}
.bubble b{display:flex;align-items:center;gap:8px;margin-bottom:4px}
.bubble img{width:24px;height:24px;border-radius:50%;object-fit:cover}
.bubble button{position:absolute;top:0;right:0;width:44px;height:44px;border:0;background:none;color:#555;cursor:pointer;font-size:18px;line-height:1}
.panel{position:fixed;${side}:20px;bottom:88px;width:380px;height:min(620px,calc(100vh - 108px));border-radius:12px;overflow:hidden;background:#fff;box-shadow:0 8px 30px rgba(0,0,0,.3);z-index:2147483001}
.panel iframe{width:100%;height:100%;border:0;display:block}
.panel.full{inset:0;width:100%;height:100%;border-radius:0}
.panel .down{position:absolute;inset:0;display:flex;flex-direction:column;gap:12px;align-items:center;justify-content:center;padding:24px;text-align:center;color:#333;background:#fff}
.panel .down a{color:inherit}
.panel .down button{padding:10px 18px;border:0;border-radius:8px;background:${colour};color:${text};cursor:pointer}
[hidden]{display:none!important}`;
  }

  function draw() {
    const host = document.createElement("div");
    host.setAttribute("data-kefu", "");
    const root = host.attachShadow({ mode: "open" });
    const side = config.position === "left" ? "left" : "right";
    const style = document.createElement("style");
    const hex = (value, fallback) => (/^#[0-9a-f]{6}$/i.test(value) ? value : fallback);
    style.textContent = css(side, hex(config.color, "#2563eb"), hex(config.textColor, "#fff"));
    const launcher = document.createElement("button");
    launcher.className = "launcher";
    launcher.type = "button";
    launcher.title = config.title;
    launcher.setAttribute("aria-label", config.title);
    launcher.innerHTML = ICON_CHAT;
    const badge = document.createElement("span");
    badge.className = "badge";
    badge.hidden = true;
    launcher.append(badge);
    launcher.addEventListener("click", safe(() => api.toggle()));
    root.append(style, launcher);
    ui = { host, root, launcher, badge, panel: null, bubble: null };
    if (config.greeting && !sessionStorageGet("kefu.bubble")) showBubble(config.greeting);
    document.body.append(host);
  }

  function sessionStorageGet(key) {
    try {
      return sessionStorage.getItem(key);
    } catch {
      return null;
    }
  }

  /** A line beside the launcher: the shop's greeting, or a trigger's message on a phone, with its author's face and name. A click opens the chat. */
  function showBubble(text, from) {
    ui.bubble?.remove();
    const bubble = document.createElement("div");
    bubble.className = "bubble";
    bubble.setAttribute("role", "status");
    bubble.textContent = text;
    if (from) {
      const head = document.createElement("b");
      // Only a picture Kefu serves: the chat page passes it on, nothing else may set it.
      if (String(from.avatar).startsWith(`${origin}/`)) {
        const face = document.createElement("img");
        face.src = from.avatar;
        face.alt = "";
        head.append(face);
      }
      head.append(String(from.name || ""));
      bubble.prepend(head);
    }
    const dismiss = document.createElement("button");
    dismiss.type = "button";
    dismiss.textContent = "×";
    dismiss.setAttribute("aria-label", config.dismiss || "×");
    dismiss.addEventListener("click", safe((event) => {
      event.stopPropagation();
      hideBubble();
      // A trigger's message closed unanswered: the chat page dismisses it for today.
      post({ type: "dismiss" });
    }));
    bubble.append(dismiss);
    bubble.addEventListener("click", safe(() => api.open()));
    ui.root.append(bubble);
    ui.bubble = bubble;
  }

  function hideBubble() {
    if (!ui.bubble) return;
    ui.bubble.remove();
    ui.bubble = null;
    try {
      sessionStorage.setItem("kefu.bubble", "1");
    } catch {}
  }

  function chatUrl(embed) {
    const url = new URL(config.chatUrl);
    if (embed) url.searchParams.set("embed", "1");
    if (settings.group) url.searchParams.set("group", String(settings.group));
    if (settings.locale) url.searchParams.set("locale", String(settings.locale));
    return url.href;
  }

  /** The mini window: the chat page in an iframe, loaded once and kept (closed, it still hears replies). */
  function makePanel() {
    const panel = document.createElement("div");
    panel.className = "panel";
    panel.hidden = true;
    frame = document.createElement("iframe");
    frame.title = config.title;
    frame.allow = "microphone; camera; clipboard-write";
    frame.src = chatUrl(true);
    panel.append(frame);
    ui.root.append(panel);
    ui.panel = panel;
    watchLoading();
  }

  // Unreachable, or refused by the shop's allowed sites: say so in the panel, not in the page,
  // with a way to try again and one to open the chat in a tab of its own.
  function watchLoading() {
    setTimeout(safe(() => {
      if (ready) return;
      const down = document.createElement("div");
      down.className = "down";
      const line = document.createElement("p");
      line.textContent = config.unavailable;
      const retry = document.createElement("button");
      retry.type = "button";
      retry.textContent = config.retry;
      retry.addEventListener("click", safe(() => {
        down.remove();
        frame.src = chatUrl(true);
        watchLoading();
      }));
      const link = document.createElement("a");
      link.href = chatUrl(false);
      link.target = "_blank";
      link.rel = "noopener";
      link.textContent = config.openInTab;
      down.append(line, retry, link);
      ui.panel.append(down);
    }), 15000);
  }

  function setUnread(count) {
    unread = count;
    if (!ui) return;
    ui.badge.hidden = unread === 0;
    ui.badge.textContent = unread > 99 ? "99+" : String(unread);
    emit("unread", unread);
  }

  function pageContext() {
    return { url: location.href, title: document.title, referrer: document.referrer };
  }

  // ---- messages from the chat page ----

  addEventListener("message", safe((event) => {
    if (!frame || event.source !== frame.contentWindow || event.origin !== origin) return;
    const data = event.data;
    if (!data || data.kefu !== 1) return;
    switch (data.type) {
      case "ready": {
        // Also after the chat page reloaded itself (it now stands for another visitor): it needs init again.
        const first = !ready;
        ready = true;
        ui.panel.querySelector(".down")?.remove();
        post({
          type: "init",
          visitor: settings.visitor || null,
          product: settings.product || null,
          page: pageContext(),
          open: isOpen,
        });
        if (first) emit("ready");
        if (triggerWaiting) fireTrigger(triggerWaiting);
        return;
      }
      case "trigger": // the server agreed to show a trigger's message: the window opens for it, on a phone a bubble
        if (isOpen) return;
        if (mobile()) return showBubble(String(data.body || ""), { name: data.author, avatar: data.avatar });
        return api.open();
      case "open": // an agent wrote first to this visitor
        return api.open();
      case "close": // the chat page's own close button, or Esc inside it
        api.close();
        return ui.launcher.focus();
      case "unread":
        if (Number.isSafeInteger(data.count) && data.count >= 0) setUnread(isOpen ? 0 : data.count);
        return;
      case "message":
        return emit("message", { body: String(data.body || "") });
    }
  }));

  // Single-page shops change the page without loading one: tell the agent where the visitor is.
  let lastUrl = location.href;
  function watchPage() {
    if (location.href === lastUrl) return;
    lastUrl = location.href;
    post({ type: "page", page: pageContext() });
    armTrigger();
  }

  // ---- triggers: the shop's message after some seconds on a matching page ----

  let triggerTimer = 0;
  let triggerWaiting = 0; // a rule whose time came before the chat page was ready

  // The same rule as the server's (src/domain/triggers.ts): with a "*", the whole URL against the wildcard; else "contains".
  function matches(pattern, url) {
    pattern = String(pattern).toLowerCase();
    url = url.toLowerCase();
    if (!pattern.includes("*")) return url.includes(pattern);
    const parts = pattern.split("*").map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"));
    return new RegExp("^" + parts.join(".*") + "$").test(url);
  }

  /** Starts the first matching rule's timer on this page; the server decides whether anything shows. */
  function armTrigger() {
    clearTimeout(triggerTimer);
    if (!config || config.mode !== "mini") return;
    const rule = (config.triggers || []).find((candidate) => matches(candidate.pattern, location.href));
    if (rule) triggerTimer = setTimeout(safe(() => fireTrigger(rule.id)), Math.min(Number(rule.delay) || 0, 600) * 1000);
  }

  function fireTrigger(id) {
    triggerWaiting = ready ? 0 : id;
    if (ready && !isOpen) post({ type: "trigger", id, url: location.href });
  }
  for (const name of ["pushState", "replaceState"]) {
    const original = history[name];
    if (typeof original !== "function") continue;
    history[name] = function () {
      const result = original.apply(this, arguments);
      safe(() => setTimeout(safe(watchPage), 0))();
      return result;
    };
  }
  addEventListener("popstate", safe(watchPage));
  addEventListener("hashchange", safe(watchPage));

  // ---- the API ----

  const api = {
    open: safe(() => {
      if (!config) return;
      hideBubble();
      if (config.mode === "window") {
        if (mobile()) location.href = chatUrl(false);
        else window.open(chatUrl(false), "_blank", "noopener");
        emit("open");
        return;
      }
      if (!ui.panel) makePanel();
      ui.panel.classList.toggle("full", mobile());
      ui.panel.hidden = false;
      isOpen = true;
      // Full screen on a phone: the launcher would cover the composer.
      ui.launcher.hidden = mobile();
      ui.launcher.innerHTML = ICON_CLOSE;
      ui.launcher.append(ui.badge);
      setUnread(0);
      post({ type: "open" });
      emit("open");
    }),
    close: safe(() => {
      if (!ui || !ui.panel || !isOpen) return;
      ui.panel.hidden = true;
      ui.launcher.hidden = false;
      ui.launcher.innerHTML = ICON_CHAT;
      ui.launcher.append(ui.badge);
      isOpen = false;
      post({ type: "close" });
      emit("close");
    }),
    toggle: safe(() => (isOpen ? api.close() : api.open())),
    setUser: safe((visitor) => {
      settings.visitor = visitor;
      post({ type: "user", visitor });
    }),
    // Added to what setUser or kefuSettings said: a claim without its id would mean "signed out".
    setAttributes: safe((attributes) => {
      const visitor = Object.assign({}, settings.visitor);
      visitor.attributes = Object.assign({}, visitor.attributes, attributes);
      api.setUser(visitor);
    }),
    setLocale: safe((locale) => {
      settings.locale = locale;
      if (frame) {
        ready = false;
        frame.src = chatUrl(true);
      }
    }),
    on: safe((name, fn) => {
      if (typeof fn === "function") (handlers[name] = handlers[name] || []).push(fn);
    }),
  };

  // ---- start ----

  safe(() => {
    if (window.Kefu && window.Kefu.loaded) return; // pasted twice
    window.Kefu = Object.assign(api, { loaded: true });
    settings = Object.assign({}, window.kefuSettings);
    const key = script && script.dataset.key;
    if (!key || !/^[A-Za-z0-9_-]{1,64}$/.test(key)) return console.warn("kefu: data-key is missing");
    origin = new URL(script.src).origin;
    fetch(`${origin}/widget/${key}/config`, { credentials: "omit" })
      .then((response) => (response.ok ? response.json() : null))
      .then(safe((received) => {
        if (!received || typeof received.chatUrl !== "string") return;
        config = received;
        config.mode = script.dataset.mode === "window" ? "window" : "mini";
        const start = safe(() => {
          draw();
          // The mini window loads in the background, so replies reach the badge while it is closed.
          if (config.mode === "mini") (window.requestIdleCallback || setTimeout)(safe(makePanel));
          armTrigger();
        });
        if (document.body) start();
        else addEventListener("DOMContentLoaded", start);
      }))
      .catch(() => {
        // Kefu is unreachable: the page goes on without a chat button.
      });
  })();
})();
