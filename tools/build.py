"""Generate static/vendor/ from node_modules and write the offline precache manifest.

    python tools/build.py

Idempotent; run by `make setup`. Copies the runtime files the page may load (Pyodide's core and
every PyScript chunk, which it imports lazily; no source maps), then lists every file the app
needs offline and hashes them into one version, so the service worker precaches one consistent
version and the browser notices when a new one is deployed.

The list is derived from what the page loads, not written by hand (a hand-kept list once missed
static/vault-ready.js, and offline starts lost window.assetVaultReady): every same-origin URL in
index.html's src/href attributes and in the files those name (the web manifest's icons),
pyscript.toml's interpreter and [files], and the whole vendored runtime. An e2e test checks the
list against every request a real first visit makes.

The app's modules go to the page as one archive, static/vendor/app.zip, made here from app/.

Last, the start-up snapshot a first visit starts from (tools/snapshot.mjs, in Node, ~3 s): made
again only when the app version changes, as static/vendor/snapshot-<version>.bin. It is not in the
list: static/start.mjs fetches it and keeps it in the version's cache itself, when there is room.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
NODE = ROOT / "node_modules"
VENDOR = ROOT / "static" / "vendor"
# Every module of the app package in one file (pyscript.toml's [files] unpacks it where the
# modules go): one request on a start, not one per module. A start from the snapshot has them
# imported already, and 56 requests were ~70 ms of a ~650 ms warm start.
APP_ARCHIVE = VENDOR / "app.zip"

PYODIDE_FILES = [
    "pyodide.mjs",
    "pyodide.asm.mjs",
    "pyodide.asm.wasm",
    "python_stdlib.zip",
    "pyodide-lock.json",
]

# The service worker is not precached: the browser fetches and manages it itself.
NOT_PRECACHED = {"static/sw.js"}
# Written here with the version in it, so it is listed but not part of what the version hashes.
APP_VERSION = "static/vendor/app-version.mjs"
# What a JS module loads: its imports, and the scripts it names relative to itself (workers).
_MODULE_LINKS = re.compile(r'(?:\bfrom\s+|\bimport\s*\(\s*|new URL\(\s*)"([^"]+\.m?js)"')


def copy_if_changed(src: Path, dst: Path) -> None:
    if dst.exists() and dst.stat().st_size == src.stat().st_size and dst.read_bytes() == src.read_bytes():
        return
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dst)


def vendor() -> list[Path]:
    copied = []
    for name in PYODIDE_FILES:
        src = NODE / "pyodide" / name
        copy_if_changed(src, VENDOR / "pyodide" / name)
        copied.append(VENDOR / "pyodide" / name)
    dist = NODE / "@pyscript" / "core" / "dist"
    for src in sorted(dist.iterdir()):
        if src.suffix in (".js", ".css"):
            copy_if_changed(src, VENDOR / "pyscript" / src.name)
            copied.append(VENDOR / "pyscript" / src.name)
    return copied


def app_modules(root: Path = ROOT) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in (root / "app").rglob("*.py") if "__pycache__" not in p.parts)


def app_archive(root: Path = ROOT, out: Path = APP_ARCHIVE) -> None:
    """Written only when its bytes change; fixed dates, so the same modules give the same
    archive (it is part of what the app version hashes)."""
    part = out.with_suffix(".part")
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(part, "w", zipfile.ZIP_DEFLATED) as zf:
        for rel in app_modules(root):
            info = zipfile.ZipInfo(rel, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, (root / rel).read_bytes())
    if out.exists() and out.read_bytes() == part.read_bytes():
        part.unlink()
    else:
        part.replace(out)


class _Links(HTMLParser):
    """The src and href attributes of a page's elements."""

    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.urls += [value for name, value in attrs if name in ("src", "href") and value]


def _local(url: str, base: str) -> str | None:
    """A same-origin URL relative to ``base`` (a repo-relative folder) as a repo path, else None."""
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or url.startswith(("#", "/")):
        return None
    path = (Path(base) / parts.path).as_posix() if base else parts.path
    clean = []
    for piece in path.split("/"):
        if piece == "..":
            clean.pop()
        elif piece not in ("", "."):
            clean.append(piece)
    return "/".join(clean) or None


def shell_files(root: Path = ROOT) -> list[str]:
    """Repo paths of what index.html and pyscript.toml load, and what those files name in turn."""
    found: list[str] = ["index.html", "pyscript.toml"]
    page = _Links()
    page.feed((root / "index.html").read_text())
    page.urls += re.findall(r'config="([^"]+)"', (root / "index.html").read_text())
    found += [p for p in (_local(u, "") for u in page.urls) if p]
    config = tomllib.loads((root / "pyscript.toml").read_text())
    found += [p for p in (_local(config.get("interpreter", ""), ""),) if p]
    found += [p for p in (_local(src, "") for src in config.get("files", {})) if p]
    for modules in config.get("js_modules", {}).values():
        found += [p for p in (_local(src, "") for src in modules) if p]
    for rel in found:  # grows as it goes: a worker named by a module is scanned in turn
        if rel.endswith(".webmanifest"):
            icons = json.loads((root / rel).read_text()).get("icons", [])
            found += [p for p in (_local(i["src"], str(Path(rel).parent)) for i in icons) if p]
        elif rel.endswith(".mjs") and rel != APP_VERSION and not rel.startswith("static/vendor/"):
            found += [p for p in (_local(u, str(Path(rel).parent)) for u in
                                  _MODULE_LINKS.findall((root / rel).read_text())) if p and p not in found]
    missing = [rel for rel in found if rel != APP_VERSION and not (root / rel).is_file()]
    if missing:
        raise SystemExit(f"The page loads files that do not exist: {', '.join(missing)}")
    return sorted(set(found) - NOT_PRECACHED)


def precache_manifest(runtime: list[Path], root: Path = ROOT) -> dict:
    digest = hashlib.sha256()
    # "./" is the page itself as a navigation asks for it; it is index.html.
    entries = [("./", root / "index.html")]
    entries += [(rel, root / rel) for rel in shell_files(root)]
    entries += [(p.relative_to(root).as_posix(), p) for p in runtime
                if p.relative_to(root).as_posix() not in {rel for rel, _ in entries}]
    for rel, path in entries:
        if rel == APP_VERSION:
            continue
        digest.update(rel.encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    return {"version": digest.hexdigest()[:16], "files": [rel for rel, _ in entries]}


def snapshot(version: str) -> None:
    out = VENDOR / f"snapshot-{version}.bin"
    for old in VENDOR.glob("snapshot-*.bin"):
        if old != out:
            old.unlink()
    if out.exists():
        return
    part = out.with_suffix(".part")
    subprocess.run(["node", str(ROOT / "tools" / "snapshot.mjs"), str(part)], check=True)
    part.replace(out)


def main() -> int:
    if not NODE.is_dir():
        print("node_modules/ is missing: run `npm ci` first.", file=sys.stderr)
        return 1
    runtime = vendor()
    app_archive()
    manifest = precache_manifest(runtime)
    out = VENDOR / "precache-manifest.js"
    text = "// Generated by tools/build.py: the files one app version needs offline.\n"
    text += f"self.PRECACHE = {json.dumps(manifest, indent=1)};\n"
    if not out.exists() or out.read_text() != text:
        out.write_text(text)
    version = ROOT / APP_VERSION
    text = f'// Generated by tools/build.py.\nexport const APP_VERSION = "{manifest["version"]}";\n'
    if not version.exists() or version.read_text() != text:
        version.write_text(text)
    snapshot(manifest["version"])
    print(f"static/vendor ready ({len(runtime)} runtime files), app version {manifest['version']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
