// PyScript's interpreter module (pyscript.toml `interpreter`): Pyodide, started from a memory
// snapshot of this exact app version when one is stored, else started as usual. A repeat visit
// then skips booting Python and importing the app (~1.9 s -> ~0.6 s here).
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
const SNAPSHOT = new URL("./vendor/pyodide/snapshot.bin", import.meta.url).href;
const WORKER = new URL("./snapshot-worker.mjs", import.meta.url).href;

const mode = () => { try { return localStorage.getItem("assetVault:snapshots") || "on"; } catch { return "on"; } };

async function stored() {
  if (!("caches" in globalThis)) return null;
  const hit = await (await caches.open(CACHE)).match(SNAPSHOT);
  return hit ? new Uint8Array(await hit.arrayBuffer()) : null;
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
    if (name.startsWith("asset-vault-") && name !== CACHE) await (await caches.open(name)).delete(SNAPSHOT);
  }
}

const state = { start: "fresh", error: null };

export async function loadPyodide(options) {
  const config = { ...options, indexURL: INDEX_URL };
  const want = mode();
  if (want === "off") {
    drop();  // one a worker stored after it was turned off
  } else {
    let bytes = null;
    try { bytes = await stored(); } catch (err) { state.error = String(err); }
    if (bytes) {
      try {
        const pyodide = await bootPyodide({ ...config, _loadSnapshot: bytes });
        state.start = "snapshot";
        return pyodide;
      } catch (err) {
        state.start = "fallback";
        state.error = String(err && err.message || err);
        await drop();
        if (want === "require") throw err;
      }
    } else if (want === "require") {
      throw new Error(`no start-up snapshot is stored for app version ${APP_VERSION}`);
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
