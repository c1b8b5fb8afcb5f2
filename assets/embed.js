// The chat page's side of the widget. In the widget's iframe it talks to the loader on the host
// page by postMessage only: it answers only the page that framed it, and only when that page's
// origin is among the shop's allowed sites (none listed: any). It reports the visitor's page,
// identity and product to Kefu, and unread replies to the loader while the panel is closed.
// On the chat page opened directly, it reports the browser's language and time zone, and tells of
// a reply that comes while the tab is hidden: a count in the title and a short chime.
(() => {
  "use strict";

  const main = document.querySelector("main.chat");
  if (!main) return;
  const chatPath = main.dataset.chatPath;
  const embedded = main.hasAttribute("data-embedded");
  const allowed = JSON.parse(main.dataset.origins || "[]");
  const root = document.documentElement;
  let parentOrigin = null;
  let unread = document.querySelectorAll("#thread > .message.theirs:not(.seen)").length;
  let newestTheirs = newestSeq();

  function postJson(path, body) {
    return fetch(chatPath + path, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
      credentials: "same-origin",
    }).then((response) => (response.ok ? response.json() : Promise.reject(response.status)));
  }

  function report(page) {
    postJson("/context", {
      url: page?.url ?? "",
      title: page?.title ?? "",
      referrer: page ? page.referrer : document.referrer,
      language: navigator.language || "",
      timezone: Intl.DateTimeFormat().resolvedOptions().timeZone || "",
    }).catch(() => {});
  }

  // An agent's first word to a browsing visitor (data-proactive, also when caught up after a
  // reconnect) opens a closed widget, and reloads a page that showed the group picker or the
  // leave-a-message form instead of the composer into the conversation, once the widget is open
  // (its init then carries "open"). The loader hears us only once its init told us who framed
  // us: until then the answer waits.
  let agentWroteFirst = false;
  let reloadWhenOpen = false;
  function answerAgent() {
    agentWroteFirst = false;
    reloadWhenOpen = !document.getElementById("composer");
    if (embedded && root.hasAttribute("data-closed")) toParent({ type: "open" });
    else if (reloadWhenOpen) location.reload();
  }

  // A call's invitation (call.js) opens a closed widget too.
  document.addEventListener("kefu:open", () => embedded && root.hasAttribute("data-closed") && toParent({ type: "open" }));

  // The other side's new messages, once per arrival. In the widget they raise the loader's badge
  // while the panel is closed.
  document.addEventListener("htmx:ws:after:message:incoming", () => {
    let proactive = false;
    let arrived = 0;
    for (const message of document.querySelectorAll("#thread > .message.theirs[data-seq]")) {
      const seq = Number(message.dataset.seq) || 0;
      if (seq <= newestTheirs) continue;
      newestTheirs = seq;
      arrived += 1;
      proactive ||= message.hasAttribute("data-proactive");
      if (!embedded) continue;
      if (root.hasAttribute("data-closed")) unread += 1;
      toParent({ type: "message", body: message.querySelector(".bubble")?.textContent ?? "" });
    }
    if (proactive) {
      agentWroteFirst = true;
      if (!embedded || parentOrigin) answerAgent();
    }
    if (!embedded) return arrived && document.hidden && missedWhileHidden(arrived);
    toParent({ type: "unread", count: unread });
  });

  // ---- the chat page in a tab of its own ----

  const title = document.title;
  let missed = 0;
  let audio = null;

  function missedWhileHidden(count) {
    missed += count;
    document.title = `(${missed}) ${title}`;
    if (!audio) return;
    // Two soft rising notes.
    for (const [frequency, start] of [[880, 0], [1320, 0.14]]) {
      const tone = audio.createOscillator();
      const volume = audio.createGain();
      const at = audio.currentTime + start;
      tone.frequency.value = frequency;
      volume.gain.setValueAtTime(0.12, at);
      volume.gain.exponentialRampToValueAtTime(0.0001, at + 0.4);
      tone.connect(volume).connect(audio.destination);
      tone.start(at);
      tone.stop(at + 0.45);
    }
  }

  if (!embedded) {
    // Browsers start audio only after the person has used the page (typed, clicked).
    for (const type of ["pointerdown", "keydown"]) {
      addEventListener(type, () => {
        audio ||= window.AudioContext ? new AudioContext() : null;
        audio?.resume().catch(() => {});
      }, { capture: true });
    }
    document.addEventListener("visibilitychange", () => {
      if (document.hidden || !missed) return;
      missed = 0;
      document.title = title;
    });
    return report(null);
  }

  // ---- in the widget's frame ----

  function newestSeq() {
    let newest = 0;
    for (const message of document.querySelectorAll("#thread > .message.theirs[data-seq]")) {
      newest = Math.max(newest, Number(message.dataset.seq) || 0);
    }
    return newest;
  }

  function toParent(message) {
    // Only "ready", which carries nothing, goes out before we know who framed us.
    if (parentOrigin) parent.postMessage({ kefu: 1, ...message }, parentOrigin);
    else if (message.type === "ready") parent.postMessage({ kefu: 1, type: "ready" }, "*");
  }

  function text(value, max) {
    return value === undefined || value === null ? undefined : String(value).slice(0, max);
  }

  /** What the host page said about its visitor, as plain strings. */
  function claim(visitor) {
    if (!visitor || typeof visitor !== "object") return {};
    const attributes = {};
    if (visitor.attributes && typeof visitor.attributes === "object") {
      for (const [key, value] of Object.entries(visitor.attributes).slice(0, 50)) attributes[key] = text(value, 1000);
    }
    return {
      id: text(visitor.id, 200),
      userHash: text(visitor.userHash, 200),
      name: text(visitor.name, 200),
      avatar: text(visitor.avatar, 2000),
      email: text(visitor.email, 300),
      phone: text(visitor.phone, 100),
      attributes,
    };
  }

  function identify(visitor, product) {
    const body = { visitor: claim(visitor) };
    if (product && typeof product === "object") {
      body.product = {};
      for (const field of ["title", "image", "price", "url", "description"]) {
        if (product[field] !== undefined) body.product[field] = text(product[field], 2000);
      }
    }
    postJson("/identify", body)
      .then((answer) => {
        // What Kefu left out of the product (an http:// image, say), for the shop's developer.
        for (const warning of answer.warnings || []) console.warn("kefu:", warning);
        // This browser now stands for another visitor: show that visitor's conversation.
        if (answer.reload) location.reload();
      })
      .catch((status) => console.warn("kefu: the host page's visitor details were refused", status));
  }

  // A trigger's message: the loader's timer fired, and the server says whether to show it (its
  // rendering and who it is from, or nothing). Closed before the visitor answered, it is dismissed for today.
  let triggered = document.querySelector("#thread > [id^=message-trigger-]");
  function showTrigger(id, url) {
    postJson("/trigger", { id, url })
      .then(({ html, from }) => {
        document.querySelector(".chat-welcome")?.remove();
        document.getElementById("thread").insertAdjacentHTML("beforeend", html);
        triggered = document.getElementById("thread").lastElementChild;
        toParent({ type: "unread", count: (unread += 1) });
        toParent({ type: "trigger", ...from });
      })
      .catch(() => {});
  }

  function dismissTrigger() {
    if (!triggered?.isConnected || document.querySelector("#thread > .pending")) return;
    postJson("/trigger/dismiss", {}).catch(() => {});
    triggered.remove();
    triggered = null;
  }

  function setOpen(open) {
    // Closed, not merely told so at init.
    if (!open && !root.hasAttribute("data-closed")) dismissTrigger();
    if (open && reloadWhenOpen) return location.reload();
    if (open) {
      root.removeAttribute("data-closed");
      unread = 0;
      toParent({ type: "unread", count: 0 });
      // chat.js marks what is shown as read on focus.
      window.dispatchEvent(new Event("focus"));
      document.querySelector("textarea[name=body]")?.focus();
    } else root.setAttribute("data-closed", "");
  }

  root.setAttribute("data-closed", "");

  addEventListener("message", (event) => {
    if (event.source !== parent || !event.data || event.data.kefu !== 1) return;
    // Kefu's own pages (the demo shop) may always frame the chat.
    const permitted = allowed.length === 0 || event.origin === location.origin || allowed.includes(event.origin);
    if (parentOrigin ? event.origin !== parentOrigin : !permitted) return;
    const data = event.data;
    switch (data.type) {
      case "init":
        parentOrigin = event.origin;
        report(data.page);
        identify(data.visitor, data.product);
        setOpen(Boolean(data.open));
        toParent({ type: "unread", count: unread });
        if (agentWroteFirst) answerAgent();
        return;
      case "page":
        return report(data.page);
      case "user":
        return identify(data.visitor, null);
      case "open":
        return setOpen(true);
      case "close":
        return setOpen(false);
      case "trigger":
        return showTrigger(Number(data.id), String(data.url || "").slice(0, 4000));
      case "dismiss": // the × of its bubble on a phone
        return dismissTrigger();
    }
  });

  document.getElementById("close-widget")?.addEventListener("click", () => toParent({ type: "close" }));
  // Esc closes the widget (the loader puts focus back on its button), unless the page used it to
  // close something of its own first: a menu, the emoji picker.
  addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !event.defaultPrevented && !event.isComposing) toParent({ type: "close" });
  });

  toParent({ type: "ready" });
})();
