// What a start-up snapshot holds: a Pyodide with pyscript.toml's [files] written where PyScript
// puts them (an archive whose target ends in "/*" unpacked there, as PyScript does) and every
// Python module among them imported, as a memory image (~31 MB). Made at build time in Node
// (tools/snapshot.mjs: the one a first visit starts from) and, where that one cannot be used, in
// the browser (static/snapshot-worker.mjs). `read(from)` gives the bytes of a [files] source.
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
    if (to.endsWith("/*")) {
      pyodide.unpackArchive(body, from.split(".").pop(), { extractDir: to.slice(0, -1) });
      continue;
    }
    const dir = to.split("/").slice(0, -1).join("/");
    if (dir) pyodide.FS.mkdirTree(dir);
    pyodide.FS.writeFile(to, body);
  }
  // Every module written under the working directory (where PyScript's "./" targets go).
  const imported = pyodide.runPython(`
import importlib, pathlib
_paths = sorted(pathlib.Path(".").rglob("*.py"))
for _path in _paths:
    importlib.import_module(".".join(_path.with_suffix("").parts).removesuffix(".__init__"))
_count = len(_paths)
del _files, _paths, _path, importlib, pathlib
_count`);
  if (!imported) throw new Error("pyscript.toml's [files] wrote no Python module where PyScript's go");
  return pyodide.makeMemorySnapshot();
}
