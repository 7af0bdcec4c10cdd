// Offline support: precache one complete app version, serve it cache-first, switch atomically.
// precache-manifest.js (written by `make setup`) lists every file with a version hash; a new hash
// makes this worker "changed", so the browser installs the new version beside the old one. The
// old worker keeps serving open pages until they all close: no page ever mixes two versions.
importScripts("./vendor/precache-manifest.js");

const CACHE = `asset-vault-${self.PRECACHE.version}`;
const BASE = new URL("../", self.location).href;

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    // cache: "reload" skips the HTTP cache, so an update never precaches a stale file.
    await cache.addAll(self.PRECACHE.files.map((path) => new Request(new URL(path, BASE), { cache: "reload" })));
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith("asset-vault-") && name !== CACHE) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

// Only the app's own files are answered here; anything else (the status provider, media being
// downloaded into the vault) goes to the network as if there were no worker.
const PRECACHED = new Set(self.PRECACHE.files.map((path) => new URL(path, BASE).href));

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  url.hash = "";
  url.search = "";
  const key = request.mode === "navigate" && (url.href === BASE || url.href === BASE + "index.html")
    ? BASE : url.href;
  if (!PRECACHED.has(key)) return;
  event.respondWith((async () => {
    const hit = await (await caches.open(CACHE)).match(key);
    return hit || fetch(request);
  })());
});
