"""The selection bar of a project's grid (select all, copy refs, export, delete) and deleting
with Undo: what a person picked, acted on at once."""

from __future__ import annotations

import asyncio

import js

from app.core import fmt, transfer

from .dom import h

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
        await asyncio.sleep(UNDO_S)
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
                         h("button", {"class": "small danger", "id": "picked-delete", "onclick": on(lambda _e: self.delete())},
                           "Delete"),
                         h("button", {"class": "small", "id": "picked-clear", "onclick": on(lambda _e: view.unpick_all()),
                                      "aria-keyshortcuts": "Escape"}, "Clear"))
        self.el = h("div", {"class": "selection-bar", "id": "selection-bar"}, self.all, self.count, self.actions)

    def update(self) -> None:
        picked = len(self.view.picked)
        self.count.textContent = f"{picked:,} selected" if picked else ""
        self.actions.hidden = picked == 0

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
        from .project_view import save_as  # the one download helper

        metas = self._picked_metas()
        shell = self.view.shell

        async def export():
            name, blob, missing = await transfer.export_project(
                shell.vault, self.view.project_id, int(js.Date.now()), None, {m["ref"] for m in metas})
            name = name[:-4] + f"-{len(metas)}-files.zip"
            save_as(blob, name)
            shell.notify(f"Exported {len(metas) - len(missing):,} files as {name} ({fmt.size(int(blob.size))}).")
            if missing:
                shell.notify("Left out (their stored bytes are gone): " + ", ".join(missing), "warn")
        shell.run(export())

    def delete(self) -> None:
        metas = self._picked_metas()
        if metas:
            self.view.unpick_all()
            delete_with_undo(self.view.shell, metas)
