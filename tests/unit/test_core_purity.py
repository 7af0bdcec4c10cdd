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


def _app_imports() -> dict[str, set[str]]:
    """Each app module and the app modules it imports, at the top or inside a function."""
    graph: dict[str, set[str]] = {}
    for path in (ROOT / "app").rglob("*.py"):
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        found = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                found |= {a.name for a in node.names}
            elif isinstance(node, ast.ImportFrom):
                base = package
                for _ in range(node.level - 1):
                    base = base.rpartition(".")[0]
                target = (f"{base}.{node.module}" if node.module else base) if node.level else node.module or ""
                found.add(target)
                found |= {f"{target}.{a.name}" for a in node.names}  # "from . import fmt" names a module
        graph[module] = found
    return {m: {i for i in found if i in graph and i != m} for m, found in graph.items()}


def test_no_import_cycle_in_the_app():
    graph, cycles = _app_imports(), []

    def visit(module: str, path: list[str]) -> None:
        for target in graph[module]:
            if target in path:
                cycles.append(path[path.index(target):] + [target])
            elif target not in done:
                visit(target, path + [target])
        done.add(module)

    done: set[str] = set()
    for module in sorted(graph):
        if module not in done:
            visit(module, [module])
    assert cycles == []
    assert "app.browser.ui.dom" in graph["app.browser.ui.picking"]  # the walk sees imports at all
