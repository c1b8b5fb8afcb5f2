// The composer's shared parts, on the chat page and in the console: inserting text where the caret
// was (the emoji picker, the console's canned replies), and code loaded on first use. A control
// with `data-loads="<script url>"` loads that script on its first click, then is clicked again:
// the script (the emoji picker) has registered its own handlers by then, and the visitor's first
// load carries only the button.
(() => {
  "use strict";

  const messageBox = (root) => root?.querySelector("textarea[name=body]");
  const isMessageBox = (node) => node instanceof HTMLTextAreaElement && node.name === "body";

  /** Replaces start..end with `text`, caret after it, and fires `input` (typing, the list). */
  function insert(box, text, start, end) {
    if (box.maxLength > 0 && box.value.length - (end - start) + text.length > box.maxLength) return false;
    box.focus();
    box.setRangeText(text, start, end, "end");
    box.dispatchEvent(new Event("input", { bubbles: true }));
    return true;
  }

  function make(tag, className, text, attributes = {}) {
    const node = document.createElement(tag);
    node.className = className;
    if (text !== undefined) node.textContent = text;
    for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
    return node;
  }

  const loading = new Map();

  /** Adds a same-origin script once; resolves when it has run. */
  function load(src) {
    if (!loading.has(src)) {
      loading.set(
        src,
        new Promise((resolve, reject) => {
          const script = document.createElement("script");
          script.src = src;
          script.onload = resolve;
          // Not kept when it failed (offline): the next click tries again.
          script.onerror = () => reject(loading.delete(src));
          document.body.append(script);
        }),
      );
    }
    return loading.get(src);
  }

  const loaded = new Set();

  // Capturing, before the script's own handlers could see a click it is not there to answer.
  document.addEventListener(
    "click",
    (event) => {
      const control = event.target.closest?.("[data-loads]");
      const src = control?.dataset.loads;
      if (!src || loaded.has(src)) return;
      event.preventDefault();
      event.stopPropagation();
      load(src).then(() => {
        loaded.add(src);
        control.click();
      }, () => {});
    },
    true,
  );

  window.kefuComposer = { messageBox, isMessageBox, insert, make, load };
})();
