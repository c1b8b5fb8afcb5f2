// The console's service worker (scope /console): it keeps the console's versioned scripts and
// styles for a quick start, shows an offline page when the network is gone, and shows the push
// notifications the server sends (src/outbound/push-sender.ts). It never stores a page or an
// answer of the server: those hold a signed-in agent's data and must be fresh.
const version = new URL(self.location.href).searchParams.get("v") || "dev";
const cacheName = `kefu-console-${version}`;
const offlinePage = "/console-offline";
const shell = ["kefu.css", "console.css", "alpine.js", "htmx.js", "hx-ws.js", "hx-upsert.js", "chat.js", "attachments.js", "emoji.js", "canned-replies.js", "console.js"];

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(cacheName)
      .then((cache) => cache.addAll([offlinePage, ...shell.map((name) => `/assets/${name}?v=${version}`)]))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter((name) => name.startsWith("kefu-console-") && name !== cacheName).map((name) => caches.delete(name))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  // Versioned assets never change under their URL: the cache answers first.
  if (url.pathname.startsWith("/assets/") && url.searchParams.has("v")) {
    event.respondWith(
      caches.open(cacheName).then((cache) =>
        cache.match(request).then(
          (found) =>
            found ||
            fetch(request).then((response) => {
              if (response.ok) cache.put(request, response.clone());
              return response;
            }),
        ),
      ),
    );
    return;
  }
  if (request.mode === "navigate") {
    event.respondWith(fetch(request).catch(() => caches.match(offlinePage, { cacheName })));
  }
});

self.addEventListener("push", (event) => {
  let notification;
  try {
    notification = event.data.json();
  } catch {
    return;
  }
  event.waitUntil(
    self.registration.showNotification(notification.title, {
      body: notification.body,
      tag: notification.tag,
      renotify: true,
      icon: `/assets/icon-192.png?v=${version}`,
      data: { url: notification.url },
    }),
  );
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const target = new URL(event.notification.data?.url || "/console", self.location.origin);
  // Only our own console: a notification never leads anywhere else.
  if (target.origin !== self.location.origin) return;
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then((windows) => {
      const open = windows.find((client) => new URL(client.url).pathname === target.pathname);
      if (open) return open.focus();
      const any = windows.find((client) => new URL(client.url).pathname.startsWith("/console"));
      if (any) return any.navigate(target.href).then((client) => client?.focus());
      return self.clients.openWindow(target.href);
    }),
  );
});
