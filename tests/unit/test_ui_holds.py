"""The views' drawing waits while a pointer is pressed (app/browser/ui/presses.py) only where they
wake through a ``Held`` proxy or ``pause``: checked here over the views' source, so a new view
or a new call cannot quietly draw under a press.

``Held`` holds coroutine methods (``async def``); a plain method that returns an awaitable would
pass through unheld, and so would an ``asyncio.sleep``."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
UI = ROOT / "app" / "browser" / "ui"
# What the views reach through Held, and the modules of the class whose methods they are.
HELD = {"vault": "app/core/vault.py app/core/reads.py app/core/restored.py",
        "backup": "app/core/backup/service.py app/core/backup/uploader.py app/core/backup/manifest_sync.py "
                  "app/core/backup/remote_projects.py",
        "bridge": "app/browser/bridge.py", "tracker": "app/core/tracker.py", "snapshot": "app/browser/snapshot.py",
        "marks": "app/core/backup_marks.py"}  # the vault's facet (shell.FACETS)


def coroutine_methods(paths: str) -> set[str]:
    trees = [ast.parse((ROOT / path).read_text()) for path in paths.split()]
    return {node.name for tree in trees for node in ast.walk(tree) if isinstance(node, ast.AsyncFunctionDef)}


def awaited_calls():
    """(file, line, holder, method) for each ``await <...>.<holder>.<method>(...)`` in the views."""
    for path in UI.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if not (isinstance(node, ast.Await) and isinstance(node.value, ast.Call)):
                continue
            func = node.value.func
            if isinstance(func, ast.Attribute):
                holder = func.value
                name = holder.attr if isinstance(holder, ast.Attribute) else getattr(holder, "id", None)
                yield path.name, node.lineno, name, func.attr


def test_every_awaited_call_on_a_held_object_is_a_coroutine_method():
    methods = {holder: coroutine_methods(path) for holder, path in HELD.items()}
    calls = [(f, line, holder, m) for f, line, holder, m in awaited_calls() if holder in HELD]
    assert len(calls) > 30  # the walk found the views' calls
    unheld = [f"{f}:{line} {holder}.{m}" for f, line, holder, m in calls if m not in methods[holder]]
    assert unheld == []


def test_views_sleep_through_pause():
    sleeps = []
    for path in UI.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "sleep"
                    and getattr(node.func.value, "id", None) == "asyncio"):
                zero = node.args and isinstance(node.args[0], ast.Constant) and node.args[0].value == 0
                if not zero and path.name != "presses.py":  # a turn of the loop draws nothing
                    sleeps.append(f"{path.name}:{node.lineno}")
    assert sleeps == [], "views sleep with presses.pause, which wakes only when no pointer is pressed"


def test_views_meet_their_services_through_the_shell_or_held():
    """The shell holds what main hands it; a view built with a service of its own holds it."""
    shell = (UI / "shell.py").read_text()
    for name in set(HELD) - {"marks"}:
        assert f'{name} = property(lambda self: self._held["{name}"]' in shell
    assert 'FACETS = {"vault": ("marks",)}' in shell


def test_every_attribute_the_views_await_through_is_held():
    """``self.shell.vault.marks.x()``: a facet the Held list does not know would go unheld."""
    holders = {holder for _, _, holder, _ in awaited_calls()}
    assert "marks" in holders
    services = {"shell", "self", "view", "grid", "panel", "js", "asyncio", "transfer", "PRESSES", "presses",
                "clipboard"}  # not services: the views themselves, the page's own objects
    unknown = {h for h in holders if h is not None and h not in HELD and h not in services}
    assert unknown == set(), unknown
    assert "self.backup = Held(backup)" in (UI / "backup_panel.py").read_text()
