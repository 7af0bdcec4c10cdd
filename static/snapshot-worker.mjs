// Makes a start-up snapshot in the browser (static/snapshot-make.mjs), where the build's own could
// not be used. Runs in a worker because an interpreter made for a snapshot cannot touch the DOM.
import { loadPyodide } from "./vendor/pyodide/pyodide.mjs";
import { makeSnapshot } from "./snapshot-make.mjs";

const INDEX_URL = new URL("./vendor/pyodide/", import.meta.url).href;

async function get(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return response;
}

self.onmessage = async ({ data: { cache, url, config } }) => {
  try {
    const bytes = await makeSnapshot(loadPyodide, INDEX_URL, await (await get(config)).text(),
      async (from) => new Uint8Array(await (await get(new URL(from, config).href)).arrayBuffer()));
    await (await caches.open(cache)).put(url, new Response(bytes, {
      headers: { "content-type": "application/octet-stream", "content-length": String(bytes.byteLength) } }));
    self.postMessage({ size: bytes.byteLength });
  } catch (err) {
    self.postMessage({ error: String(err && err.message || err) });
  }
};
