// The vault page's side of static/vault-client.js for host apps on other origins: calls arrive by
// postMessage and are answered only for this page's own origin and the origins the vault's owner
// listed with configure({hostOrigins}). The list is read from localStorage on every message, so
// a removal takes effect at once and a call is answered (or refused) before Python has started;
// allowed calls wait on window.assetVaultReady. Blobs cross by structured clone: no copies, no
// base64. Changes (assetvault:change) and requests to regenerate (assetvault:regenerate) go on
// to every client that said hello, while its origin stays listed.
(() => {
  const SETTINGS = "assetVault:settings";  // app/core/settings.py KEY, under app/core/refs.py PREFIX
  const EVENTS = ["assetvault:change", "assetvault:regenerate"];
  const clients = new Map();  // window -> origin

  const listed = (origin) => {
    if (origin === location.origin) return true;
    try {
      const hosts = JSON.parse(localStorage.getItem(SETTINGS) || "{}").hostOrigins;
      return Array.isArray(hosts) && hosts.includes(origin);
    } catch {
      return false;  // storage blocked: only the vault's own origin
    }
  };

  const refusal = (origin) => ({
    name: "NotAllowedError",
    message: `This vault does not answer pages of ${origin}. Its owner can allow them on the vault's own ` +
      `page: assetVault.configure({hostOrigins: ["${origin}"]}).`,
  });

  addEventListener("message", async (event) => {
    const call = event.data;
    if (!call || call.assetVault !== "call" || event.source === null || event.origin === "null") return;
    const reply = (body) => {
      try {
        event.source.postMessage({ assetVault: "reply", id: call.id, ...body }, event.origin);
      } catch (err) {  // a result that cannot be cloned: said, not lost
        event.source.postMessage({ assetVault: "reply", id: call.id,
          error: { name: "DataCloneError", message: `The result of ${call.method} could not be sent: ${err.message}` } },
        event.origin);
      }
    };
    if (!listed(event.origin)) {
      reply({ error: refusal(event.origin) });
      return;
    }
    if (call.method === "hello") {
      clients.set(event.source, event.origin);
      reply({ value: true });
      return;
    }
    try {
      const vault = await window.assetVaultReady;
      if (typeof vault[call.method] !== "function") {
        throw Object.assign(new Error(`The vault has no method ${String(call.method).slice(0, 60)}.`),
          { name: "InvalidInputError" });
      }
      reply({ value: await vault[call.method](...(Array.isArray(call.args) ? call.args : [])) });
    } catch (err) {
      reply({ error: { name: err?.name || "Error", message: err?.message || String(err) } });
    }
  });

  const forward = (type, detail) => {
    for (const [client, origin] of clients) {
      if (client.closed || !listed(origin)) {
        clients.delete(client);
        continue;
      }
      client.postMessage({ assetVault: "event", type, detail }, origin);
    }
  };
  for (const type of EVENTS) addEventListener(type, (event) => forward(type, event.detail));

  // "Regenerate" is clicked in a vault tab, and the generator that answers it is often a host app
  // in another tab, holding the vault in its iframe: the request reaches every such client once.
  // (Changes need no relay here: every vault page announces them already.)
  if ("BroadcastChannel" in window) {
    const regenerate = new BroadcastChannel("assetVault:regenerate");
    addEventListener("assetvault:regenerate", (event) => regenerate.postMessage(event.detail));
    regenerate.onmessage = (event) => forward("assetvault:regenerate", event.data);
  }
})();
