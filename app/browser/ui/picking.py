"""The selection bar of a project's grid (select all, copy refs, export, move, delete), and
moving and deleting with Undo: what a person picked, acted on at once."""

from __future__ import annotations

import js

from app.core import fmt

from .dom import by_id, h, save_as
from .presses import pause

UNDO_S = 6  # as long as the notice that offers it shows


def delete_with_undo(shell, metas: list[dict]) -> None:
    """The files leave every list at once and are deleted when the Undo offer ends (closing the
    tab before that keeps them: nothing is lost by a slip)."""
    refs = [m["ref"] for m in metas]
    label = metas[0]["name"] if len(metas) == 1 else f"{len(metas):,} files"
    undone = []
    shell.doomed.update(refs)
    _refilter(shell)

    def undo() -> None:
        undone.append(True)
        shell.doomed.difference_update(refs)
        _refilter(shell)
        shell.notify(f"Kept {label}.")

    async def delete() -> None:
        await pause(UNDO_S)  # an Undo pressed as the offer ends is still heard
        if undone:
            return
        try:
            for ref in refs:
                await shell.vault.delete_asset(ref)
        finally:
            shell.doomed.difference_update(refs)
        shell.refresh_usage()
    shell.notify(f"Deleted {label}.", action=("Undo", undo))
    shell.run(delete())


def move_with_undo(shell, metas: list[dict], source: str, target: str, title: str) -> None:
    """Moved at once (nothing is lost by a move); Undo moves them back."""
    refs = [m["ref"] for m in metas]
    label = metas[0]["name"] if len(metas) == 1 else f"{len(metas):,} files"

    async def back() -> None:
        await shell.vault.move_assets(refs, source)
        shell.notify(f"Moved {label} back.")

    async def move() -> None:
        await shell.vault.move_assets(refs, target)
        shell.notify(f"Moved {label} to “{title}”.", action=("Undo", lambda: shell.run(back())))
    shell.run(move())


def _refilter(shell) -> None:
    refilter = getattr(shell.view, "refilter", None)
    if refilter is not None:
        refilter()


class SelectionBar:
    def __init__(self, view):
        self.view = view
        on = view.zone_scope.on
        self.count = h("span", {"id": "picked-count", "aria-live": "polite"})
        self.all = h("button", {"class": "small", "id": "pick-all", "onclick": on(lambda _e: view.pick_all()),
                                "aria-keyshortcuts": "Control+A"}, "Select all")
        self.actions = h("span", {"class": "picked-actions", "hidden": True},
                         h("button", {"class": "small", "id": "picked-copy", "onclick": on(lambda _e: self.copy())}, "Copy refs"),
                         h("button", {"class": "small", "id": "picked-export", "onclick": on(lambda _e: self.export())},
                           "Export .zip"),
                         h("button", {"class": "small", "id": "picked-move", "aria-haspopup": "true",
                                      "onclick": on(lambda _e: view.shell.run(self.offer_move()))}, "Move to…"),
                         h("button", {"class": "small danger", "id": "picked-delete", "onclick": on(lambda _e: self.delete())},
                           "Delete"),
                         h("button", {"class": "small", "id": "picked-clear", "onclick": on(lambda _e: view.unpick_all()),
                                      "aria-keyshortcuts": "Escape"}, "Clear"))
        self.target = h("select", {"id": "move-target"})
        self.mover = h("span", {"class": "move-to", "id": "move-to", "hidden": True},
                       h("label", {"for": "move-target"}, "Move to"), self.target,
                       h("button", {"class": "small", "id": "move-confirm", "onclick": on(lambda _e: self.move())}, "Move"),
                       h("button", {"class": "small", "id": "move-cancel", "onclick": on(lambda _e: self.close_move())},
                         "Cancel"))
        self.el = h("div", {"class": "selection-bar", "id": "selection-bar"}, self.all, self.count, self.actions, self.mover)

    def update(self) -> None:
        picked = len(self.view.picked)
        self.count.textContent = f"{picked:,} selected" if picked else ""
        self.actions.hidden = picked == 0
        if picked == 0:
            self.mover.hidden = True

    def _picked_metas(self) -> list[dict]:
        shown = {m["ref"]: m for m in self.view.listing.metas}
        return [shown[r] for r in self.view.picked.ordered([m["ref"] for m in self.view.grid.metas]) if r in shown]

    def copy(self) -> None:
        refs = [m["ref"] for m in self._picked_metas()]
        shell = self.view.shell

        async def copy():
            try:
                await js.navigator.clipboard.writeText("\n".join(refs))
                shell.notify(f"Copied {len(refs):,} refs, one per line.")
            except Exception:
                shell.notify("The browser blocked the clipboard; the refs are: " + " ".join(refs[:50])
                             + (" …" if len(refs) > 50 else ""), "warn")
        shell.run(copy())

    def export(self) -> None:
        metas = self._picked_metas()
        shell = self.view.shell

        async def export():
            name, blob, missing = await shell.vault.export_project(
                self.view.project_id, int(js.Date.now()), None, {m["ref"] for m in metas})
            name = name[:-4] + f"-{len(metas)}-files.zip"
            save_as(blob, name)
            shell.notify(f"Exported {fmt.count(len(metas) - len(missing), 'file')} as {name} ({fmt.size(int(blob.size))}).")
            if missing:
                shell.notify("Left out (their stored bytes are gone): " + ", ".join(missing), "warn")
        shell.run(export())

    async def offer_move(self) -> None:
        """The other projects to choose from, newest first (where frames of a new take go)."""
        others = [p for p in await self.view.shell.vault.list_projects() if p["id"] != self.view.project_id]
        if not others:
            self.view.shell.notify("There is no other project to move files to: make one on the projects page first.",
                                   "warn")
            return
        self.target.replaceChildren(*[h("option", {"value": p["id"]}, p["title"])
                                      for p in sorted(others, key=lambda p: -p["updatedAt"])])
        self.mover.hidden = False
        self.target.focus()

    def close_move(self) -> None:
        self.mover.hidden = True
        by_id("picked-move").focus()

    def move(self) -> None:
        metas, option = self._picked_metas(), self.target.selectedOptions.item(0)
        self.mover.hidden = True
        if metas and option is not None:
            self.view.unpick_all()
            move_with_undo(self.view.shell, metas, self.view.project_id, str(option.value), str(option.textContent))

    def delete(self) -> None:
        metas = self._picked_metas()
        if metas:
            self.view.unpick_all()
            delete_with_undo(self.view.shell, metas)
