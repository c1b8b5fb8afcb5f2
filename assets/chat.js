// Kefu's chat glue, shared by the visitor's chat page and the agent console. htmx and its hx-ws
// extension do the transport and swap the server's HTML fragments; this script adds what is
// specific to a chat: client message ids with pending bubbles, catch-up on (re)connect, "seen"
// and "typing" (with the visitor's draft when the shop's typing preview is on), scrolling and
// the send key. The agent's alerts and the unread count in the title are console.js's. No build step.
(() => {
  "use strict";

  const PENDING_SEQ = "9007199254740991"; // sorts after every real message id
  // Sends are idempotent by client id: one not confirmed by then goes again on the open socket.
  const CONFIRM_TIMEOUT_MS = 10000;
  // A reload or a blip shorter than this shows nothing; a real drop shows within about a second.
  const LOST_SHOWN_AFTER_MS = 400;
  const BACK_SHOWN_MS = 2500;
  const TYPING_SHOWN_MS = 4000;
  const TYPING_SENT_EVERY_MS = 2000;

  // hx-ws retries a dropped socket with a delay that doubles; past a few seconds a visitor who is
  // back online would wait for nothing. The jitter (30 %) still spreads a whole shop's reconnects.
  htmx.config.ws = { ...htmx.config.ws, reconnectMaxDelay: 5000 };

  let socket = null;
  let lastReadSent = 0;
  let lastTypingSent = 0;
  let typingTimer = 0;
  let wasAtBottom = true;
  let newestBefore = null;
  let typingFrame = false;
  let draftTimer = 0;

  // Calls: call.js comes with the first call (an agent's click, a visitor's invitation), never before.
  const callScript = document.currentScript?.src.replace("/chat.js", "/call.js");
  let callCode = null;
  function withCall(use) {
    // Loaded by composer.js's load, there by the time anyone calls; not kept when it failed.
    callCode ??= window.kefuComposer.load(callScript).then(
      () => (window.KefuCall.use(send), window.KefuCall),
      () => (callCode = null),
    );
    callCode.then((call) => call && use(call));
  }
  document.addEventListener("click", (event) => {
    const button = event.target.closest?.("[data-call]");
    if (button) withCall((call) => call.start(button));
  });

  const byId = (id) => document.getElementById(id);
  const texts = () => byId("chat-texts")?.dataset ?? {};
  const scroller = () => byId("thread-scroll");

  function send(frame) {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(frame));
  }

  /** The newest message id this page holds: what it asks the server to continue from. */
  function lastSeq() {
    let max = 0;
    for (const element of document.querySelectorAll("#thread > .message[data-seq]")) {
      const seq = Number(element.dataset.seq);
      if (Number.isSafeInteger(seq) && seq < Number(PENDING_SEQ) && seq > max) max = seq;
    }
    return max;
  }

  // ---- times, days and runs of messages, in the reader's zone and the page's language ----

  const GROUPED_WITHIN_MS = 5 * 60 * 1000;
  const lang = () => document.documentElement.lang || undefined;
  const clockOf = (at) => at.toLocaleTimeString(lang(), { hour: "numeric", minute: "2-digit" });

  /** In the thread the time of day (a day heading says which day); elsewhere the date too, before today. */
  function localTimes(root) {
    const today = new Date().toDateString();
    for (const time of root.querySelectorAll("time[datetime]:not([data-local])")) {
      const at = new Date(time.dateTime);
      const dated = at.toDateString() !== today && !time.closest("#thread");
      time.textContent = dated ? `${at.toLocaleDateString(lang(), { month: "short", day: "numeric" })} ${clockOf(at)}` : clockOf(at);
      time.dataset.local = "";
    }
  }

  /** "Today", "Yesterday" (今天, 昨天), else the date. */
  function dayLabel(at) {
    const midnight = (date) => new Date(date.getFullYear(), date.getMonth(), date.getDate()).getTime();
    const daysAgo = Math.round((midnight(new Date()) - midnight(at)) / 86400000);
    if (daysAgo === 0 || daysAgo === 1) {
      const word = new Intl.RelativeTimeFormat(lang(), { numeric: "auto" }).format(-daysAgo, "day");
      return word.charAt(0).toLocaleUpperCase(lang()) + word.slice(1);
    }
    const year = at.getFullYear() !== new Date().getFullYear() ? { year: "numeric" } : {};
    return at.toLocaleDateString(lang(), { weekday: "short", month: "long", day: "numeric", ...year });
  }

  function daySeparator(label) {
    const separator = document.createElement("div");
    separator.className = "day-separator";
    separator.setAttribute("role", "separator");
    const text = document.createElement("span");
    text.textContent = label;
    separator.append(text);
    return separator;
  }

  /**
   * Heads each day of the thread with its name, and marks a message that follows one from the
   * same author within a few minutes as "grouped" (no repeated name, closer together). Headings
   * carry no data-seq, so hx-upsert orders messages around them; they are placed again after
   * every change, from the messages' own times.
   */
  function decorateThread() {
    const thread = byId("thread");
    if (!thread) return;
    localTimes(thread);
    let day = null;
    let previous = null;
    for (const node of [...thread.children]) {
      if (node.classList.contains("day-separator")) continue;
      const time = node.querySelector("time[datetime]");
      const at = time ? new Date(time.dateTime) : new Date(); // a pending bubble: now
      const heading = node.previousElementSibling?.classList.contains("day-separator") ? node.previousElementSibling : null;
      const startsDay = at.toDateString() !== day;
      if (startsDay) {
        const label = dayLabel(at);
        if (!heading) node.before(daySeparator(label));
        else if (heading.textContent !== label) heading.firstChild.textContent = label;
        day = at.toDateString();
      } else heading?.remove();
      const author = node.classList.contains("event") ? null : `${node.classList.contains("mine")}|${node.querySelector(".author")?.textContent ?? ""}`;
      node.classList.toggle("grouped", !startsDay && author !== null && previous?.author === author && at - previous.at < GROUPED_WITHIN_MS);
      previous = { author, at };
    }
    for (const heading of thread.querySelectorAll(":scope > .day-separator")) {
      if (!heading.nextElementSibling || heading.nextElementSibling.classList.contains("day-separator")) heading.remove();
    }
  }

  function atBottom() {
    const box = scroller();
    return !box || box.scrollHeight - box.scrollTop - box.clientHeight < 48;
  }

  function scrollToBottom() {
    const box = scroller();
    if (box) box.scrollTop = box.scrollHeight;
    const pill = byId("new-messages");
    if (pill) pill.hidden = true;
  }

  /** Tells the server which of the other side's messages this page has shown, while it is seen. */
  function markRead() {
    // Not while hidden: a background tab, or the widget's panel closed (data-closed, embed.js).
    if (document.visibilityState !== "visible" || document.documentElement.hasAttribute("data-closed")) return;
    let newest = 0;
    for (const element of document.querySelectorAll("#thread > .message.theirs[data-seq]")) {
      newest = Math.max(newest, Number(element.dataset.seq));
    }
    if (newest > lastReadSent) {
      lastReadSent = newest;
      send({ type: "read", upTo: newest });
    }
  }

  function markSeen(upTo) {
    for (const element of document.querySelectorAll("#thread > .message.mine[data-seq]")) {
      if (Number(element.dataset.seq) <= upTo) element.classList.add("seen");
    }
  }

  /** Shows "typing…", with the draft (agents, typing preview on) as text, never as HTML. */
  function showTyping(draft) {
    const typing = byId("typing");
    if (!typing) return;
    const shown = typing.querySelector(".typing-draft");
    if (shown) {
      shown.textContent = typeof draft === "string" ? draft : "";
      shown.hidden = !shown.textContent;
    }
    typing.hidden = false;
    clearTimeout(typingTimer);
    typingTimer = setTimeout(() => (typing.hidden = true), TYPING_SHOWN_MS);
  }

  /** Newest activity first, as the server orders the lists on a page load. */
  function sortLists() {
    for (const list of document.querySelectorAll(".conversation-list")) {
      const items = [...list.children];
      const sorted = [...items].sort((a, b) => Number(b.dataset.last) - Number(a.dataset.last));
      if (sorted.some((item, index) => item !== items[index])) list.append(...sorted);
    }
  }

  // ---- pending messages: the outbox ----

  // A message not yet confirmed is a pending bubble carrying its frame. It goes out when the socket
  // is open, again on every reconnect until the server's rendering replaces it (by its client id),
  // and is marked "Not sent" only when the server refuses it.

  function pendingBubble(frame, body) {
    const message = document.createElement("div");
    message.className = "message mine pending";
    message.id = `message-${frame.clientId}`;
    message.dataset.seq = PENDING_SEQ;
    message.dataset.frame = JSON.stringify(frame);
    const bubble = document.createElement("div");
    bubble.className = "bubble";
    bubble.textContent = body; // never parsed as HTML
    const meta = document.createElement("div");
    meta.className = "meta";
    meta.textContent = byId("connection-state")?.dataset.sending ?? "";
    message.append(bubble, meta);
    return message;
  }

  function transmit(message) {
    if (!message.isConnected || !message.classList.contains("pending") || message.classList.contains("failed")) return;
    send(JSON.parse(message.dataset.frame));
    clearTimeout(message.confirmTimer);
    message.confirmTimer = setTimeout(() => transmit(message), CONFIRM_TIMEOUT_MS);
  }

  /** Queues a message: a pending bubble at the end of the thread, sent now or on reconnect. */
  function post(frame, body) {
    const message = pendingBubble(frame, body);
    byId("thread")?.append(message);
    transmit(message);
    scrollToBottom();
  }

  function failPending(clientId, reason) {
    const message = byId(`message-${clientId}`);
    if (!message || !message.classList.contains("pending")) return;
    clearTimeout(message.confirmTimer);
    message.classList.add("failed");
    const meta = message.querySelector(".meta");
    meta.textContent = `${reason || texts().failed || "Not sent."} `;
    const retry = document.createElement("button");
    retry.type = "button";
    retry.className = "link retry";
    retry.textContent = texts().retry || "Retry";
    retry.addEventListener("click", () => {
      message.classList.remove("failed");
      meta.textContent = byId("connection-state")?.dataset.sending ?? "";
      transmit(message);
    });
    meta.append(retry);
  }

  // ---- the connection's state ----

  let lostTimer = 0;
  let backTimer = 0;

  /** "lost": the socket dropped (presence greys out); "back": it returned after a drop. */
  function showConnection(state) {
    const notice = byId("connection-state");
    clearTimeout(lostTimer);
    clearTimeout(backTimer);
    if (state === "lost") {
      if (document.documentElement.dataset.connection === "lost") return;
      lostTimer = setTimeout(() => {
        document.documentElement.dataset.connection = "lost";
        if (!notice) return;
        notice.textContent = notice.dataset.lost;
        notice.className = "connection-state lost";
        notice.hidden = false;
      }, LOST_SHOWN_AFTER_MS);
      return;
    }
    const wasLost = document.documentElement.dataset.connection === "lost";
    delete document.documentElement.dataset.connection;
    if (!notice || !wasLost) return;
    notice.textContent = notice.dataset.back;
    notice.className = "connection-state back";
    backTimer = setTimeout(() => (notice.hidden = true), BACK_SHOWN_MS);
  }

  // ---- hx-ws events ----

  document.addEventListener("htmx:ws:after:connection", (event) => {
    socket = event.detail.connection.socket;
    lastReadSent = 0;
    // Catch up first: what the server already stored comes back and replaces its pending bubble.
    send({ type: "resume", after: lastSeq() });
    for (const message of document.querySelectorAll("#thread > .message.pending[data-frame]")) transmit(message);
    showConnection("back");
    markRead();
  });

  let leaving = false;
  window.addEventListener("beforeunload", () => (leaving = true));

  document.addEventListener("htmx:ws:close", (event) => {
    // Refused as blocked (socketCloseCodes.blocked): the reloaded page says only that chat is unavailable.
    // The visitor's record was deleted (socketCloseCodes.gone): the reloaded page starts afresh.
    if (event.detail.code === 4403 || event.detail.code === 4410) return location.reload();
    // The console's session ended (signed out elsewhere, disabled, a new password): the reloaded
    // page is the sign-in page. Not when this page is already on its way out (its own Sign out).
    if (event.detail.code === 4401 && document.querySelector(".console")) return leaving || location.reload();
    showConnection("lost");
  });
  // The browser knows first when the network goes; the socket may take a while to notice.
  window.addEventListener("offline", () => showConnection("lost"));
  window.addEventListener("online", () => socket?.readyState === WebSocket.OPEN && showConnection("back"));

  document.addEventListener("htmx:ws:before:message:outgoing", (event) => {
    const { message } = event.detail;
    if (message.values.type === "faq") {
      // A picked FAQ question: sent like a typed message, with its own id and pending bubble.
      event.detail.cancelled = true;
      post({ type: "faq", id: message.values.id, clientId: crypto.randomUUID() }, event.target.textContent.trim());
      return;
    }
    if (event.target.id !== "composer") {
      // Another control (e.g. "End chat" with hx-vals): send its values as the frame, as is.
      message.data = JSON.stringify(message.values);
      return;
    }
    // Messages go through the outbox above, not hx-ws's queue: they must survive a lost socket.
    event.detail.cancelled = true;
    const body = String(message.values.body ?? "");
    if (!body.trim()) return;
    // Sent: a draft still waiting to go out would show agents a message already in the thread.
    clearTimeout(draftTimer);
    post({ type: "send", clientId: crypto.randomUUID(), body }, body);
    const input = event.target.querySelector?.("textarea[name=body]");
    if (input) input.value = "";
  });

  document.addEventListener("htmx:ws:before:message:incoming", (event) => {
    wasAtBottom = atBottom();
    newestBefore = byId("thread")?.lastElementChild ?? null;
    typingFrame = false;
    const data = event.detail.message.data;
    if (typeof data !== "string" || data[0] !== "{") return;
    let frame;
    try {
      frame = JSON.parse(data);
    } catch {
      return;
    }
    switch (frame.type) {
      case "typing":
        typingFrame = true;
        return showTyping(frame.draft);
      case "seen":
        return markSeen(frame.upTo);
      case "remove":
        return byId(frame.id)?.remove();
      case "reload":
        return location.reload();
      case "conversation": {
        const open = document.querySelector(".conversation[data-conversation]");
        if (open && open.dataset.conversation === String(frame.id)) {
          htmx.ajax("GET", `/console/conversations/${frame.id}/actions`, { target: "#conversation-actions", swap: "outerHTML" });
          // Taken or handed over: reading may count now where it did not before.
          lastReadSent = 0;
          markRead();
        }
        return;
      }
      case "call":
        return withCall((call) => call.signal(frame));
      case "error":
        if (frame.call) withCall((call) => call.refused(frame.message));
        else if (frame.clientId) failPending(frame.clientId, frame.message);
        else console.warn("kefu:", frame.message);
        return;
    }
  });

  document.addEventListener("htmx:ws:after:message:incoming", () => {
    localTimes(document);
    sortLists();
    const newest = byId("thread")?.lastElementChild ?? null;
    if (newest !== newestBefore) {
      // Their message arrived: they are no longer typing it.
      const typing = byId("typing");
      if (typing && !typingFrame && newest?.classList.contains("theirs")) typing.hidden = true;
      // Something new at the end of the thread: follow it, unless the reader scrolled up.
      if (wasAtBottom) scrollToBottom();
      else {
        const pill = byId("new-messages");
        if (pill) pill.hidden = false;
      }
    }
    markRead();
  });

  // ---- "earlier messages": keep the reader's place while older messages load above ----

  let distanceFromBottom = null;
  document.addEventListener("htmx:before:request", (event) => {
    if (event.target.closest?.("#earlier") && scroller()) {
      distanceFromBottom = scroller().scrollHeight - scroller().scrollTop;
    }
  });
  document.addEventListener("htmx:after:swap", () => {
    localTimes(document);
    if (distanceFromBottom !== null && scroller()) {
      scroller().scrollTop = scroller().scrollHeight - distanceFromBottom;
      distanceFromBottom = null;
    }
  });

  // ---- composer ----

  // The agent's preference (data-send-key on the console); visitors always send with Enter.
  const sendsWithCtrlEnter = () => document.querySelector("[data-send-key]")?.dataset.sendKey === "ctrl-enter";

  document.addEventListener("keydown", (event) => {
    const input = event.target;
    if (!(input instanceof HTMLTextAreaElement) || input.name !== "body") return;
    // Shift+Enter is always a new line; Enter that confirms an IME composition (keyCode 229 in
    // some browsers) never sends. With Ctrl+Enter chosen, a plain Enter is a new line.
    if (event.key !== "Enter" || event.shiftKey || event.isComposing || event.keyCode === 229 || event.defaultPrevented) return;
    const withModifier = event.ctrlKey || event.metaKey;
    if (sendsWithCtrlEnter() && !withModifier) return;
    event.preventDefault();
    input.form?.requestSubmit();
  });

  // With the typing preview on, the page says so (#typing-preview-notice) and only then sends
  // the draft: its end, up to the server's limit. Throttled like "typing", with one last send
  // after a burst so that agents see where the visitor stopped.
  const DRAFT_MAX_CHARS = 500;
  const draftOf = (input) => Array.from(input.value).slice(-DRAFT_MAX_CHARS).join("");

  function sendTyping(input) {
    const preview = byId("typing-preview-notice") !== null;
    const frame = () => (preview ? { type: "typing", draft: draftOf(input) } : { type: "typing" });
    clearTimeout(draftTimer);
    const wait = TYPING_SENT_EVERY_MS - (Date.now() - lastTypingSent);
    if (wait < 0) {
      lastTypingSent = Date.now();
      send(frame());
    } else if (preview) {
      draftTimer = setTimeout(() => {
        lastTypingSent = Date.now();
        send(frame());
      }, wait + 1);
    }
  }

  document.addEventListener("input", (event) => {
    if (!(event.target instanceof HTMLTextAreaElement) || event.target.name !== "body") return;
    sendTyping(event.target);
  });

  document.addEventListener("visibilitychange", markRead);
  window.addEventListener("focus", markRead);

  document.addEventListener("DOMContentLoaded", () => {
    localTimes(document);
    const thread = byId("thread");
    if (thread) {
      // Every way a message arrives (a push, a catch-up, an upload's answer, earlier pages) changes
      // the thread's children; the headings and groups follow. Our own changes are dropped.
      const observer = new MutationObserver(() => {
        decorateThread();
        observer.takeRecords();
      });
      observer.observe(thread, { childList: true });
      decorateThread();
    }
    scrollToBottom();
    scroller()?.addEventListener("scroll", () => {
      if (atBottom()) {
        const pill = byId("new-messages");
        if (pill) pill.hidden = true;
      }
    });
    byId("new-messages")?.addEventListener("click", scrollToBottom);
  });
})();
