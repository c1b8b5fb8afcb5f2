// Sending files and voice messages, on the visitor's chat page and in the agent console: the
// attach button, paste and drag and drop; a pending bubble with progress and Cancel while a file
// uploads (XMLHttpRequest, for its upload progress and abort); refusals (too large, a kind not
// accepted) shown on that bubble; voice recording with MediaRecorder; images opening large in a
// <dialog>. The server decides what a file is and renders the confirmed message; the realtime
// push brings the same message to every other open page.
(() => {
  "use strict";

  const PENDING_SEQ = "9007199254740991"; // as chat.js: sorts after every real message id

  const byId = (id) => document.getElementById(id);
  const texts = () => byId("attachment-texts")?.dataset ?? null;
  const fill = (text, values) => text.replace(/\{(\w+)\}/g, (whole, key) => (key in values ? String(values[key]) : whole));

  /** Where this page uploads: its conversation in the console, or the visitor's chat path. */
  function uploadUrl() {
    const conversation = document.querySelector(".conversation[data-conversation]")?.dataset.conversation;
    if (conversation) return `/console/conversations/${conversation}/attachments`;
    const chatPath = document.querySelector("[data-chat-path]")?.dataset.chatPath;
    // The chat page's own query (group, agent, language, how the visitor came) routes a first message.
    return chatPath ? `${chatPath}/attachments${location.search}` : null;
  }

  function humanSize(bytes) {
    if (bytes < 1024) return `${bytes} B`;
    if (bytes < 1024 * 1024) return `${Math.max(1, Math.round(bytes / 1024))} KB`;
    return `${Math.round((bytes / (1024 * 1024)) * 10) / 10} MB`;
  }

  function megabytes(bytes, up) {
    const tenths = (bytes / (1024 * 1024)) * 10;
    return String((up ? Math.ceil(tenths) : Math.round(tenths)) / 10);
  }

  function scrollToEnd() {
    const box = byId("thread-scroll");
    if (box) box.scrollTop = box.scrollHeight;
  }

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text; // never parsed as HTML
    return node;
  }

  function button(className, label, onClick) {
    const node = element("button", className, label);
    node.type = "button";
    node.addEventListener("click", onClick);
    return node;
  }

  // ---- uploads ----

  /** The bubble a file shows while it uploads: a preview, its progress, and Cancel. */
  function pendingBubble(clientId, file) {
    const message = element("div", "message mine pending upload");
    message.id = `message-${clientId}`;
    message.dataset.seq = PENDING_SEQ;
    const bubble = element("div", "bubble attachment");
    if (file.type.startsWith("image/")) {
      const preview = element("img", "upload-preview");
      preview.src = URL.createObjectURL(file);
      preview.alt = file.name;
      preview.addEventListener("load", () => URL.revokeObjectURL(preview.src), { once: true });
      bubble.append(preview);
    } else {
      const card = element("span", "attachment-file");
      const name = element("span", "attachment-file-text");
      name.append(element("span", "attachment-name", file.name), element("small", "", humanSize(file.size)));
      card.append(name);
      bubble.append(card);
    }
    const progress = element("div", "upload-progress");
    const bar = element("progress");
    bar.max = 100;
    bar.value = 0;
    bar.setAttribute("aria-label", texts()?.uploading ?? "");
    progress.append(bar);
    bubble.append(progress);
    message.append(bubble, element("div", "meta"));
    return message;
  }

  /** Shows why the file was not sent, on its bubble, with Retry (same client id) and Dismiss. */
  function failUpload(message, reason, retry) {
    const words = texts() ?? {};
    message.classList.add("failed");
    message.querySelector(".upload-progress")?.remove();
    const meta = message.querySelector(".meta");
    meta.replaceChildren(element("span", "upload-error", reason || words.failed || "Not sent."), document.createTextNode(" "));
    meta.setAttribute("role", "alert");
    if (retry) {
      meta.append(
        button("link retry", words.retry || "Retry", () => {
          meta.replaceChildren();
          meta.removeAttribute("role");
          message.classList.remove("failed");
          retry();
        }),
        document.createTextNode(" "),
      );
    }
    meta.append(button("link dismiss", words.dismiss || "Dismiss", () => message.remove()));
  }

  /** The refusal's words: the server's own when it sent text, a generic line otherwise. */
  function refusalText(xhr) {
    const type = xhr.getResponseHeader("content-type") || "";
    if (type.startsWith("text/plain") && xhr.responseText && xhr.responseText.length < 500) return xhr.responseText;
    return `${texts()?.failed ?? "Not sent."} (${xhr.status})`;
  }

  function upload(message, clientId, file) {
    const url = uploadUrl();
    if (!url) return failUpload(message, texts()?.failed, null);
    const form = new FormData();
    form.append("file", file, file.name);
    form.append("clientId", clientId);
    const xhr = new XMLHttpRequest();
    const bar = message.querySelector(".upload-progress progress");
    const progress = message.querySelector(".upload-progress");
    const cancel = button("icon-button upload-cancel", "×", () => xhr.abort());
    cancel.setAttribute("aria-label", texts()?.cancelUpload ?? "Cancel");
    cancel.title = texts()?.cancelUpload ?? "Cancel";
    progress?.append(cancel);
    xhr.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable && bar) bar.value = Math.round((event.loaded / event.total) * 100);
    });
    xhr.addEventListener("load", () => {
      // Signed out meanwhile: the console answers with the sign-in page (after a redirect, as a 200).
      if (xhr.responseURL && new URL(xhr.responseURL).pathname === "/login") return location.assign("/login");
      if (xhr.status >= 200 && xhr.status < 300) {
        // The push may have confirmed it already (hx-upsert replaced the bubble by id).
        const current = byId(message.id);
        if (current === message && message.classList.contains("pending")) {
          const holder = document.createElement("div");
          holder.innerHTML = xhr.responseText; // our own server's escaped fragment
          const confirmed = holder.firstElementChild;
          // chat.js puts its time in the reader's zone, as for any message the thread gains.
          if (confirmed) message.replaceWith(confirmed);
        }
        return;
      }
      failUpload(message, refusalText(xhr), xhr.status === 413 || xhr.status === 415 || xhr.status === 422 ? null : () => upload(message, clientId, file));
    });
    xhr.addEventListener("error", () => failUpload(message, texts()?.network, () => upload(message, clientId, file)));
    // Cancelled: the body never arrived whole, so the server stored nothing.
    xhr.addEventListener("abort", () => message.remove());
    xhr.open("POST", url);
    xhr.send(form);
  }

  /** Sends one file as a message of its own. */
  function sendFile(file) {
    const words = texts();
    const thread = byId("thread");
    if (!words || !thread) return;
    const clientId = crypto.randomUUID();
    const message = pendingBubble(clientId, file);
    thread.append(message);
    scrollToEnd();
    // Refused here without sending megabytes for nothing; the server checks again.
    const max = Number(words.maxBytes);
    if (max && file.size > max) {
      // As the server words it: a size over the limit never reads as the limit itself.
      const size = Number(megabytes(file.size)) > Number(megabytes(max)) ? megabytes(file.size) : megabytes(file.size, true);
      return failUpload(message, fill(words.tooLarge, { size, max: megabytes(max) }), null);
    }
    upload(message, clientId, file);
  }

  function sendFiles(list) {
    for (const file of Array.from(list ?? [])) sendFile(file);
  }

  // ---- the composer's status line ----

  function status() {
    return byId("composer-status");
  }

  function showProblem(text) {
    const line = status();
    if (!line) return;
    line.hidden = false;
    line.className = "composer-status problem";
    line.replaceChildren(element("span", "", text), document.createTextNode(" "), button("link dismiss", texts()?.dismiss || "Dismiss", hideStatus));
  }

  function hideStatus() {
    const line = status();
    if (!line) return;
    line.hidden = true;
    line.className = "composer-status";
    line.replaceChildren();
  }

  // ---- voice messages ----

  let recording = null;

  function clock(ms) {
    const seconds = Math.floor(ms / 1000);
    return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
  }

  function recorderType() {
    const candidates = ["audio/webm;codecs=opus", "audio/webm", "audio/ogg;codecs=opus", "audio/mp4"];
    return candidates.find((type) => window.MediaRecorder?.isTypeSupported?.(type)) ?? "";
  }

  async function startRecording() {
    const words = texts() ?? {};
    if (!navigator.mediaDevices?.getUserMedia || !window.MediaRecorder) return showProblem(words.unsupported);
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    } catch {
      return showProblem(words.micDenied);
    }
    const type = recorderType();
    const recorder = type ? new MediaRecorder(stream, { mimeType: type }) : new MediaRecorder(stream);
    const chunks = [];
    const startedAt = Date.now();
    const state = { recorder, stream, cancelled: false, timer: 0 };
    recording = state;
    recorder.addEventListener("dataavailable", (event) => {
      if (event.data.size > 0) chunks.push(event.data);
    });
    recorder.addEventListener("stop", () => {
      clearInterval(state.timer);
      for (const track of stream.getTracks()) track.stop();
      recording = null;
      hideStatus();
      byId("record-button")?.setAttribute("aria-pressed", "false");
      if (state.cancelled || chunks.length === 0) return;
      const mime = (recorder.mimeType || type || "audio/webm").split(";")[0];
      const extension = mime === "audio/ogg" ? "ogg" : mime === "audio/mp4" ? "m4a" : "webm";
      const stamp = new Date(startedAt).toISOString().slice(0, 19).replace(/[-:]/g, "").replace("T", "-");
      sendFile(new File(chunks, `voice-${stamp}.${extension}`, { type: mime }));
    });
    recorder.start(1000);
    byId("record-button")?.setAttribute("aria-pressed", "true");

    const line = status();
    if (line) {
      const elapsed = element("span", "recording-time", fill(words.recording, { time: "0:00" }));
      line.hidden = false;
      line.className = "composer-status recording";
      line.replaceChildren(
        element("span", "recording-dot"),
        elapsed,
        button("small stop-recording", words.stop, () => stopRecording(false)),
        button("small secondary cancel-recording", words.cancel, () => stopRecording(true)),
      );
      const limit = Number(words.voiceSeconds || 300) * 1000;
      state.timer = setInterval(() => {
        const ms = Date.now() - startedAt;
        elapsed.textContent = fill(words.recording, { time: clock(ms) });
        if (ms >= limit) stopRecording(false);
      }, 250);
    }
  }

  function stopRecording(cancelled) {
    if (!recording) return;
    recording.cancelled = cancelled;
    if (recording.recorder.state !== "inactive") recording.recorder.stop();
  }

  // ---- images, large ----

  function openImage(link) {
    const image = link.querySelector("img");
    if (!image) return false;
    let dialog = byId("attachment-viewer");
    if (!dialog) {
      dialog = element("dialog", "attachment-viewer");
      dialog.id = "attachment-viewer";
      const close = button("icon-button viewer-close", "×", () => dialog.close());
      close.setAttribute("aria-label", texts()?.close || "Close");
      const large = element("img");
      const open = element("a", "viewer-open");
      open.target = "_blank";
      open.rel = "noopener";
      dialog.append(close, large, open);
      // A click on the backdrop (the dialog itself, outside the picture) closes it.
      dialog.addEventListener("click", (event) => {
        if (event.target === dialog) dialog.close();
      });
      document.body.append(dialog);
    }
    const large = dialog.querySelector("img");
    large.src = link.href;
    large.alt = image.alt;
    const open = dialog.querySelector(".viewer-open");
    open.href = link.href;
    open.textContent = image.alt;
    dialog.showModal();
    return true;
  }

  // ---- voice messages' length ----

  // A recording made in a browser (WebM from MediaRecorder) states no duration, and the player
  // shows 0:00 until it was played through. Seeking past the end makes the browser find it.
  document.addEventListener(
    "loadedmetadata",
    (event) => {
      const audio = event.target;
      if (!(audio instanceof HTMLAudioElement) || Number.isFinite(audio.duration)) return;
      audio.addEventListener("durationchange", function found() {
        if (!Number.isFinite(audio.duration)) return;
        audio.removeEventListener("durationchange", found);
        audio.currentTime = 0;
      });
      audio.currentTime = 1e101;
    },
    true,
  );

  // ---- wiring ----

  document.addEventListener("click", (event) => {
    const target = event.target instanceof Element ? event.target : null;
    if (!target) return;
    if (target.closest("#attach-button")) {
      byId("attach-input")?.click();
      return;
    }
    if (target.closest("#record-button")) {
      if (recording) stopRecording(false);
      else startRecording();
      return;
    }
    const image = target.closest("#thread a.attachment-image");
    if (image && !event.ctrlKey && !event.metaKey && !event.shiftKey && openImage(image)) event.preventDefault();
  });

  document.addEventListener("change", (event) => {
    if (event.target.id !== "attach-input") return;
    sendFiles(event.target.files);
    event.target.value = "";
  });

  // Pasted pictures (a screenshot, "Copy image"); pasted text stays text.
  document.addEventListener("paste", (event) => {
    const input = event.target;
    if (!(input instanceof HTMLTextAreaElement) || input.name !== "body" || !texts()) return;
    const data = event.clipboardData;
    if (!data || data.files.length === 0 || data.getData("text/plain")) return;
    event.preventDefault();
    sendFiles(data.files);
  });

  /** The part of the page a file may be dropped on: the thread and the composer around it. */
  const dropZone = () => byId("composer")?.parentElement ?? null;
  const carriesFiles = (event) => Array.from(event.dataTransfer?.types ?? []).includes("Files");
  let dragDepth = 0;

  function setDropping(on) {
    const zone = dropZone();
    if (!zone) return;
    zone.classList.toggle("dropping", on);
    if (on) zone.dataset.dropText = texts()?.drop ?? "";
  }

  document.addEventListener("dragenter", (event) => {
    if (!carriesFiles(event) || !texts()) return;
    dragDepth++;
    setDropping(true);
  });
  document.addEventListener("dragleave", (event) => {
    if (!carriesFiles(event) || !texts()) return;
    dragDepth = Math.max(0, dragDepth - 1);
    if (dragDepth === 0) setDropping(false);
  });
  // Anywhere on a page with a composer, a dropped file is sent, never opened in place of the page.
  document.addEventListener("dragover", (event) => {
    if (!carriesFiles(event) || !texts()) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = dropZone()?.contains(event.target) ? "copy" : "none";
  });
  document.addEventListener("drop", (event) => {
    if (!carriesFiles(event) || !texts()) return;
    event.preventDefault();
    dragDepth = 0;
    setDropping(false);
    if (dropZone()?.contains(event.target)) sendFiles(event.dataTransfer.files);
  });

  // A picture that loads after it was scrolled to keeps the thread at its end.
  document.addEventListener(
    "load",
    (event) => {
      const image = event.target;
      const box = byId("thread-scroll");
      if (!(image instanceof HTMLImageElement) || !box || !box.contains(image)) return;
      if (box.scrollHeight - box.scrollTop - box.clientHeight - image.clientHeight < 96) scrollToEnd();
    },
    true,
  );
})();
