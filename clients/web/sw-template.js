// Tovholder's service worker: caches the app shell (every file of the build, listed by the build) so the app
// opens with no signal. Only the app's own files are cached; API calls and the sync WebSocket go to the network,
// and case data lives encrypted in IndexedDB, never in this cache.
const VERSION = "__VERSION__";
const SHELL = __FILES__;
const CACHE = `tovholder-shell-${VERSION}`;

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith("tovholder-shell-") && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== self.location.origin || url.pathname.startsWith("/v1/")) return;
  if (event.request.mode === "navigate") {
    // Every page of the app is index.html (hash routes): the cached copy when offline.
    event.respondWith(fetch(event.request).catch(() => caches.match("./index.html", { ignoreSearch: true, ignoreVary: true })));
    return;
  }
  event.respondWith(caches.match(event.request, { ignoreSearch: true, ignoreVary: true }).then((hit) => hit ?? fetch(event.request)));
});
