"""app/core must import under CPython: no browser runtime modules, directly or by name."""

import ast
import tomllib
from pathlib import Path

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


def test_pyscript_config_ships_every_app_module():
    config = tomllib.loads((ROOT / "pyscript.toml").read_text())
    shipped = {target.lstrip("./") for target in config["files"].values()}
    on_disk = {p.relative_to(ROOT).as_posix() for p in (ROOT / "app").rglob("*.py") if "__pycache__" not in p.parts}
    assert shipped == on_disk
