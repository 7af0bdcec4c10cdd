// What a start-up snapshot holds: a Pyodide with every module of pyscript.toml's [files] written
// where PyScript puts them and imported, as a memory image (~31 MB). Made at build time in Node
// (tools/snapshot.mjs: the one a first visit starts from) and, where that one cannot be used, in
// the browser (static/snapshot-worker.mjs). `read(from)` gives the text of a [files] source.
export async function makeSnapshot(loadPyodide, indexURL, configText, read) {
  const pyodide = await loadPyodide({ indexURL, _makeSnapshot: true });
  pyodide.FS.writeFile("/tmp/pyscript.toml", configText);
  const files = pyodide.runPython(`
import tomllib
with open("/tmp/pyscript.toml", "rb") as f:
    _files = list(tomllib.load(f).get("files", {}).items())
del f, tomllib
_files`);
  const pairs = files.toJs();
  files.destroy();
  for (const [from, to] of pairs) {
    const body = await read(from);
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
  return pyodide.makeMemorySnapshot();
}
