// Kefu's voice and video calls, on both sides: fetched by chat.js only when a call starts (the
// agent's click, the visitor's invitation), so neither page carries it before. Signalling goes
// over the page's socket (realtime/calls.ts relays it to the other end); media goes peer to peer.
// The agent invites, then offers once the visitor accepted; the visitor answers. Words come from
// the server in the reader's language (views/call-texts.ts); everything shown is set as text.
(() => {
  "use strict";

  const LINE = 'fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"';
  // Lucide's phone, mic, mic-off, video, video-off and phone-off, drawn by us: constant markup, no input.
  const ICONS = {
    phone: '<path d="M13.832 16.568a1 1 0 0 0 1.213-.303l.355-.465A2 2 0 0 1 17 15h3a2 2 0 0 1 2 2v3a2 2 0 0 1-2 2A18 18 0 0 1 2 4a2 2 0 0 1 2-2h3a2 2 0 0 1 2 2v3a2 2 0 0 1-.8 1.6l-.468.351a1 1 0 0 0-.292 1.233 14 14 0 0 0 6.392 6.384"/>',
    mic: '<path d="M12 19v3"/><path d="M19 10v2a7 7 0 0 1-14 0v-2"/><rect x="9" y="2" width="6" height="13" rx="3"/>',
    micOff: '<path d="M12 19v3"/><path d="M15 9.34V5a3 3 0 0 0-5.68-1.33"/><path d="M16.95 16.95A7 7 0 0 1 5 12v-2"/><path d="M18.89 13.23A7 7 0 0 0 19 12v-2"/><path d="m2 2 20 20"/><path d="M9 9v3a3 3 0 0 0 5.12 2.12"/>',
    video: '<path d="m16 13 5.223 3.482a.5.5 0 0 0 .777-.416V7.87a.5.5 0 0 0-.752-.432L16 10.5"/><rect x="2" y="6" width="14" height="12" rx="2"/>',
    videoOff: '<path d="M10.66 6H14a2 2 0 0 1 2 2v2.5l5.248-3.062A.5.5 0 0 1 22 7.87v8.196"/><path d="M16 16a2 2 0 0 1-2 2H4a2 2 0 0 1-2-2V8a2 2 0 0 1 2-2h2"/><path d="m2 2 20 20"/>',
    phoneOff: '<path d="M10.1 13.9a14 14 0 0 0 3.732 2.668 1 1 0 0 0 1.213-.303l.355-.465A2 2 0 0 1 17 15h3a2 2 0 0 1 2 2v3a2 2 0 0 1-2 2A18 18 0 0 1 2 4a2 2 0 0 1 2-2h3a2 2 0 0 1 2 2v3a2 2 0 0 1-.8 1.6l-.468.351a1 1 0 0 0-.292 1.233 14 14 0 0 0 .244.473"/><path d="m2 2 20 20"/>',
  };

  const STYLE = `
.kefu-call { position: fixed; z-index: 1000; display: flex; flex-direction: column; background: #111827; color: #f9fafb; font: 14px/1.4 system-ui, sans-serif; box-shadow: 0 12px 40px rgba(0,0,0,.35); }
.kefu-call.agent { right: 1rem; bottom: 5.5rem; width: 320px; height: 440px; max-height: calc(100vh - 7rem); border-radius: 14px; overflow: hidden; }
.kefu-call.visitor { inset: 0; }
.kefu-call-stage { position: relative; flex: 1; min-height: 0; display: grid; place-items: center; background: #000; }
.kefu-call-remote { width: 100%; height: 100%; object-fit: cover; }
.kefu-call-local { position: absolute; right: .75rem; top: .75rem; width: 28%; max-width: 140px; aspect-ratio: 3 / 4; object-fit: cover; border-radius: 10px; border: 2px solid rgba(255,255,255,.6); background: #1f2937; transform: scaleX(-1); }
.kefu-call-avatar { position: absolute; width: 96px; height: 96px; border-radius: 50%; display: grid; place-items: center; font-size: 40px; font-weight: 600; background: #2563eb; color: #fff; }
.kefu-call.voice .kefu-call-remote, .kefu-call.voice .kefu-call-local, .kefu-call.connected.video .kefu-call-avatar { display: none; }
.kefu-call-info { padding: .75rem 1rem .25rem; text-align: center; }
.kefu-call-info strong { display: block; font-size: 16px; }
.kefu-call-status { color: #d1d5db; font-variant-numeric: tabular-nums; }
.kefu-call-status.problem { color: #fecaca; }
.kefu-call-controls { display: flex; justify-content: center; gap: 1rem; padding: .75rem 1rem 1.25rem; }
.kefu-call-controls button { width: 52px; height: 52px; border-radius: 50%; border: 0; display: grid; place-items: center; background: #374151; color: #fff; cursor: pointer; }
.kefu-call-controls button[aria-pressed="true"] { background: #f9fafb; color: #111827; }
.kefu-call-controls button.hang-up { background: #dc2626; }
.kefu-call-controls button.accept { background: #16a34a; }
.kefu-call-controls button.text { width: auto; border-radius: 26px; padding: 0 1.5rem; font: inherit; font-weight: 600; }
.kefu-call-controls svg { width: 22px; height: 22px; }
.kefu-call-invite { position: fixed; z-index: 1000; left: .75rem; right: .75rem; bottom: .75rem; padding: 1rem; border-radius: 14px; background: #111827; color: #f9fafb; font: 14px/1.4 system-ui, sans-serif; box-shadow: 0 12px 40px rgba(0,0,0,.35); }
.kefu-call-invite p { display: flex; align-items: center; gap: .75rem; margin: 0 0 .75rem; font-size: 15px; }
.kefu-call-invite p svg { flex: none; width: 40px; height: 40px; padding: 9px; box-sizing: border-box; border-radius: 50%; background: #2563eb; animation: kefu-call-ring 1s ease-in-out infinite alternate; }
@keyframes kefu-call-ring { to { transform: scale(1.08); } }
@media (prefers-reduced-motion: reduce) { .kefu-call-invite p svg { animation: none; } }
.kefu-call-invite .kefu-call-controls { padding: 0; justify-content: stretch; }
.kefu-call-invite .kefu-call-controls button { flex: 1; }
`;

  let call = null;
  let send = () => {};

  // Leaving the page ends the call (its socket closes): the browser asks first.
  window.addEventListener("beforeunload", (event) => {
    if (call?.peer) event.preventDefault();
  });

  // ---- the ring: two soft tones every two seconds while the invitation waits ----

  let ringer = null;

  function ring() {
    const audio = window.AudioContext ? new AudioContext() : null;
    if (!audio) return;
    const tones = () => {
      for (const [frequency, start] of [[660, 0], [880, 0.25]]) {
        const tone = audio.createOscillator();
        const volume = audio.createGain();
        const at = audio.currentTime + start;
        tone.frequency.value = frequency;
        volume.gain.setValueAtTime(0.08, at);
        volume.gain.exponentialRampToValueAtTime(0.0001, at + 0.5);
        tone.connect(volume).connect(audio.destination);
        tone.start(at);
        tone.stop(at + 0.55);
      }
    };
    tones();
    ringer = { audio, timer: setInterval(tones, 2000) };
  }

  function stopRing() {
    if (!ringer) return;
    clearInterval(ringer.timer);
    ringer.audio.close().catch(() => {});
    ringer = null;
  }

  const fill = (text, values) => String(text ?? "").replace(/\{(\w+)\}/g, (whole, key) => values[key] ?? whole);

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function iconButton(className, name, label, onClick) {
    const button = element("button", className);
    button.type = "button";
    button.setAttribute("aria-label", label);
    button.title = label;
    button.innerHTML = `<svg viewBox="0 0 24 24" ${LINE} aria-hidden="true">${ICONS[name]}</svg>`;
    button.addEventListener("click", onClick);
    return button;
  }

  function textButton(className, label, onClick) {
    const button = element("button", `${className} text`, label);
    button.type = "button";
    button.addEventListener("click", onClick);
    return button;
  }

  function addStyle() {
    if (document.getElementById("kefu-call-style")) return;
    const style = element("style", "", STYLE);
    style.id = "kefu-call-style";
    document.head.append(style);
  }

  /** "3:12", as the thread's line says it. */
  function duration(ms) {
    const seconds = Math.max(0, Math.floor(ms / 1000));
    const two = (n) => String(n).padStart(2, "0");
    const h = Math.floor(seconds / 3600);
    const m = Math.floor((seconds % 3600) / 60);
    return h ? `${h}:${two(m)}:${two(seconds % 60)}` : `${m}:${two(seconds % 60)}`;
  }

  // ---- the window ----

  function openWindow(current) {
    addStyle();
    const box = element("div", `kefu-call ${current.role} ${current.media}`);
    box.setAttribute("role", "dialog");
    box.setAttribute("aria-label", current.texts[current.media]);
    const stage = element("div", "kefu-call-stage");
    const remote = element("video", "kefu-call-remote");
    remote.autoplay = true;
    remote.playsInline = true;
    const avatar = element("div", "kefu-call-avatar", Array.from(current.peerName.trim())[0]?.toLocaleUpperCase() ?? "?");
    const local = element("video", "kefu-call-local");
    local.autoplay = true;
    local.playsInline = true;
    local.muted = true;
    stage.append(remote, avatar, local);
    const info = element("div", "kefu-call-info");
    const status = element("span", "kefu-call-status", current.texts.connecting);
    status.setAttribute("role", "status");
    info.append(element("strong", "", current.peerName), status);
    const controls = element("div", "kefu-call-controls");
    const mute = iconButton("mute", "mic", current.texts.mute, () => toggle("audio", mute, ["mic", "micOff"], ["mute", "unmute"]));
    mute.setAttribute("aria-pressed", "false");
    controls.append(mute);
    if (current.media === "video") {
      const camera = iconButton("camera", "video", current.texts.cameraOff, () => toggle("video", camera, ["video", "videoOff"], ["cameraOff", "cameraOn"]));
      camera.setAttribute("aria-pressed", "false");
      controls.append(camera);
    }
    controls.append(iconButton("hang-up", "phoneOff", current.texts.hangUp, hangUp));
    box.append(stage, info, controls);
    document.body.append(box);
    current.box = box;
    current.parts = { remote, local, status, controls };
  }

  /** Mute or camera off: the track stops sending (the other side sees black or hears nothing). */
  function toggle(kind, button, icons, labels) {
    const tracks = call?.local?.getTracks().filter((track) => track.kind === kind) ?? [];
    const off = button.getAttribute("aria-pressed") !== "true";
    for (const track of tracks) track.enabled = !off;
    button.setAttribute("aria-pressed", String(off));
    const label = call.texts[labels[off ? 1 : 0]];
    button.setAttribute("aria-label", label);
    button.title = label;
    button.querySelector("svg").innerHTML = ICONS[icons[off ? 1 : 0]];
  }

  function showStatus(text, problem = false) {
    if (!call?.parts) return;
    call.parts.status.textContent = text;
    call.parts.status.classList.toggle("problem", problem);
  }

  // ---- media and the peer connection ----

  async function takeMedia(current) {
    if (!navigator.mediaDevices?.getUserMedia || !window.RTCPeerConnection) throw new Error(current.texts.unsupported);
    try {
      current.local = await navigator.mediaDevices.getUserMedia({ audio: true, video: current.media === "video" });
    } catch (error) {
      const missing = error?.name === "NotFoundError" || error?.name === "OverconstrainedError";
      throw new Error(missing ? current.texts.noDevice : current.texts.deviceDenied);
    }
    if (current !== call) return stopMedia(current);
    current.parts.local.srcObject = current.local;
  }

  function connect(current) {
    const peer = new RTCPeerConnection({ iceServers: current.iceServers ?? [] });
    current.peer = peer;
    for (const track of current.local.getTracks()) peer.addTrack(track, current.local);
    peer.addEventListener("icecandidate", (event) => {
      if (event.candidate && event.candidate.candidate) send({ type: "call-ice", callId: current.id, candidate: event.candidate.toJSON() });
    });
    peer.addEventListener("track", (event) => {
      const stream = event.streams[0] ?? new MediaStream([event.track]);
      if (current.parts.remote.srcObject !== stream) current.parts.remote.srcObject = stream;
    });
    peer.addEventListener("connectionstatechange", () => {
      if (current !== call) return;
      if (peer.connectionState === "connected" && !current.connectedAt) {
        current.connectedAt = Date.now();
        current.box.classList.add("connected");
        showStatus(duration(0));
        current.clock = setInterval(() => showStatus(duration(Date.now() - current.connectedAt)), 1000);
      } else if (peer.connectionState === "failed") {
        send({ type: "call-hangup", callId: current.id });
        finish(current.role === "agent" ? current.texts.failedAgent : current.texts.failedVisitor);
      }
    });
  }

  /** Signalling steps run one after another: a candidate never arrives before its description. */
  function step(current, work) {
    current.queue = current.queue.then(() => (current === call ? work() : undefined)).catch((error) => {
      if (current !== call) return;
      send({ type: "call-hangup", callId: current.id });
      finish(error?.message || current.texts.gone);
    });
  }

  function stopMedia(current) {
    for (const track of current.local?.getTracks() ?? []) track.stop();
  }

  /** The call is over here: media off, and the window says why until closed (or closes at once). */
  function finish(message) {
    const current = call;
    if (!current) return;
    call = null;
    stopRing();
    clearInterval(current.clock);
    clearTimeout(current.closing);
    stopMedia(current);
    current.peer?.close();
    current.invite?.remove();
    if (!current.box) return;
    if (!message) return current.box.remove();
    current.box.classList.remove("connected");
    current.box.classList.add("voice");
    const status = current.parts.status;
    status.textContent = message;
    status.classList.add("problem");
    current.parts.controls.replaceChildren(textButton("close", current.texts.close, () => current.box.remove()));
    current.parts.controls.querySelector("button").focus();
  }

  function hangUp() {
    if (!call) return;
    if (call.id) send({ type: "call-hangup", callId: call.id });
    finish(null);
  }

  // ---- the agent's side ----

  /** The agent's call button: their camera and microphone first, then the invitation goes out. */
  async function start(button) {
    if (call) return call.box?.querySelector("button")?.focus();
    const texts = JSON.parse(button.closest("[data-call-texts]")?.dataset.callTexts ?? "{}");
    const peerName = document.getElementById("conversation-visitor-name")?.textContent?.trim() ?? "";
    const current = { role: "agent", media: button.dataset.call === "video" ? "video" : "voice", texts, peerName, id: null, queue: Promise.resolve() };
    call = current;
    openWindow(current);
    showStatus(fill(texts.ringing, { name: peerName }));
    try {
      await takeMedia(current);
    } catch (error) {
      return finish(error.message);
    }
    if (current === call) send({ type: "call-invite", media: current.media, conversation: Number(button.dataset.callConversation) });
  }

  // ---- the visitor's side ----

  function invited(frame) {
    if (call) return;
    const current = { role: "visitor", media: frame.media, texts: frame.texts, peerName: frame.from, id: frame.callId, iceServers: frame.iceServers, queue: Promise.resolve() };
    call = current;
    addStyle();
    const card = element("div", "kefu-call-invite");
    card.setAttribute("role", "alertdialog");
    const line = element("p");
    line.innerHTML = `<svg viewBox="0 0 24 24" ${LINE} aria-hidden="true">${ICONS[frame.media === "video" ? "video" : "phone"]}</svg>`;
    line.append(element("span", "", fill(frame.texts[frame.media === "video" ? "invitedVideo" : "invitedVoice"], { name: frame.from })));
    line.id = "kefu-call-invite-text";
    card.setAttribute("aria-labelledby", line.id);
    const controls = element("div", "kefu-call-controls");
    controls.append(textButton("refuse hang-up", frame.texts.refuse, refuse), textButton("accept", frame.texts.accept, accept));
    card.append(line, controls);
    document.body.append(card);
    current.invite = card;
    ring();
    // A closed widget opens for it (embed.js tells the host page).
    document.dispatchEvent(new CustomEvent("kefu:open"));
  }

  function refuse() {
    if (!call) return;
    send({ type: "call-refuse", callId: call.id });
    finish(null);
  }

  async function accept() {
    const current = call;
    if (!current?.invite) return;
    stopRing();
    current.invite.remove();
    current.invite = null;
    openWindow(current);
    try {
      await takeMedia(current);
    } catch (error) {
      send({ type: "call-refuse", callId: current.id });
      return finish(error.message);
    }
    if (current !== call) return;
    connect(current);
    send({ type: "call-accept", callId: current.id });
  }

  // ---- what the server says ----

  function signal(frame) {
    if (frame.signal === "invite") return invited(frame);
    const current = call;
    if (!current) return;
    if (frame.signal === "ringing" && current.role === "agent" && !current.id) {
      current.id = frame.callId;
      current.iceServers = frame.iceServers;
      return;
    }
    if (frame.callId !== current.id) return;
    switch (frame.signal) {
      case "accepted":
        showStatus(current.texts.connecting);
        return step(current, async () => {
          connect(current);
          const offer = await current.peer.createOffer();
          await current.peer.setLocalDescription(offer);
          send({ type: "call-offer", callId: current.id, sdp: offer.sdp });
        });
      case "offer":
        return step(current, async () => {
          await current.peer.setRemoteDescription({ type: "offer", sdp: frame.sdp });
          const answer = await current.peer.createAnswer();
          await current.peer.setLocalDescription(answer);
          send({ type: "call-answer", callId: current.id, sdp: answer.sdp });
        });
      case "answer":
        return step(current, () => current.peer.setRemoteDescription({ type: "answer", sdp: frame.sdp }));
      case "ice":
        return step(current, () => current.peer?.addIceCandidate(frame.candidate));
      case "ended": {
        // The page that took the call hears its own "answered elsewhere": not for it.
        if (frame.reason === "answeredElsewhere" && !current.invite) return;
        // A visitor still granting the camera when the ring ran out is told the call is over.
        const why = { refused: "refusedByVisitor", missed: current.role === "agent" ? "missed" : "gone", hungUp: "hungUp", answeredElsewhere: null }[frame.reason];
        return finish(current.box && why ? current.texts[why] : null);
      }
    }
  }

  /** The server refused a call frame (busy, offline, not theirs, gone): said in the window. */
  function refused(message) {
    if (call) finish(message);
  }

  window.KefuCall = {
    /** chat.js hands over the page's socket sender once, before anything else. */
    use(sender) {
      send = sender;
    },
    start,
    signal,
    refused,
    /** The call's RTCPeerConnection, for the page's own checks (and the e2e tests' getStats). */
    connection: () => call?.peer ?? null,
  };
})();
