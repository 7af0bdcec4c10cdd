// Makes the start-up snapshot static/start.mjs restores: a Pyodide with the app's modules
// imported, as a memory image. Runs in a worker because an interpreter made for a snapshot
// cannot touch the DOM. The app's files go where PyScript puts them ([files] of pyscript.toml).
import { loadPyodide } from "./vendor/pyodide/pyodide.mjs";

const INDEX_URL = new URL("./vendor/pyodide/", import.meta.url).href;

async function text(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return response.text();
}

self.onmessage = async ({ data: { cache, url, config } }) => {
  try {
    const pyodide = await loadPyodide({ indexURL: INDEX_URL, _makeSnapshot: true });
    pyodide.FS.writeFile("/tmp/pyscript.toml", await text(config));
    const files = pyodide.runPython(`
import tomllib
with open("/tmp/pyscript.toml", "rb") as f:
    _files = list(tomllib.load(f).get("files", {}).items())
del f, tomllib
_files`);
    const pairs = files.toJs();
    files.destroy();
    for (const [from, to] of pairs) {
      const body = await text(new URL(from, config).href);
      const dir = to.split("/").slice(0, -1).join("/");
      if (dir) pyodide.FS.mkdirTree(dir);
      pyodide.FS.writeFile(to, body);
    }
    pyodide.runPython(`
import importlib
for _from, _to in _files:
    if _to.endswith(".py"):
        importlib.import_module(_to.removeprefix("./").removesuffix(".py").removesuffix("/__init__").replace("/", "."))
del _files, _from, _to, importlib`);
    const bytes = pyodide.makeMemorySnapshot();
    await (await caches.open(cache)).put(url, new Response(bytes, {
      headers: { "content-type": "application/octet-stream", "content-length": String(bytes.byteLength) } }));
    self.postMessage({ size: bytes.byteLength });
  } catch (err) {
    self.postMessage({ error: String(err && err.message || err) });
  }
};
