// The Offline Asset Vault for a host app (a generator's own pages), in two lines:
//
//   import { openVault } from "/static/vault-client.js";
//   const vault = await openVault("/");          // the URL of the vault's page
//   const ref = await vault.saveBlob(projectId, blob, { role: "frame", params });
//
// The client has window.assetVault's methods and is an EventTarget announcing "assetvault:change"
// and "assetvault:regenerate" (event.detail as on the vault's page). It works through a hidden
// iframe of the vault's page: on the same origin it calls that page's window.assetVault; from
// another origin it talks to it by postMessage, and the vault answers only origins its owner
// listed with configure({hostOrigins}) (openVault rejects with an Error named NotAllowedError
// otherwise). Calls made before the vault has started wait for it; `vault.ready` settles when it has.
// Browsers give a cross-site iframe storage of its own: a host on another site sees a vault apart
// from the one opened directly. Same site (another port or subdomain) shares it.

// The bridge's methods (README, "JS bridge"); a test checks the list against window.assetVault.
export const METHODS = [
  "version", "createProject", "listProjects", "deleteProject", "updateProject", "saveDataUrl", "saveBlob", "saveFromUrl",
  "getBlob", "getMeta", "listAssets", "deleteAsset", "replaceBlob", "updateAsset", "moveAssets", "usage", "requestPersist",
  "exportProject", "importArchive", "configure", "track", "generation", "scanLegacy", "rescueLegacy",
  "configureBackup", "backupStatus", "syncNow", "listRemoteProjects", "restoreProject", "deleteRemoteProject",
];
const EVENTS = ["assetvault:change", "assetvault:regenerate"];
const LOAD_TIMEOUT_MS = 30_000;
const opened = new Map();  // vault page URL -> Promise<VaultClient>

export function openVault(vaultUrl = "/", { timeoutMs = LOAD_TIMEOUT_MS } = {}) {
  const url = new URL(vaultUrl, location.href);
  url.hash = "";
  const key = url.href;
  if (!opened.has(key)) {
    const client = connect(url, timeoutMs, key);
    opened.set(key, client);
    client.catch(() => opened.delete(key));  // a refusal or a failed load may be retried
  }
  return opened.get(key);
}

function vaultError(error) {
  return Object.assign(new Error(error?.message ?? String(error)), { name: error?.name ?? "Error" });
}

async function connect(url, timeoutMs, key) {
  const frame = document.createElement("iframe");
  frame.src = url.href;
  frame.title = "Offline Asset Vault";
  frame.setAttribute("aria-hidden", "true");
  frame.tabIndex = -1;
  // Laid out but unseen (display: none would stop its timers and frames in some browsers).
  frame.style.cssText = "position:absolute;width:1px;height:1px;border:0;opacity:0;pointer-events:none;left:-10px;top:-10px";
  const loaded = new Promise((resolve, reject) => {
    frame.addEventListener("load", resolve, { once: true });
    setTimeout(() => reject(vaultError({ name: "RemoteUnreachableError",
      message: `The vault's page at ${url.href} did not load within ${timeoutMs / 1000} s.` })), timeoutMs);
  });
  document.body.append(frame);
  try {
    await loaded;
    const client = url.origin === location.origin ? direct(frame, url) : messaged(frame, url, timeoutMs);
    await client._opened;
    client._key = key;
    return client;
  } catch (err) {
    frame.remove();
    throw err;
  }
}

class VaultClient extends EventTarget {
  constructor(frame, url, call) {
    super();
    this.url = url.href;
    this._frame = frame;
    for (const name of METHODS) this[name] = (...args) => call(name, args);
  }

  _announce(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  /** Removes the vault's iframe; the client answers no more calls. */
  close() {
    this._frame.remove();
    this._regenerate?.close();
    opened.delete(this._key);
  }
}

// Same origin: the iframe's window.assetVault, called directly. Results and errors are made
// again in this page's realm (structuredClone keeps Blobs as they are, without copying bytes),
// so `instanceof Error`, `Array.isArray` and the like behave as callers expect.
function direct(frame, url) {
  const win = frame.contentWindow;
  if (!win.assetVaultReady) {
    throw vaultError({ name: "NotFoundError", message: `${url.href} is not the vault's page (no window.assetVaultReady there).` });
  }
  const call = async (name, args) => {
    const vault = await win.assetVaultReady.catch((err) => { throw vaultError(err); });
    try {
      return structuredClone(await vault[name](...args));
    } catch (err) {
      throw vaultError(err);
    }
  };
  const client = new VaultClient(frame, url, call);
  client.ready = win.assetVaultReady.then(() => client, (err) => { throw vaultError(err); });
  client.ready.catch(() => {});
  win.addEventListener("assetvault:change", (event) => client._announce("assetvault:change", structuredClone(event.detail)));
  // "Regenerate" is clicked in a vault tab, never in this hidden iframe: vault pages broadcast it
  // (static/vault-host.js), and this page, of the same origin, hears that channel itself.
  if ("BroadcastChannel" in window) {
    client._regenerate = new BroadcastChannel("assetVault:regenerate");
    client._regenerate.onmessage = (event) => client._announce("assetvault:regenerate", event.data);
  }
  client._opened = Promise.resolve();
  return client;
}

// Another origin: postMessage to the iframe (static/vault-host.js answers), each call by its id.
function messaged(frame, url, timeoutMs) {
  const win = frame.contentWindow;
  const waiting = new Map();  // id -> {resolve, reject}
  let next = 0;
  const call = (name, args) => new Promise((resolve, reject) => {
    const id = ++next;
    waiting.set(id, { resolve, reject });
    win.postMessage({ assetVault: "call", id, method: name, args }, url.origin);
  });
  const client = new VaultClient(frame, url, call);
  addEventListener("message", (event) => {
    const message = event.data;
    if (event.source !== win || event.origin !== url.origin || !message) return;
    if (message.assetVault === "reply" && waiting.has(message.id)) {
      const { resolve, reject } = waiting.get(message.id);
      waiting.delete(message.id);
      if (message.error) reject(vaultError(message.error));
      else resolve(message.value);
    } else if (message.assetVault === "event" && EVENTS.includes(message.type)) {
      client._announce(message.type, message.detail);
    }
  });
  const hello = call("hello", []);
  client._opened = Promise.race([hello, new Promise((_, reject) => setTimeout(() => reject(vaultError({
    name: "RemoteUnreachableError",
    message: `The page at ${url.href} loaded but did not answer: is it the vault's page?` })), timeoutMs))]);
  client.ready = client._opened.then(() => call("version", [])).then(() => client);
  client.ready.catch(() => {});
  return client;
}
