// The emoji picker, on the chat page and in the console: loaded on the first click of its button
// (composer.js), built from the button's group names, inserted where the caret was.
(() => {
  "use strict";

  const { messageBox, insert, make } = window.kefuComposer;

  // Common ones, without skin tones or joined sequences (older systems draw those as several).
  const EMOJI = {
    smileys: "😀 😃 😄 😁 😆 😅 🤣 😂 🙂 🙃 😉 😊 😇 🥰 😍 🤩 😘 😗 😚 😋 😛 😜 🤪 😝 🤑 🤗 🤭 🤫 🤔 🤐 🤨 😐 😑 😶 😏 😒 🙄 😬 😌 😔 😪 🤤 😴 😷 🤒 🤕 🤢 🥵 🥶 😵 🤯 🤠 🥳 😎 🤓 🧐 😕 😟 🙁 😮 😲 😳 🥺 😨 😰 😥 😢 😭 😱 😖 😣 😞 😓 😩 😫 🥱 😤 😡 😠 😈 💩 🤡 👻 🤖 😺 😹 😻",
    gestures: "👋 🤚 ✋ 🖖 👌 🤏 ✌️ 🤞 🤟 🤘 🤙 👈 👉 👆 👇 ☝️ 👍 👎 ✊ 👊 👏 🙌 👐 🤲 🤝 🙏 ✍️ 💪 👀 👂 🧠 👶 👦 👧 👨 👩 👴 👵 🙋 🙆 🙅 🤷 🤦 💁 🙇 💃 🕺",
    hearts: "❤️ 🧡 💛 💚 💙 💜 🖤 🤍 🤎 💔 ❣️ 💕 💞 💓 💗 💖 💘 💝 💟 💋 💌 💐 🌹 🌷 🌸 💍 💎",
    animals: "🐶 🐱 🐭 🐹 🐰 🦊 🐻 🐼 🐨 🐯 🦁 🐮 🐷 🐸 🐵 🙈 🙉 🙊 🐔 🐧 🐦 🐤 🦆 🦉 🐴 🦄 🐝 🦋 🐞 🐢 🐍 🐙 🦀 🐠 🐬 🐳 🐘 🌵 🌲 🌴 🌱 🍀 🍁 🌻 🌼 🌞 🌛 ⭐ 🌟 ✨ ⚡ 🔥 🌈 ☀️ ⛅ ☁️ 🌧️ ❄️ 💧 🌊",
    food: "🍏 🍎 🍐 🍊 🍋 🍌 🍉 🍇 🍓 🍒 🍑 🥭 🍍 🥥 🥝 🍅 🥑 🥦 🥕 🌽 🌶️ 🍞 🥐 🧀 🥚 🍳 🍗 🍔 🍟 🍕 🌮 🥗 🍝 🍜 🍲 🍛 🍣 🍱 🥟 🍤 🍙 🍚 🥮 🍡 🍦 🍰 🎂 🍭 🍬 🍫 🍿 🍩 🍪 🥛 ☕ 🍵 🥤 🍺 🍻 🥂 🍷",
    activities: "⚽ 🏀 🏈 ⚾ 🎾 🏐 🏓 🏸 ⛳ 🎣 🥊 ⛸️ 🎿 🏂 🏋️ 🚴 🏊 🏆 🥇 🥈 🥉 🏅 🎫 🎭 🎨 🎬 🎤 🎧 🎹 🥁 🎸 🎻 🎲 🎯 🎮 🧩 🎉 🎊 🎈 🎁 🎃 🎆 🧧 🏮",
    travel: "🚗 🚕 🚙 🚌 🚓 🚑 🚒 🚚 🚜 🛵 🚲 🛴 🚨 🚄 🚇 ✈️ 🛫 🛬 🚀 🚁 ⛵ 🚢 ⚓ ⛽ 🚦 🗺️ 🗽 🗼 🏰 🎡 🎢 ⛲ 🏖️ 🏝️ 🗻 🏠 🏢 🏥 🏦 🏨 🏪 🏫 🌃 🌉",
    objects: "⌚ 📱 💻 ⌨️ 🖥️ 🖨️ 💾 📷 📹 📞 ☎️ 📺 ⏰ ⏳ 🔋 🔌 💡 🔦 💸 💵 💴 💰 💳 🧾 💼 📦 📫 ✉️ 📧 📝 📄 📊 📈 📉 📅 📌 📍 📎 ✏️ 🔍 🔒 🔓 🔑 🔨 🔧 ⚙️ 🛒 🛍️ 🏷️ 🔖 📚 📖 🧸",
    symbols: "✅ ☑️ ✔️ ❌ ❎ ➕ ➖ ✖️ ❓ ❗ ‼️ ⁉️ 💯 🔴 🟠 🟡 🟢 🔵 🟣 ⚫ ⚪ 🔶 🔷 🔺 🔻 ⭕ 🛑 ⛔ 🚫 ⚠️ ♻️ ✳️ 🆗 🆕 🆒 🆓 🆘 🔝 🔜 ↩️ ⬆️ ⬇️ ⬅️ ➡️ 🔄 ℹ️ 🔔 🔕 📢 💬 💭 💤",
  };

  const openPicker = () => document.querySelector(".emoji-picker:not([hidden])");
  const toggleOf = (picker) => document.querySelector(`[aria-controls="${picker.id}"]`);

  /** Built on first open; the page itself carries only the button (with the group names). */
  function picker(toggle) {
    const existing = document.getElementById(toggle.getAttribute("aria-controls"));
    if (existing) return existing;
    let names = {};
    try {
      names = JSON.parse(toggle.dataset.groups);
    } catch {}
    const id = `emoji-${Math.random().toString(36).slice(2)}`;
    const panel = make("div", "emoji-picker", undefined, { id, role: "dialog", "aria-label": toggle.getAttribute("aria-label") });
    const tabs = make("div", "emoji-tabs");
    const scroll = make("div", "emoji-scroll");
    for (const [group, list] of Object.entries(EMOJI)) {
      const label = names[group] || group;
      const section = make("section", "", undefined, { role: "group", "aria-label": label });
      const grid = make("div", "emoji-grid");
      for (const emoji of list.split(" ")) grid.append(make("button", "emoji", emoji, { type: "button", tabindex: "-1" }));
      section.append(make("h3", "", label), grid);
      scroll.append(section);
      const tab = make("button", "emoji-tab", grid.firstChild.textContent, { type: "button", title: label, "aria-label": label });
      tab.onclick = () => {
        scroll.scrollTop = section.offsetTop - scroll.offsetTop;
        grid.firstChild.focus();
      };
      tabs.append(tab);
    }
    panel.append(tabs, scroll);
    panel.querySelector(".emoji").tabIndex = 0;
    panel.hidden = true;
    toggle.setAttribute("aria-controls", id);
    toggle.after(panel);
    return panel;
  }

  /** Closes it; `refocus` puts the caret back in the message box, where it was. */
  function closePicker(panel, refocus) {
    panel.hidden = true;
    toggleOf(panel)?.setAttribute("aria-expanded", "false");
    if (refocus) messageBox(panel.closest("form"))?.focus();
  }

  /** Arrows, Home and End move among the emoji (one tab stop for all of them). */
  function moveInPicker(event) {
    const current = event.target;
    const all = [...current.closest(".emoji-picker").querySelectorAll(".emoji")];
    const row = [...current.parentElement.children].filter((button) => button.offsetTop === current.parentElement.firstChild.offsetTop).length;
    const steps = { ArrowRight: 1, ArrowLeft: -1, ArrowDown: row, ArrowUp: -row, Home: -all.length, End: all.length };
    if (!(event.key in steps) || !current.classList.contains("emoji")) return;
    event.preventDefault();
    const next = all[Math.max(0, Math.min(all.length - 1, all.indexOf(current) + steps[event.key]))];
    current.tabIndex = -1;
    next.tabIndex = 0;
    next.focus();
  }

  document.addEventListener("click", (event) => {
    const toggle = event.target.closest(".emoji-toggle");
    if (toggle) {
      const panel = picker(toggle);
      if (!panel.hidden) return closePicker(panel, true);
      panel.hidden = false;
      toggle.setAttribute("aria-expanded", "true");
      panel.querySelector(".emoji[tabindex='0']").focus();
      return;
    }
    const emoji = event.target.closest(".emoji-picker .emoji");
    const box = emoji && messageBox(emoji.closest("form"));
    if (!box) return;
    closePicker(emoji.closest(".emoji-picker"), false);
    // A textarea keeps its selection while unfocused: the emoji goes where the caret was.
    insert(box, emoji.textContent, box.selectionStart, box.selectionEnd);
  });

  // A click elsewhere closes the picker without taking the focus from what was clicked.
  document.addEventListener("pointerdown", (event) => {
    const panel = openPicker();
    if (panel && !panel.contains(event.target) && !event.target.closest(".emoji-toggle")) closePicker(panel, false);
  });

  // Esc closes the picker (before anything else Esc closes); arrows move among its emoji. On
  // window, capturing: before chat.js's keys on document.
  window.addEventListener(
    "keydown",
    (event) => {
      const panel = openPicker();
      if (!panel) return;
      if (event.key === "Escape") {
        closePicker(panel, true);
        event.preventDefault();
        event.stopImmediatePropagation();
      } else if (panel.contains(event.target)) moveInPicker(event);
    },
    true,
  );
})();
