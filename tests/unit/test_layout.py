"""The app's shape: small modules, short functions, no import cycle (imports inside functions count)."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 40


def test_every_app_module_is_small():
    big = {p.relative_to(ROOT).as_posix(): n for p in (ROOT / "app").rglob("*.py")
           if (n := len(p.read_text().splitlines())) > MAX_MODULE_LINES}
    assert big == {}


def test_every_app_function_is_short():
    long = [f"{p.relative_to(ROOT).as_posix()}:{node.lineno} {node.name} ({node.end_lineno - node.lineno + 1} lines)"
            for p in (ROOT / "app").rglob("*.py") for node in ast.walk(ast.parse(p.read_text()))
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
            and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES]
    assert long == []


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


def test_the_blob_and_store_ports_declare_every_method_the_core_calls():
    """``<...>.blobs.x(...)`` and ``<...>.store.x(...)`` in app/core: x is declared on BlobPort / StorePort."""
    ports = ast.parse((ROOT / "app" / "core" / "ports.py").read_text())
    declared = {c.name: {n.name for n in c.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
                for c in ports.body if isinstance(c, ast.ClassDef)}
    port_of = {"blobs": "BlobPort", "store": "StorePort"}
    called = set()
    for p in (ROOT / "app" / "core").rglob("*.py"):
        for node in ast.walk(ast.parse(p.read_text())):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and isinstance(node.func.value, ast.Attribute) and node.func.value.attr in port_of):
                called.add((port_of[node.func.value.attr], node.func.attr, p.name))
    assert len(called) > 30  # the walk finds the calls
    assert sorted((port, name, f) for port, name, f in called if name not in declared[port]) == []


def test_nothing_outside_the_vault_reaches_into_it():
    """``vault.blobs``, ``vault.clock``, ``vault.store`` are the vault's own; nothing sets its attributes."""
    door = {"vault.py", "reads.py", "restored.py"}
    reaching = []
    for p in (ROOT / "app").rglob("*.py"):
        if p.parent.name == "core" and p.name in door:
            continue
        for node in ast.walk(ast.parse(p.read_text())):
            if not isinstance(node, ast.Attribute):
                continue
            owner = node.value
            named = owner.id if isinstance(owner, ast.Name) else getattr(owner, "attr", None)
            if named == "vault" and (node.attr in ("blobs", "clock", "store") or isinstance(node.ctx, ast.Store)):
                reaching.append(f"{p.relative_to(ROOT).as_posix()}:{node.lineno} vault.{node.attr}")
    assert reaching == []


def test_changes_reach_the_page_only_through_the_vaults_stream():
    """Shell.changed is a subscriber of the one stream (wired in main.py), never called by a view
    or a service."""
    callers = []
    for path in sorted((ROOT / "app").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and node.attr == "changed" and isinstance(node.value, (ast.Attribute, ast.Name)):
                owner = node.value.attr if isinstance(node.value, ast.Attribute) else node.value.id
                if owner == "shell":
                    callers.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert callers and {c.split(":")[0] for c in callers} == {"app/main.py"}, callers
