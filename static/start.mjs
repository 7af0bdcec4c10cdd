// PyScript's interpreter module (pyscript.toml `interpreter`): Pyodide, started from a memory
// snapshot of this exact app version, else started as usual: the start then skips booting Python
// and importing the app (~3 s -> ~0.7 s on a first visit here, ~1.9 s -> ~0.6 s on a repeat one).
// The snapshot is the one stored in this version's cache, else the build's own
// (tools/snapshot.mjs), fetched; app/browser/snapshot.py then keeps that one when there is room.
//
// Snapshots use Pyodide's private `_loadSnapshot`/`_makeSnapshot` options, so every step is
// guarded: a missing, damaged or foreign snapshot is deleted and the page starts normally.
// localStorage "assetVault:snapshots" = "off" never uses them; "require" (tests) makes a failed
// restore an error instead of a fallback.
import { loadPyodide as bootPyodide, version } from "./vendor/pyodide/pyodide.mjs";
import { APP_VERSION } from "./vendor/app-version.mjs";

export { version };

const INDEX_URL = new URL("./vendor/pyodide/", import.meta.url).href;
// Kept in the service worker's cache of this app version: it goes when the version goes.
const CACHE = `asset-vault-${APP_VERSION}`;
// Named for its version: a page of an older version never fetches a newer one's, nor the reverse.
const SNAPSHOT = new URL(`./vendor/snapshot-${APP_VERSION}.bin`, import.meta.url).href;
// Where this browser could not restore the build's snapshot: its version, so it is not fetched again.
const REFUSED = "assetVault:snapshot-refused";
const WORKER = new URL("./snapshot-worker.mjs", import.meta.url).href;

const mode = () => { try { return localStorage.getItem("assetVault:snapshots") || "on"; } catch { return "on"; } };

// Both give the snapshot's body as a promise, in a list (an async function would flatten it):
// Pyodide awaits `_loadSnapshot` only once its own files are fetched, so the 30 MB are read
// meanwhile, not before they are asked for (~50-200 ms of a warm start).
function bodyOf(response) {
  const bytes = response.arrayBuffer().then((buffer) => new Uint8Array(buffer));
  bytes.catch(() => {});  // rejected before Pyodide awaits it: not an unhandled rejection
  return [bytes];
}

async function stored() {
  if (!("caches" in globalThis)) return null;
  const hit = await (await caches.open(CACHE)).match(SNAPSHOT);
  return hit ? bodyOf(hit) : null;
}

async function shipped() {
  try { if (localStorage.getItem(REFUSED) === APP_VERSION) return null; } catch { /* no localStorage: try it */ }
  const response = await fetch(SNAPSHOT);
  return response.ok ? bodyOf(response) : null;
}

function refuse() {
  try { localStorage.setItem(REFUSED, APP_VERSION); } catch { /* fetched and refused again next time */ }
}

let making = null;  // the worker making one, stopped by drop()

async function drop() {
  if (making) { making.terminate(); making = null; }
  try { await (await caches.open(CACHE)).delete(SNAPSHOT); } catch { /* no Cache Storage: nothing kept */ }
}

// The service worker deletes an old version's cache, snapshot and all, when the new version takes
// over. Without one (private modes, no service worker support) the old snapshots are deleted here.
async function dropOlder() {
  if (navigator.serviceWorker && navigator.serviceWorker.controller) return;
  for (const name of await caches.keys()) {
    if (!name.startsWith("asset-vault-") || name === CACHE) continue;
    const cache = await caches.open(name);
    for (const request of await cache.keys()) if (/\/snapshot[^/]*\.bin$/.test(request.url)) await cache.delete(request);
  }
}

// start: "snapshot", "fresh" or "fallback"; from: "cache" or "build", where the snapshot came from.
const state = { start: "fresh", from: null, error: null };

export async function loadPyodide(options) {
  const config = { ...options, indexURL: INDEX_URL };
  const want = mode();
  if (want === "off") {
    drop();  // one a worker stored after it was turned off
  } else {
    let body = null;
    try { body = await stored(); } catch (err) { state.error = String(err); }
    state.from = body && "cache";
    if (!body) {
      try { body = await shipped(); } catch (err) { state.error = String(err); }  // offline, or none built
      state.from = body && "build";
    }
    if (body) {
      try {
        const pyodide = await bootPyodide({ ...config, _loadSnapshot: body[0] });
        state.start = "snapshot";
        return pyodide;
      } catch (err) {
        state.start = "fallback";
        state.error = String(err && err.message || err);
        // The build's snapshot is refused only when it was read and would not restore: a
        // download cut short is tried again next time.
        const unread = await body[0].then(() => false, () => true);
        if (state.from === "cache") await drop(); else if (!unread) refuse();
        if (want === "require") throw err;
      }
    } else if (want === "require") {
      throw new Error(`no start-up snapshot is stored or built for app version ${APP_VERSION}`);
    }
  }
  return bootPyodide(config);
}

// For app/browser/snapshot.py: how this page started, and the stored snapshot's upkeep.
globalThis.__assetVaultSnapshot = {
  state,
  mode,
  where: { cache: CACHE, url: SNAPSHOT },
  async size() {
    if (!("caches" in globalThis)) return null;
    const hit = await (await caches.open(CACHE)).match(SNAPSHOT);
    return hit ? Number(hit.headers.get("content-length") || (await hit.blob()).size) : 0;
  },
  drop,
  // Stores the build's snapshot this page started from in the version's cache (a repeat visit,
  // offline too, then reads it there). Resolves to its size in bytes.
  async keep() {
    const response = await fetch(SNAPSHOT);
    if (!response.ok) throw new Error(`the build's snapshot could not be fetched again (HTTP ${response.status})`);
    const bytes = await response.arrayBuffer();
    await (await caches.open(CACHE)).put(SNAPSHOT, new Response(bytes, {
      headers: { "content-type": "application/octet-stream", "content-length": String(bytes.byteLength) } }));
    await dropOlder();
    return bytes.byteLength;
  },
  // Makes one in a worker (an interpreter that makes a snapshot cannot use the DOM). Resolves to
  // its size in bytes; the worker stores it.
  make() {
    return new Promise((resolve, reject) => {
      const worker = making = new Worker(WORKER, { type: "module" });
      const end = () => { worker.terminate(); if (making === worker) making = null; };
      worker.onmessage = ({ data }) => {
        end();
        data.error ? reject(new Error(data.error)) : dropOlder().then(() => resolve(data.size), reject);
      };
      worker.onerror = (event) => { end(); reject(new Error(event.message || "the snapshot worker failed to load")); };
      worker.postMessage({ cache: CACHE, url: SNAPSHOT, config: new URL("../pyscript.toml", import.meta.url).href });
    });
  },
};
