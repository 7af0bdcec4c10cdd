// Build step (tools/build.py): the start-up snapshot shipped with the app, so that a first visit
// starts from one too (static/start.mjs). Made by the same Pyodide files the page loads; a
// snapshot made in Node restores in the page (checked in tests/e2e/test_snapshot.py).
//     node tools/snapshot.mjs OUT.bin
import { readFile, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { loadPyodide } from "../static/vendor/pyodide/pyodide.mjs";
import { makeSnapshot } from "../static/snapshot-make.mjs";

const root = new URL("../", import.meta.url);
const bytes = await makeSnapshot(loadPyodide, fileURLToPath(new URL("static/vendor/pyodide/", root)),
  await readFile(new URL("pyscript.toml", root), "utf8"), async (from) => new Uint8Array(await readFile(new URL(from, root))));
await writeFile(process.argv[2], bytes);
