"""app/core must import under CPython: no browser runtime modules, directly or by name."""

import ast
import tomllib
import zipfile
from pathlib import Path

from tools import build

ROOT = Path(__file__).resolve().parents[2]
BROWSER_MODULES = {"js", "pyodide", "pyscript"}


def test_core_imports_no_browser_runtime():
    offenders = []
    for path in (ROOT / "app" / "core").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] in BROWSER_MODULES]
    assert offenders == []


def test_pyscript_config_ships_every_app_module(tmp_path):
    """The page gets app/ as the build's archive, unpacked where PyScript's "./" targets go."""
    config = tomllib.loads((ROOT / "pyscript.toml").read_text())
    assert config["files"] == {"./" + build.APP_ARCHIVE.relative_to(ROOT).as_posix(): "./*"}
    first, again = tmp_path / "a.zip", tmp_path / "b.zip"
    build.app_archive(ROOT, first)
    build.app_archive(ROOT, again)
    assert first.read_bytes() == again.read_bytes()  # same modules, same archive, same app version
    on_disk = {p.relative_to(ROOT).as_posix(): p.read_bytes()
               for p in (ROOT / "app").rglob("*.py") if "__pycache__" not in p.parts}
    with zipfile.ZipFile(first) as zf:
        assert {name: zf.read(name) for name in zf.namelist()} == on_disk

