// The console's composer: canned replies after `/` (<template id="canned-replies">), and its keys:
// Alt+↑/↓ open the previous/next conversation, Esc closes what is open. Text from the server is
// only ever set as textContent. Inserting text is composer.js's (window.kefuComposer).
(() => {
  "use strict";

  const { messageBox, isMessageBox, insert, make } = window.kefuComposer;

  // ---- canned replies: `/` at the start of the message or after a space ----

  const canned = { replies: null, loading: null, box: null, list: null, shown: [], active: 0, start: 0 };
  const template = () => document.getElementById("canned-replies");

  function load() {
    if (!template() || canned.replies || canned.loading) return canned.loading;
    canned.loading = fetch(template().dataset.src, { headers: { accept: "application/json" } })
      .then((response) => (response.ok && /json/.test(response.headers.get("content-type")) ? response.json() : null))
      // Not kept when it failed (signed out, offline): the next `/` asks again.
      .then((data) => (canned.replies = Array.isArray(data?.replies) ? data.replies : null))
      .catch(() => {})
      .finally(() => (canned.loading = null));
    return canned.loading;
  }

  /** Shortcuts that start with the query, then those that contain it, then texts; own before shared in each. */
  function matching(query) {
    const found = [];
    canned.replies.forEach((reply, index) => {
      const shortcut = reply.shortcut.toLowerCase();
      const rank = shortcut.startsWith(query) ? 0 : shortcut.includes(query) ? 1 : reply.body.toLowerCase().includes(query) ? 2 : -1;
      if (rank >= 0) found.push({ reply, index, rank: rank * 2 + (reply.shared ? 1 : 0) });
    });
    return found.sort((a, b) => a.rank - b.rank || a.index - b.index).slice(0, 50).map((entry) => entry.reply);
  }

  // The server fills what it knows; what is left ({visitor_name} of an anonymous visitor) must be
  // filled in or removed before the message can go.
  const PLACEHOLDER = /\{(?:visitor_name|agent_name|shop_name)\}/;

  /** The reply as it will be inserted, with each placeholder still to fill marked. */
  function preview(body) {
    const text = make("span", "canned-text");
    for (const part of body.split(/(\{(?:visitor_name|agent_name|shop_name)\})/)) {
      if (part) text.append(PLACEHOLDER.test(part) ? make("mark", "unfilled", part) : document.createTextNode(part));
    }
    return text;
  }

  function closeList() {
    canned.list?.remove();
    canned.list = null;
    canned.box?.removeAttribute("aria-activedescendant");
  }

  function markActive() {
    canned.list.querySelectorAll("[role=option]").forEach((option, index) => {
      option.setAttribute("aria-selected", index === canned.active);
      if (index !== canned.active) return;
      canned.box.setAttribute("aria-activedescendant", option.id);
      option.scrollIntoView({ block: "nearest" });
    });
  }

  function showList(box, replies) {
    const texts = template().dataset;
    const list = make("div", "canned-list");
    const options = make("ul", "canned-options", undefined, { id: "canned-options", role: "listbox", "aria-label": texts.label });
    replies.forEach((reply, index) => {
      const option = make("li", "canned-option", undefined, { id: `canned-option-${index}`, role: "option" });
      const head = make("span", "canned-head");
      head.append(make("strong", "", `/${reply.shortcut}`));
      if (reply.shared) head.append(make("span", "badge", texts.shared));
      option.append(head, preview(reply.body));
      // On mousedown, so the message box keeps its focus and caret.
      option.onmousedown = (event) => {
        event.preventDefault();
        canned.active = index;
        choose();
      };
      options.append(option);
    });
    list.append(replies.length ? options : make("p", "canned-empty", canned.replies.length ? texts.none : texts.empty));
    const footer = make("p", "canned-footer");
    const manage = make("a", "", texts.manageLabel, { href: texts.manage });
    manage.onmousedown = (event) => event.preventDefault();
    footer.append(make("span", "", replies.length ? texts.hint : ""), manage);
    list.append(footer);
    closeList();
    Object.assign(canned, { box, list, shown: replies, active: 0 });
    box.setAttribute("aria-controls", options.id);
    box.form.append(list);
    markActive();
  }

  /** Opens, filters or closes the list after what was typed before the caret. */
  function update(box) {
    if (!template()) return;
    const before = box.value.slice(0, box.selectionStart);
    const slash = box.selectionStart === box.selectionEnd && /(?:^|\s)\/([^\s/]{0,40})$/.exec(before);
    if (!slash) return closeList();
    if (!canned.replies) return load()?.then(() => canned.replies && document.activeElement === box && update(box));
    canned.start = before.length - slash[1].length - 1;
    showList(box, matching(slash[1].toLowerCase()));
  }

  function choose() {
    const { box, start } = canned;
    const reply = canned.shown[canned.active];
    closeList();
    if (!reply || !insert(box, reply.body, start, box.selectionStart)) return;
    // A placeholder left unfilled (a visitor with no name) is selected, ready to be typed over.
    const unfilled = /\{[a-z_]+\}/.exec(reply.body);
    if (unfilled) box.setSelectionRange(start + unfilled.index, start + unfilled.index + unfilled[0].length);
  }

  // Capturing on window, before chat.js queues the message: a placeholder left in it stops the send,
  // says why under the composer, and is selected to be typed over.
  window.addEventListener(
    "htmx:ws:before:message:outgoing",
    (event) => {
      const box = messageBox(event.target);
      const unfilled = template() && box && PLACEHOLDER.exec(box.value);
      if (!unfilled) return;
      event.detail.cancelled = true;
      event.stopPropagation();
      const status = document.getElementById("composer-status");
      if (status) {
        status.className = "composer-status problem";
        status.dataset.unfilled = "";
        status.textContent = template().dataset.unfilled.replace("{placeholder}", unfilled[0]);
        status.hidden = false;
      }
      box.focus();
      box.setSelectionRange(unfilled.index, unfilled.index + unfilled[0].length);
    },
    true,
  );

  function clearUnfilledProblem(box) {
    const status = document.getElementById("composer-status");
    if (status && "unfilled" in status.dataset && !PLACEHOLDER.test(box.value)) {
      status.hidden = true;
      delete status.dataset.unfilled;
    }
  }

  document.addEventListener("input", (event) => {
    if (!isMessageBox(event.target)) return;
    update(event.target);
    clearUnfilledProblem(event.target);
  });
  // The caret moved to or away from a `/query` without typing.
  document.addEventListener("click", (event) => isMessageBox(event.target) && update(event.target));
  document.addEventListener("keyup", (event) => isMessageBox(event.target) && /^(Arrow(Left|Right)|Home|End)$/.test(event.key) && update(event.target));
  document.addEventListener("focusin", (event) => isMessageBox(event.target) && load());
  document.addEventListener("focusout", (event) => event.target === canned.box && closeList());
  // Replies edited in another tab are asked for again when this tab is looked at again.
  document.addEventListener("visibilitychange", () => document.hidden && (canned.replies = null));

  // ---- keys ----

  /** Alt+↑/↓: the conversation before or after the open one, mine first, then the waiting ones. */
  function openNeighbour(step) {
    const links = [...document.querySelectorAll("#my-conversations > li > a, #waiting-conversations > li > a")];
    const current = links.findIndex((link) => link.parentElement.hasAttribute("aria-current"));
    const next = links[current === -1 ? (step > 0 ? 0 : links.length - 1) : current + step];
    next?.click();
    return Boolean(next);
  }

  /** Esc closes the innermost open thing: the list, else popovers and dialogs (the picker is emoji.js's). */
  function closeSomething(target) {
    if (canned.list) {
      closeList();
      return true;
    }
    const open = [...document.querySelectorAll("details.popover-form[open], dialog[open]")];
    for (const panel of open) {
      if (panel.tagName === "DIALOG") panel.close();
      else {
        panel.open = false;
        if (panel.contains(target)) panel.querySelector("summary").focus();
      }
    }
    return open.length > 0;
  }

  // On window, capturing: before chat.js's Enter-sends listener on document, so Enter and Tab
  // choose a canned reply, and stop there, while the list is open.
  window.addEventListener(
    "keydown",
    (event) => {
      if (event.isComposing || event.keyCode === 229) return;
      const { key } = event;
      const modified = event.altKey || event.ctrlKey || event.metaKey;
      if (canned.list && event.target === canned.box && !modified) {
        const count = canned.shown.length;
        if (key === "ArrowDown" || key === "ArrowUp") {
          canned.active = (canned.active + (key === "ArrowDown" ? 1 : count - 1)) % (count || 1);
          markActive();
        } else if ((key === "Enter" || key === "Tab") && !event.shiftKey) {
          // With nothing to choose, Enter only closes the list; the next one sends.
          count ? choose() : closeList();
        } else if (key === "Escape") closeList();
        else return;
        event.preventDefault();
        event.stopImmediatePropagation();
      } else if (key === "Escape") {
        if (closeSomething(event.target)) event.preventDefault();
      } else if (
        (key === "ArrowDown" || key === "ArrowUp") &&
        event.altKey && !event.ctrlKey && !event.metaKey && !event.shiftKey &&
        // Alt+↓ opens a <select>'s options: keep that.
        !(event.target instanceof HTMLSelectElement) &&
        openNeighbour(key === "ArrowDown" ? 1 : -1)
      ) {
        event.preventDefault();
        event.stopImmediatePropagation();
      }
    },
    true,
  );
})();
