// The chat page's side of the widget. In the widget's iframe it talks to the loader on the host
// page by postMessage only: it answers only the page that framed it, and only when that page's
// origin is among the shop's allowed sites (none listed: any). It reports the visitor's page,
// identity and product to Kefu, and unread replies to the loader while the panel is closed.
// On the chat page opened directly, it only reports the browser's language and time zone.
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

  // The other side's new messages, once per arrival. In the widget they raise the loader's badge
  // while the panel is closed. An agent's first word to a browsing visitor (data-proactive, also
  // when caught up after a reconnect) opens a closed widget, and reloads a page that showed the
  // group picker or the leave-a-message form instead of the composer into the conversation.
  document.addEventListener("htmx:ws:after:message:incoming", () => {
    let proactive = false;
    for (const message of document.querySelectorAll("#thread > .message.theirs[data-seq]")) {
      const seq = Number(message.dataset.seq) || 0;
      if (seq <= newestTheirs) continue;
      newestTheirs = seq;
      proactive ||= message.hasAttribute("data-proactive");
      if (!embedded) continue;
      if (root.hasAttribute("data-closed")) unread += 1;
      toParent({ type: "message", body: message.querySelector(".bubble")?.textContent ?? "" });
    }
    if (proactive && !document.getElementById("composer")) {
      // The loader opens first: the reloaded page starts closed, and its init carries "open".
      if (embedded && root.hasAttribute("data-closed")) toParent({ type: "open" });
      return location.reload();
    }
    if (!embedded) return;
    if (proactive && root.hasAttribute("data-closed")) toParent({ type: "open" });
    toParent({ type: "unread", count: unread });
  });

  if (!embedded) return report(null);

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
        // This browser now stands for another visitor: show that visitor's conversation.
        if (answer.reload) location.reload();
      })
      .catch((status) => console.warn("kefu: the host page's visitor details were refused", status));
  }

  function setOpen(open) {
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
        return toParent({ type: "unread", count: unread });
      case "page":
        return report(data.page);
      case "user":
        return identify(data.visitor, null);
      case "open":
        return setOpen(true);
      case "close":
        return setOpen(false);
    }
  });

  document.getElementById("close-widget")?.addEventListener("click", () => toParent({ type: "close" }));

  toParent({ type: "ready" });
})();
